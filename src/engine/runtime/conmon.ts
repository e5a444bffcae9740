/**
 * conmon: one monitor process per container. conmon runs `runc create`,
 * holds the container's stdio, writes its k8s-file log and, when the
 * container ends, an exit file named by the container id. It forks away
 * from berthd, so containers outlive the daemon.
 *
 * The handshake (see shared/reference/libpod-internals.md §1.3): berthd
 * passes two socketpairs as fds 3 (sync) and 4 (start); conmon waits for one
 * byte on the start pipe, forks, and writes one JSON line on the sync pipe:
 * {"data": <pid>} or {"data": -1, "message": "..."}.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { EngineError } from '../errors.js';
import { runtimeMessage } from './runtime-errors.js';

export interface ConmonArgsInput {
  id: string;
  name: string;
  /** The OCI runtime binary. */
  runtimePath: string;
  /** The runtime's state root (runc --root). */
  runtimeRoot: string;
  bundleDir: string;
  exitDir: string;
  logPath: string;
  /** Bytes; 0 or less = no cap. conmon 2.1.6 truncates the log when the cap is hit. */
  logSizeMax: number;
  terminal: boolean;
  stdin: boolean;
  /**
   * Keep the container's stdin open when an attach client half-closes or
   * leaves (--leave-stdin-open). Without it conmon closes stdin then, which
   * is Docker's StdinOnce; only meaningful with `stdin`.
   */
  leaveStdinOpen?: boolean;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

/** Files conmon writes inside the bundle. */
export function conmonFiles(bundleDir: string) {
  return {
    containerPidFile: path.join(bundleDir, 'pidfile'),
    conmonPidFile: path.join(bundleDir, 'conmon.pid'),
    runtimeLog: path.join(bundleDir, 'oci-log'),
  };
}

/** What every conmon invocation (container or exec) is told. */
export interface SharedConmonArgs {
  /** The container's id (runc's name for it). */
  cid: string;
  /** This conmon's own id: the container id, or an exec session's id. */
  cuuid: string;
  runtimePath: string;
  runtimeRoot: string;
  bundleDir: string;
  pidFile: string;
  conmonPidFile: string;
  exitDir: string;
  logPath: string;
  /** Bytes; 0 or less = no cap. */
  logSizeMax: number;
  runtimeLog: string;
  terminal: boolean;
  stdin: boolean;
  logLevel: ConmonArgsInput['logLevel'];
}

/** The flags container and exec conmons share (podman's sharedConmonArgs). Pure. */
export function sharedConmonArgs(a: SharedConmonArgs): string[] {
  const args = [
    '--api-version',
    '1',
    '-c',
    a.cid,
    '-u',
    a.cuuid,
    '-r',
    a.runtimePath,
    '-b',
    a.bundleDir,
    '-p',
    a.pidFile,
    '-P',
    a.conmonPidFile,
    '--exit-dir',
    a.exitDir,
    '--full-attach',
    '-l',
    `k8s-file:${a.logPath}`,
    '--log-level',
    a.logLevel,
    '--runtime-arg',
    '--root',
    '--runtime-arg',
    a.runtimeRoot,
    '--runtime-arg',
    '--log-format=json',
    '--runtime-arg',
    '--log',
    '--runtime-arg',
    a.runtimeLog,
  ];
  if (a.logSizeMax > 0) args.push('--log-size-max', String(a.logSizeMax));
  if (a.terminal) args.push('-t');
  if (a.stdin) args.push('-i');
  return args;
}

/** conmon's argv for a container create. Pure. */
export function buildConmonArgs(input: ConmonArgsInput): string[] {
  const files = conmonFiles(input.bundleDir);
  const args = sharedConmonArgs({
    cid: input.id,
    cuuid: input.id,
    runtimePath: input.runtimePath,
    runtimeRoot: input.runtimeRoot,
    bundleDir: input.bundleDir,
    pidFile: files.containerPidFile,
    conmonPidFile: files.conmonPidFile,
    exitDir: input.exitDir,
    logPath: input.logPath,
    logSizeMax: input.logSizeMax,
    runtimeLog: files.runtimeLog,
    terminal: input.terminal,
    stdin: input.stdin,
    logLevel: input.logLevel,
  });
  args.push('-n', input.name);
  if (input.stdin && input.leaveStdinOpen) args.push('--leave-stdin-open');
  return args;
}

