/**
 * `berthd check`: reads the database and the host, and reports every broken
 * invariant of a data root (invariants.ts). Read-only, and safe while a
 * berthd serves the data root. With `repair`, it first takes the data root
 * (refused while a berthd serves it), runs the daemon's own startup
 * reconciliation and garbage collection (createEngine + start), then removes
 * what those leave (orphan mounts, cgroups, bundles), and checks again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ContainersRepo } from '../../db/containers-repo.js';
import { integrityProblems, openDatabaseReadOnly } from '../../db/database.js';
import { ImagesRepo } from '../../db/images-repo.js';
import type { ContainerSpec, ContainerState } from '../containers/types.js';
import { findLayerGarbage, layerStoreRoot } from '../images/layer-store.js';
import { enginePaths, type EnginePaths } from '../paths.js';
import { readHostState } from './host-state.js';
import { compareRecords, type Finding, type Records } from './invariants.js';

export type { Finding } from './invariants.js';

export interface CheckOptions {
  dataRoot: string;
  execRoot: string;
  cgroupParent: string;
}

export interface CheckReport {
  findings: Finding[];
  /** Counts of what was looked at, for the report. */
  examined: { containers: number; layers: number };
}

/** Checks a data root without changing anything. A data root with no database yet is clean. */
export async function checkDataRoot(opts: CheckOptions): Promise<CheckReport> {
  const paths = enginePaths(opts.dataRoot, opts.execRoot);
  const { records, layerIds } = readRecords(paths);
  const overlay = layerStoreRoot(paths.dataRoot);
  records.layerGarbage = await findLayerGarbage(overlay, new Set(layerIds));
  records.missingLayers = layerIds.filter((id) => !fs.existsSync(path.join(overlay, id, 'diff')));
  const host = await readHostState(paths, opts.cgroupParent);
  return { findings: compareRecords(records, host), examined: { containers: records.containers.length, layers: layerIds.length } };
}

function readRecords(paths: EnginePaths): { records: Records; layerIds: string[] } {
  const records: Records = { containers: [], database: [], layerGarbage: [], missingLayers: [] };
  if (!fs.existsSync(paths.database)) return { records, layerIds: [] };
  const db = openDatabaseReadOnly(paths.database);
  try {
    records.database = integrityProblems(db).map((detail) => ({ kind: 'db-integrity', subject: paths.database, detail, repairable: false }));
    records.containers = new ContainersRepo<ContainerSpec, ContainerState>(db)
      .all()
      .map((r) => ({ id: r.id, name: r.name, status: r.state.status, conmonPid: r.state.conmonPid }));
    return { records, layerIds: new ImagesRepo(db).allLayerIds() };
  } finally {
    db.close();
  }
}
