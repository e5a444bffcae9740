/**
 * Runs the real docker CLI against a test daemon and collects its output.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

export interface DockerOptions {
  /** Written to the CLI's stdin, which is then closed; without it stdin is /dev/null. */
  input?: string | Buffer;
  /** SIGKILL the CLI after this long (default 30 s); the result then has timedOut = true. */
  timeoutMs?: number;
  /**
   * Called with the stdout collected so far after every chunk; when it returns
   * true the CLI gets SIGTERM (for `logs -f`, `events`, `wait` and other commands
   * that do not end by themselves). The result then has stopped = true.
   */
  stopWhen?: (stdout: string) => boolean;
}

export interface DockerResult {
  /** Exit code; -1 when the CLI died from a signal (see stopped/timedOut). */
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  stopped: boolean;
}

/** The docker binary: $BERTH_DOCKER_CLI, else `docker` from PATH. */
export const dockerBinary = process.env.BERTH_DOCKER_CLI ?? 'docker';

/** Runs `docker ...args` with `env` (which must carry DOCKER_HOST) and resolves when it exits. */
export function runDocker(env: NodeJS.ProcessEnv, args: string[], opts: DockerOptions = {}): Promise<DockerResult> {
  return runClient(dockerBinary, env, args, opts);
}

/** Runs another client of the API (docker-compose, …) the same way as the docker CLI. */
export function runClient(binary: string, env: NodeJS.ProcessEnv, args: string[], opts: DockerOptions = {}): Promise<DockerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let stopped = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 30_000);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!stopped && opts.stopWhen?.(stdout)) {
        stopped = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, timedOut, stopped });
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

/** A one-line summary of a result for assertion messages. */
export function describeResult(args: string[], r: DockerResult): string {
  return (
    `docker ${args.join(' ')} → code ${r.code}${r.timedOut ? ' (timed out)' : ''}\n` +
    `stdout: ${JSON.stringify(r.stdout.slice(0, 2000))}\nstderr: ${JSON.stringify(r.stderr.slice(0, 2000))}`
  );
}

/** Anything with a docker() method: a TestDaemon. */
export interface DockerRunner {
  docker(args: string[], opts?: DockerOptions): Promise<DockerResult>;
}

/** Runs `docker ...args` and asserts exit code `code` (default 0), with the output in the message. */
export async function dockerExpect(d: DockerRunner, args: string[], code = 0, opts?: DockerOptions): Promise<DockerResult> {
  const r = await d.docker(args, opts);
  assert.equal(r.code, code, describeResult(args, r));
  return r;
}

/** `docker inspect <name>` → the first object of its JSON array (asserts success). */
export async function inspect(d: DockerRunner, name: string): Promise<any> {
  const r = await dockerExpect(d, ['inspect', name]);
  const list = JSON.parse(r.stdout);
  assert.ok(Array.isArray(list) && list.length === 1, `docker inspect ${name}: ${r.stdout}`);
  return list[0];
}

/**
 * Polls `probe` every `intervalMs` (default 100) until it returns a truthy value
 * and resolves to that value; rejects after `timeoutMs` (default 10 s) naming `what`
 * and the last value seen.
 */
export async function eventually<T>(what: string, probe: () => Promise<T> | T, { timeoutMs = 10_000, intervalMs = 100 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  do {
    last = await probe();
    if (last) return last;
    await new Promise((r) => setTimeout(r, intervalMs));
  } while (Date.now() < deadline);
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** Docker's RFC 3339 nano time → epoch ms (JS dates keep milliseconds only). */
export function dockerTime(s: string): number {
  const ms = Date.parse(s.replace(/\.(\d{1,3})\d*Z$/, '.$1Z'));
  assert.ok(Number.isFinite(ms), `not an RFC 3339 time: ${s}`);
  return ms;
}

/** A node:test `skip` value: false for root, else the reason (containers need root). */
export function skipUnlessRoot(): string | false {
  return process.getuid?.() === 0 ? false : 'integration tests need root';
}
