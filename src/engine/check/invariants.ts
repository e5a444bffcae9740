/**
 * The invariants of a data root, as `berthd check` and the crash tests read
 * them: the database is sound; no record is left in a transitional state; a
 * container the database calls active has its conmon and its runtime state
 * (and nothing else has either); no runtime state, mount, cgroup, bundle,
 * container or layer directory exists without its record. Pure comparison of
 * what the database says (`records`) with what the host holds (`host`).
 */
import type { ContainerStatus } from '../model/container.js';
import { isActive, isRemovalPending, isUp } from '../model/lifecycle.js';
import type { HostState } from './host-state.js';

/** One broken invariant. `repairable`: `berthd check --repair` may fix it (see repair.ts). */
export interface Finding {
  /** A stable name: db-integrity, transitional, no-monitor, no-runtime-state, stale-<what>, orphan-<what>, layer-missing, and those of net-volume-invariants.ts. */
  kind: string;
  /** The container id, layer, or file it is about. */
  subject: string;
  detail: string;
  repairable: boolean;
  /** The host paths involved (mount points, cgroup or state directories, links, chains), when the finding is about those. */
  paths?: string[];
  /** Worth telling but not a broken invariant (Docker allows it): does not fail the check. */
  note?: boolean;
}

export interface RecordedContainer {
  id: string;
  name: string;
  status: ContainerStatus;
  conmonPid: number;
}

export interface Records {
  containers: RecordedContainer[];
  /** Findings of the database checks themselves (quick_check, foreign_key_check). */
  database: Finding[];
  /** What the layer store's garbage collector would remove (tmp dirs, unknown layers, dangling links). */
  layerGarbage: string[];
  /** Layer rows whose directory is missing. */
  missingLayers: string[];
}

export function compareRecords(records: Records, host: HostState): Finding[] {
  const findings = [...records.database];
  const byId = new Map(records.containers.map((c) => [c.id, c]));
  for (const c of records.containers) findings.push(...containerFindings(c, host));
  const orphans: [string, Map<string, unknown>, string][] = [
    ['orphan-runtime-state', host.runtimeStates, 'runtime state'],
    ['orphan-monitor', host.monitors, 'conmon process'],
    ['orphan-mount', host.mounts, 'mount'],
    ['orphan-cgroup', host.cgroups, 'cgroup'],
    ['orphan-bundle', host.bundleDirs, 'bundle directory'],
    ['orphan-container-dir', host.containerDirs, 'container directory'],
  ];
  for (const [kind, map, what] of orphans) {
    for (const [id, where] of map) {
      if (byId.has(id)) continue;
      const paths = typeof where === 'string' ? [where] : Array.isArray(where) && typeof where[0] === 'string' ? (where as string[]) : undefined;
      findings.push({ kind, subject: id, detail: `${what} ${JSON.stringify(where)} without a container record`, repairable: true, paths });
    }
  }
  for (const name of records.layerGarbage)
    findings.push({ kind: 'orphan-layer', subject: name, detail: `layer store entry ${name} without a layer record`, repairable: true });
  for (const id of records.missingLayers)
    findings.push({ kind: 'layer-missing', subject: id, detail: `layer ${id} is recorded but its directory is missing`, repairable: false });
  return findings;
}

function containerFindings(c: RecordedContainer, host: HostState): Finding[] {
  const out: Finding[] = [];
  const about = `container ${c.name} (${c.id.slice(0, 12)})`;
  if (isRemovalPending(c.status)) out.push({ kind: 'transitional', subject: c.id, detail: `${about} is left in state ${c.status}`, repairable: true });
  if (isActive(c.status)) {
    if (!(host.monitors.get(c.id) ?? []).includes(c.conmonPid)) {
      out.push({ kind: 'no-monitor', subject: c.id, detail: `${about} is ${c.status} but its conmon (pid ${c.conmonPid}) is not alive`, repairable: true });
    }
    if (!host.runtimeStates.has(c.id))
      out.push({ kind: 'no-runtime-state', subject: c.id, detail: `${about} is ${c.status} but the runtime has no state for it`, repairable: true });
  } else if (!isUp(c.status)) {
    if (host.runtimeStates.has(c.id))
      out.push({ kind: 'stale-runtime-state', subject: c.id, detail: `${about} is ${c.status} but the runtime still keeps its state`, repairable: true });
    if ((host.monitors.get(c.id) ?? []).length > 0)
      out.push({
        kind: 'stale-monitor',
        subject: c.id,
        detail: `${about} is ${c.status} but conmon ${host.monitors.get(c.id)!.join(', ')} still runs`,
        repairable: true,
      });
    const cgroups = host.cgroups.get(c.id);
    if (cgroups)
      out.push({
        kind: 'stale-cgroup',
        subject: c.id,
        detail: `${about} is ${c.status} but its cgroup ${cgroups.join(', ')} remains`,
        repairable: true,
        paths: cgroups,
      });
  }
  return out;
}
