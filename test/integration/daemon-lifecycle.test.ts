/**
 * berthd as a process: two daemons side by side, a second daemon refused on
 * a live data root, logs without a gap across kill -9, and a simulated
 * reboot (daemon, conmons, containers, mounts and the exec root all gone).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { inspectApi, logs, run, sleep, verb, waitExit } from './helpers/api.js';
import { berthdMain, startDaemon, type TestDaemon } from './helpers/daemon.js';
import { dockerTime, eventually, skipUnlessRoot } from './helpers/docker-cli.js';
import { importBusybox } from './helpers/images.js';
import { cgroupParentDirs, mountsUnder, processesMentioning, reapLeaks, runcContainers } from './helpers/leaks.js';
import { useDaemon } from './helpers/suite.js';

const SLEEP = { Cmd: ['sleep', '1000'] };
const COUNTER = 'i=0; while true; do echo line $i; i=$((i+1)); sleep 0.05; done';

describe('berthd as a process', { skip: skipUnlessRoot(), timeout: 240_000 }, () => {
  const d = useDaemon();

  test('two berthd side by side run their own containers without touching each other', async () => {
    const d2 = await startDaemon();
    try {
      await importBusybox(d2);
      const mine = await run(d, SLEEP, 'side');
      const theirs = await run(d2, SLEEP, 'side'); // the same name is fine on another daemon
      const ids = async (x: TestDaemon) => (await x.request('GET', '/containers/json', { query: { all: 1 } })).json().map((c: any) => c.Id);
      assert.deepEqual(await ids(d), [mine]);
      assert.deepEqual(await ids(d2), [theirs]);
      assert.deepEqual(runcContainers(path.join(d.execRoot, 'runc')), [mine]);
      assert.deepEqual(runcContainers(path.join(d2.execRoot, 'runc')), [theirs]);
      assert.ok(cgroupParentDirs(d.cgroupParent).some((dir) => fs.existsSync(path.join(dir, mine))));
      assert.ok(cgroupParentDirs(d2.cgroupParent).every((dir) => !fs.existsSync(path.join(dir, mine))));
      assert.equal((await d2.request('GET', `/containers/${mine}/json`)).status, 404);
      await verb(d, mine, 'kill');
      assert.equal(await waitExit(d, mine), 137);
      assert.equal((await inspectApi(d2, theirs)).State.Status, 'running', "the other daemon's container runs on");
      await verb(d2, theirs, 'kill');
      assert.equal((await d.request('DELETE', `/containers/${mine}`)).status, 204);
    } finally {
      await d2.cleanup();
    }
    assert.equal((await d.request('GET', '/_ping')).status, 200, "the first daemon survives the second one's cleanup");
  });

  test('a second berthd on a live data root exits at once with a clear message', async () => {
    const other = path.join(d.root, 'second');
    fs.mkdirSync(other);
    const t0 = Date.now();
    const r = await new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        [
          berthdMain,
          '--host',
          `unix://${path.join(other, 'b.sock')}`,
          '--data-root',
          d.dataRoot,
          '--exec-root',
          path.join(other, 'run'),
          '--cgroup-parent',
          `${d.cgroupParent}-2`,
        ],
        { timeout: 15_000 },
        (err, stdout, stderr) => resolve({ code: err ? ((err as any).code ?? null) : 0, stdout, stderr }),
      );
    });
    assert.ok(typeof r.code === 'number' && r.code !== 0, `exit code ${r.code}`);
    assert.ok(Date.now() - t0 < 10_000, 'exits at once');
    assert.match(r.stderr + r.stdout, /already running/);
    assert.ok((r.stderr + r.stdout).includes(d.dataRoot), r.stderr);
    assert.ok(!fs.existsSync(path.join(other, 'b.sock')), 'no socket left');
    assert.equal((await d.request('GET', '/_ping')).status, 200);
    fs.rmSync(other, { recursive: true, force: true });
  });

  test('kill -9 while a container writes logs: no gap after the restart', async () => {
    const id = await run(d, { Cmd: ['sh', '-c', COUNTER] }, 'counter');
    await sleep(500);
    await d.kill9();
    await sleep(1000);
    await d.start();
    await sleep(500);
    const out = (await logs(d, id)).stdout.split('\n').filter(Boolean);
    const numbers = out.map((l) => Number(/^line (\d+)$/.exec(l)?.[1] ?? NaN));
    assert.ok(numbers.length > 30, `only ${numbers.length} lines`);
    numbers.forEach((n, i) => assert.equal(n, i, `log line ${i} is ${JSON.stringify(out[i])}`));
    await verb(d, id, 'kill');
  });

  test('a simulated reboot: running and paused → exited, --rm removed, always restarted', async () => {
    const running = await run(d, SLEEP, 'rb-run');
    const paused = await run(d, SLEEP, 'rb-pause');
    await verb(d, paused, 'pause');
    const autoRm = await run(d, { ...SLEEP, HostConfig: { AutoRemove: true } }, 'rb-rm');
    const always = await run(d, { ...SLEEP, HostConfig: { RestartPolicy: { Name: 'always' } } }, 'rb-always');
    const stopped = await run(d, { Cmd: ['sh', '-c', 'exit 3'] }, 'rb-stopped');
    assert.equal(await waitExit(d, stopped), 3);
    const alwaysPid = (await inspectApi(d, always)).State.Pid;

    await d.kill9();
    // The "reboot": every conmon and container process of this daemon gone, its mounts gone, the exec root wiped.
    await reapLeaks(d.scope);
    assert.deepEqual(processesMentioning(d.root), []);
    assert.deepEqual(mountsUnder(d.root), []);
    fs.rmSync(d.execRoot, { recursive: true, force: true });
    fs.mkdirSync(d.execRoot);
    const bootedAt = Date.now();
    await d.start();

    for (const id of [running, paused]) {
      const s = (await inspectApi(d, id)).State;
      assert.equal(s.Status, 'exited', id);
      assert.notEqual(s.ExitCode, 0);
      assert.equal(s.Running, false);
      assert.equal(s.Paused, false);
      assert.ok(dockerTime(s.FinishedAt) > 0 && dockerTime(s.FinishedAt) >= bootedAt - 1000, s.FinishedAt);
    }
    await eventually('rb-rm removed', async () => (await d.request('GET', `/containers/${autoRm}/json`)).status === 404);
    const a = await eventually('rb-always running again', async () => {
      const s = (await inspectApi(d, always)).State;
      return s.Status === 'running' && s.Pid > 0 ? s : null;
    });
    assert.notEqual(a.Pid, alwaysPid);
    assert.ok(fs.existsSync(`/proc/${a.Pid}`));
    const st = (await inspectApi(d, stopped)).State;
    assert.equal(st.Status, 'exited');
    assert.equal(st.ExitCode, 3);
    // The restarted daemon works normally.
    const fresh = await run(d, { Cmd: ['echo', 'after-reboot'] });
    assert.equal(await waitExit(d, fresh), 0);
    assert.equal((await logs(d, fresh)).stdout, 'after-reboot\n');
    await verb(d, always, 'stop', { t: 0 });
  });
});
