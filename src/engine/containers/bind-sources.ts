/**
 * dockerd creates the missing host directory of a HostConfig.Binds bind
 * (`-v /host/dir:/ctr`, also `-v ./dir:/ctr` as the CLI makes it absolute)
 * when the container starts: as root, mode 0755, parents included. A
 * HostConfig.Mounts bind is not created: its source must exist (checked at
 * create and at a client's start, "bind source path does not exist").
 */
import fs from 'node:fs/promises';
import { invalid, systemError } from '../errors.js';
import type { MountSpec } from '../model/container.js';

/** The Binds sources to create: those of type bind from HostConfig.Binds. Pure. */
function bindSourcesToCreate(mounts: MountSpec[]): string[] {
  return mounts.filter((m) => m.type === 'bind' && m.origin === 'binds').map((m) => m.source);
}

/** Makes each missing Binds source a directory; an existing path (of any type) is left alone. */
export async function createBindSources(mounts: MountSpec[]): Promise<void> {
  for (const source of bindSourcesToCreate(mounts)) {
    const exists = await fs.lstat(source).then(
      () => true,
      () => false,
    );
    if (exists) continue;
    await fs.mkdir(source, { recursive: true, mode: 0o755 }).catch((err: NodeJS.ErrnoException) => {
      throw systemError('BERTH_MOUNT_SOURCE_CREATE', `error while creating mount source path '${source}': ${err.message}`, err);
    });
  }
}

/**
 * Refuses a HostConfig.Mounts bind whose source does not exist, in
 * dockerd's words (invalid-parameter): at create, and when a client starts
 * the container (dockerd checks the settings again before the start, and a
 * refusal there leaves State as it was). A restart by policy does not ask:
 * it fails in the runtime, as dockerd's does.
 */
export async function ensureMountsBindSources(mounts: MountSpec[]): Promise<void> {
  for (const m of mounts) {
    if (m.type !== 'bind' || m.origin !== 'mounts') continue;
    const exists = await fs.stat(m.source).then(
      () => true,
      () => false,
    );
    if (!exists) throw invalid('BERTH_MOUNT_SOURCE_MISSING', `invalid mount config for type "bind": bind source path does not exist: ${m.source}`);
  }
}
