/**
 * GET /containers/{id}/stats against a container burning CPU under
 * --cpus/--memory limits: the docker CLI shows a nonzero CPU % and the
 * memory limit; the JSON has Docker's shape; a stopped container gets
 * dockerd's all-zero answer.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import http from 'node:http';
import { create } from './helpers/api.js';
import { useDaemon } from './helpers/suite.js';
import { dockerExpect, skipUnlessRoot } from './helpers/docker-cli.js';

/** The lines a streaming GET sent within `ms`. */
function readFor(socketPath: string, path: string, ms: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let text = '';
    const req = http.get({ socketPath, path }, (res) => res.on('data', (c: Buffer) => (text += c.toString())));
    req.on('error', () => {});
    setTimeout(() => {
      req.destroy();
      resolve(text.split('\n').filter(Boolean));
    }, ms);
    req.on('response', (res) => res.statusCode !== 200 && reject(new Error(`status ${res.statusCode}`)));
  });
}

describe('stats', { skip: skipUnlessRoot(), timeout: 120_000 }, () => {
  const d = useDaemon();

  test('a CPU burner under limits: CLI row and Docker JSON', async () => {
    await dockerExpect(d, [
      'run',
      '-d',
      '--name',
      'burn',
      '--cpus',
      '0.5',
      '--memory',
      '64m',
      '--pids-limit',
      '50',
      'busybox',
      'sh',
      '-c',
      'while :; do :; done',
    ]);
    const cli = await dockerExpect(d, ['stats', '--no-stream', '--format', '{{.Name}}|{{.CPUPerc}}|{{.MemUsage}}|{{.PIDs}}', 'burn']);
    const [name, cpu, mem, pids] = cli.stdout.trim().split('|');
    assert.equal(name, 'burn');
    const pct = Number(cpu.replace('%', ''));
    assert.ok(pct > 10 && pct < 80, `CPU ${cpu} for a burner limited to half a CPU`);
    assert.match(mem, /\/ 64MiB$/);
    assert.equal(pids, '1');

    const one = await d.request('GET', '/containers/burn/stats', { query: { stream: 'false' } });
    assert.equal(one.status, 200);
    const s = one.json();
    assert.ok(s.cpu_stats.cpu_usage.total_usage > s.precpu_stats.cpu_usage.total_usage);
    assert.ok(s.cpu_stats.system_cpu_usage > 0 && s.cpu_stats.online_cpus > 0);
    assert.ok(Array.isArray(s.cpu_stats.cpu_usage.percpu_usage) || s.cpu_stats.cpu_usage.percpu_usage === undefined);
    assert.equal(s.memory_stats.limit, 64 * 1024 * 1024);
    assert.ok(s.memory_stats.usage > 0);
    assert.equal(typeof s.memory_stats.stats, 'object');
    assert.equal(s.pids_stats.limit, 50);
    assert.ok(s.cpu_stats.throttling_data.periods > 0, 'a CPU quota throttles');
    assert.equal(s.name, '/burn');
    assert.equal(s.num_procs, 0);
    assert.ok(Date.parse(s.read) - Date.parse(s.preread) >= 900);
    // The default bridge gives eth0; its counters come from the container's own network namespace.
    assert.deepEqual(Object.keys(s.networks), ['eth0']);
    assert.ok(s.networks.eth0.rx_packets >= 0 && typeof s.networks.eth0.tx_bytes === 'number');

    const shot = (await d.request('GET', '/containers/burn/stats', { query: { stream: 'false', 'one-shot': 'true' } })).json();
    assert.equal(shot.preread, '0001-01-01T00:00:00Z');
    assert.equal((await d.request('GET', '/containers/burn/stats', { query: { stream: 'true', 'one-shot': 'true' } })).status, 400);

    const frames = await readFor(d.socket, '/containers/burn/stats', 2500);
    assert.ok(frames.length >= 2 && frames.length <= 4, `${frames.length} frames in 2.5 s`);
    await dockerExpect(d, ['rm', '-f', 'burn']);
  });

  test('a stopped container answers zeros; unknown is 404', async () => {
    const id = await create(d, { Image: 'busybox', Cmd: ['true'] }, 'idle');
    const s = (await d.request('GET', `/containers/${id}/stats`, { query: { stream: 'false' } })).json();
    assert.equal(s.read, '0001-01-01T00:00:00Z');
    assert.equal(s.cpu_stats.cpu_usage.total_usage, 0);
    assert.deepEqual(s.memory_stats, {});
    assert.equal(s.id, id);
    assert.equal((await d.request('GET', '/containers/nope/stats', { query: { stream: 'false' } })).status, 404);
    await dockerExpect(d, ['rm', 'idle']);
  });

  test('networks: left out without an interface but lo (--network none), as dockerd', async () => {
    await dockerExpect(d, ['run', '-d', '--name', 'nonet', '--network', 'none', 'busybox', 'sleep', '300']);
    const s = (await d.request('GET', '/containers/nonet/stats', { query: { stream: 'false', 'one-shot': 'true' } })).json();
    assert.ok(s.memory_stats.usage > 0);
    assert.equal('networks' in s, false);
    await dockerExpect(d, ['rm', '-f', 'nonet']);
  });
});
