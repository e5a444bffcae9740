/**
 * Health checks: a probe flipping healthy → unhealthy → healthy as a file
 * comes and goes, with health_status events, `docker ps` text, the health
 * filter, State.Health in inspect, no session or exec directory left per
 * probe, and the stored health surviving a berthd kill -9.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { useDaemon } from './helpers/suite.js';
import { unixTime } from './helpers/api.js';
import { dockerExpect, eventually, inspect, skipUnlessRoot } from './helpers/docker-cli.js';

describe('health checks', { skip: skipUnlessRoot(), timeout: 180_000 }, () => {
  const d = useDaemon();
  const health = async () => (await inspect(d, 'hc')).State.Health;
  const becomes = (status: string) => eventually(`health ${status}`, async () => (await health())?.Status === status, { timeoutMs: 20_000, intervalMs: 200 });

  test('healthy → unhealthy → healthy, with events, ps text and the filter', async () => {
    const since = unixTime();
    const id = (
      await dockerExpect(d, [
        'run',
        '-d',
        '--name',
        'hc',
        '--health-cmd',
        'test -f /ready',
        '--health-interval',
        '1s',
        '--health-retries',
        '2',
        'busybox',
        'sleep',
        '300',
      ])
    ).stdout.trim();
    const created = await inspect(d, 'hc');
    assert.deepEqual(created.Config.Healthcheck, { Test: ['CMD-SHELL', 'test -f /ready'], Interval: 1e9, Retries: 2 });
    assert.equal(created.State.Health.Status, 'starting');
    assert.match((await dockerExpect(d, ['ps', '--format', '{{.Status}}', '--filter', 'name=hc'])).stdout, /\(health: starting\)/);

    await becomes('unhealthy');
    const bad = await health();
    assert.ok(bad.FailingStreak >= 2);
    assert.equal(bad.Log.at(-1).ExitCode, 1);
    assert.match((await dockerExpect(d, ['ps', '--format', '{{.Status}}', '--filter', 'health=unhealthy'])).stdout, /\(unhealthy\)/);

    await dockerExpect(d, ['exec', 'hc', 'touch', '/ready']);
    await becomes('healthy');
    assert.match((await dockerExpect(d, ['ps', '--format', '{{.Names}} {{.Status}}'])).stdout, /^hc Up .* \(healthy\)$/m);
    assert.equal((await dockerExpect(d, ['ps', '-q', '--filter', 'health=unhealthy'])).stdout.trim(), '');
    assert.equal((await dockerExpect(d, ['ps', '-q', '--filter', 'health=none'])).stdout.trim(), '');
    assert.equal((await d.request('GET', '/containers/json', { query: { filters: JSON.stringify({ health: ['bogus'] }) } })).status, 400);

    await dockerExpect(d, ['exec', 'hc', 'rm', '/ready']);
    await becomes('unhealthy');
    await dockerExpect(d, ['exec', 'hc', 'touch', '/ready']);
    await becomes('healthy');

    const h = await health();
    assert.ok(h.Log.length <= 5 && h.Log.length >= 3, `${h.Log.length} log entries`);
    assert.equal(h.FailingStreak, 0);
    for (const l of h.Log) assert.ok(Date.parse(l.End) >= Date.parse(l.Start));
    // Probes leave nothing behind: no probe session is listed, no probe exec dir stays.
    assert.ok(((await inspect(d, 'hc')).ExecIDs ?? []).length <= 3);
    const execDir = path.join(d.execRoot, 'containers', id, 'exec');
    const left = fs.existsSync(execDir) ? fs.readdirSync(execDir) : [];
    assert.ok(left.length <= 1, `exec dirs left: ${left.join(' ')}`);

    const ev = await dockerExpect(d, ['events', '--since', since, '--until', unixTime(), '--filter', 'event=health_status', '--format', '{{.Action}}']);
    assert.deepEqual(ev.stdout.trim().split('\n'), [
      'health_status: unhealthy',
      'health_status: healthy',
      'health_status: unhealthy',
      'health_status: healthy',
    ]);
  });

  test('health survives a berthd kill -9 and probes resume; stop ends the schedule', async () => {
    await d.kill9();
    await d.start();
    const after = await health();
    assert.equal(after.Status, 'healthy');
    const n = after.Log.at(-1).Start;
    await eventually('a new probe after the restart', async () => (await health()).Log.at(-1).Start !== n, { timeoutMs: 10_000 });
    await dockerExpect(d, ['stop', '-t', '0', 'hc']);
    const stopped = await health();
    await new Promise((r) => setTimeout(r, 2500));
    assert.deepEqual((await health()).Log, stopped.Log, 'no probe runs after stop');
    assert.doesNotMatch((await dockerExpect(d, ['ps', '-a', '--format', '{{.Status}}', '--filter', 'name=hc'])).stdout, /healthy/);
    await dockerExpect(d, ['rm', 'hc']);
  });

  test('Healthcheck NONE and bad values', async () => {
    const none = await d.request('POST', '/containers/create', { body: { Image: 'busybox', Cmd: ['true'], Healthcheck: { Test: ['NONE'] } } });
    assert.equal(none.status, 201);
    assert.equal(
      (
        await d.request('POST', '/containers/create', { body: { Image: 'busybox', Cmd: ['true'], Healthcheck: { Test: ['CMD', 'true'], Interval: 10 } } })
      ).json().message,
      'Interval in Healthcheck cannot be less than 1ms',
    );
    assert.equal((await d.request('DELETE', `/containers/${none.json().Id}`)).status, 204);
  });
});
