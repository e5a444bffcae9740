/**
 * The volume and network invariants of a data root: every volume row has
 * its directory and every volume directory its row; a driver mount (tmpfs,
 * device, NFS…) is on a volume's `_data` only while a container whose
 * process may run uses it; a network run (what netavark was given) exists
 * only for an active container, and its namespace file exists; no namespace
 * file, aardvark-dns config or entry, endpoint (IPAM allocation), bridge,
 * veth on a bridge or netavark firewall chain outlives what it belongs to.
 * Pure comparison of recorded facts with what the host holds.
 */
import { anchorNames } from '../networks/keep-bridge.js';
import type { Finding } from './invariants.js';

export interface RecordedVolume {
  name: string;
  /** Has driver options that make its `_data` a mount of its own. */
  needsMount: boolean;
  anonymous: boolean;
  /** Containers that mount it (any state). */
  users: string[];
  /** Of those, the ones whose process may run (initialized, running, paused). */
  activeUsers: string[];
}

export interface RecordedNetwork {
  id: string;
  name: string;
  /** The Linux bridge ('' for host and none). */
  bridge: string;
}

export interface RecordedRun {
  containerId: string;
  netns: string;
  /** Network IDs netavark was set up on. */
  networks: string[];
}

export interface RecordedEndpoint {
  containerId: string;
  networkId: string;
  ip: string;
}

export interface NetVolumeRecords {
  volumes: RecordedVolume[];
  networks: RecordedNetwork[];
  runs: RecordedRun[];
  endpoints: RecordedEndpoint[];
  /** Container IDs with a record, and those whose process may run. */
  containers: Set<string>;
  activeContainers: Set<string>;
}

export interface NetVolumeHost {
  /** volume name → its directory under <data-root>/volumes. */
  volumeDirs: Map<string, string>;
  /** Volume names whose `_data` exists. */
  volumeData: Set<string>;
  /** volume name → mount points at or below its directory. */
  volumeMounts: Map<string, string[]>;
  /** Files in <exec-root>/netns, with whether a namespace is mounted on each. */
  netnsFiles: Map<string, { path: string; mounted: boolean }>;
  /** aardvark-dns config files by network ID (the file name), with the container IDs they list. */
  dnsConfigs: Map<string, { path: string; containers: string[] }>;
  /** Host links: bridges by name, and each link's master bridge. */
  bridges: Set<string>;
  /** veth name → the bridge it is enslaved to. */
  vethMasters: Map<string, string>;
  /** iptables nat chains present. */
  natChains: Set<string>;
}

type Chains = (networkId: string) => string[];

/** Every broken volume or network invariant; `chains` names a network's netavark firewall chains. */
export function compareNetVolume(r: NetVolumeRecords, h: NetVolumeHost, chains: Chains): Finding[] {
  return [...volumeFindings(r, h), ...runFindings(r, h), ...dnsFindings(r, h), ...networkHostFindings(r, h, chains), ...endpointFindings(r)];
}

function volumeFindings(r: NetVolumeRecords, h: NetVolumeHost): Finding[] {
  const out: Finding[] = [];
  const rows = new Set(r.volumes.map((v) => v.name));
  for (const [name, dir] of h.volumeDirs) {
    if (rows.has(name)) continue;
    const mounts = h.volumeMounts.get(name) ?? [];
    out.push({
      kind: 'orphan-volume-dir',
      subject: name,
      detail: `volume directory ${dir} without a volume record`,
      repairable: true,
      paths: [...mounts, dir],
    });
  }
  for (const v of r.volumes) {
    const about = `volume ${v.name}`;
    if (!h.volumeData.has(v.name))
      out.push({ kind: 'volume-dir-missing', subject: v.name, detail: `${about} is recorded but its _data directory is missing`, repairable: true });
    const mounts = h.volumeMounts.get(v.name) ?? [];
    if (mounts.length > 0 && v.activeUsers.length === 0)
      out.push({
        kind: 'stale-volume-mount',
        subject: v.name,
        detail: `${about} is mounted at ${mounts.join(', ')} but no running container uses it`,
        repairable: true,
        paths: mounts,
      });
    if (v.needsMount && v.activeUsers.length > 0 && mounts.length === 0)
      out.push({
        kind: 'volume-not-mounted',
        subject: v.name,
        detail: `${about} is used by running ${v.activeUsers.map((id) => id.slice(0, 12)).join(', ')} but its device is not mounted`,
        repairable: false,
      });
    if (v.anonymous && v.users.length === 0)
      out.push({
        kind: 'unused-anonymous-volume',
        subject: v.name,
        detail: `anonymous ${about} is used by no container (its container was removed without -v, or its removal was cut short); \`docker volume prune\` removes it`,
        repairable: false,
        note: true,
      });
  }
  return out;
}

