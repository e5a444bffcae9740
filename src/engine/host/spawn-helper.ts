/**
 * berthd's spawn helper: a small long-lived node process that starts host
 * programs on berthd's behalf (the OCI runtime's verbs, the network tools,
 * mount(8) for volumes). Forking copies the
 * page tables of the process that forks, and Node forks synchronously on
 * its event loop: from berthd (~100 MiB) a spawn costs about twice what it
 * costs from this process, which loads nothing but node's builtins.
 *
 * Started by spawner.ts with an IPC channel; exits when the channel closes
 * (berthd died or let it go). The programs it started are not tied to it:
 * a run in progress when it dies finishes on its own (berthd reports the
 * outcome as unknown).
 *
 * This file imports only node builtins and types: its RSS is what makes it
 * cheap. The messages are in spawn-protocol.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { HelperReply, HelperRequest, RunReply, RunRequest } from './spawn-protocol.js';

/** Output kept per stream of a run: runc's and mount's messages are far shorter; `iptables -S` and `ps -ef` on a busy host can reach megabytes. */
const MAX_OUTPUT = 16 << 20;
/**
 * The environment berthd gave this process, as a plain object: node reads
 * every variable of the environment a program gets at each spawn, and each
 * read of process.env is a call into C++ (a few percent of a spawn's CPU).
 */
const baseEnv: NodeJS.ProcessEnv = { ...process.env };

function send(reply: HelperReply): void {
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

process.on('message', (req: HelperRequest) => run(req));
// berthd is gone (or let this process go): nothing is left to answer.
process.on('disconnect', () => process.exit(0));
