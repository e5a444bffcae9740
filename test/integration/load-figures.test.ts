/**
 * The remaining load figures (long variant only: BERTH_LONG_TESTS=1), each
 * printed as a `# load:` line:
 *
 * - 1000 containers created (20 at a time), then `GET /containers/json?all=1`
 *   50 times while `_ping` is probed beside it: every container listed, list
 *   p50/p95 and `_ping` p99 recorded (budget: list p95 < 1.5 s on a shared
 *   2-core machine, ten times §5.1's unloaded target);
 * - 50 clients following the logs of a container that prints 200 numbered
 *   lines while 20 other containers run their whole lifecycle: every follower
 *   gets every line in order and its stream ends when the container exits;
 *   fds return to their start value;
 * - 5000 lifecycles (create, start, wait, remove; 4 at a time) after a
 *   100-lifecycle warm-up: berthd's RSS growth stays under 20 MiB and its fd
 *   count returns to its start value.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { demux, streamText } from './helpers/api.js';
import type { TestDaemon } from './helpers/daemon.js';
import { skipUnlessRoot } from './helpers/docker-cli.js';
import { useDaemon } from './helpers/suite.js';

const LONG = process.env.BERTH_LONG_TESTS === '1';

function meter(pid: number): { fds: number; rssKiB: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return { fds: fs.readdirSync(`/proc/${pid}/fd`).length, rssKiB: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) };
}

/** Runs `fn(i)` for i < n, `width` at a time. */
async function pool(n: number, width: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let i = next++; i < n; i = next++) await fn(i);
    }),
  );
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))]);
};

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** One whole lifecycle through the API: create, start, wait, remove. */
async function lifecycle(d: TestDaemon, cmd: string[] = ['true']): Promise<void> {
  const c = await d.request('POST', '/containers/create', { body: { Image: 'busybox', Cmd: cmd } });
  assert.equal(c.status, 201, c.body.toString());
  const id = c.json().Id as string;
  assert.equal((await d.request('POST', `/containers/${id}/start`)).status, 204);
  assert.equal((await d.request('POST', `/containers/${id}/wait`, { timeoutMs: 120_000 })).status, 200);
  assert.equal((await d.request('DELETE', `/containers/${id}`)).status, 204);
}

describe('load figures', { skip: skipUnlessRoot() || (LONG ? false : 'long variant: BERTH_LONG_TESTS=1'), timeout: 3_600_000 }, () => {
  const d = useDaemon();

  test('1000 containers listed: list p50/p95, _ping p99 beside it', async () => {
    const ids: string[] = [];
    await pool(1000, 20, async (i) => {
      const r = await d.request('POST', '/containers/create', { query: { name: `many-${i}` }, body: { Image: 'busybox', Cmd: ['true'] } });
      assert.equal(r.status, 201, r.body.toString());
      ids.push(r.json().Id as string);
    });
    const list: number[] = [];
    const ping: number[] = [];
    let listing = true;
    const prober = (async () => {
      while (listing) ping.push(await timed(() => d.request('GET', '/_ping')));
    })();
    for (let i = 0; i < 50; i++) {
      let count = 0;
      list.push(await timed(async () => (count = ((await d.request('GET', '/containers/json', { query: { all: 1 } })).json() as unknown[]).length)));
      assert.equal(count, 1000);
    }
    listing = false;
    await prober;
    process.stdout.write(
      `# load: 1000 containers listed: list p50 ${quantile(list, 0.5)} ms, p95 ${quantile(list, 0.95)} ms; _ping p99 ${quantile(ping, 0.99)} ms beside it\n`,
    );
    assert.ok(quantile(list, 0.95) < 1500, `list p95 ${quantile(list, 0.95)} ms`);
    await pool(ids.length, 20, async (i) => {
      assert.equal((await d.request('DELETE', `/containers/${ids[i]}`)).status, 204);
    });
  });

  test('50 log followers while 20 lifecycles run: every line to every follower', async () => {
    const before = meter(d.pid);
    const script = 'sleep 1; i=1; while [ $i -le 200 ]; do echo line $i; i=$((i+1)); sleep 0.01; done';
    const c = await d.request('POST', '/containers/create', { body: { Image: 'busybox', Cmd: ['sh', '-c', script] } });
    const id = c.json().Id as string;
    assert.equal((await d.request('POST', `/containers/${id}/start`)).status, 204);
    const followers = Array.from({ length: 50 }, () => d.request('GET', `/containers/${id}/logs`, { query: { follow: 1, stdout: 1 }, timeoutMs: 300_000 }));
    const t0 = performance.now();
    await pool(20, 4, () => lifecycle(d));
    const lifecyclesMs = performance.now() - t0;
    const expected = Array.from({ length: 200 }, (_, i) => `line ${i + 1}\n`).join('');
    const bodies = await Promise.all(followers);
    for (const [i, r] of bodies.entries()) assert.equal(streamText(demux(r.body), 1), expected, `follower ${i}`);
    assert.equal((await d.request('DELETE', `/containers/${id}`)).status, 204);
    await new Promise((r) => setTimeout(r, 500));
    const afterLoad = meter(d.pid);
    process.stdout.write(
      `# load: 50 followers x 200 lines, all complete; 20 lifecycles beside them in ${Math.round(lifecyclesMs)} ms; fds ${before.fds} → ${afterLoad.fds}\n`,
    );
    assert.ok(afterLoad.fds <= before.fds + 2, `fds back: ${before.fds} → ${afterLoad.fds}`);
  });

  test('RSS over 5000 lifecycles grows less than 20 MiB', async () => {
    await pool(100, 4, () => lifecycle(d)); // warm-up: modules, caches, JIT
    const before = meter(d.pid);
    const samples: number[] = [];
    const t0 = performance.now();
    await pool(5000, 4, async (i) => {
      await lifecycle(d);
      if (i % 500 === 0) samples.push(meter(d.pid).rssKiB);
    });
    const secs = (performance.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 2000));
    const afterLoad = meter(d.pid);
    const growthMiB = (afterLoad.rssKiB - before.rssKiB) / 1024;
    process.stdout.write(
      `# load: 5000 lifecycles in ${Math.round(secs)} s (${(5000 / secs).toFixed(1)}/s); RSS ${before.rssKiB} → ${afterLoad.rssKiB} KiB ` +
        `(growth ${growthMiB.toFixed(1)} MiB; samples ${samples.join(', ')}); fds ${before.fds} → ${afterLoad.fds}\n`,
    );
    assert.ok(growthMiB < 20, `RSS growth ${growthMiB.toFixed(1)} MiB`);
    assert.ok(afterLoad.fds <= before.fds + 2, `fds back: ${before.fds} → ${afterLoad.fds}`);
  });
});
