/** readConmonPid + killConmonGroup: the process group of a session's conmon is killed only when that pid is the session's. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { killConmonGroup, readConmonPid } from '../../src/engine/exec/prepared-conmon.js';
import { execFiles } from '../../src/engine/runtime/conmon-exec.js';

/** A process group leader (`sh`, with `tag` as its $0) and a child in its group, as conmon and its waiting child. */
function group(tag: string) {
  const leader = spawn('sh', ['-c', 'sleep 30 & wait', tag], { detached: true, stdio: 'ignore' });
  const exited = new Promise<string | null>((resolve) => leader.on('exit', (_code, signal) => resolve(signal)));
  return { pid: leader.pid!, exited };
}

/** Whether a process of group `pgid` still runs (zombies, killed but not yet reaped, do not count). */
const alive = (pgid: number) =>
  fs.readdirSync('/proc').some((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    try {
      // pid (comm) state ppid pgrp …; comm may hold spaces, so split after its ')'.
      const [state, , pgrp] = fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ');
      return Number(pgrp) === pgid && state !== 'Z';
    } catch {
      return false;
    }
  });

test('kills the group of the pid in the pid file when its command line names the session', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-prep-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const g = group('session-a');
  await new Promise((r) => setTimeout(r, 100));
  fs.writeFileSync(execFiles(dir).conmonPidFile, `${g.pid}\n`);
  assert.equal(readConmonPid(dir), g.pid);
  killConmonGroup(readConmonPid(dir), 'session-a');
  assert.equal(await g.exited, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(alive(g.pid), false, 'the child in the group went too');
});

test('leaves a process alone whose command line names another session, and tolerates a missing pid file', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-prep-'));
  const g = group('session-b');
  t.after(() => {
    if (alive(g.pid)) process.kill(-g.pid, 'SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  assert.equal(readConmonPid(dir), null);
  killConmonGroup(readConmonPid(dir), 'session-b');
  fs.writeFileSync(execFiles(dir).conmonPidFile, `${g.pid}\n`);
  killConmonGroup(readConmonPid(dir), 'session-other');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(alive(g.pid), true);
});
