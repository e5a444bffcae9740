/**
 * Docker's rules for the mode of a Binds or VolumesFrom entry ("ro,rslave")
 * and the bind propagations Linux has: what a MountSpec's mode and
 * propagation may say. Pure; the wire parser, volumes-from and the OCI
 * mounts all check against these.
 */

/** The bind propagation modes Linux has. */
export const MOUNT_PROPAGATIONS: ReadonlySet<string> = new Set(['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate']);

/** The kind of each Binds mode option; at most one of each kind (moby's ValidMountMode). */
function modeKind(opt: string): string | undefined {
  if (opt === 'ro' || opt === 'rw') return 'rw';
  if (opt === 'z' || opt === 'Z') return 'label';
  if (MOUNT_PROPAGATIONS.has(opt)) return 'propagation';
  if (opt === 'nocopy') return 'copy';
  if (opt === 'consistent' || opt === 'cached' || opt === 'delegated') return 'consistency';
  return undefined;
}

/** Whether a Binds mode ("ro,rslave") is one Docker accepts: known options, one of each kind. Pure. */
export function validMountMode(mode: string): boolean {
  if (mode === '') return true;
  const kinds = new Set<string>();
  for (const opt of mode.split(',')) {
    const kind = modeKind(opt);
    if (kind === undefined || kinds.has(kind)) return false;
    kinds.add(kind);
  }
  return true;
}
