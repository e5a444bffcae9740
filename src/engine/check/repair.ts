/**
 * `berthd check --repair`: what is safe to fix, fixed by the code that
 * normally fixes it. The daemon's startup (createEngine + start: data-root
 * lock, reconciliation, exit recording, layer garbage collection) runs once
 * and stops; it refuses while a berthd serves the data root. What startup
 * leaves alone, records-less host state, is removed here: mounts are
 * unmounted, empty cgroups removed, bundle and container directories
 * deleted; volume and network leftovers as repair-net-volume.ts says.
 * Container processes are never killed here (reconciliation already
 * deleted runtime states without a record).
 */
import fs from 'node:fs/promises';
import type pino from 'pino';
import { unmountRootfs } from '../images/rootfs.js';
import { createEngine, type EngineConfig } from '../index.js';
import { enginePaths } from '../paths.js';
import { checkDataRoot, type CheckReport, type Finding } from './index.js';
import { repairNetVolume, type RepairRoots } from './repair-net-volume.js';

const SETTLE_MS = 5_000;

export interface RepairResult {
  /** Findings before the repair. */
  before: CheckReport;
  /** What was done, one line each. */
  actions: string[];
  /** Findings after the repair (what could not be fixed). */
  after: CheckReport;
}

export async function repairDataRoot(config: EngineConfig, log: pino.Logger): Promise<RepairResult> {
  const opts = { dataRoot: config.dataRoot, execRoot: config.execRoot, cgroupParent: config.cgroupParent };
  const before = await checkDataRoot(opts);
  const actions: string[] = [];
  const engine = await createEngine(config, log); // takes the data-root lock: throws BERTH_DATA_ROOT_BUSY while a berthd serves it
  try {
    await engine.start();
    actions.push("ran the daemon's startup reconciliation and layer garbage collection");
    await settle(opts);
    const left = (await checkDataRoot(opts)).findings;
    const roots: RepairRoots = { ...opts, database: enginePaths(opts.dataRoot, opts.execRoot).database };
    for (const f of left) {
      const done = await removeOrphan(f, roots).catch((err: Error) => `could not fix ${f.kind} ${f.subject}: ${err.message}`);
      if (done) actions.push(done);
    }
  } finally {
    engine.close();
  }
  return { before, actions, after: await checkDataRoot(opts) };
}

/** Exits found in exit files are recorded asynchronously after start(); wait for them (bounded). */
async function settle(opts: Parameters<typeof checkDataRoot>[0]): Promise<void> {
  const deadline = Date.now() + SETTLE_MS;
  while (Date.now() < deadline) {
    const { findings } = await checkDataRoot(opts);
    if (!findings.some((f) => f.kind === 'no-monitor' || f.kind === 'transitional')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Removes one piece of host state that has no record; undefined when the finding is not of that kind. */
async function removeOrphan(f: Finding, roots: RepairRoots): Promise<string | undefined> {
  const where = f.paths ?? [];
  switch (f.kind) {
    case 'orphan-mount':
      for (const point of where) await unmountRootfs(point);
      return `unmounted ${where.join(', ')}`;
    case 'orphan-cgroup':
    case 'stale-cgroup':
      for (const dir of where) await fs.rmdir(dir);
      return `removed cgroup ${where.join(', ')}`;
    case 'orphan-bundle':
    case 'orphan-container-dir':
      for (const dir of where) await fs.rm(dir, { recursive: true, force: true });
      return `removed ${where.join(', ')}`;
    default:
      return repairNetVolume(f, roots);
  }
}
