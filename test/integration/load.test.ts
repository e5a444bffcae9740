/**
 * Load (long variant only: BERTH_LONG_TESTS=1): 100 concurrent
 * `docker run --rm busybox true` from 100 CLI processes, three rounds. Every
 * run succeeds; afterwards nothing is left (the harness's leak check: no
 * conmon, mount, runc state or cgroup task), `berthd check` passes, and
 * berthd's fd count is back to its value before the load. RSS and fds
 * before/after are printed as the figures of the run.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { berthdCheck } from './helpers/check.js';
import { describeResult, skipUnlessRoot } from './helpers/docker-cli.js';
import { useDaemon } from './helpers/suite.js';

const LONG = process.env.BERTH_LONG_TESTS === '1';
const CONCURRENT = 100;
const ROUNDS = 3;

function meter(pid: number): { fds: number; rssKiB: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return { fds: fs.readdirSync(`/proc/${pid}/fd`).length, rssKiB: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) };
}

describe('load', { skip: skipUnlessRoot() || (LONG ? false : 'long variant: BERTH_LONG_TESTS=1'), timeout: 900_000 }, () => {
  const d = useDaemon();

  test(`${CONCURRENT} concurrent docker run --rm, ${ROUNDS} rounds: no failure, nothing left, fds back`, async () => {
    await d.docker(['run', '--rm', 'busybox', 'true']); // warm-up: lazily loaded modules and caches
    const before = meter(d.pid);
    const failures: string[] = [];
    const latencies: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all(
        Array.from({ length: CONCURRENT }, async () => {
          const t0 = performance.now();
          const r = await d.docker(['run', '--rm', 'busybox', 'true'], { timeoutMs: 180_000 });
          latencies.push(performance.now() - t0);
          if (r.code !== 0) failures.push(describeResult(['run', '--rm', 'busybox', 'true'], r));
        }),
      );
    }
    const ps = await d.request('GET', '/containers/json', { query: { all: 1 } });
    assert.deepEqual(ps.json(), [], 'every --rm container is gone');
    await new Promise((r) => setTimeout(r, 1000));
    const afterLoad = meter(d.pid);
    latencies.sort((a, b) => a - b);
    const p = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]);
    process.stdout.write(
      `# load: ${latencies.length} runs, ${failures.length} failures; latency p50 ${p(0.5)} ms, p99 ${p(0.99)} ms; ` +
        `fds ${before.fds} → ${afterLoad.fds}; RSS ${before.rssKiB} → ${afterLoad.rssKiB} KiB\n`,
    );
    assert.deepEqual(failures, []);
    assert.ok(afterLoad.fds <= before.fds + 2, `fd count back to its start value: ${before.fds} → ${afterLoad.fds}`);
    const check = await berthdCheck(d);
    assert.equal(check.code, 0, check.stdout);
  });
});
