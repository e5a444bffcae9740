/**
 * conmon's exit command (runtime/exit-command.ts) run by /bin/sh as conmon
 * runs it, against a stand-in runtime (a script that logs its argv), and
 * the exit watcher's adoption of files the command never moved.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exitCommand, exitCommandArgs, exitCommandTools, oomMarkerPath, type ExitCommandInput } from '../../src/engine/runtime/exit-command.js';
import { ExitWatcher } from '../../src/engine/runtime/exit-watcher.js';

const ID = 'a'.repeat(64);
let tmp: string;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-exit-command-'));
});
after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Fresh directories and a runtime stand-in that appends its argv to `runtime.log`. */
function setup(name: string): { input: ExitCommandInput; bundle: string; log: string } {
  const dir = path.join(tmp, name);
  for (const d of ['bundle', 'monitor', 'exits', 'merged', 'cgroup']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  const log = path.join(dir, 'runtime.log');
  const runtime = path.join(dir, 'runtime');
  fs.writeFileSync(runtime, `#!/bin/sh\necho "$*" >> ${log}\n`, { mode: 0o755 });
  const input: ExitCommandInput = {
    runtimePath: runtime,
    runtimeRoot: path.join(dir, 'root'),
    id: ID,
    bundleDir: path.join(dir, 'bundle'),
    mergedDir: path.join(dir, 'merged'),
    keepMountedMarker: path.join(dir, 'host-mounted'),
    monitorExitFile: path.join(dir, 'monitor', ID),
    exitFile: path.join(dir, 'exits', ID),
    oomFiles: [path.join(dir, 'cgroup', 'missing'), path.join(dir, 'cgroup', 'memory.oom_control')],
    tools: exitCommandTools(),
  };
  return { input, bundle: path.join(dir, 'bundle'), log };
}

/**
 * Runs the command as conmon does: execv of argv[0] with the rest, with
 * SIGCHLD blocked (conmon's mask is inherited: a shell `wait` would hang,
 * and the timeout then fails the test).
 */
function runAsConmon(argv: string[], cwd: string): void {
  const blocked = 'import os, signal, sys; signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGCHLD]); os.execv(sys.argv[1], sys.argv[1:])';
  execFileSync('python3', ['-c', blocked, ...argv], { cwd, timeout: 10_000 });
}

test('deletes the runtime container, marks an OOM kill, removes the bundle, then moves the exit file with its mtime', async () => {
  const { input, bundle, log } = setup('moves');
  fs.writeFileSync(input.oomFiles[1], 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n');
  fs.writeFileSync(input.monitorExitFile, '137');
  const written = new Date('2026-01-02T03:04:05Z');
  fs.utimesSync(input.monitorExitFile, written, written);
  runAsConmon(exitCommand(input), bundle);
  assert.equal(fs.readFileSync(log, 'utf8').trim(), `--root ${input.runtimeRoot} delete --force ${ID}`);
  assert.equal(fs.existsSync(oomMarkerPath(input.exitFile)), true);
  assert.equal(fs.existsSync(bundle), false);
  assert.equal(fs.existsSync(input.monitorExitFile), false);
  assert.equal(fs.readFileSync(input.exitFile, 'utf8'), '137');
  // The exit file's mtime is the container's finish time: the move keeps it.
  assert.equal(fs.statSync(input.exitFile).mtime.getTime(), written.getTime());
  const watcher = new ExitWatcher(path.dirname(input.exitFile), path.dirname(input.monitorExitFile), () => {}, { monitorGone: () => Promise.resolve(true) });
  assert.deepEqual(await watcher.read(ID), { exitCode: 137, finishedAt: written, finishedAtNs: BigInt(written.getTime()) * 1_000_000n, oomKilled: true });
  await watcher.remove(ID, true);
  assert.equal(fs.existsSync(oomMarkerPath(input.exitFile)), false);
});

test('no OOM kill counted, or no cgroup: no marker; the exit file still moves', () => {
  const { input, bundle } = setup('no-cgroup');
  fs.writeFileSync(input.monitorExitFile, '0');
  fs.writeFileSync(input.oomFiles[1], 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n');
  runAsConmon(exitCommand(input), path.dirname(bundle));
  assert.equal(fs.existsSync(oomMarkerPath(input.exitFile)), false);
  fs.writeFileSync(input.monitorExitFile, '0');
  runAsConmon(exitCommand({ ...input, oomFiles: [] }), path.dirname(bundle));
  assert.equal(fs.existsSync(oomMarkerPath(input.exitFile)), false);
  assert.equal(fs.readFileSync(input.exitFile, 'utf8'), '0');
});

test('a root the host keeps mounted is left alone (its marker exists); the rest runs', () => {
  const { input, bundle, log } = setup('kept');
  fs.writeFileSync(input.keepMountedMarker, '');
  fs.writeFileSync(input.monitorExitFile, '0');
  runAsConmon(exitCommand(input), bundle);
  assert.match(fs.readFileSync(log, 'utf8'), /delete --force/);
  assert.equal(fs.existsSync(bundle), false);
  assert.equal(fs.readFileSync(input.exitFile, 'utf8'), '0');
});

test('after a failed create (no exit file) it does nothing: berthd undoes that start and reads the bundle', () => {
  const { input, bundle, log } = setup('failed-create');
  fs.writeFileSync(path.join(bundle, 'oci-log'), 'runc create failed');
  runAsConmon(exitCommand(input), bundle);
  assert.equal(fs.existsSync(log), false, 'no runtime call');
  assert.equal(fs.existsSync(path.join(bundle, 'oci-log')), true);
  assert.equal(fs.existsSync(input.exitFile), false);
});

test('as conmon flags: the = form, so values that start with a dash or hold newlines pass whole', () => {
  const args = exitCommandArgs(['/bin/sh', '-c', 'a\nb', 'x']);
  assert.deepEqual(args, ['--exit-command=/bin/sh', '--exit-command-arg=-c', '--exit-command-arg=a\nb', '--exit-command-arg=x']);
  assert.deepEqual(exitCommandArgs([]), []);
});

test('the exit watcher adopts a file the command never moved: on request, and in a sweep once it is old and its conmon gone', async () => {
  const dir = path.join(tmp, 'watcher');
  const [exits, monitor] = [path.join(dir, 'exits'), path.join(dir, 'monitor')];
  const seen: string[] = [];
  let conmonGone = false;
  const watcher = new ExitWatcher(exits, monitor, (id) => seen.push(id), { monitorGone: () => Promise.resolve(conmonGone), adoptAfterMs: 50 });
  fs.mkdirSync(monitor, { recursive: true });
  fs.mkdirSync(exits, { recursive: true });
  fs.writeFileSync(path.join(monitor, ID), '3');
  await watcher.sweep();
  assert.deepEqual(seen, [], 'a fresh file is the command’s to move');
  await new Promise((r) => setTimeout(r, 80));
  await watcher.sweep();
  assert.deepEqual(seen, [], 'a live conmon may still be tearing down');
  conmonGone = true;
  await watcher.sweep();
  assert.deepEqual(seen, [ID]);
  assert.equal((await watcher.read(ID))?.exitCode, 3);

  const other = 'b'.repeat(64);
  fs.writeFileSync(path.join(monitor, other), '5');
  await watcher.adopt(other);
  assert.equal((await watcher.read(other))?.exitCode, 5);
  await watcher.adopt('c'.repeat(64)); // nothing to adopt: no error
  await watcher.clear(other);
  assert.equal(await watcher.read(other), undefined);
});

test('the exit watcher reports an exit file that arrives, not its removal; clear removes what a run left, and nothing is no error', async () => {
  const dir = path.join(tmp, 'watcher-events');
  const [exits, monitor] = [path.join(dir, 'exits'), path.join(dir, 'monitor')];
  const seen: string[] = [];
  const watcher = new ExitWatcher(exits, monitor, (id) => seen.push(id), { monitorGone: () => Promise.resolve(true) });
  watcher.start();
  try {
    const until = async (done: () => boolean) => {
      for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
    };
    await new Promise((r) => setTimeout(r, 50)); // the first sweep has looked
    fs.writeFileSync(path.join(monitor, ID), '0');
    fs.renameSync(path.join(monitor, ID), path.join(exits, ID)); // as the exit command moves it
    await until(() => seen.length > 0);
    assert.deepEqual(seen, [ID]);
    await watcher.remove(ID);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(seen, [ID], 'the removal is no exit');

    await watcher.clear(ID); // nothing left: no error
    fs.writeFileSync(path.join(exits, `${ID}.oom`), '');
    fs.writeFileSync(path.join(monitor, ID), '1');
    await watcher.clear(ID);
    assert.deepEqual([...fs.readdirSync(exits), ...fs.readdirSync(monitor)], []);
  } finally {
    watcher.stop();
  }
});
