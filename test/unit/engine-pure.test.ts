import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACTIVE_STATUSES, canTransition, ensureTransition, infoCounter } from '../../src/engine/model/lifecycle.js';
import { parseSignal } from '../../src/engine/containers/signals.js';
import { nextBackoffMs, shouldRestart } from '../../src/engine/containers/restart-policy.js';
import { parseLogLine, PartialJoiner, toUtc } from '../../src/engine/containers/k8s-log.js';
import { parsePsOutput } from '../../src/engine/containers/top.js';
import { mergeEnv, mergeWithImage } from '../../src/engine/containers/merge-image.js';
import { validateName } from '../../src/engine/containers/resolve.js';
import { buildConmonArgs } from '../../src/engine/runtime/conmon.js';
import { classifyRuntimeError, runtimeMessage, translateStartFailure } from '../../src/engine/runtime/runtime-errors.js';
import { checkResourceLimits, parseCpuList } from '../../src/engine/containers/resource-limits.js';
import { predefinedAddress } from '../../src/engine/networks/container-net.js';
import { defaultResources } from '../../src/engine/model/spec-defaults.js';
import { initialState, type ContainerSpec } from '../../src/engine/model/container.js';
import { EngineError } from '../../src/engine/errors.js';
import type { CreateContainerOptions } from '../../src/engine/api.js';

test('transition table: the verbs Docker allows from each state', () => {
  assert.ok(canTransition('start', 'created'));
  assert.ok(canTransition('start', 'exited'));
  assert.ok(!canTransition('start', 'paused'));
  assert.ok(canTransition('pause', 'running'));
  assert.ok(!canTransition('pause', 'exited'));
  assert.ok(canTransition('unpause', 'paused'));
  assert.ok(!canTransition('kill', 'exited'));
  assert.ok(!canTransition('remove', 'running'));
  assert.ok(canTransition('remove', 'initialized'));
  assert.ok(canTransition('remove-forced', 'running'));
  assert.ok(canTransition('exit', 'paused'));
  assert.throws(
    () => ensureTransition('kill', 'exited', 'f'.repeat(64)),
    (e: EngineError) => e.kind === 'conflict' && e.message === `Container ${'f'.repeat(64)} is not running`, // dockerd names the full ID
  );
  assert.throws(() => ensureTransition('unpause', 'running', 'f'.repeat(64)), /is not paused/);
  assert.throws(
    () => ensureTransition('exec', 'paused', 'f'.repeat(64), 'web'),
    (e: EngineError) => e.message === 'Container web is paused, unpause the container before exec',
  );
  assert.throws(() => ensureTransition('start', 'paused', 'f'.repeat(64)), /cannot start a paused container/);
});

