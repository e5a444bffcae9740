/**
 * A container cannot exhaust the host: a fork bomb stops at the default pids
 * limit while berthd keeps serving; a memory hog under --memory is
 * OOM-killed and reported (State.OOMKilled, exit 137); a container writing
 * logs at full speed is capped by the log limit, also while berthd is down
 * (conmon's backstop cap). The daemon runs with a small default pids limit
 * and log cap so that each case takes seconds.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { inspectApi, run, sleep, waitExit } from './helpers/api.js';
import { eventually, skipUnlessRoot } from './helpers/docker-cli.js';
import { useDaemon } from './helpers/suite.js';

const PIDS_LIMIT = 64;
const LOG_CAP = 1 << 20;
/** conmon's own cap for LOG_CAP (log-files.ts logBackstop): no log file ever grows past it. */
const BACKSTOP = LOG_CAP + 256 * 1024 * 1024;
const CHATTY = ['yes', 'a line of log output that repeats forever'];

/** The size of each of a container's log files (ctr.log and rotated ones). */
function logFileSizes(dir: string): number[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith('ctr.log'))
    .map((f) => fs.statSync(path.join(dir, f), { throwIfNoEntry: false })?.size ?? 0);
}

/** The largest log file and the most log files seen over `ms`, sampled every 200 ms. */
async function watchLogFiles(dir: string, ms: number): Promise<{ largest: number; most: number }> {
  let largest = 0;
  let most = 0;
  for (let waited = 0; waited < ms; waited += 200) {
    await sleep(200);
    const sizes = logFileSizes(dir);
    largest = Math.max(largest, ...sizes);
    most = Math.max(most, sizes.length);
  }
  return { largest, most };
}

/** A file of the container's pids cgroup (v2, else the v1 pids hierarchy). */
function pidsFile(cgroupParent: string, id: string, name: string): string {
  for (const file of [`/sys/fs/cgroup/${cgroupParent}/${id}/${name}`, `/sys/fs/cgroup/pids/${cgroupParent}/${id}/${name}`]) {
    if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8');
  }
  throw new Error(`no pids cgroup for ${id}`);
}

/** pids.current of the container's cgroup. */
const pidsCurrent = (cgroupParent: string, id: string) => Number(pidsFile(cgroupParent, id, 'pids.current'));

/** How many forks the pids limit refused (pids.events "max N"). */
const forksRefused = (cgroupParent: string, id: string) => Number(/^max (\d+)/m.exec(pidsFile(cgroupParent, id, 'pids.events'))?.[1] ?? 0);

describe('resource bounds', { skip: skipUnlessRoot(), timeout: 120_000 }, () => {
  const d = useDaemon({ args: ['--default-pids-limit', String(PIDS_LIMIT), '--log-size-max', String(LOG_CAP)] });

  test('a fork bomb stops at the default pids limit and berthd keeps serving', async () => {
    // The container's shell forks once, before the bomb can fill the limit, and then execs its sleep:
    // a fork of its own refused by the limit would end the container, and its cgroup with it.
    const id = await run(d, { Cmd: ['sh', '-c', '(f() { f | f & }; f) & exec sleep 1000'] }, 'forkbomb');
    let peak = 0;
    const pings: number[] = [];
    for (let i = 0; i < 15; i++) {
      await sleep(200);
      peak = Math.max(peak, pidsCurrent(d.cgroupParent, id));
      const t0 = performance.now();
      assert.equal((await d.request('GET', '/_ping')).status, 200);
      pings.push(performance.now() - t0);
    }
    // The population flares and collapses as refused forks kill shells, so a sampled peak says little;
    // the cgroup counts every fork the limit refused.
    assert.ok(forksRefused(d.cgroupParent, id) > 0, `the bomb reached the limit (peak sampled ${peak})`);
    assert.ok(peak <= PIDS_LIMIT, `pids stay at or under the limit (peak ${peak})`);
    assert.ok(Math.max(...pings) < 2000, `_ping answered throughout: ${pings.map(Math.round).join(',')} ms`);
    assert.equal((await d.request('DELETE', `/containers/${id}`, { query: { force: 1 } })).status, 204);
  });

  test('a memory hog under --memory 16m is OOM-killed: OOMKilled true, exit 137', async () => {
    const id = await run(d, { Cmd: ['sh', '-c', 'x=aaaaaaaaaaaaaaaa; while true; do x=$x$x; done'], HostConfig: { Memory: 16 * 1024 * 1024 } }, 'hog');
    assert.equal(await waitExit(d, id), 137);
    const state = (await inspectApi(d, id)).State;
    assert.equal(state.OOMKilled, true, JSON.stringify(state));
    assert.equal(state.ExitCode, 137);
    assert.equal(fs.existsSync(path.join(process.cwd(), 'oom')), false, "regression: conmon wrote its oom marker into berthd's cwd");
    const fine = await run(d, { Cmd: ['true'], HostConfig: { Memory: 16 * 1024 * 1024 } }, 'not-a-hog');
    assert.equal(await waitExit(d, fine), 0);
    assert.equal((await inspectApi(d, fine)).State.OOMKilled, false, 'a container that exits by itself was not OOM-killed');
  });

  test('a container writing logs at full speed is capped by the log limit', async () => {
    const id = await run(d, { Cmd: CHATTY }, 'chatty');
    // berth rotates after writes (max-file 1 keeps one file, plus the one being rotated); conmon's cap bounds each file.
    const { largest, most } = await watchLogFiles(path.join(d.dataRoot, 'containers', id), 3000);
    assert.ok(largest > LOG_CAP / 2, `the container did write (${largest} bytes)`);
    assert.ok(largest <= BACKSTOP, `no log file past conmon's backstop: ${largest} > ${BACKSTOP}`);
    assert.ok(most <= 2, `max-file 1: the log and at most one file in rotation (${most})`);
    // A read at the instant of a rotation may see the fresh file still empty; the next one does not.
    await eventually('the newest lines in the log', async () => {
      const logs = await d.request('GET', `/containers/${id}/logs`, { query: { stdout: 1, tail: 5 } });
      assert.equal(logs.status, 200);
      return /a line of log output/.test(logs.body.toString('latin1'));
    });
    assert.equal((await d.request('GET', '/_ping')).status, 200);
    assert.equal((await d.request('DELETE', `/containers/${id}`, { query: { force: 1 } })).status, 204);
  });

  test("with berthd down, conmon's backstop still bounds a chatty container's log", async () => {
    const id = await run(d, { Cmd: CHATTY }, 'chatty-alone');
    const dir = path.join(d.dataRoot, 'containers', id);
    await d.stop(); // the container keeps running, and nobody rotates its log
    try {
      const { largest, most } = await watchLogFiles(dir, 4000);
      assert.equal(most, 1, 'no rotation while berthd is down');
      assert.ok(largest > LOG_CAP, `the log grew past max-size with nobody rotating (${largest} bytes)`);
      assert.ok(largest <= BACKSTOP, `conmon's cap held it: ${largest} > ${BACKSTOP}`);
    } finally {
      await d.start();
    }
    assert.equal((await d.request('DELETE', `/containers/${id}`, { query: { force: 1 } })).status, 204);
  });
});
