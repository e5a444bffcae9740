/**
 * What containers ask of the volume store, at each step of their life:
 *
 * - create (`planMounts`): the final mount list, Docker's order —
 *   VolumesFrom first, then the request's own mounts (which win on a
 *   destination), then an anonymous volume for each Config.Volumes and
 *   image VOLUME path not already covered; named volumes that do not exist
 *   are created (with the Mounts entry's driver options and labels),
 *   anonymous ones get a 64-hex name. The caller records the container
 *   and its `rows` in one transaction (`repo.insertWithMounts`) and calls
 *   `discard(plan)` when the create fails after planning.
 * - start (`prepareMounts`, the root mounted): driver mounts, then the
 *   one-time copy-up of the image's content into empty volumes, recorded
 *   by `settleCopies` with the start.
 * - teardown (`releaseMounts`): driver mounts without users are undone.
 * - the `volume mount` / `unmount` events of a start and an exit
 *   (`volumeMountEvents`), logged with the container's start and exit records.
 * - remove with `v` (`removeAnonymous`).
 */
import type { VolumeMountRow } from '../../db/volumes-repo.js';
import type { NewEvent } from '../events/event-bus.js';
import type { MountSpec } from '../model/container.js';
import { copyUp, isEmptyDir } from './copy-up.js';
import type { VolumeService } from './service.js';

export interface VolumesFromSource {
  /** The other container's mounts. */
  mounts: MountSpec[];
  /** `:ro` makes every inherited mount read-only; otherwise each keeps its own flag (`:rw` lifts none, as in dockerd). */
  readOnly: boolean;
}

export interface MountPlanInput {
  containerId: string;
  /** Binds, Mounts and Tmpfs of the request; volume entries with name '' are anonymous. */
  mounts: MountSpec[];
  /** Config.Volumes paths. */
  configVolumes: string[];
  /** The image's VOLUME paths. */
  imageVolumes: string[];
  volumesFrom: VolumesFromSource[];
  /** HostConfig.VolumeDriver: the driver of the Binds and anonymous volumes ('' = local); Mounts entries name their own. */
  volumeDriver: string;
}

export interface MountPlan {
  mounts: MountSpec[];
  rows: VolumeMountRow[];
  /** Volumes this plan created (removed again by discard()). */
  created: string[];
}

const clean = (p: string) => p.replace(/\/+$/, '') || '/';

function inherited(from: VolumesFromSource): MountSpec[] {
  return from.mounts
    .filter((m) => m.type === 'volume' || m.type === 'bind')
    .map((m) => ({ ...m, origin: 'volumes-from' as const, mode: '', readOnly: m.readOnly || from.readOnly }));
}

/** Resolves every mount of a new container; creates the volumes it names. */
export async function planMounts(vs: VolumeService, input: MountPlanInput): Promise<MountPlan> {
  const byDest = new Map<string, MountSpec>();
  for (const from of input.volumesFrom) for (const m of inherited(from)) byDest.set(clean(m.target), m);
  for (const m of input.mounts) byDest.set(clean(m.target), m);
  const anonymous = (target: string, origin: 'volumes' | 'image'): MountSpec => ({
    type: 'volume',
    name: '',
    source: '',
    target,
    readOnly: false,
    origin,
    mode: '',
  });
  for (const t of input.configVolumes) if (!byDest.has(clean(t))) byDest.set(clean(t), anonymous(t, 'volumes'));
  for (const t of input.imageVolumes) if (!byDest.has(clean(t))) byDest.set(clean(t), anonymous(t, 'image'));
  const plan: MountPlan = { mounts: [], rows: [], created: [] };
  try {
    for (const m of byDest.values()) {
      const hostDriver = input.volumeDriver !== '' && (m.origin === 'binds' || m.origin === 'volumes' || m.origin === 'image');
      plan.mounts.push(m.type === 'volume' ? await volumeMount(vs, hostDriver ? { ...m, volumeDriver: input.volumeDriver } : m, plan) : m);
    }
  } catch (err) {
    await discard(vs, plan);
    throw err;
  }
  plan.rows = plan.mounts
    .filter((m) => m.type === 'volume')
    .map((m) => ({ containerId: input.containerId, destination: m.target, volumeName: m.name!, copyPending: !m.noCopy && m.origin !== 'volumes-from' }));
  return plan;
}

