/**
 * Testcontainers' wait strategies against berthd: each one is what its name
 * says only if berthd's logs (follow), exec, inspect (State.Health) and port
 * publishing answer as dockerd's do. Each test also checks the failing side:
 * a strategy that cannot be met rejects start() and leaves no container.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BUSYBOX, httpGet, skipTestcontainers, useTestcontainers } from './tc-suite.js';

describe('Testcontainers wait strategies', { skip: skipTestcontainers, timeout: 240_000 }, () => {
  const t = useTestcontainers();
  const d = t.d;

  async function assertNoContainers(): Promise<void> {
    const res = await d.request('GET', '/containers/json', { query: { all: 1 } });
    assert.deepEqual(res.json(), []);
  }

  test('log message: a string seen twice and a regex, on stdout and stderr', async () => {
    const c = await new t.tc.GenericContainer(BUSYBOX)
      .withCommand(['sh', '-c', 'echo starting; sleep 1; echo "ready to serve"; echo "ready to serve" >&2; echo "listening on port 1234" >&2; exec sleep 600'])
      .withWaitStrategy(t.tc.Wait.forAll([t.tc.Wait.forLogMessage('ready to serve', 2), t.tc.Wait.forLogMessage(/listening on port \d+/)]))
      .start();
    try {
      // start() resolved only after the second line, which comes a second after start.
      const logs = await d.request('GET', `/containers/${c.getId()}/logs`, { query: { stdout: 1, stderr: 1 } });
      assert.match(logs.body.toString('latin1'), /listening on port 1234/);
    } finally {
      await c.stop();
    }

    await assert.rejects(
      new t.tc.GenericContainer(BUSYBOX)
        .withCommand(['sh', '-c', 'echo nothing; exec sleep 600'])
        .withWaitStrategy(t.tc.Wait.forLogMessage('never printed'))
        .withStartupTimeout(2000)
        .start(),
      /Log message "never printed" not received after 2000ms/,
    );
    await assertNoContainers();
  });

  test('log message of a container that exits before printing it rejects at once', async () => {
    const t0 = Date.now();
    await assert.rejects(
      new t.tc.GenericContainer(BUSYBOX)
        .withCommand(['sh', '-c', 'echo bye; exit 1'])
        .withWaitStrategy(t.tc.Wait.forLogMessage('never printed'))
        .withStartupTimeout(30_000)
        .start(),
    );
    assert.ok(Date.now() - t0 < 20_000, 'the end of the log stream ends the wait');
    await assertNoContainers();
  });

  test('HTTP: waits until the path answers the expected status', async () => {
    const c = await new t.tc.GenericContainer(BUSYBOX)
      // The health page appears only after two seconds; until then httpd answers 404.
      .withCommand(['sh', '-c', 'mkdir -p /www; (sleep 2; echo up > /www/health) & exec httpd -f -p 8080 -h /www'])
      .withExposedPorts(8080)
      .withWaitStrategy(
        t.tc.Wait.forHttp('/health', 8080)
          .forStatusCode(200)
          .forResponsePredicate((body) => body === 'up\n'),
      )
      .start();
    try {
      assert.equal(await httpGet(c.getMappedPort(8080), '/health'), 'up\n');
    } finally {
      await c.stop();
    }

    await assert.rejects(
      new t.tc.GenericContainer(BUSYBOX)
        .withCommand(['sh', '-c', 'mkdir -p /www && exec httpd -f -p 8080 -h /www'])
        .withExposedPorts(8080)
        .withWaitStrategy(t.tc.Wait.forHttp('/missing', 8080).forStatusCode(200))
        .withStartupTimeout(2000)
        .start(),
      /URL \/missing not accessible after 2000ms/,
    );
    await assertNoContainers();
  });

  test('health check: healthy after the check starts passing; unhealthy rejects', async () => {
    const c = await new t.tc.GenericContainer(BUSYBOX)
      .withCommand(['sh', '-c', 'sleep 1; touch /tmp/ok; exec sleep 600'])
      .withHealthCheck({ test: ['CMD-SHELL', 'test -f /tmp/ok'], interval: 250, timeout: 1000, retries: 20, startPeriod: 0 })
      .withWaitStrategy(t.tc.Wait.forHealthCheck())
      .start();
    try {
      const state = (await d.request('GET', `/containers/${c.getId()}/json`)).json();
      assert.equal(state.State.Health.Status, 'healthy');
      assert.equal(state.Config.Healthcheck.Interval, 250_000_000);
    } finally {
      await c.stop();
    }

    await assert.rejects(
      new t.tc.GenericContainer(BUSYBOX)
        .withCommand(['sleep', '600'])
        .withHealthCheck({ test: ['CMD', 'false'], interval: 200, timeout: 1000, retries: 2 })
        .withWaitStrategy(t.tc.Wait.forHealthCheck())
        .withStartupTimeout(30_000)
        .start(),
      /Health check failed: unhealthy/,
    );
    await assertNoContainers();
  });

  test('listening ports: the default strategy waits for the host port and the port inside', async () => {
    const c = await new t.tc.GenericContainer(BUSYBOX)
      // Nothing listens for the first second and a half.
      .withCommand(['sh', '-c', 'mkdir -p /www && echo late > /www/index.html && sleep 1.5 && exec httpd -f -p 9090 -h /www'])
      .withExposedPorts(9090)
      .withWaitStrategy(t.tc.Wait.forListeningPorts())
      .start();
    try {
      assert.equal(await httpGet(c.getMappedPort(9090), '/index.html'), 'late\n');
    } finally {
      await c.stop();
    }

    await assert.rejects(
      new t.tc.GenericContainer(BUSYBOX).withCommand(['sleep', '600']).withExposedPorts(9091).withStartupTimeout(2000).start(),
      // Testcontainers waits for the host port and the port inside together: whichever times out first names
      // itself ("Port 32768 …" or "Port 9091/tcp …"), so either text is the same failure.
      /Port \d+(\/tcp)? not bound after 2000ms/,
    );
    await assertNoContainers();
  });

  test('successful command and one-shot startup', async () => {
    const c = await new t.tc.GenericContainer(BUSYBOX)
      .withCommand(['sh', '-c', 'sleep 1; touch /tmp/done; exec sleep 600'])
      .withWaitStrategy(t.tc.Wait.forSuccessfulCommand('test -f /tmp/done'))
      .start();
    try {
      assert.equal((await c.exec(['ls', '/tmp/done'])).exitCode, 0);
    } finally {
      await c.stop();
    }

    const once = await new t.tc.GenericContainer(BUSYBOX).withCommand(['sh', '-c', 'echo once']).withWaitStrategy(t.tc.Wait.forOneShotStartup()).start();
    const state = (await d.request('GET', `/containers/${once.getId()}/json`)).json();
    assert.equal(state.State.Status, 'exited');
    assert.equal(state.State.ExitCode, 0);
    await once.stop();

    await assert.rejects(
      new t.tc.GenericContainer(BUSYBOX).withCommand(['sh', '-c', 'exit 2']).withWaitStrategy(t.tc.Wait.forOneShotStartup()).withStartupTimeout(10_000).start(),
    );
    await assertNoContainers();
  });
});
