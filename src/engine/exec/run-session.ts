/**
 * Starting an exec session: take the conmon prepared at create (or spawn
 * one), write the process spec and connect to the attach socket while
 * waiting for conmon, send the second start byte, and follow the process to
 * the end. When the process ends the exit code is stored on the session
 * first, then the session's conmon pipes and directory are released, and
 * only then does the attached output end — so a client that inspects the
 * exec right after its stream closed sees the exit code.
 */
import fs from 'node:fs/promises';
import { constants, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { AttachSession, OutputChunk } from '../api/containers.js';
import type { ExecStartOptions } from '../api/exec.js';
import type { ContainerContext, Row } from '../containers/context.js';
import { parseLogLine } from '../containers/k8s-log.js';
import { DetachKeyMatcher, parseDetachKeys } from '../attach/detach-keys.js';
import { resolveUser } from '../container-root/user.js';
import { EngineError, invalid, systemError } from '../errors.js';
import { containerFiles } from '../paths.js';
import { AttachSocket } from '../runtime/attach-socket.js';
import type { OciSpec } from '../runtime/oci-types.js';
import { runtimeMessage, translateStartFailure } from '../runtime/runtime-errors.js';
import { execFiles } from '../runtime/conmon-exec.js';
import { buildExecProcess } from './process-spec.js';
import { HANDSHAKE_TIMEOUT_MS, prepareConmon } from './prepared-conmon.js';
import { stepTrace, type StepTrace } from './step-trace.js';
import type { ExecSession } from './types.js';
import { faultPoint } from '../fault.js';

/** conmon closes attach clients before it reports the exit; this bounds the wait for that EOF. */
const SOCKET_DRAIN_MS = 2_000;
/** How long an ended session waits for its conmon to exit (it does right after reporting the exit code). */
const CONMON_EXIT_MS = 2_000;

/** Resolves when `p` settles or after `ms`, whichever is first. */
function settled(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([
    p.then(
      () => {},
      () => {},
    ),
    timeout,
  ]).finally(() => clearTimeout(timer));
}

/** Called once the session ended and its exit code is stored. */
export type OnEnded = (session: ExecSession) => void;

/**
 * Runs the session's process. Resolves an AttachSession (attached) or null
 * (detached) once the process runs, or — attached — once it failed to
 * start, with the runtime's message as its only output. A detached start
 * that fails throws. `onReleased` is called when conmon was told to run
 * the runtime.
 */
export async function runSession(
  ctx: ContainerContext,
  row: Row,
  session: ExecSession,
  opts: ExecStartOptions,
  onEnded: OnEnded,
  onReleased?: () => void,
): Promise<AttachSession | null> {
  const tty = session.opts.tty;
  const attached = !opts.detach;
  const trace = stepTrace(ctx.log, session.id);
  let released = false;
  let specWritten: Promise<void> | undefined;
  try {
    // Prepared at create (service.ts) unless the exec has stdin; its -i is only known now. One whose conmon
    // died or failed meanwhile is replaced.
    if (session.prepared && !session.prepared.usable) {
      session.prepared.discard();
      session.prepared = null;
    }
    const prepared =
      session.prepared ??
      prepareConmon(ctx, {
        containerId: row.id,
        sessionId: session.id,
        bundleDir: session.bundleDir,
        terminal: tty,
        stdin: attached && session.opts.attachStdin,
      });
    session.prepared = null;
    const conmon = (session.conmon = prepared.conmon);
    faultPoint('exec.after-conmon');
    // conmon starts up while the spec is written: it reads the spec only after the second start byte.
    specWritten = writeProcessSpec(ctx, row, session, opts);
    specWritten.catch(() => {}); // awaited below; a handshake failure must not leave it unhandled
    trace.markAt('conmon-spawned', prepared.times.spawned);
    const ready = await prepared.ready;
    trace.markAt('attach-ready', prepared.times.ready ?? performance.now());
    if (typeof ready.data !== 'number' || ready.data < 0)
      throw systemError('BERTH_EXEC_ATTACH', ready.message || conmon.stderr().trim() || 'conmon could not set up the attach socket');
    // The spec write and the connect overlap (a prepared conmon is usually ready before the start comes).
    const connected = attached
      ? AttachSocket.connect(session.bundleDir, { onOverflow: () => ctx.log.warn({ exec: session.id }, 'exec client too slow: disconnected') })
      : null;
    const [spec, socket] = await Promise.allSettled([specWritten, connected]);
    // Kept before any throw: endSession closes it.
    if (socket.status === 'fulfilled') session.socket = socket.value;
    if (spec.status === 'rejected') throw spec.reason;
    if (socket.status === 'rejected') throw socket.reason;
    trace.mark('connected');
    conmon.release();
    released = true;
    onReleased?.();
    const started = await conmon.sync.next(HANDSHAKE_TIMEOUT_MS, 'the exec pid');
    trace.mark('pid');
    if (typeof started.data !== 'number' || started.data < 0) throw await startFailure(session, started.message);
    faultPoint('exec.after-pid');
    session.pid = started.data;
  } catch (err) {
    const failure = err instanceof EngineError ? err : systemError('BERTH_EXEC_START', (err as Error).message, err);
    // A start that failed before its second byte must run nothing: conmon's child, once its pipe ends, runs
    // `runc exec` on whatever spec it finds.
    if (!released) {
      await specWritten?.catch(() => {});
      rmSync(execFiles(session.bundleDir).processSpec, { force: true });
    }
    endSession(session, 126, onEnded, trace);
    if (!attached) throw failure;
    return failedSession(tty, failure.message);
  }
  let replay: OutputChunk[] = [];
  const exited = session.conmon.sync
    .next(Infinity, 'the exit code')
    .then(
      (m) => (typeof m.data === 'number' && m.data >= 0 ? m.data : 126),
      () => -1,
    )
    .then(async (code) => {
      trace.mark('exit-reported');
      // The exit report can be read before the last frames: closing the socket now would drop them.
      if (session.socket) await settled(session.socket.ended, SOCKET_DRAIN_MS);
      // conmon 2.1.6 can finish a fast process before it accepted our connection; its log still has the output.
      if (session.socket && session.socket.receivedBytes === 0) replay = await readExecLog(execFiles(session.bundleDir).log);
      trace.mark('output-drained');
      // conmon reports the exit code just before it exits: a session is over (for inspect, and for
      // whoever counts processes) only once its monitor is gone too.
      await session.conmon?.sync.closed(CONMON_EXIT_MS);
      endSession(session, code, onEnded, trace);
    });
  return attached ? attachedSession(session, exited, () => replay) : (void exited, null);
}

/**
 * A runtime failure of an exec start, in dockerd 20.10's words, down to
 * containerd's gRPC status suffix ": unknown". A missing or non-executable
 * command is the client's error (400 when detached), anything else 500.
 * The session's exit code is 126 either way (dockerd's exec path overwrites
 * the 127 `docker run` gives a missing binary).
 */
async function startFailure(session: ExecSession, message: string | undefined): Promise<EngineError> {
  const fromLog = runtimeMessage(await fs.readFile(execFiles(session.bundleDir).runtimeLog, 'utf8').catch(() => ''));
  const text = `OCI runtime exec failed: ${fromLog || message || session.conmon?.stderr().trim() || 'unknown error'}: unknown`;
  // Read as dockerd reads it, with the exec's own command (its entrypoint).
  const failure = translateStartFailure(text, session.opts.cmd[0] ?? '');
  return failure.invalid ? invalid('BERTH_EXEC_START_INVALID', text) : systemError('BERTH_EXEC_START_FAILED', text);
}

/**
 * The container's process as its config.json holds it, read once per start
 * (kept on the container's live state): the bundle is written at each start
 * and not changed while the container runs, and parsing the file (it holds
 * the whole seccomp profile) per exec cost ~0.4 ms of the event loop.
 */
async function baseProcess(ctx: ContainerContext, row: Row): Promise<OciSpec['process']> {
  const live = ctx.live.of(row.id);
  if (live.execBase?.startedAt === row.state.startedAt) return live.execBase.process;
  const config = JSON.parse(await fs.readFile(path.join(ctx.paths.bundleDir(row.id), 'config.json'), 'utf8')) as OciSpec;
  live.execBase = { startedAt: row.state.startedAt, process: config.process };
  return config.process;
}

async function writeProcessSpec(ctx: ContainerContext, row: Row, session: ExecSession, opts: ExecStartOptions): Promise<void> {
  const base = await baseProcess(ctx, row);
  const user = await resolveUser(containerFiles(ctx.paths.containerDir(row.id)).merged, session.opts.user || row.spec.user);
  const process = buildExecProcess({
    base,
    spec: row.spec,
    cmd: session.opts.cmd,
    env: session.opts.env,
    workingDir: session.opts.workingDir,
    user,
    tty: session.opts.tty,
    privileged: session.opts.privileged,
    hostCapabilities: ctx.settings.hostCapabilities,
    consoleSize: opts.consoleSize,
  });
  // Synchronously: a few KiB into the page cache cost less than three thread-pool round trips. The file
  // exists already (prepared-conmon.ts): this truncates and writes, it creates nothing.
  writeFileSync(execFiles(session.bundleDir).processSpec, JSON.stringify(process));
}

/**
 * Stores the exit code and releases conmon's pipes. Idempotent. The
 * session directory is removed in the background: nothing reads it any
 * more, and the client's stream need not wait for a dozen unlinks. On the
 * thread pool, not synchronously: an unlink can block for milliseconds
 * (measured 9 ms per session on a filesystem mounted with `discard`).
 */
function endSession(session: ExecSession, exitCode: number, onEnded: OnEnded, trace: StepTrace): void {
  if (session.state === 'exited') return;
  session.state = 'exited';
  session.exitCode = exitCode;
  session.pid = 0;
  session.conmon?.close();
  session.conmon = null;
  // Frames already received stay readable; this only releases the fd.
  session.socket?.close();
  // After the tick that ends the attached stream, so that its dozen file calls do not come first.
  setImmediate(() => void fs.rm(session.bundleDir, { recursive: true, force: true }).catch(() => {}));
  trace.mark('ended');
  trace.flush();
  onEnded(session);
}

function failedSession(tty: boolean, message: string): AttachSession {
  async function* output(): AsyncGenerator<OutputChunk> {
    yield { stream: 'stdout', data: Buffer.from(`${message}\r\n`) };
  }
  return { tty, output: output(), stdin: null, detach: () => {} };
}

function attachedSession(session: ExecSession, exited: Promise<void>, replay: () => OutputChunk[]): AttachSession {
  const socket = session.socket!;
  const { attachStdout, attachStderr, attachStdin, tty } = session.opts;
  let detached = false;
  async function* output(): AsyncGenerator<OutputChunk> {
    for await (const frame of socket) {
      if (frame.stream === 'stdout' ? attachStdout : attachStderr) yield frame;
    }
    // conmon closes attach clients just before it reports the exit code.
    if (detached) return;
    await exited;
    // Only when the socket (now at EOF, so its count is final) carried nothing.
    if (socket.receivedBytes > 0) return;
    for (const chunk of replay()) if (chunk.stream === 'stdout' ? attachStdout : attachStderr) yield chunk;
  }
  const detach = () => {
    detached = true;
    socket.close();
  };
  // As Docker: the detach keys watch a TTY exec's stdin only; detaching ends the stream, the process keeps running.
  const matcher = tty ? new DetachKeyMatcher(parseDetachKeys(session.opts.detachKeys)) : null;
  const stdin = attachStdin
    ? new Writable({
        write: (chunk: Buffer, _enc, cb) => {
          if (detached) return cb();
          const scan = matcher ? matcher.push(chunk) : { pass: chunk, detached: false };
          void socket.write(scan.pass).then(() => {
            if (scan.detached) detach();
            cb();
          });
        },
        final: (cb) => {
          if (!detached) socket.endStdin();
          cb();
        },
      })
    : null;
  return { tty, output: output(), stdin, detach };
}

/** The session's k8s-file log as output chunks (F lines get their newline back). Missing or empty file = none. */
export async function readExecLog(file: string): Promise<OutputChunk[]> {
  // Usually empty (the socket carried everything, or there was no output): a stat costs less than a read.
  if (!(statSync(file, { throwIfNoEntry: false })?.size ?? 0)) return [];
  const text = await fs.readFile(file).catch(() => Buffer.alloc(0));
  const out: OutputChunk[] = [];
  let start = 0;
  for (let nl = text.indexOf(0x0a); nl >= 0; start = nl + 1, nl = text.indexOf(0x0a, start)) {
    const record = parseLogLine(text, start, nl + 1);
    if (record) out.push({ stream: record.stream, data: record.data });
  }
  return out;
}

/** Writes a resize to the session's ctl fifo ("1 <h> <w>"); conmon applies it to the pty. */
export async function resizeSession(session: ExecSession, height: number, width: number): Promise<void> {
  const handle = await fs.open(execFiles(session.bundleDir).ctl, constants.O_WRONLY | constants.O_NONBLOCK).catch((err: NodeJS.ErrnoException) => {
    // ENXIO: conmon no longer reads the fifo; ENOENT: the session just ended. Nothing left to size.
    if (err.code === 'ENXIO' || err.code === 'ENOENT') return null;
    throw err;
  });
  if (!handle) return;
  try {
    await handle.write(`1 ${height} ${width}\n`);
  } finally {
    await handle.close();
  }
}
