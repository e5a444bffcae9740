/**
 * berthd's spawn helper: a small long-lived node process that starts host
 * programs on berthd's behalf (the OCI runtime's verbs, the network tools,
 * mount(8) for volumes, exec sessions' conmon). Forking copies the
 * page tables of the process that forks, and Node forks synchronously on
 * its event loop: from berthd (~100 MiB) a spawn costs about twice what it
 * costs from this process, which loads nothing but node's builtins.
 *
 * Started by spawner.ts with an IPC channel; exits when the channel closes
 * (berthd died or let it go). The programs it started are not tied to it:
 * a run in progress when it dies finishes on its own (berthd reports the
 * outcome as unknown), and conmon double-forks, so containers never depend
 * on this process.
 *
 * This file imports only node builtins and types: its RSS is what makes it
 * cheap. The messages are in spawn-protocol.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { ExecConmonRequest, ExecEvent, ExecPipe, HelperReply, HelperRequest, RunReply, RunRequest } from './spawn-protocol.js';

/** Output kept per stream of a run: runc's and mount's messages are far shorter; `iptables -S` and `ps -ef` on a busy host can reach megabytes. */
const MAX_OUTPUT = 16 << 20;
/**
 * The environment berthd gave this process, as a plain object: node reads
 * every variable of the environment a program gets at each spawn, and each
 * read of process.env is a call into C++ (a few percent of a spawn's CPU).
 */
const baseEnv: NodeJS.ProcessEnv = { ...process.env };

function send(reply: HelperReply | ExecEvent): void {
  process.send?.(reply);
}

/** Runs `file args` to its end; stdout and stderr are collected as text. */
function run(req: RunRequest): void {
  const reply: RunReply = { id: req.id, exitCode: null, signal: null, stdout: '', stderr: '', timedOut: false };
  let child: ChildProcess;
  try {
    child = spawn(req.file, req.args, {
      cwd: req.cwd,
      env: req.env ? { ...baseEnv, ...req.env } : baseEnv,
      stdio: [req.input === undefined ? 'ignore' : 'pipe', req.discardStdout ? 'ignore' : 'pipe', 'pipe'],
    });
  } catch (err) {
    send({ ...reply, failure: (err as Error).message });
    return;
  }
  collect(
    child.stdout,
    (s) => (reply.stdout += s),
    () => reply.stdout.length,
  );
  collect(
    child.stderr,
    (s) => (reply.stderr += s),
    () => reply.stderr.length,
  );
  if (req.input !== undefined) child.stdin?.end(req.input);
  child.stdin?.on('error', () => {});
  const timer = setTimeout(() => {
    reply.timedOut = true;
    child.kill('SIGKILL');
  }, req.timeoutMs);
  child.on('error', (err) => (reply.failure = err.message));
  child.on('close', (code, signal) => {
    clearTimeout(timer);
    // A program that never started closes with its errno as the code.
    send({ ...reply, exitCode: reply.failure === undefined ? code : null, signal });
  });
}

function collect(stream: Readable | null, append: (s: string) => void, length: () => number): void {
  stream?.setEncoding('utf8');
  stream?.on('data', (s: string) => {
    if (length() < MAX_OUTPUT) append(s);
  });
}

/** The exec conmons whose stderr is relayed, by request id: a way to let go of it. */
const execs = new Map<number, () => void>();

/**
 * An exec session's conmon (ExecConmonRequest): its attach, sync and start
 * pipes go to berthd (ExecPipe), in this order. Node sends one handle at a
 * time and keeps the others, reading, until berthd acknowledged the one
 * before: bytes read here meanwhile would be lost. conmon writes nothing on
 * attach and sync before the first start byte, which berthd can only send
 * once the start pipe, the last, arrived. Its stderr is relayed until it
 * closes; then the reply.
 */
function execConmon(req: ExecConmonRequest): void {
  let child: ChildProcess;
  try {
    child = spawn(req.file, req.args, { env: req.env, detached: true, stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe', 'pipe'] });
  } catch (err) {
    send({ id: req.id, failure: (err as Error).message });
    return;
  }
  let failure: string | undefined;
  // A conmon that cannot be started has no pid: node closes its pipes, and the reply says why.
  child.on('error', (err) => (failure = err.message));
  if (child.pid !== undefined) {
    const stdio = child.stdio as unknown as Socket[];
    for (const [fd, pipe] of [
      [5, 'attach'],
      [3, 'sync'],
      [4, 'start'],
    ] as const)
      process.send?.({ id: req.id, pipe } satisfies ExecPipe, stdio[fd]);
  }
  const stderr = child.stderr!;
  stderr.setEncoding('utf8');
  stderr.on('data', (data: string) => send({ id: req.id, event: 'stderr', data }));
  stderr.once('close', () => {
    execs.delete(req.id);
    child.unref();
    send({ id: req.id, ...(failure === undefined ? {} : { failure }) });
  });
  execs.set(req.id, () => stderr.destroy());
}

process.on('message', (req: HelperRequest) => {
  if (req.op === 'run') run(req);
  else if (req.op === 'exec-conmon') execConmon(req);
  else execs.get(req.id)?.();
});
// berthd is gone (or let this process go): nothing is left to answer.
process.on('disconnect', () => process.exit(0));
