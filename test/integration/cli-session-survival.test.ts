/**
 * The docker CLI session survives `kill -9 berthd`: containers that run, are
 * paused, are stopped, exit while berthd is down (with and without --rm, with a
 * restart policy) are all in the right state after berthd starts again.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { useDaemon } from './helpers/suite.js';
import { dockerExpect, dockerTime, eventually, inspect, skipUnlessRoot } from './helpers/docker-cli.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const COUNTER = 'i=0; while true; do echo line $i; i=$((i+1)); sleep 0.2; done';

describe('docker CLI session across kill -9 of berthd', { skip: skipUnlessRoot(), timeout: 180_000 }, () => {
  const d = useDaemon();

  test('every container keeps or reaches its true state', async () => {
    const run = (...args: string[]) => dockerExpect(d, ['run', '-d', ...args]);
    await run('--name', 's-run', 'busybox', 'sh', '-c', COUNTER);
    await run('--name', 's-pause', 'busybox', 'sleep', '1000');
    await dockerExpect(d, ['pause', 's-pause']);
    await run('--name', 's-stopped', 'busybox', 'true');
    assert.equal((await dockerExpect(d, ['wait', 's-stopped'])).stdout, '0\n');
    const before = {
      run: (await inspect(d, 's-run')).State,
      pause: (await inspect(d, 's-pause')).State,
      stopped: (await inspect(d, 's-stopped')).State,
    };
    // These end 3 s after they start, i.e. while berthd is down.
    await run('--name', 's-exit', 'busybox', 'sh', '-c', 'sleep 3; exit 7');
    await run('--rm', '--name', 's-rm', 'busybox', 'sh', '-c', 'sleep 3; exit 5');
    await run('--name', 's-policy', '--restart', 'on-failure:1', 'busybox', 'sh', '-c', 'sleep 3; exit 4');

    const killedAt = Date.now();
    await d.kill9();
    await sleep(4500);
    const restartedAt = Date.now();
    await d.start();

    const run1 = (await inspect(d, 's-run')).State;
    assert.equal(run1.Status, 'running');
    assert.equal(run1.Pid, before.run.Pid, 'same process after the restart');
    assert.equal(run1.StartedAt, before.run.StartedAt);
    assert.ok(fs.existsSync(`/proc/${run1.Pid}`));

    const pause1 = (await inspect(d, 's-pause')).State;
    assert.equal(pause1.Status, 'paused');
    assert.equal(pause1.Pid, before.pause.Pid);

    const stopped1 = (await inspect(d, 's-stopped')).State;
    assert.equal(stopped1.Status, 'exited');
    assert.equal(stopped1.ExitCode, 0);
    assert.equal(stopped1.FinishedAt, before.stopped.FinishedAt);

    const exit1 = (await inspect(d, 's-exit')).State;
    assert.equal(exit1.Status, 'exited');
    assert.equal(exit1.ExitCode, 7);
    const finished = dockerTime(exit1.FinishedAt);
    assert.ok(finished > killedAt && finished < restartedAt, `FinishedAt ${exit1.FinishedAt} is when it really ended`);
    assert.equal((await dockerExpect(d, ['wait', 's-exit'])).stdout, '7\n');

    await eventually('s-rm removed', async () => (await d.docker(['inspect', 's-rm'])).code === 1);
    await eventually('s-policy restarted once', async () => (await inspect(d, 's-policy')).RestartCount >= 1);
  });

  test('logs have no gap and the adopted containers obey stop and unpause', async () => {
    await sleep(1000);
    const out = (await dockerExpect(d, ['logs', 's-run'])).stdout.split('\n').filter(Boolean);
    const numbers = out.map((l) => Number(/^line (\d+)$/.exec(l)?.[1] ?? NaN));
    assert.ok(numbers.length > 20, `only ${numbers.length} lines`);
    numbers.forEach((n, i) => assert.equal(n, i, `log line ${i} is ${JSON.stringify(out[i])}`));

    assert.equal((await dockerExpect(d, ['unpause', 's-pause'])).stdout, 's-pause\n');
    assert.equal((await inspect(d, 's-pause')).State.Status, 'running');

    await dockerExpect(d, ['stop', '-t', '1', 's-run']);
    const s = (await inspect(d, 's-run')).State;
    assert.equal(s.Status, 'exited');
    assert.equal(s.ExitCode, 137);
  });
});
