/**
 * The integration-test harness: a real berthd on its own temp socket, data
 * root, exec root and cgroup parent, driven over HTTP and through the real
 * docker CLI, and checked for leaks when the test is done.
 *
 *   const d = await startDaemon();
 *   try { ... d.request('GET', '/containers/json') ... d.docker(['ps']) ... }
 *   finally { await d.cleanup(); }   // throws when anything of the daemon leaked
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDocker, type DockerOptions, type DockerResult } from './docker-cli.js';
import { findLeaks, reapLeaks, removeCgroupParent, waitForNoLeaks, type LeakScope } from './leaks.js';
import { findNetworkLeaks, reapNetworkLeaks } from './network-leaks.js';
import { unixRequest, type HttpResult, type RequestOptions } from './unix-http.js';

/** berthd's entry point: $BERTH_TEST_BERTHD, else the bundle users run (dist/test/integration/helpers/daemon.js → dist/berthd.mjs). */
export const berthdMain = process.env.BERTH_TEST_BERTHD ?? fileURLToPath(new URL('../../../berthd.mjs', import.meta.url));

export interface StartDaemonOptions {
  /** Extra berthd flags, appended after the harness's own. */
  args?: string[];
  /** Extra environment for berthd. */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for GET /_ping to answer 200 (default 15 s). */
  readyTimeoutMs?: number;
  /**
   * Start berthd through `systemd-socket-activate -l <socket>` without --host:
   * the listening socket arrives as LISTEN_FDS and berthd is exec'd on the first
   * connection.
   */
  socketActivation?: boolean;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const LOG_KEEP = 256 * 1024;
const LEAK_GRACE_MS = 5_000;
const STOP_TIMEOUT_MS = 15_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Environment for berthd: ours, minus anything that would point it at another daemon or systemd. */
function daemonEnv(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const key of ['DOCKER_HOST', 'NOTIFY_SOCKET', 'LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES']) {
    if (!extra || !(key in extra)) delete env[key];
  }
  return env;
}

export class TestDaemon {
  readonly socket: string;
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly cgroupParent: string;
  /** Second octet of the daemon's address pool 10.N.0.0/16. */
  readonly addressOctet: number;
  /** process.env + DOCKER_HOST=unix://<socket> + a private DOCKER_CONFIG, for the docker CLI. */
  readonly env: NodeJS.ProcessEnv;
  private child: ChildProcess | null = null;
  private exited: Promise<ExitInfo> = Promise.resolve({ code: null, signal: null });
  private expectExit = false;
  private everReady = false;
  private cleanedUp = false;
  private logText = '';
  /** Things that went wrong outside a test's own assertions (unexpected exits); reported by cleanup. */
  private readonly problems: string[] = [];

