/**
 * The memory floor of a Node daemon built on berth's fixed package set: a
 * node process, started with berthd's own flags, that imports every runtime
 * dependency berthd imports at startup and then sits idle. Its RSS is what
 * berthd would weigh with no code of its own; berth's idle RSS is compared
 * against it the way lifecycle times are compared against conmon + runc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { NODE_FLAGS } from '../src/node-flags.js';
import { killChild } from './proc.js';

/**
 * The design card's packages, as issue 17 defines the floor (with fastify's
 * ajv compiler). berthd itself loads execa only at its first buffered tar run
 * or `berthd check` (src/engine/execa-on-demand.ts), so its idle figure does
 * not carry execa while the floor's does: about 0.9 MiB in berth's favour.
 */
export const STARTUP_PACKAGES = ['fastify', '@fastify/websocket', '@fastify/ajv-compiler', 'ajv', 'better-sqlite3', 'execa', 'pino'];

/** When the floor runs its one full collection: as berthd's first idle-trim sample (5 s) after startup. */
const FLOOR_COLLECT_AFTER_MS = 5_000;

/** berthd's idle-trim module, built beside this file (dist/src next to dist/bench): node builtins only. */
const IDLE_MEMORY_MODULE = new URL('../src/idle-memory.js', import.meta.url).href;

export class StackFloor {
  #child: ChildProcess | null = null;

  /** Starts the process in `repo` (where node_modules is) and resolves once every package is loaded. */
  async start(repo: string): Promise<number> {
    const script =
      `for (const m of ${JSON.stringify(STARTUP_PACKAGES)}) await import(m);` +
      ` const Db = (await import('better-sqlite3')).default; new Db(':memory:').exec('select 1');` +
      ` process.stdout.write('ready\\n'); setInterval(() => {}, 1 << 30);` +
      // berthd runs one compacting full collection at its first quiet spell after startup
      // (src/idle-memory.ts), which also shrinks V8's young generation; the floor runs the same function,
      // or its reading would depend on whether V8 had shrunk it by itself yet (65–76 MiB for the same script).
      ` setTimeout(async () => (await import(${JSON.stringify(IDLE_MEMORY_MODULE)})).compactingCollection(), ${FLOOR_COLLECT_AFTER_MS});`;
    const child = spawn(process.execPath, [...NODE_FLAGS, '--input-type=module', '-e', script], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
    this.#child = child;
    const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
    if (!chunk.toString().startsWith('ready')) throw new Error(`stack floor process said: ${chunk.toString()}`);
    return child.pid!;
  }

  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    await killChild(child);
  }
}
