/** buildExecProcess, the exec conmon argv, and the exec wire shapes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerSpec } from '../../src/engine/model/container.js';
import { buildExecConmonArgs } from '../../src/engine/runtime/conmon-exec.js';
import { buildExecProcess, type ExecProcessInput } from '../../src/engine/exec/process-spec.js';
import { ALL_CAPABILITIES } from '../../src/engine/runtime/capabilities.js';
import type { OciProcess } from '../../src/engine/runtime/oci-types.js';
import { execCreateFromBody, execInspectJson, execStartFromBody } from '../../src/server/wire/exec.js';
import { sampleContainer } from './fake-engine.js';

const base: OciProcess = {
  terminal: false,
  consoleSize: { height: 10, width: 20 },
  user: { uid: 0, gid: 0, additionalGids: [10] },
  args: ['sleep', '1000'],
  env: ['PATH=/x', 'HOSTNAME=h'],
  cwd: '/srv',
  capabilities: { bounding: ['CAP_CHOWN'], effective: ['CAP_CHOWN'], permitted: ['CAP_CHOWN'], inheritable: [], ambient: [] },
  rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 1024 }],
  noNewPrivileges: true,
  oomScoreAdj: 0,
};

function input(over: Partial<ExecProcessInput> = {}): ExecProcessInput {
  const spec: ContainerSpec = { ...sampleContainer().spec, hostname: 'box', env: ['A=0', 'B=2'], workingDir: '/srv' };
  return {
    base,
    spec,
    cmd: ['sh', '-c', 'echo $A'],
    env: [],
    workingDir: '',
    tty: false,
    privileged: false,
    user: { uid: 65534, gid: 65534, additionalGids: [], home: '/home/nobody' },
    ...over,
  };
}

test('exec process: the command, the container env with the exec env on top, its user and cwd', () => {
  const p = buildExecProcess(input({ env: ['A=1', 'C=3'], workingDir: '/tmp' }));
  assert.deepEqual(p.args, ['sh', '-c', 'echo $A']);
  assert.deepEqual(p.env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOSTNAME=box', 'A=1', 'B=2', 'C=3', 'HOME=/home/nobody']);
  assert.equal(p.cwd, '/tmp');
  assert.deepEqual(p.user, { uid: 65534, gid: 65534, additionalGids: [] });
  assert.equal(p.terminal, false);
  assert.equal(p.consoleSize, undefined);
  // Kept from the container's process.
  assert.deepEqual(p.rlimits, base.rlimits);
  assert.equal(p.noNewPrivileges, true);
  assert.deepEqual(p.capabilities, base.capabilities);
});

test('exec process: working dir falls back to the container, then /', () => {
  assert.equal(buildExecProcess(input()).cwd, '/srv');
  const spec = { ...input().spec, workingDir: '' };
  assert.equal(buildExecProcess(input({ spec })).cwd, '/');
});

test('exec process: tty sets terminal, TERM and the console size', () => {
  const p = buildExecProcess(input({ tty: true, consoleSize: [40, 120] }));
  assert.equal(p.terminal, true);
  assert.ok(p.env.includes('TERM=xterm'));
  assert.deepEqual(p.consoleSize, { height: 40, width: 120 });
});

test('exec process: privileged gets every capability the daemon holds', () => {
  const all = buildExecProcess(input({ privileged: true }));
  assert.deepEqual(all.capabilities.bounding, [...ALL_CAPABILITIES]);
  const some = buildExecProcess(input({ privileged: true, hostCapabilities: ['CAP_CHOWN', 'CAP_SYS_ADMIN'] }));
  assert.deepEqual(some.capabilities.effective, ['CAP_CHOWN', 'CAP_SYS_ADMIN']);
  assert.deepEqual(some.capabilities.ambient, []);
});

test('exec conmon argv: exec-attach with the process spec, a capped safety-net log, tty and stdin flags', () => {
  const args = buildExecConmonArgs({
    containerId: 'c1',
    sessionId: 's1',
    runtimePath: '/usr/sbin/runc',
    runtimeRoot: '/run/r',
    bundleDir: '/b/exec/s1',
    terminal: true,
    stdin: true,
    logLevel: 'info',
  });
  const after = (flag: string) => args[args.indexOf(flag) + 1];
  assert.equal(after('-c'), 'c1');
  assert.equal(after('-u'), 's1');
  assert.equal(after('-b'), '/b/exec/s1');
  assert.equal(after('-l'), 'k8s-file:/b/exec/s1/exec.log');
  assert.equal(after('--log-size-max'), String(1024 * 1024));
  assert.equal(args.includes('--exit-dir'), false, 'the exit code comes on the sync pipe, not in a file');
  assert.equal(after('--exec-process-spec'), '/b/exec/s1/process.json');
  for (const flag of ['-e', '--exec-attach', '--full-attach', '-t', '-i']) assert.ok(args.includes(flag), flag);
  const plain = buildExecConmonArgs({
    containerId: 'c1',
    sessionId: 's1',
    runtimePath: 'r',
    runtimeRoot: 'x',
    bundleDir: '/b',
    terminal: false,
    stdin: false,
    logLevel: 'info',
  });
  assert.ok(!plain.includes('-t') && !plain.includes('-i'));
});

test('exec wire: ExecConfig and start bodies, with field-naming 400s', () => {
  const opts = execCreateFromBody({ Cmd: ['echo', 'hi'], Env: ['A=1'], User: 'nobody', WorkingDir: '/tmp', Tty: true, AttachStdout: true, Privileged: null });
  assert.deepEqual(opts, {
    cmd: ['echo', 'hi'],
    env: ['A=1'],
    workingDir: '/tmp',
    user: 'nobody',
    tty: true,
    attachStdin: false,
    attachStdout: true,
    attachStderr: false,
    privileged: false,
    detachKeys: '',
  });
  assert.deepEqual(execCreateFromBody(undefined).cmd, []);
  assert.throws(() => execCreateFromBody({ Cmd: [1] }), /Cmd must be a list of strings/);
  assert.deepEqual(execStartFromBody({ Detach: true, Tty: false }), { detach: true, consoleSize: null, tty: false });
  assert.equal(execStartFromBody({ Tty: true }).tty, true);
  assert.deepEqual(execStartFromBody({ ConsoleSize: [24, 80] }).consoleSize, [24, 80]);
  assert.throws(() => execStartFromBody({ ConsoleSize: [24] }), /ConsoleSize/);
});

test('exec wire: inspect JSON as Docker shapes it', () => {
  const json = execInspectJson({
    id: 'e1',
    containerId: 'c1',
    running: false,
    exitCode: 7,
    pid: 0,
    openStdin: false,
    openStdout: true,
    openStderr: true,
    detachKeys: '',
    tty: false,
    privileged: false,
    user: '',
    cmd: ['sh', '-c', 'exit 7'],
  });
  assert.equal(json.ExitCode, 7);
  assert.equal(json.ContainerID, 'c1');
  assert.deepEqual(json.ProcessConfig, { arguments: ['-c', 'exit 7'], entrypoint: 'sh', privileged: false, tty: false });
});
