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
import type { Db } from '../../db/database.js';
import { ImagesRepo } from '../../db/images-repo.js';
import { NetworksRepo } from '../../db/networks-repo.js';
import { VolumesRepo } from '../../db/volumes-repo.js';
import { isActive } from '../model/lifecycle.js';
import type { ContainerSpec, ContainerState } from '../model/container.js';
import { findLayerGarbage, layerStoreRoot } from '../images/layer-store.js';
import { netavarkChains } from '../networks/stale-sweep.js';
import type { NetavarkInput } from '../model/network.js';
import { enginePaths, type EnginePaths } from '../paths.js';
import { needsMount } from '../volumes/names.js';
import { readHostState } from './host-state.js';
import { compareRecords, type Finding, type Records } from './invariants.js';
import { netVolumePaths, readNetVolumeHost } from './net-volume-host.js';
import { compareNetVolume, type NetVolumeRecords } from './net-volume-invariants.js';

export type { Finding } from './invariants.js';

export interface CheckOptions {
  dataRoot: string;
  execRoot: string;
  cgroupParent: string;
}

export interface CheckReport {
  findings: Finding[];
  /** Counts of what was looked at, for the report. */
  examined: { containers: number; layers: number; volumes: number; networks: number };
}

/** Findings that fail the check (notes do not). */
export const problems = (report: CheckReport): Finding[] => report.findings.filter((f) => !f.note);

/** Checks a data root without changing anything. A data root with no database yet is clean. */
export async function checkDataRoot(opts: CheckOptions): Promise<CheckReport> {
  const paths = enginePaths(opts.dataRoot, opts.execRoot);
  const { records, layerIds, netVolume } = readRecords(paths);
  const overlay = layerStoreRoot(paths.dataRoot);
  records.layerGarbage = await findLayerGarbage(overlay, new Set(layerIds));
  records.missingLayers = layerIds.filter((id) => !fs.existsSync(path.join(overlay, id, 'diff')));
  const [host, netVolumeHost] = await Promise.all([readHostState(paths, opts.cgroupParent), readNetVolumeHost(netVolumePaths(opts.dataRoot, opts.execRoot))]);
  return {
    findings: [...compareRecords(records, host), ...compareNetVolume(netVolume, netVolumeHost, netavarkChains)],
    examined: { containers: records.containers.length, layers: layerIds.length, volumes: netVolume.volumes.length, networks: netVolume.networks.length },
  };
}

interface AllRecords {
  records: Records;
  layerIds: string[];
  netVolume: NetVolumeRecords;
}

function readRecords(paths: EnginePaths): AllRecords {
  const records: Records = { containers: [], database: [], layerGarbage: [], missingLayers: [] };
  const netVolume: NetVolumeRecords = { volumes: [], networks: [], runs: [], endpoints: [], containers: new Set(), activeContainers: new Set() };
  if (!fs.existsSync(paths.database)) return { records, layerIds: [], netVolume };
  const db = openDatabaseReadOnly(paths.database);
  try {
    // A dangling endpoint is reported as orphan-endpoint (repairable) rather than as a bare foreign-key problem.
    records.database = integrityProblems(db)
      .filter((detail) => !detail.startsWith('foreign key: endpoints '))
      .map((detail) => ({ kind: 'db-integrity', subject: paths.database, detail, repairable: false }));
    records.containers = new ContainersRepo<ContainerSpec, ContainerState>(db)
      .all()
      .map((r) => ({ id: r.id, name: r.name, status: r.state.status, conmonPid: r.state.conmonPid }));
    return { records, layerIds: new ImagesRepo(db).allLayerIds(), netVolume: readNetVolumeRecords(db, records.containers) };
  } finally {
    db.close();
  }
}

function readNetVolumeRecords(db: Db, containers: Records['containers']): NetVolumeRecords {
  const active = new Set(containers.filter((c) => isActive(c.status)).map((c) => c.id));
  const volumesRepo = new VolumesRepo(db);
  const mounts = volumesRepo.allMounts();
  const networksRepo = new NetworksRepo<NetavarkInput>(db);
  return {
    volumes: volumesRepo.all().map((v) => {
      const users = [...new Set(mounts.filter((m) => m.volumeName === v.name).map((m) => m.containerId))];
      return { name: v.name, needsMount: needsMount(v.options), anonymous: v.anonymous, users, activeUsers: users.filter((id) => active.has(id)) };
    }),
    networks: networksRepo.all().map((n) => ({ id: n.id, name: n.name, bridge: n.driver === 'bridge' ? n.bridge : '' })),
    runs: networksRepo.allRuns().map((r) => ({ containerId: r.containerId, netns: r.netns, networks: Object.keys(r.setup.networks ?? {}) })),
    endpoints: networksRepo.allEndpoints().map((e) => ({ containerId: e.containerId, networkId: e.networkId, ip: e.ip })),
    containers: new Set(containers.map((c) => c.id)),
    activeContainers: active,
  };
}
