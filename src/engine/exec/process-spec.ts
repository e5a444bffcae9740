/**
 * buildExecProcess: the OCI process an exec session runs (runc exec
 * --process). It starts from the container's own process (rlimits,
 * no-new-privileges, capabilities, AppArmor stay as the container has
 * them) and applies what Docker applies for an exec: the command, the
 * container's environment with the exec's Env on top (TERM=xterm when the
 * exec has a tty), the exec's User and WorkingDir falling back to the
 * container's, and every capability for a privileged exec. Pure.
 */
import type { ContainerSpec } from '../model/container.js';
import type { ResolvedUser } from '../container-root/user.js';
import { resolveCapabilities } from '../runtime/capabilities.js';
import { buildEnv } from '../runtime/oci-spec.js';
import type { OciProcess } from '../runtime/oci-types.js';

export interface ExecProcessInput {
  /** The container's process from its config.json. */
  base: OciProcess;
  spec: ContainerSpec;
  cmd: string[];
  env: string[];
  /** '' = the container's. */
  workingDir: string;
  /** Already resolved from the exec's User (or the container's when it gave none). */
  user: ResolvedUser;
  tty: boolean;
  privileged: boolean;
  /** The daemon's bounding set; a privileged exec gets every capability within it. Absent = no limit. */
  hostCapabilities?: string[];
  consoleSize?: [number, number] | null;
}

export function buildExecProcess(input: ExecProcessInput): OciProcess {
  const { base, spec, user } = input;
  let capabilities = base.capabilities;
  if (input.privileged) {
    const host = input.hostCapabilities ? new Set(input.hostCapabilities) : null;
    const all = resolveCapabilities([], [], true).filter((c) => !host || host.has(c));
    capabilities = { bounding: [...all], effective: [...all], permitted: [...all], inheritable: [], ambient: [] };
  }
  const process: OciProcess = {
    ...base,
    terminal: input.tty,
    user: { uid: user.uid, gid: user.gid, additionalGids: [...user.additionalGids] },
    args: [...input.cmd],
    env: buildEnv({ ...spec, tty: input.tty, env: [...spec.env, ...input.env] }, user.home),
    cwd: input.workingDir || spec.workingDir || '/',
    capabilities,
  };
  delete process.consoleSize;
  if (input.tty && input.consoleSize) process.consoleSize = { height: input.consoleSize[0], width: input.consoleSize[1] };
  return process;
}