test('named predicates come from the table: active statuses, the info counters', () => {
  assert.deepEqual([...ACTIVE_STATUSES].sort(), ['initialized', 'paused', 'running']);
  const counters = Object.fromEntries(
    (['created', 'initialized', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'] as const).map((s) => [s, infoCounter(s)]),
  );
  assert.deepEqual(counters, {
    created: 'stopped',
    initialized: 'stopped',
    running: 'running',
    paused: 'paused',
    restarting: 'stopped',
    removing: 'stopped',
    exited: 'stopped',
    dead: 'stopped',
  });
});

test('signals by name, SIG name, number, real-time; bad ones are invalid-parameter', () => {
  assert.equal(parseSignal('KILL'), 9);
  assert.equal(parseSignal('sigterm'), 15);
  assert.equal(parseSignal('USR1'), 10);
  assert.equal(parseSignal('10'), 10);
  assert.equal(parseSignal('RTMIN+2'), 36);
  for (const bad of ['NOPE', '0', '65', '-1', '']) {
    assert.throws(
      () => parseSignal(bad),
      (e: EngineError) => e.kind === 'invalid-parameter' && e.message === `Invalid signal: ${bad}`,
    );
  }
});

const spec = (policy: ContainerSpec['restartPolicy']) => ({ restartPolicy: policy }) as ContainerSpec;

test('restart policies decide as Docker does', () => {
  const state = initialState();
  assert.equal(shouldRestart(spec({ name: 'no', maximumRetryCount: 0 }), state, 1), false);
  assert.equal(shouldRestart(spec({ name: 'always', maximumRetryCount: 0 }), state, 0), true);
  assert.equal(shouldRestart(spec({ name: 'always', maximumRetryCount: 0 }), { ...state, stoppedByUser: true }, 0), false);
  assert.equal(shouldRestart(spec({ name: 'on-failure', maximumRetryCount: 2 }), state, 0), false);
  assert.equal(shouldRestart(spec({ name: 'on-failure', maximumRetryCount: 2 }), { ...state, restartCount: 1 }, 3), true);
  assert.equal(shouldRestart(spec({ name: 'on-failure', maximumRetryCount: 2 }), { ...state, restartCount: 2 }, 3), false);
  assert.equal(shouldRestart(spec({ name: 'on-failure', maximumRetryCount: 0 }), { ...state, restartCount: 99 }, 1), true);
});

test('restart backoff: 100 ms doubling, capped at a minute, reset after 10 s of running', () => {
  assert.equal(nextBackoffMs(0, 0), 100);
  assert.equal(nextBackoffMs(100, 50), 200);
  assert.equal(nextBackoffMs(40_000, 50), 60_000);
  assert.equal(nextBackoffMs(60_000, 50), 60_000);
  assert.equal(nextBackoffMs(6400, 10_000), 100);
});

test('k8s-file lines parse to UTC nano times; partial lines join', () => {
  const full = parseLogLine(Buffer.from('2026-11-28T10:37:10.001256116+01:00 stdout F hello world\n'))!;
  assert.equal(full.time, '2026-11-28T09:37:10.001256116Z');
  assert.equal(full.stream, 'stdout');
  assert.equal(full.partial, false);
  assert.equal(full.data.toString(), 'hello world\n', 'a full record keeps its newline');
  assert.equal(parseLogLine(Buffer.from('2026-11-28T10:37:10.1+00:00 stdout P piece\n'))!.data.toString(), 'piece', 'a partial one never has one');
  assert.equal(parseLogLine(Buffer.from('garbage')), undefined);
  assert.equal(parseLogLine(Buffer.from('2026-11-28T10:37:10Z stdweird F x')), undefined);
  const empty = parseLogLine(Buffer.from('2026-11-28T10:37:10.1+00:00 stderr F'))!;
  assert.equal(empty.data.length, 0);
  assert.equal(toUtc('2026-11-28T10:37:10.5Z')!.timeNs, 1795862230500000000n);
  const joiner = new PartialJoiner();
  assert.equal(joiner.push(parseLogLine(Buffer.from('2026-11-28T10:00:00.1+00:00 stdout P par'))!), undefined);
  const err = joiner.push(parseLogLine(Buffer.from('2026-11-28T10:00:00.2+00:00 stderr F e\n'))!)!;
  assert.equal(err.data.toString(), 'e\n');
  const whole = joiner.push(parseLogLine(Buffer.from('2026-11-28T10:00:00.3+00:00 stdout F tial\n'))!)!;
  assert.equal(whole.data.toString(), 'partial\n');
  assert.equal(whole.time, '2026-11-28T10:00:00.100000000Z');
  joiner.push(parseLogLine(Buffer.from('2026-11-28T10:00:00.4+00:00 stdout P tail-without-newline'))!);
  assert.deepEqual(
    joiner.flush().map((r) => r.data.toString()),
    ['tail-without-newline'],
  );
});

test('ps output keeps rows of the container pids; the command column keeps spaces', () => {
  const out =
    'UID PID PPID C STIME TTY TIME CMD\nroot 10 1 0 12:00 ? 00:00:00 sh -c sleep 1\nroot 11 10 0 12:00 ? 00:00:00 sleep 1\nroot 99 1 0 12:00 ? 00:00:00 other\n';
  const top = parsePsOutput(out, new Set([10, 11]));
  assert.deepEqual(top.titles, ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
  assert.deepEqual(
    top.processes.map((p) => p[7]),
    ['sh -c sleep 1', 'sleep 1'],
  );
  assert.throws(() => parsePsOutput('USER COMMAND\n', new Set()), /Couldn't find PID field/);
});

const createOpts = (over: Partial<CreateContainerOptions>): CreateContainerOptions =>
  ({
    image: 'busybox',
    cmd: null,
    entrypoint: null,
    spec: { env: [], workingDir: '', user: '', labels: {}, stopSignal: '', exposedPorts: [] },
    ...over,
  }) as CreateContainerOptions;
const imageConfig = {
  cmd: ['sh'],
  entrypoint: null,
  env: ['PATH=/bin', 'A=image'],
  workingDir: '/w',
  user: 'daemon',
  labels: { l: 'image' },
  exposedPorts: ['80/tcp'],
  stopSignal: '',
  volumes: [],
};

test('create merges with the image as Docker does', () => {
  const merged = mergeWithImage(createOpts({}), imageConfig);
  assert.deepEqual(merged.cmd, ['sh']);
  assert.equal(merged.workingDir, '/w');
  assert.equal(merged.user, 'daemon');
  // As written; '' means SIGTERM at stop (dockerd leaves Config.StopSignal out).
  assert.equal(merged.stopSignal, '');
  const withEntrypoint = mergeWithImage(createOpts({ entrypoint: ['/bin/echo'] }), imageConfig);
  assert.deepEqual(withEntrypoint.cmd, [], 'an explicit entrypoint drops the image cmd');
  const withCmd = mergeWithImage(
    createOpts({ cmd: ['true'], spec: { env: ['A=mine'], workingDir: '', user: '', labels: { m: '1' }, stopSignal: 'usr1', exposedPorts: [] } } as never),
    imageConfig,
  );
  assert.deepEqual(withCmd.cmd, ['true']);
  assert.deepEqual(withCmd.env, ['A=mine', 'PATH=/bin'], "the request's entries first, then the image's it does not override (dockerd's order)");
  assert.deepEqual(withCmd.labels, { l: 'image', m: '1' });
  assert.equal(withCmd.stopSignal, 'usr1', 'as written, like dockerd');
  assert.throws(() => mergeWithImage(createOpts({ cmd: [] }), { ...imageConfig, cmd: null }), /No command specified/);
  assert.deepEqual(mergeEnv(['A=1', 'B=2'], ['A=3', 'C']), ['A=3', 'C', 'B=2']);
  assert.deepEqual(mergeEnv(['A=1', 'B=2'], []), ['A=1', 'B=2']);
});

test('container names follow Docker rules', () => {
  assert.equal(validateName('/web'), 'web');
  assert.equal(validateName('a.b_c-1'), 'a.b_c-1');
  for (const bad of ['a', 'bad name', '-x', '/', 'x/y', 'é1']) assert.throws(() => validateName(bad), /Invalid container name/);
});

test('conmon argv: ids, paths, log cap, tty and stdin flags', () => {
  const args = buildConmonArgs({
    id: 'c'.repeat(64),
    name: 'web',
    runtimePath: '/usr/sbin/runc',
    runtimeRoot: '/run/berth/runc',
    bundleDir: '/run/berth/containers/c',
    exitDir: '/run/berth/exits',
    logPath: '/var/lib/berth/containers/c/ctr.log',
    logSizeMax: 1024,
    terminal: true,
    stdin: false,
    logLevel: 'info',
  });
  const value = (flag: string) => args[args.indexOf(flag) + 1];
  assert.equal(value('-c'), 'c'.repeat(64));
  assert.equal(value('-r'), '/usr/sbin/runc');
  assert.equal(value('-b'), '/run/berth/containers/c');
  assert.equal(value('--exit-dir'), '/run/berth/exits');
  assert.equal(value('-l'), 'k8s-file:/var/lib/berth/containers/c/ctr.log');
  assert.equal(value('--log-size-max'), '1024');
  assert.ok(args.includes('-t'));
  assert.ok(!args.includes('-i'));
  assert.ok(args.includes('--full-attach'));
  const rootIndex = args.indexOf('--root');
  assert.equal(args[rootIndex - 1], '--runtime-arg');
  assert.equal(args[rootIndex + 2], '/run/berth/runc');
  const uncapped = buildConmonArgs({
    id: 'x',
    name: 'x',
    runtimePath: 'r',
    runtimeRoot: 'r',
    bundleDir: 'b',
    exitDir: 'e',
    logPath: 'l',
    logSizeMax: 0,
    terminal: false,
    stdin: true,
    logLevel: 'info',
  });
  assert.ok(!uncapped.includes('--log-size-max'));
  assert.ok(uncapped.includes('-i'));
});

test('runtime errors: JSON log lines read, kinds and start exit codes classified', () => {
  const raw =
    '{"level":"warning","msg":"ignored"}\n{"level":"error","msg":"runc create failed: unable to start container process: exec: \\"nosuchcmd\\": executable file not found in $PATH","time":"x"}\n';
  assert.match(runtimeMessage(raw), /^runc create failed: .*executable file not found/);
  const clientsCode = (text: string, cmd = '') => {
    const failure = translateStartFailure(text, cmd);
    return failure.invalid ? failure.exitCode : undefined;
  };
  assert.equal(clientsCode('exec: "x": executable file not found in $PATH', 'x'), 127);
  assert.equal(clientsCode('exec: "/etc": permission denied', '/etc'), 126);
  assert.equal(clientsCode('cgroup trouble'), undefined);
  // Not the client's error in dockerd's reading (runc 1.1 reports it from the process, exit code 1).
  assert.equal(clientsCode('exec format error'), undefined);
  assert.equal(classifyRuntimeError('kill', 'container "x" does not exist').kind, 'not-found');
  assert.equal(classifyRuntimeError('kill', 'container not running').kind, 'conflict');
  assert.equal(classifyRuntimeError('start', 'something odd').kind, 'system');
});

test("a failed start read as dockerd 20.10 reads containerd's error: exit code, text, client's error or not", () => {
  const shim = (why: string) => `failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: ${why}: unknown`;
  const missing = shim('exec: "/nonexistent": stat /nonexistent: no such file or directory');
  assert.deepEqual(translateStartFailure(missing, '/nonexistent'), { exitCode: 127, message: missing, invalid: true });
  const notInPath = shim('exec: "Nonexist": executable file not found in $PATH');
  assert.equal(translateStartFailure(notInPath, 'Nonexist').exitCode, 127);
  // "no such file" about something other than the command is not a missing command.
  assert.deepEqual(translateStartFailure(shim('open /x: no such file or directory'), 'true'), {
    exitCode: 128,
    message: shim('open /x: no such file or directory'),
    invalid: false,
  });
  assert.equal(translateStartFailure(shim('exec: "/etc": permission denied'), '/etc').exitCode, 126);
  const mount = shim('error during container init: error mounting "/a" to rootfs at "/etc": not a directory');
  assert.deepEqual(translateStartFailure(mount, 'true'), {
    exitCode: 127,
    message: `${mount}: Are you trying to mount a directory onto a file (or vice-versa)? Check if the specified host path exists and is the expected type`,
    invalid: true,
  });
  assert.deepEqual(translateStartFailure('cgroup trouble', 'sh'), { exitCode: 128, message: 'cgroup trouble', invalid: false });
});

test('resource limits dockerd refuses at create, in its words', () => {
  type Over = Parameters<typeof defaultResources>[0];
  const refused = (over: Over, message: string, ncpu = 2) =>
    assert.throws(
      () => checkResourceLimits(defaultResources(over), ncpu),
      (err: EngineError) => err.kind === 'invalid-parameter' && err.message === message,
    );
  refused({ memory: 100 }, 'Minimum memory limit allowed is 6MB');
  refused({ memory: 8 << 20, memorySwap: 7 << 20 }, 'Minimum memoryswap limit should be larger than memory limit, see usage');
  refused({ memorySwap: 7 << 20 }, 'You should always set the Memory limit when using Memoryswap limit, see usage');
  refused({ memoryReservation: 100 }, 'Minimum memory reservation allowed is 6MB');
  refused({ memory: 8 << 20, memoryReservation: 9 << 20 }, 'Minimum memory limit can not be less than memory reservation limit, see usage');
  refused({ nanoCpus: 3e9 }, 'Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available');
  refused({ cpuPeriod: 500 }, 'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  refused({ cpuQuota: 500 }, 'CPU cfs quota can not be less than 1ms (i.e. 1000)');
  refused({ cpusetCpus: 'x' }, 'Invalid value x for cpuset cpus: invalid format: x');
  refused({ cpusetCpus: '7' }, 'Requested CPUs are not available - requested 7, available: 0-1');
  refused({ cpusetCpus: '1' }, 'Requested CPUs are not available - requested 1, available: 0', 1);
  for (const ok of [{ memory: 6 << 20, memorySwap: -1 }, { nanoCpus: 2e9 }, { cpusetCpus: '0-1' }, { cpuPeriod: 100000, cpuQuota: 50000 }, {}]) {
    checkResourceLimits(defaultResources(ok), 2);
  }
  assert.deepEqual(parseCpuList('0-2,5'), [0, 1, 2, 5]);
  assert.equal(parseCpuList('2-1'), null);
  assert.equal(parseCpuList('1,'), null);
});

test('a fixed address on host or none (or IPv6 on the default bridge) is kept for the start to refuse', () => {
  const req = (ipv4Address: string, ipv6Address = '') => ({ aliases: [], ipv4Address, ipv6Address });
  assert.equal(predefinedAddress('none', { none: req('10.1.2.3') }), '10.1.2.3');
  assert.equal(predefinedAddress('host', { host: req('', 'fe80::1') }), 'fe80::1');
  assert.equal(predefinedAddress('bridge', { bridge: req('10.1.2.3') }), undefined, 'the bridge endpoint keeps an IPv4 request itself');
  assert.equal(predefinedAddress('bridge', { bridge: req('', 'fe80::1') }), 'fe80::1');
  assert.equal(predefinedAddress('mynet', { mynet: req('10.1.2.3', 'fe80::1') }), undefined);
  assert.equal(predefinedAddress('none', {}), undefined);
});
