/**
 * startConmon's handshake against a stand-in for conmon (a shell script, no
 * runtime): conmon's daemonized child sends the sync message while the
 * process berthd spawned is still writing the conmon pid file, so berth
 * must read that file only once the spawned process has exited. The soak
 * benchmark hit the race under 8 starts in flight (ENOENT on conmon.pid).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isEngineError } from '../../src/engine/errors.js';
import { startConmon, type ConmonArgsInput } from '../../src/engine/runtime/conmon.js';

let tmp: string;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-conmon-'));
});
after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/**
 * A fake conmon: takes the start byte on fd 4, answers on fd 3 at once,
 * then (after `delay` seconds) writes its pid file the way glib does (temp
 * file, rename) and exits with `code`; code ≠ 0 writes no pid file.
 */
function fakeConmon(name: string, delay: number, code: number): string {
  const file = path.join(tmp, name);
  const script = `#!/bin/sh
pidfile=''
while [ $# -gt 0 ]; do [ "$1" = -P ] && pidfile="$2"; shift; done
head -c 1 <&4 >/dev/null
printf '{"data": 4242}\\n' >&3
sleep ${delay}
if [ ${code} -ne 0 ]; then echo 'cannot write the pid file' >&2; exit ${code}; fi
printf 777 > "$pidfile.tmp" && mv "$pidfile.tmp" "$pidfile"
`;
  fs.writeFileSync(file, script, { mode: 0o755 });
  return file;
}

function input(id: string): ConmonArgsInput {
  const bundleDir = path.join(tmp, id);
  fs.mkdirSync(bundleDir, { recursive: true });
  return {
    id,
    name: id,
    runtimePath: '/bin/true',
    runtimeRoot: path.join(tmp, 'runc'),
    bundleDir,
    exitDir: path.join(tmp, 'exits'),
    logPath: path.join(bundleDir, 'ctr.log'),
    logSizeMax: 0,
    terminal: false,
    stdin: false,
    logLevel: 'error',
  };
}

test('startConmon: a pid file written after the sync message is waited for, not ENOENT', async () => {
  const conmon = fakeConmon('late-pidfile', 0.3, 0);
  const started = await Promise.all(['c1', 'c2', 'c3'].map((id) => startConmon(conmon, input(id))));
  for (const s of started) assert.deepEqual(s, { pid: 4242, conmonPid: 777 });
});

test('startConmon: conmon exiting without its pid file is a clear conmon failure', async () => {
  const conmon = fakeConmon('no-pidfile', 0, 3);
  await assert.rejects(startConmon(conmon, input('c4')), (err: unknown) => {
    assert.ok(isEngineError(err));
    assert.equal(err.code, 'BERTH_CONMON_FAILED');
    assert.match(err.message, /cannot write the pid file/);
    return true;
  });
});
