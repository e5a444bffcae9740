/**
 * A berthd of the benchmark's own, on temp roots: launch, time to the first
 * answered /_ping, stop, and a cleanup that leaves nothing behind even after
 * a failure (containers, runc state, overlay mounts, conmon processes,
 * cgroups, directories).
 */
import { NODE_FLAGS } from '../src/node-flags.js';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DockerClient } from './docker-client.js';
import { processesWithArg } from './proc.js';
import { msSince } from './stats.js';

/** dist/berthd.mjs (the bundle users run), above this compiled file's dist/bench/. */
const LOOP_DELAY_MODULE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'loop-delay.js');

export const BERTHD_MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../berthd.mjs');

/** Event-loop delay percentiles (ms) and the process's memory (MiB: V8's used heap, external + array buffers). */
export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
  mean: number;
  memory: { heap: number; native: number };
}

export interface BerthDaemonOptions {
  /** A fresh directory owned by the benchmark; removed by cleanup(). */
  workDir: string;
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir=…']. */
  nodeArgs?: string[];
  /** Extra berthd flags, e.g. ['--runtime', '/path/to/wrapper']. */
  berthdArgs?: string[];
  env?: NodeJS.ProcessEnv;
}

export class BerthDaemon {
  readonly socket: string;
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly cgroupParent: string;
  #child: ChildProcess | undefined;
  readonly #opts: BerthDaemonOptions;
  readonly #loopDelayFile: string;
  #loopDelaySeq = 0;

  constructor(opts: BerthDaemonOptions) {
    this.#opts = opts;
    this.socket = path.join(opts.workDir, 'b.sock');
    this.dataRoot = path.join(opts.workDir, 'data');
    this.execRoot = path.join(opts.workDir, 'run');
    this.#loopDelayFile = path.join(opts.workDir, 'loop-delay.json');
    this.cgroupParent = `berth-bench-${path.basename(opts.workDir).replace(/[^A-Za-z0-9_.-]/g, '')}`;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Launches berthd and resolves with the milliseconds from spawn to the first 200 from /_ping. */
  async start(timeoutMs = 30_000): Promise<number> {
    fs.mkdirSync(this.#opts.workDir, { recursive: true });
    const log = fs.openSync(path.join(this.#opts.workDir, 'berthd.log'), 'a');
    const args = [
      ...NODE_FLAGS,
      '--import',
      LOOP_DELAY_MODULE,
      ...(this.#opts.nodeArgs ?? []),
      BERTHD_MAIN,
      '--host',
      `unix://${this.socket}`,
      '--data-root',
      this.dataRoot,
      '--exec-root',
      this.execRoot,
      '--cgroup-parent',
      this.cgroupParent,
      '--log-level',
      'warn',
      // No cap on the log file: the logs scenario writes 50 MB and must read it whole (dockerd's json-file has no cap either).
      '--log-size-max',
      '0',
      ...(this.#opts.berthdArgs ?? []),
    ];
    const t0 = process.hrtime.bigint();
    const env = { ...(this.#opts.env ?? process.env), BERTH_BENCH_LOOP_DELAY: this.#loopDelayFile };
    const child = spawn(process.execPath, args, { stdio: ['ignore', log, log], env });
    fs.closeSync(log);
    this.#child = child;
    const client = new DockerClient(this.socket);
    try {
      while (msSince(t0) < timeoutMs) {
        if (child.exitCode !== null) throw new Error(`berthd exited with ${child.exitCode}; see ${this.#opts.workDir}/berthd.log`);
        if (fs.existsSync(this.socket) && (await client.ping())) return msSince(t0);
        await new Promise((r) => setTimeout(r, 2));
      }
      throw new Error(`berthd did not answer /_ping within ${timeoutMs} ms`);
    } finally {
      client.close();
    }
  }

  /**
   * berthd's event-loop delay since the previous call (loop-delay.ts), in ms;
   * the first call only starts the span.
   */
  async loopDelay(): Promise<LoopDelay> {
    const want = ++this.#loopDelaySeq;
    this.#child?.kill('SIGUSR2');
    for (let i = 0; i < 500; i++) {
      try {
        const got = JSON.parse(fs.readFileSync(this.#loopDelayFile, 'utf8')) as LoopDelay & { seq: number };
        if (got.seq >= want) return got;
      } catch {
        /* not written yet */
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('berthd did not report its event-loop delay');
  }

  /** SIGTERM and wait for the exit (SIGKILL after 10 s). Containers keep running, as designed. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /**
   * Stops the daemon and removes everything it made: conmon processes of
   * this exec root (by pid), runc containers under its runc root, overlay
   * mounts under the work dir, its cgroups and the work dir itself.
   * Best effort: each step runs even when an earlier one failed.
   */
  async cleanup(): Promise<void> {
    await this.stop().catch(() => undefined);
    for (const pid of processesWithArg('conmon', this.execRoot)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    const runcRoot = path.join(this.execRoot, 'runc');
    for (const id of safeReaddir(runcRoot)) {
      try {
        execFileSync('runc', ['--root', runcRoot, 'delete', '--force', id], { stdio: 'ignore' });
      } catch {
        /* already gone */
      }
    }
    unmountUnder(this.#opts.workDir);
    removeCgroups(this.cgroupParent);
    fs.rmSync(this.#opts.workDir, { recursive: true, force: true });
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** Lazily unmounts every mount point below `dir`, deepest first. */
export function unmountUnder(dir: string): void {
  const prefix = dir.replace(/\/+$/, '') + '/';
  const points = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ')[4].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
  for (const p of points) {
    try {
      execFileSync('umount', ['-l', p], { stdio: 'ignore' });
    } catch {
      /* raced */
    }
  }
}

/** Removes `/sys/fs/cgroup/<controller>/<parent>` (and empty leaves) on v1 and v2 hierarchies. */
export function removeCgroups(parent: string): void {
  const roots = ['/sys/fs/cgroup', ...safeReaddir('/sys/fs/cgroup').map((c) => path.join('/sys/fs/cgroup', c))];
  for (const root of roots) {
    const dir = path.join(root, parent);
    if (!fs.existsSync(dir)) continue;
    for (const leaf of safeReaddir(dir)) {
      try {
        fs.rmdirSync(path.join(dir, leaf));
      } catch {
        /* a file, or busy */
      }
    }
    try {
      fs.rmdirSync(dir);
    } catch {
      /* busy */
    }
  }
}