  constructor(
    readonly root: string,
    private readonly opts: StartDaemonOptions,
  ) {
    this.socket = path.join(root, 'berth.sock');
    this.dataRoot = path.join(root, 'data');
    this.execRoot = path.join(root, 'run');
    this.cgroupParent = `berth-it-${randomBytes(4).toString('hex')}`;
    this.addressOctet = 100 + (randomBytes(1)[0] % 150);
    const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: `unix://${this.socket}`, DOCKER_CONFIG: path.join(root, 'docker-config') };
    for (const key of ['DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_API_VERSION']) delete env[key];
    this.env = env;
  }

  /** PID of the current berthd process (0 when none was started). */
  get pid(): number {
    return this.child?.pid ?? 0;
  }

  /** True while the berthd process is alive. */
  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The scope that leak checks look at. */
  get scope(): LeakScope {
    return { root: this.root, runcRoot: path.join(this.execRoot, 'runc'), cgroupParent: this.cgroupParent };
  }

  /** The flags berthd is started with (the same on every restart). */
  get args(): string[] {
    const host = this.opts.socketActivation ? [] : ['--host', `unix://${this.socket}`];
    return [
      ...host,
      '--data-root',
      this.dataRoot,
      '--exec-root',
      this.execRoot,
      '--pidfile',
      path.join(this.execRoot, 'berthd.pid'),
      '--cgroup-parent',
      this.cgroupParent,
      // Each test daemon's networks come from a /16 of its own, away from the host's and other engines' defaults.
      '--default-address-pool',
      `base=10.${this.addressOctet}.0.0/16,size=20`,
      '--log-level',
      process.env.BERTH_TEST_LOG_LEVEL ?? 'debug',
      ...(this.opts.args ?? []),
    ];
  }

  /** The last 256 KiB of berthd's stdout and stderr, across restarts. */
  logs(): string {
    return this.logText;
  }

  /** Spawns berthd and resolves once GET /_ping answers 200; rejects with its output otherwise. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`berthd ${this.pid} is still running`);
    this.spawnProcess();
    await this.waitReady(this.opts.readyTimeoutMs ?? 15_000);
    this.everReady = true;
  }

  private spawnProcess(): void {
    const argv = [berthdMain, ...this.args];
    const env = daemonEnv(this.opts.env);
    // systemd-socket-activate hands its child only LISTEN_* and the -E variables.
    const passEnv = Object.keys(env).flatMap((key) => ['-E', key]);
    const [cmd, cmdArgs] = this.opts.socketActivation
      ? ['systemd-socket-activate', ['-l', this.socket, ...passEnv, process.execPath, ...argv]]
      : [process.execPath, argv];
    const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'pipe'], env });
    this.child = child;
    this.expectExit = false;
    const keep = (chunk: Buffer) => {
      this.logText = (this.logText + chunk.toString('utf8')).slice(-LOG_KEEP);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        if (!this.expectExit) this.problems.push(`berthd ${child.pid} exited unexpectedly (code ${code}, signal ${signal})`);
        resolve({ code, signal });
      });
      child.on('error', (err) => {
        this.problems.push(`cannot spawn ${cmd}: ${err.message}`);
        resolve({ code: null, signal: null });
      });
    });
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError = 'no answer';
    while (Date.now() < deadline) {
      if (!this.running) {
        const info = await this.exited;
        throw new Error(`berthd exited before answering /_ping (code ${info.code}, signal ${info.signal}):\n${this.logs()}`);
      }
      try {
        // Under socket activation the first connection waits in the backlog until berthd is exec'd.
        const res = await unixRequest(this.socket, 'GET', '/_ping', { timeoutMs: Math.max(deadline - Date.now(), 1) });
        if (res.status === 200) return;
        lastError = `HTTP ${res.status} ${res.body.toString('utf8')}`;
      } catch (err) {
        lastError = (err as Error).message;
      }
      await sleep(20);
    }
    throw new Error(`berthd did not answer GET /_ping within ${timeoutMs} ms (${lastError}):\n${this.logs()}`);
  }

  /** One HTTP request to berthd over its socket; the body is buffered. */
  request(method: string, urlPath: string, opts?: RequestOptions): Promise<HttpResult> {
    return unixRequest(this.socket, method, urlPath, opts);
  }

  /** Runs the real docker CLI against this daemon. */
  docker(args: string[], opts?: DockerOptions): Promise<DockerResult> {
    return runDocker(this.env, args, opts);
  }

  /** SIGKILLs berthd and waits for it to be gone; its containers keep running. */
  async kill9(): Promise<ExitInfo> {
    if (!this.running) throw new Error('berthd is not running');
    this.expectExit = true;
    this.child!.kill('SIGKILL');
    return this.exited;
  }

  /** SIGTERMs berthd and waits for it to exit; after 15 s it is SIGKILLed and that counts as a problem. */
  async stop(): Promise<ExitInfo> {
    if (!this.running) return this.exited;
    this.expectExit = true;
    this.child!.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), STOP_TIMEOUT_MS)));
    const info = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (info) return info;
    this.problems.push(`berthd ${this.pid} did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM`);
    this.child!.kill('SIGKILL');
    return this.exited;
  }

  /**
   * Starts berthd (not running) with `env` added to its environment for this
   * start only, and declares that it may die by itself (a crash test's fault
   * point): that exit is then not reported as a problem. `died()` awaits it.
   */
  async startExpectingCrash(env: NodeJS.ProcessEnv): Promise<void> {
    const saved = this.opts.env;
    this.opts.env = { ...saved, ...env };
    try {
      await this.start();
    } finally {
      this.opts.env = saved;
    }
    this.expectExit = true;
  }

  /** Resolves when the current berthd process has exited (see startExpectingCrash). */
  died(): Promise<ExitInfo> {
    return this.exited;
  }

  /** Starts berthd again with the same roots and flags (stopping it first if it still runs). */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /**
   * Removes every container through the API (force, with volumes), stops
   * berthd, and checks that nothing of it is left: no process mentioning the
   * temp root (conmon), no mount below it, no runc state, no task in its cgroup
   * parent. Whatever is left is then killed/unmounted, the cgroup dirs and the
   * temp root are removed, and the method THROWS listing the leaks (and any
   * unexpected berthd exit) so the test fails. A second call does nothing.
   */
  async cleanup(): Promise<void> {
    if (this.cleanedUp) return;
    this.cleanedUp = true;
    const problems: string[] = [];
    if (!this.running && this.everReady) {
      // A test that killed berthd and failed before restarting it: start it to remove containers properly.
      await this.start().catch((err) => problems.push(`restart for cleanup failed: ${(err as Error).message}`));
    }
    if (this.running) problems.push(...(await this.removeAllContainers()));
    await this.stop();
    problems.push(...this.problems);
    const leaks = await waitForNoLeaks(this.scope, LEAK_GRACE_MS);
    if (leaks.length > 0) await reapLeaks(this.scope);
    removeCgroupParent(this.scope.cgroupParent);
    const netLeaks = findNetworkLeaks(this.dataRoot);
    leaks.push(...netLeaks);
    if (netLeaks.length > 0) reapNetworkLeaks(this.dataRoot);
    const left = [...findLeaks(this.scope), ...findNetworkLeaks(this.dataRoot)];
    try {
      fs.rmSync(this.root, { recursive: true, force: true, maxRetries: 3 });
    } catch (err) {
      problems.push(`cannot remove ${this.root}: ${(err as Error).message}`);
    }
    if (leaks.length === 0 && problems.length === 0) return;
    const lines = [...problems, ...leaks.map((l) => `leaked ${l}`), ...left.map((l) => `STILL PRESENT after forced cleanup: ${l}`)];
    throw new Error(`test daemon ${this.root}:\n  ${lines.join('\n  ')}\n--- berthd output (tail) ---\n${this.logs().slice(-8000)}`);
  }

  private async removeAllContainers(): Promise<string[]> {
    const problems: string[] = [];
    try {
      const list = await this.request('GET', '/containers/json', { query: { all: 1 } });
      if (list.status !== 200) return [`GET /containers/json?all=1 → ${list.status} ${list.body}`];
      for (const c of list.json() as { Id: string }[]) {
        const res = await this.request('DELETE', `/containers/${c.Id}`, { query: { force: 1, v: 1 } });
        if (res.status !== 204 && res.status !== 404) problems.push(`DELETE /containers/${c.Id}?force=1 → ${res.status} ${res.body}`);
      }
    } catch (err) {
      problems.push(`removing containers: ${(err as Error).message}`);
    }
    return problems;
  }
}

/**
 * Creates a temp root (os.tmpdir()/berth-it-XXXXXX with data/, run/ and
 * docker-config/) and starts berthd on <root>/berth.sock with a unique
 * --cgroup-parent. When start fails, the root is cleaned up and the error
 * (with berthd's output) is thrown.
 */
export async function startDaemon(opts: StartDaemonOptions = {}): Promise<TestDaemon> {
  const root = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'berth-it-'));
  for (const dir of ['data', 'run', 'docker-config']) await fs.promises.mkdir(path.join(root, dir));
  const daemon = new TestDaemon(root, opts);
  try {
    await daemon.start();
  } catch (err) {
    await daemon.cleanup().catch(() => undefined);
    throw err;
  }
  return daemon;
}
