/**
 * The HostConfig settings that reach past the container's own process:
 * namespaces shared with the host or another container (PidMode, IpcMode,
 * UTSMode), devices, device cgroup rules, sysctls, extra groups and the
 * init binary. `checkAtCreate` refuses what could never start (with
 * dockerd's wording) and pins `container:<name>` to the full ID, as dockerd
 * records it; `resolveAtStart` turns the record into what the OCI spec
 * builder needs, from the host and the mounted root as they are now.
 */
import fs from 'node:fs/promises';
import { conflict, EngineError, invalid } from '../errors.js';
import { hostTool } from '../host/binaries.js';
import { checkSysctl, deviceFromStat, parseDeviceCgroupRule } from '../runtime/oci-devices.js';
import type { HostAccess } from '../runtime/oci-spec.js';
import { isRunning } from './lifecycle.js';
import type { ContainerContext } from './context.js';
import { findContainer } from './resolve.js';
import type { ContainerCreateSpec } from './spec-defaults.js';
import type { ContainerSpec, DeviceMapping } from './types.js';
import { MAX_ACCOUNT_FILE_BYTES, parseGroup, readFileInRoot } from './user.js';

type NsKind = 'pid' | 'ipc' | 'uts';
const NS_LABEL: Record<NsKind, string> = { pid: 'PID', ipc: 'IPC', uts: 'UTS' };

const modeOf = (spec: Pick<ContainerSpec, 'pidMode' | 'ipcMode' | 'utsMode'>, kind: NsKind) =>
  (kind === 'pid' ? spec.pidMode : kind === 'ipc' ? spec.ipcMode : spec.utsMode) ?? '';

/** The container a `container:<ref>` mode names; '' for other modes. */
export function joinedContainer(mode: string): string {
  return mode.startsWith('container:') ? mode.slice('container:'.length) : '';
}

/**
 * Create-time checks. Returns the namespace modes with `container:<ref>`
 * replaced by the target's full ID. Throws invalid-parameter (400) with
 * dockerd's texts: "No such container: x", "invalid device cgroup rule
 * format: …", runc's sysctl refusals, a missing device.
 */
export async function checkAtCreate(ctx: ContainerContext, spec: ContainerCreateSpec): Promise<Pick<ContainerSpec, 'pidMode' | 'ipcMode' | 'utsMode'>> {
  const pinned: Record<NsKind, string> = { pid: '', ipc: '', uts: '' };
  for (const kind of ['pid', 'ipc', 'uts'] as const) {
    const mode = modeOf(spec, kind);
    const ref = joinedContainer(mode);
    if (!ref) {
      pinned[kind] = mode;
      continue;
    }
    pinned[kind] = `container:${targetId(ctx, ref)}`;
  }
  const own = {
    net: spec.networkMode !== 'host' && !spec.networkMode.startsWith('container:'),
    ipc: !['host', 'none'].includes(pinned.ipc) && !pinned.ipc.startsWith('container:'),
    uts: pinned.uts === '',
  };
  for (const key of Object.keys(spec.sysctls ?? {})) checkSysctl(key, own);
  for (const rule of spec.deviceCgroupRules ?? []) parseDeviceCgroupRule(rule);
  for (const d of spec.devices ?? []) await statDevice(d);
  return { pidMode: pinned.pid, ipcMode: pinned.ipc, utsMode: pinned.uts };
}

/** dockerd answers a missing target with 400, not 404: it is a bad field of the create body. */
function targetId(ctx: ContainerContext, ref: string): string {
  try {
    return findContainer(ctx, ref).id;
  } catch (err) {
    if (err instanceof EngineError && err.kind === 'not-found') throw invalid('BERTH_NAMESPACE_TARGET_MISSING', `No such container: ${ref}`);
    throw err;
  }
}

/** Resolves the record's host settings at start. `rootfs` is the mounted root (for /etc/group). */
export async function resolveAtStart(ctx: ContainerContext, spec: ContainerSpec, rootfs: string): Promise<HostAccess> {
  const namespacePaths: HostAccess['namespacePaths'] = {};
  const shmSource = spec.ipcMode === 'host' ? '/dev/shm' : undefined;
  for (const kind of ['pid', 'ipc', 'uts'] as const) {
    const id = joinedContainer(modeOf(spec, kind));
    if (!id) continue;
    const pid = donorPid(ctx, kind, id);
    // The donor's /dev/shm lives in its own mount namespace, which a bind cannot reach: the
    // joiner shares System V IPC and gets a /dev/shm of its own (dockerd shares a host-side tmpfs).
    namespacePaths[kind] = `/proc/${pid}/ns/${kind}`;
  }
  const mapped = await Promise.all((spec.devices ?? []).map(statDevice));
  return {
    namespacePaths,
    shmSource,
    devices: mapped.map((m) => m.node),
    deviceRules: [...mapped.map((m) => m.rule), ...(spec.deviceCgroupRules ?? []).map(parseDeviceCgroupRule)],
    extraGids: await resolveGroups(rootfs, spec.groupAdd ?? []),
    ...(spec.init ? { initPath: hostTool('tini-static') } : {}),
  };
}

/** The running donor's pid, with dockerd's errors for a missing or stopped one. */
function donorPid(ctx: ContainerContext, kind: NsKind, id: string): number {
  const target = ctx.repo.get(id);
  const notRunning = `container ${id} is not running`;
  const prefix = kind === 'pid' ? '' : `can't join ${NS_LABEL[kind]} of container ${id}: `;
  if (!target) throw invalid('BERTH_NAMESPACE_TARGET_MISSING', `${prefix}No such container: ${id}`);
  if (!isRunning(target.state.status)) throw conflict('BERTH_NAMESPACE_TARGET_STOPPED', `${prefix}${notRunning}`);
  if (kind === 'ipc' && !['shareable', 'host'].includes(target.spec.ipcMode ?? '')) {
    throw conflict('BERTH_NAMESPACE_IPC_NOT_SHAREABLE', `${prefix}non-shareable IPC (hint: use IpcMode:shareable for the donor container)`);
  }
  return target.state.pid;
}

async function statDevice(d: DeviceMapping): Promise<ReturnType<typeof deviceFromStat>> {
  const st = await fs.stat(d.pathOnHost).catch((err: NodeJS.ErrnoException) => {
    const why = err.code === 'ENOENT' ? 'no such file or directory' : err.message;
    throw invalid('BERTH_DEVICE_NOT_A_DEVICE', `error gathering device information while adding custom device "${d.pathOnHost}": ${why}`);
  });
  return deviceFromStat(d.pathOnHost, d.pathInContainer || d.pathOnHost, d.cgroupPermissions || 'rwm', st);
}

/** GroupAdd: numbers as they are, names from the image's /etc/group (dockerd's error for a missing one). */
export async function resolveGroups(rootfs: string, groups: string[]): Promise<number[]> {
  if (groups.length === 0) return [];
  const text = await readFileInRoot(rootfs, '/etc/group', MAX_ACCOUNT_FILE_BYTES);
  const entries = text === null ? [] : parseGroup(text);
  return groups.map((g) => {
    if (/^\d+$/.test(g)) return Number(g);
    const found = entries.find((e) => e.name === g);
    if (!found) throw invalid('BERTH_GROUP_UNKNOWN', `Unable to find group ${g}: no matching entries in group file`);
    return found.gid;
  });
}