async function volumeMount(vs: VolumeService, m: MountSpec, plan: MountPlan): Promise<MountSpec> {
  if (m.origin === 'volumes-from') return m;
  const { volume, created } = await vs.create(
    { name: m.name ?? '', driver: m.volumeDriver ?? '', labels: m.volumeLabels ?? {}, options: m.volumeOptions ?? {} },
    (m.name ?? '') === '',
  );
  if (created) plan.created.push(volume.name);
  return { ...m, name: volume.name, source: volume.mountpoint };
}

/** Removes the volumes a failed create made (when still unused). */
export async function discard(vs: VolumeService, plan: Pick<MountPlan, 'created'>): Promise<void> {
  await vs.removeUnused(plan.created, { onlyAnonymous: false });
}

const volumeNames = (mounts: MountSpec[]) => mounts.filter((m) => m.type === 'volume' && m.name).map((m) => m.name!);

/**
 * At start, with the container's root mounted at `rootfs`: mounts volumes
 * with driver options and copies the image's content into empty volumes
 * the first time. Returns the destinations whose copy-up is settled (done,
 * or nothing to do); the caller records them with `settleCopies` in the
 * transaction that records the start, so a volume costs no commit (fsync)
 * of its own. A start that fails before that leaves them pending: the next
 * start finds the volume filled and copies nothing. On failure the
 * caller's teardown runs releaseMounts.
 */
export async function prepareMounts(vs: VolumeService, containerId: string, mounts: MountSpec[], rootfs: string): Promise<string[]> {
  for (const name of volumeNames(mounts)) await vs.mounts.acquire(name, containerId);
  const settled: string[] = [];
  for (const row of vs.repo.mountsOf(containerId)) {
    if (!row.copyPending) continue;
    await vs.withLock(row.volumeName, async () => {
      const dest = vs.dataDir(row.volumeName);
      if (await isEmptyDir(dest)) await copyUp(rootfs, row.destination, dest);
    });
    settled.push(row.destination);
  }
  return settled;
}

/** Clears the copy-up of `destinations` (from prepareMounts). Synchronous: run it inside the start's transaction. */
export function settleCopies(vs: VolumeService, containerId: string, destinations: string[]): void {
  for (const destination of destinations) vs.repo.clearCopyPending(containerId, destination);
}

/** At teardown: this container no longer uses its volumes' driver mounts. Never throws. */
export async function releaseMounts(vs: VolumeService, containerId: string, mounts: MountSpec[]): Promise<void> {
  await vs.mounts.release(volumeNames(mounts), containerId);
}

/**
 * dockerd's `volume mount` events of a start (one per volume the container
 * mounts, binds and tmpfs have none: container, destination, driver,
 * propagation, read/write) or its `volume unmount` events after the exit
 * (container, driver), in mount order. The caller emits them with the
 * start's or the exit's record, after the network events: dockerd sets the
 * network up before the mounts and releases it before them. Pure.
 */
export function volumeMountEvents(containerId: string, mounts: MountSpec[], action: 'mount' | 'unmount'): NewEvent[] {
  return mounts
    .filter((m) => m.type === 'volume' && m.name)
    .map((m) => {
      const driver = m.volumeDriver || 'local';
      const attributes: Record<string, string> =
        action === 'mount'
          ? { container: containerId, destination: m.target, driver, propagation: m.propagation ?? '', 'read/write': String(!m.readOnly) }
          : { container: containerId, driver };
      return { type: 'volume' as const, action, id: m.name!, attributes };
    });
}

/** After the container's row is gone (`rm -v`, AutoRemove): its anonymous volumes go too, unless another container mounts them. */
export async function removeAnonymous(vs: VolumeService, mounts: MountSpec[]): Promise<void> {
  await vs.removeUnused(volumeNames(mounts), { onlyAnonymous: true });
}