export interface ConmonStarted {
  /** The container's init process on the host. */
  pid: number;
  conmonPid: number;
}

const CREATE_TIMEOUT_MS = 60_000;

/**
 * Spawns conmon, releases it through the start pipe and waits for the sync
 * message. On failure throws an EngineError carrying the runtime's message;
 * the caller must `runtime.delete(id)` to clean up what runc left.
 */
export async function startConmon(conmonPath: string, input: ConmonArgsInput): Promise<ConmonStarted> {
  const files = conmonFiles(input.bundleDir);
  await fs.rm(files.runtimeLog, { force: true });
  const child = spawn(conmonPath, buildConmonArgs(input), {
    cwd: input.bundleDir, // conmon writes some files (an `oom` marker) relative to its cwd: keep them in the bundle
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4' },
    detached: true,
  });
  const sync = child.stdio[3] as Readable;
  const start = child.stdio[4] as Writable;
  const exited = processExit(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.on('error', () => {});
  try {
    start.write(Buffer.from([0]));
    const message = await readSyncMessage(sync, child, () => stderr);
    if (typeof message.data !== 'number' || message.data < 0) {
      const fromLog = await fs.readFile(files.runtimeLog, 'utf8').catch(() => '');
      const text = `OCI runtime create failed: ${runtimeMessage(fromLog) || message.message || stderr.trim() || 'conmon failed to create the container'}`;
      throw new EngineError('system', 'BERTH_RUNTIME_CREATE_FAILED', text);
    }
    return { pid: message.data, conmonPid: await readConmonPid(files.conmonPidFile, exited, () => stderr) };
  } finally {
    sync.destroy();
    start.destroy();
    child.stderr?.destroy();
    child.unref();
  }
}

/** Resolves with the exit code (null when killed by a signal) once `child` has exited. */
function processExit(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

/**
 * The daemonized conmon's pid. conmon forks after the start byte; the
 * process berthd spawned writes the pid file (a temp file renamed into
 * place) and exits, while its child runs `runc create` and sends the sync
 * message. The two run concurrently, so under load the sync message can
 * arrive before the file exists: the file is complete only once the spawned
 * process has exited (podman waits for it the same way).
 */
async function readConmonPid(file: string, exited: Promise<number | null>, stderr: () => string): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), CREATE_TIMEOUT_MS)));
  const code = await Promise.race([exited, timeout]).finally(() => clearTimeout(timer));
  if (code === 'timeout') throw new EngineError('system', 'BERTH_CONMON_TIMEOUT', `conmon did not exit within ${CREATE_TIMEOUT_MS / 1000}s`);
  if (code !== 0) {
    const why = stderr().trim() || `conmon exited with ${code ?? 'a signal'} before writing its pid file`;
    throw new EngineError('system', 'BERTH_CONMON_FAILED', why);
  }
  return Number((await fs.readFile(file, 'utf8')).trim());
}

interface SyncMessage {
  data?: number;
  message?: string;
}

function readSyncMessage(sync: Readable, child: ChildProcess, stderr: () => string): Promise<SyncMessage> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(
      () => fail(new EngineError('system', 'BERTH_CONMON_TIMEOUT', `conmon did not answer within ${CREATE_TIMEOUT_MS / 1000}s`)),
      CREATE_TIMEOUT_MS,
    );
    const done = () => {
      clearTimeout(timer);
      sync.off('data', onData);
      sync.off('end', onEnd);
    };
    const fail = (err: Error) => {
      done();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      done();
      try {
        resolve(JSON.parse(buffered.slice(0, newline)) as SyncMessage);
      } catch (err) {
        reject(new EngineError('system', 'BERTH_CONMON_PROTOCOL', `unreadable message from conmon: ${buffered}`, { cause: err }));
      }
    };
    const onEnd = () => {
      // conmon closed the pipe without a message: it failed before forking.
      setTimeout(
        () => fail(new EngineError('system', 'BERTH_CONMON_FAILED', stderr().trim() || `conmon exited (${child.exitCode ?? 'unknown'}) without reporting`)),
        20,
      );
    };
    sync.on('data', onData);
    sync.on('end', onEnd);
  });
}