function runFindings(r: NetVolumeRecords, h: NetVolumeHost): Finding[] {
  const out: Finding[] = [];
  const runNetns = new Set(r.runs.map((run) => run.netns));
  for (const run of r.runs) {
    const about = `network setup of container ${run.containerId.slice(0, 12)}`;
    const ns = [...h.netnsFiles.values()].find((f) => f.path === run.netns);
    if (!r.activeContainers.has(run.containerId)) {
      const why = r.containers.has(run.containerId) ? 'is not running' : 'has no record';
      out.push({ kind: 'stale-network-run', subject: run.containerId, detail: `${about} remains but the container ${why}`, repairable: true });
    } else if (!ns?.mounted) {
      out.push({
        kind: 'netns-missing',
        subject: run.containerId,
        detail: `${about}: its namespace ${run.netns} is gone while the container runs`,
        repairable: false,
      });
    }
  }
  for (const [name, f] of h.netnsFiles) {
    if (runNetns.has(f.path)) continue;
    out.push({
      kind: 'orphan-netns',
      subject: name,
      detail: `network namespace file ${f.path} without a network setup record`,
      repairable: true,
      paths: [f.path],
    });
  }
  return out;
}

function dnsFindings(r: NetVolumeRecords, h: NetVolumeHost): Finding[] {
  const out: Finding[] = [];
  const networks = new Set(r.networks.map((n) => n.id));
  for (const [networkId, cfg] of h.dnsConfigs) {
    if (!networks.has(networkId)) {
      out.push({
        kind: 'orphan-dns-config',
        subject: networkId,
        detail: `aardvark-dns config ${cfg.path} of no recorded network`,
        repairable: true,
        paths: [cfg.path],
      });
      continue;
    }
    const onNetwork = new Set(r.runs.filter((run) => run.networks.includes(networkId)).map((run) => run.containerId));
    for (const id of cfg.containers.filter((c) => !onNetwork.has(c)))
      out.push({
        kind: 'stale-dns-entry',
        subject: id,
        detail: `aardvark-dns config ${cfg.path} names container ${id.slice(0, 12)}, which is not set up on that network`,
        repairable: true,
        paths: [cfg.path],
      });
  }
  return out;
}

/**
 * Bridges, veths and chains of networks no container is set up on. A bridge
 * with berth's anchor on it is kept on purpose (keep-bridge.ts), with its
 * chains; other veths on it are still orphans.
 */
function networkHostFindings(r: NetVolumeRecords, h: NetVolumeHost, chains: Chains): Finding[] {
  const out: Finding[] = [];
  const used = new Set(r.runs.flatMap((run) => run.networks));
  for (const n of r.networks) {
    if (!n.bridge || used.has(n.id)) continue;
    const about = `network ${n.name} (${n.id.slice(0, 12)}) has no container set up on it`;
    const { anchor } = anchorNames(n.id);
    const kept = h.vethMasters.get(anchor) === n.bridge;
    if (h.bridges.has(n.bridge) && !kept)
      out.push({ kind: 'stale-bridge', subject: n.id, detail: `${about} but its bridge ${n.bridge} remains`, repairable: true, paths: [n.bridge] });
    for (const [veth, master] of h.vethMasters)
      if (master === n.bridge && veth !== anchor)
        out.push({ kind: 'orphan-veth', subject: veth, detail: `${about} but veth ${veth} is still on its bridge`, repairable: true, paths: [veth] });
    const left = chains(n.id).filter((c) => h.natChains.has(c));
    if (left.length > 0 && !kept)
      out.push({
        kind: 'stale-firewall-chain',
        subject: n.id,
        detail: `${about} but its firewall chains ${left.join(', ')} remain`,
        repairable: true,
        paths: left,
      });
  }
  return out;
}

/** IPAM allocations (endpoints) of removed containers or networks. */
function endpointFindings(r: NetVolumeRecords): Finding[] {
  const networks = new Set(r.networks.map((n) => n.id));
  return r.endpoints
    .filter((e) => !r.containers.has(e.containerId) || !networks.has(e.networkId))
    .map((e) => ({
      kind: 'orphan-endpoint',
      subject: `${e.containerId}/${e.networkId}`,
      detail: `address ${e.ip || '(none)'} is allocated on network ${e.networkId.slice(0, 12)} to ${r.containers.has(e.containerId) ? 'a container' : 'no recorded container'} (${e.containerId.slice(0, 12)})${networks.has(e.networkId) ? '' : ' on no recorded network'}`,
      repairable: true,
    }));
}
