/**
 * A container cannot exhaust the host: a fork bomb stops at the default pids
 * limit while berthd keeps serving; a memory hog under --memory is
 * OOM-killed and reported (State.OOMKilled, exit 137); a container writing
 * logs at full speed is capped by the log limit. The daemon runs with a
 * small default pids limit and log cap so that each case takes seconds.
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

/** pids.current of the container's cgroup (v2, else the v1 pids hierarchy). */
function pidsCurrent(cgroupParent: string, id: string): number {
  for (const file of [`/sys/fs/cgroup/${cgroupParent}/${id}/pids.current`, `/sys/fs/cgroup/pids/${cgroupParent}/${id}/pids.current`]) {
    if (fs.existsSync(file)) return Number(fs.readFileSync(file, 'utf8'));
  }
  throw new Error(`no pids cgroup for ${id}`);
}

describe('resource bounds', { skip: skipUnlessRoot(), timeout: 120_000 }, () => {
  const d = useDaemon({ args: ['--default-pids-limit', String(PIDS_LIMIT), '--log-size-max', String(LOG_CAP)] });

  test('a fork bomb stops at the default pids limit and berthd keeps serving', async () => {
    const id = await run(d, { Cmd: ['sh', '-c', 'f() { f | f & }; f; sleep 1000'] }, 'forkbomb');
    let peak = 0;
    const pings: number[] = [];
    for (let i = 0; i < 15; i++) {
      await sleep(200);
      peak = Math.max(peak, pidsCurrent(d.cgroupParent, id));
      const t0 = performance.now();
      assert.equal((await d.request('GET', '/_ping')).status, 200);
      pings.push(performance.now() - t0);
    }
    assert.ok(peak > PIDS_LIMIT / 2, `the bomb did fork (peak ${peak})`);
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
    const id = await run(d, { Cmd: ['yes', 'a line of log output that repeats forever'] }, 'chatty');
    const dir = path.join(d.dataRoot, 'containers', id);
    // berth rotates after writes (max-file 1 keeps one file): the log exceeds the cap by what the container writes meanwhile.
    const onDisk = () =>
      fs
        .readdirSync(dir)
        .filter((f) => f.startsWith('ctr.log'))
        .reduce((n, f) => n + (fs.statSync(path.join(dir, f), { throwIfNoEntry: false })?.size ?? 0), 0);
    let largest = 0;
    for (let i = 0; i < 15; i++) {
      await sleep(200);
      largest = Math.max(largest, onDisk());
    }
    assert.ok(largest > LOG_CAP / 2, `the container did write (${largest} bytes)`);
    assert.ok(largest <= LOG_CAP + 16 * 1024 * 1024, `the log stays near the cap: ${largest} > ${LOG_CAP} + 16 MiB`);
    // A read at the instant of a rotation may see the fresh file still empty; the next one does not.
    await eventually('the newest lines in the log', async () => {
      const logs = await d.request('GET', `/containers/${id}/logs`, { query: { stdout: 1, tail: 5 } });
      assert.equal(logs.status, 200);
      return /a line of log output/.test(logs.body.toString('latin1'));
    });
    assert.equal((await d.request('GET', '/_ping')).status, 200);
    assert.equal((await d.request('DELETE', `/containers/${id}`, { query: { force: 1 } })).status, 204);
  });
});
