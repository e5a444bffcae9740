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
import { conflict, EngineError, invalid, systemError } from '../errors.js';
import { mountFs, umountFs } from '../host/mount.js';
import { containerFiles } from '../paths.js';
import { hostTool } from '../host/binaries.js';
import { checkSysctl, deviceFromStat, parseDeviceCgroupRule } from '../runtime/oci-devices.js';
import type { HostAccess } from '../runtime/oci-spec.js';
import { isRunning } from '../model/lifecycle.js';
import type { ContainerContext, Row } from './context.js';
import { findContainer } from './resolve.js';
import type { ContainerCreateSpec } from '../model/spec-defaults.js';
import type { ContainerSpec, DeviceMapping } from '../model/container.js';
import { MAX_ACCOUNT_FILE_BYTES, parseGroup, readFileInRoot } from '../container-root/user.js';

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

/**
 * Resolves the record's host settings at start. `rootfs` is the mounted
 * root (for /etc/group). A shareable container's /dev/shm is a tmpfs
 * mounted here on the host (like dockerd's), so that a container joining its
 * IPC namespace can bind the same one; `releaseAtTeardown` unmounts it.
 */
export async function resolveAtStart(ctx: ContainerContext, row: Row, rootfs: string): Promise<HostAccess> {
  const { spec } = row;
  const namespacePaths: HostAccess['namespacePaths'] = {};
  let shmSource = spec.ipcMode === 'host' ? '/dev/shm' : spec.ipcMode === 'shareable' ? await mountShm(ctx, row) : undefined;
  for (const kind of ['pid', 'ipc', 'uts'] as const) {
    const id = joinedContainer(modeOf(spec, kind));
    if (!id) continue;
    const donor = runningDonor(ctx, kind, id);
    namespacePaths[kind] = `/proc/${donor.state.pid}/ns/${kind}`;
    if (kind === 'ipc') shmSource = donor.spec.ipcMode === 'host' ? '/dev/shm' : shmDir(ctx, donor.id);
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

const shmDir = (ctx: ContainerContext, id: string) => containerFiles(ctx.paths.containerDir(id)).shm;

async function mountShm(ctx: ContainerContext, row: Row): Promise<string> {
  const target = shmDir(ctx, row.id);
  await fs.mkdir(target, { recursive: true, mode: 0o755 });
  const size = row.spec.shmSize || ctx.settings.shmSize;
  const res = await mountFs({ type: 'tmpfs', source: 'shm', options: `nosuid,nodev,noexec,mode=1777,size=${size}`, target });
  if (!res.ok) throw systemError('BERTH_NAMESPACE_SHM_MOUNT', `mounting the shareable /dev/shm of ${row.id}: ${res.message}`);
  return target;
}

/** Undoes resolveAtStart's host mount (a shareable /dev/shm). Idempotent; failures are logged. */
export async function releaseAtTeardown(ctx: ContainerContext, row: Row): Promise<void> {
  if (row.spec.ipcMode !== 'shareable') return;
  const target = shmDir(ctx, row.id);
  if (!(await isMountPoint(target))) return;
  const res = await umountFs(target);
  if (!res.ok) {
    ctx.log.warn({ id: row.id, message: res.message }, 'unmounting the shareable /dev/shm; detaching it lazily');
    await umountFs(target, { lazy: true });
  }
}

/** A directory on another device than its parent is a mount point. */
async function isMountPoint(dir: string): Promise<boolean> {
  const [a, b] = await Promise.all([fs.stat(dir).catch(() => null), fs.stat(`${dir}/..`).catch(() => null)]);
  return a !== null && b !== null && a.dev !== b.dev;
}

/** The running donor, with dockerd's errors for a missing or stopped one. */
function runningDonor(ctx: ContainerContext, kind: NsKind, id: string): Row {
  const target = ctx.repo.get(id);
  const notRunning = `container ${id} is not running`;
  const prefix = kind === 'pid' ? '' : `can't join ${NS_LABEL[kind]} of container ${id}: `;
  if (!target) throw invalid('BERTH_NAMESPACE_TARGET_MISSING', `${prefix}No such container: ${id}`);
  if (!isRunning(target.state.status)) throw conflict('BERTH_NAMESPACE_TARGET_STOPPED', `${prefix}${notRunning}`);
  if (kind === 'ipc' && !['shareable', 'host'].includes(target.spec.ipcMode ?? '')) {
    throw conflict('BERTH_NAMESPACE_IPC_NOT_SHAREABLE', `${prefix}non-shareable IPC (hint: use IpcMode:shareable for the donor container)`);
  }
  return target;
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
  const text = readFileInRoot(rootfs, '/etc/group', MAX_ACCOUNT_FILE_BYTES);
  const entries = text === null ? [] : parseGroup(text);
  return groups.map((g) => {
    if (/^\d+$/.test(g)) return Number(g);
    const found = entries.find((e) => e.name === g);
    if (!found) throw invalid('BERTH_GROUP_UNKNOWN', `Unable to find group ${g}: no matching entries in group file`);
    return found.gid;
  });
}
