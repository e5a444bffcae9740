/**
 * conmon: one monitor process per container. conmon runs `runc create`,
 * holds the container's stdio, writes its k8s-file log and, when the
 * container ends, an exit file named by the container id. It forks away
 * from berthd, so containers outlive the daemon.
 *
 * The handshake (see shared/reference/libpod-internals.md §1.3): berthd
 * passes two pipes as fds 3 (sync) and 4 (start); conmon waits for one
 * byte on the start pipe, forks, and writes one JSON line on the sync pipe:
 * {"data": <pid>} or {"data": -1, "message": "..."}.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../errors.js';
import { removeFile } from '../host/remove-tree.js';
import { runConmon, type ConmonHandshake } from '../host/conmon-process.js';
import { readTextSync } from '../host/read-sync.js';
import { runtimeMessage } from './runtime-errors.js';
import { exitCommandArgs } from './exit-command.js';

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
  /** What conmon runs after writing the exit file (exit-command.ts), argv form; none when absent. */
  exitCommand?: string[];
}

/** Files conmon writes inside the bundle. */
export function conmonFiles(bundleDir: string) {
  return {
    containerPidFile: path.join(bundleDir, 'pidfile'),
    conmonPidFile: path.join(bundleDir, 'conmon.pid'),
    runtimeLog: path.join(bundleDir, 'oci-log'),
  };
}

/** The pid in a conmon pid file (-P, a container's or an exec session's); undefined when there is none (not written yet, or removed). */
export function readConmonPidFile(file: string): number | undefined {
  const pid = Number(readTextSync(file)?.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
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
  /** Where conmon writes the exit code as a file; none for an exec session (its exit code comes on the sync pipe). */
  exitDir?: string;
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
  if (a.exitDir) args.push('--exit-dir', a.exitDir);
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
  if (input.exitCommand) args.push(...exitCommandArgs(input.exitCommand));
  return args;
}

export interface ConmonStarted {
  /** The container's init process on the host. */
  pid: number;
  conmonPid: number;
}

const CREATE_TIMEOUT_MS = 60_000;

/**
 * Spawns conmon (host/conmon-process.ts), releases
 * it through the start pipe and waits for the sync message. On failure
 * throws an EngineError carrying the runtime's message; the caller must
 * `runtime.delete(id)` to clean up what runc left.
 */
export async function startConmon(conmonPath: string, input: ConmonArgsInput): Promise<ConmonStarted> {
  const files = conmonFiles(input.bundleDir);
  await removeFile(files.runtimeLog);
  const reply = await runConmon(conmonPath, buildConmonArgs(input), {
    cwd: input.bundleDir, // conmon writes some files (an `oom` marker) relative to its cwd: keep them in the bundle
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4' },
    timeoutMs: CREATE_TIMEOUT_MS,
  });
  const message = syncMessage(reply);
  if (typeof message.data !== 'number' || message.data < 0) {
    const fromLog = await fsp.readFile(files.runtimeLog, 'utf8').catch(() => '');
    // In dockerd 20.10's words, down to containerd's shim prefix and gRPC status suffix.
    const why = runtimeMessage(fromLog) || message.message || reply.stderr.trim() || 'conmon failed to create the container';
    const text = `failed to create shim task: OCI runtime create failed: ${why}: unknown`;
    throw new EngineError('system', 'BERTH_RUNTIME_CREATE_FAILED', text);
  }
  // The spawned conmon has exited by the time of a sync message (conmon-process.ts waits for it): only then is
  // conmon.pid complete. A failure there is conmon's, with its stderr.
  if (reply.exitCode !== 0) {
    const why = reply.stderr.trim() || `conmon exited with ${reply.exitCode ?? 'a signal'} before writing its pid file`;
    throw new EngineError('system', 'BERTH_CONMON_FAILED', why);
  }
  // Read synchronously: a small file, cheaper on the loop than through the thread pool.
  const conmonPid = Number(fs.readFileSync(files.conmonPidFile, 'utf8').trim());
  return { pid: message.data, conmonPid };
}

interface SyncMessage {
  data?: number;
  message?: string;
}

/** conmon's sync message from the helper's reply; throws when there is none. */
function syncMessage(reply: ConmonHandshake): SyncMessage {
  if (reply.timedOut) throw new EngineError('system', 'BERTH_CONMON_TIMEOUT', `conmon did not answer within ${CREATE_TIMEOUT_MS / 1000}s`);
  if (reply.line === undefined) {
    // conmon closed the pipe without a message: it failed before forking.
    const why = reply.stderr.trim() || reply.failure || `conmon exited (${reply.exitCode ?? 'unknown'}) without reporting`;
    throw new EngineError('system', 'BERTH_CONMON_FAILED', why);
  }
  try {
    return JSON.parse(reply.line) as SyncMessage;
  } catch (err) {
    throw new EngineError('system', 'BERTH_CONMON_PROTOCOL', `unreadable message from conmon: ${reply.line}`, { cause: err });
  }
}
