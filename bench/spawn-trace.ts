/**
 * Preloaded into a berthd under measurement (`node --import …/spawn-trace.js`)
 * when BERTH_BENCH_SPAWN_LOG names a file: every child process the daemon
 * starts (spawn, execFile, their sync forms), itself or through its spawn
 * helper, is appended there as one JSON line {t, cmd, args}. Used to count binary invocations per lifecycle; does
 * nothing without the variable.
 */
import cp from 'node:child_process';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const file = process.env.BERTH_BENCH_SPAWN_LOG;
type Fn = (...args: unknown[]) => unknown;

function wrap(name: 'spawn' | 'execFile' | 'spawnSync' | 'execFileSync' | 'exec' | 'execSync'): void {
  const mod = cp as unknown as Record<string, Fn>;
  const original = mod[name];
  mod[name] = function traced(this: unknown, ...args: unknown[]) {
    const argv = Array.isArray(args[1]) ? (args[1] as string[]) : [];
    fs.appendFileSync(file!, JSON.stringify({ t: Date.now(), via: name, cmd: String(args[0]), args: argv }) + '\n');
    return original.apply(this, args);
  };
}

if (file) {
  // berthd's spawn helper (src/engine/host/spawn-helper.ts) is a node process that inherits the
  // environment: it preloads this module too, so the programs it starts are logged as well.
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import ${import.meta.url}`.trim();
  for (const name of ['spawn', 'execFile', 'spawnSync', 'execFileSync', 'exec', 'execSync'] as const) wrap(name);
  // ESM named imports of node:child_process are live bindings; make them see the wrappers.
  syncBuiltinESMExports();
}
