/**
 * dockerd's rule for binds that touch the daemon's data root (moby's
 * validateBindDaemonRoot, applied at create to HostConfig.Binds and
 * HostConfig.Mounts alike): a bind whose source lies in the data root, or
 * which contains it, must not hold a private copy of the mounts under it
 * (overlay roots, volume mounts) — the daemon could not unmount them while
 * the container runs. So its propagation defaults to rslave, and a
 * propagation other than rslave or rshared is refused.
 *
 * "Lies in" and "contains" are plain string prefixes, as in dockerd (so
 * `/srv/berth2` counts as inside `/srv/berth`); the source is compared
 * cleaned, the data root with its symlinks resolved (dockerd's root is too).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { invalid } from '../errors.js';
import type { MountSpec } from '../model/container.js';

/** Is `source` inside `dataRoot` or `dataRoot` inside it (string prefixes, as dockerd)? */
function touchesDataRoot(source: string, dataRoot: string): boolean {
  const clean = path.posix.normalize(source);
  return clean.startsWith(dataRoot) || dataRoot.startsWith(clean);
}

/**
 * One mount under the rule: unchanged when the rule does not apply or the
 * client chose rslave/rshared; propagation rslave (marked implied, so the
 * HostConfig echo keeps what the client sent) when none was given; throws
 * dockerd's error for any other propagation. Pure.
 */
export function applyDaemonRootRule(m: MountSpec, dataRoot: string): MountSpec {
  if (m.type !== 'bind' || (m.origin !== 'binds' && m.origin !== 'mounts') || !touchesDataRoot(m.source, dataRoot)) return m;
  if (!m.propagation) return { ...m, propagation: 'rslave', propagationImplied: true };
  if (m.propagation === 'rslave' || m.propagation === 'rshared') return m;
  throw invalid(
    'BERTH_MOUNT_DAEMON_ROOT',
    `invalid mount config: must use either propagation mode "rslave" or "rshared" when mount source is within the daemon root, daemon root: ${JSON.stringify(dataRoot)}, bind mount source: ${JSON.stringify(m.source)}, propagation: ${JSON.stringify(m.propagation)}`,
  );
}

/** The request's mounts under the rule, the data root's symlinks resolved (only when there is a bind). */
export async function applyDaemonRootRuleAll(mounts: MountSpec[], dataRoot: string): Promise<MountSpec[]> {
  if (!mounts.some((m) => m.type === 'bind')) return mounts;
  const root = await fs.realpath(dataRoot).catch(() => dataRoot);
  return mounts.map((m) => applyDaemonRootRule(m, root));
}
