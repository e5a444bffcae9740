/**
 * Testcontainers' DockerComposeEnvironment against berthd. Testcontainers
 * shells out to a Compose CLI (npm `docker-compose`): `docker compose` (v2)
 * by default, or a standalone `docker-compose` when the client options say
 * `executable: { standalone: true }`. Compose v2 is not packaged in Debian 12
 * and cannot be fetched offline, so these tests drive Debian's docker-compose
 * 1.29 that way; it talks to berthd through DOCKER_HOST, which Testcontainers
 * passes on. 1.29 names containers `<project>_<service>_<n>`, which
 * Testcontainers takes as the container names for wait strategies and
 * getContainer().
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import type { DockerComposeEnvironment } from 'testcontainers';
import { httpGet, pullEvents, skipTestcontainers, useTestcontainers } from './tc-suite.js';

/** The project's source dir (the YAML is not compiled into dist/). */
const projectDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../test/conformance/testcontainers/compose-project');
const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
const skip = skipTestcontainers || (hasCompose ? false : 'docker-compose is not installed');

describe('Testcontainers DockerComposeEnvironment', { skip, timeout: 300_000 }, () => {
  const t = useTestcontainers({ skip });
  const d = t.d;

  /** The environment for project `name`, driven by the standalone docker-compose. */
  function environment(name: string): DockerComposeEnvironment {
    return new t.tc.DockerComposeEnvironment(projectDir, 'docker-compose.yml')
      .withProjectName(name)
      .withClientOptions({ executable: { standalone: true } })
      .withEnvironment({ GREETING: 'hello-from-compose' });
  }

  async function projectObjects(project: string): Promise<{ containers: number; networks: number; volumes: number }> {
    const label = encodeURIComponent(JSON.stringify({ label: [`com.docker.compose.project=${project}`] }));
    const containers = (await d.request('GET', `/containers/json?all=1&filters=${label}`)).json() as unknown[];
    const networks = (await d.request('GET', `/networks?filters=${label}`)).json() as unknown[];
    const volumes = ((await d.request('GET', `/volumes?filters=${label}`)).json() as { Volumes: unknown[] }).Volumes;
    return { containers: containers.length, networks: networks.length, volumes: volumes.length };
  }

  test('up with wait strategies: ports, health, logs, aliases, env substitution; down removes everything', async () => {
    const env = await environment('tcberth')
      .withWaitStrategy('tcberth_web_1', t.tc.Wait.forHealthCheck())
      .withWaitStrategy('tcberth_probe_1', t.tc.Wait.forLogMessage('probe-ready'))
      .up();
    try {
      const web = env.getContainer('tcberth_web_1');
      const probe = env.getContainer('tcberth_probe_1');
      assert.equal(await httpGet(web.getMappedPort(8080), '/index.html'), 'hello-from-compose\n');
      const viaAlias = await probe.exec(['wget', '-q', '-O', '-', 'http://site:8080/index.html']);
      assert.equal(viaAlias.stdout, 'hello-from-compose\n', viaAlias.output);
      const viaService = await probe.exec(['wget', '-q', '-O', '-', 'http://web:8080/index.html']);
      assert.equal(viaService.stdout, 'hello-from-compose\n', viaService.output);
      assert.equal((await probe.exec(['sh', '-c', 'echo kept > /data/f && cat /data/f'])).stdout, 'kept\n');
      // The profile-only service was not started.
      assert.throws(() => env.getContainer('tcberth_extra_1'), /Cannot get container "tcberth_extra_1"/);
      assert.deepEqual(await projectObjects('tcberth'), { containers: 2, networks: 1, volumes: 1 });
    } finally {
      await env.down({ removeVolumes: true, timeout: 1000 });
    }
    assert.deepEqual(await projectObjects('tcberth'), { containers: 0, networks: 0, volumes: 0 });
  });

  test('profiles and a single service; stop keeps the containers, down removes them', async () => {
    const env = await environment('tcprofile').withProfiles('extra').up(['probe', 'extra']);
    try {
      assert.ok(env.getContainer('tcprofile_extra_1').getId());
      assert.ok(env.getContainer('tcprofile_probe_1').getId());
      assert.throws(() => env.getContainer('tcprofile_web_1'));
      await env.stop();
      const label = encodeURIComponent(JSON.stringify({ label: ['com.docker.compose.project=tcprofile'], status: ['exited'] }));
      assert.equal(((await d.request('GET', `/containers/json?all=1&filters=${label}`)).json() as unknown[]).length, 2);
    } finally {
      await env.down({ removeVolumes: true });
    }
    assert.deepEqual(await projectObjects('tcprofile'), { containers: 0, networks: 0, volumes: 0 });
  });

  test('nothing was pulled: Compose environments do not pull by default', async () => {
    assert.deepEqual(await pullEvents(d), []);
  });
});
