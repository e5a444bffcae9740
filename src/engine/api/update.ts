/** The update area of the facade: POST /containers/{id}/update. */
import type { RestartPolicy } from '../model/container.js';

/** What POST /containers/{id}/update asks for. Zero, '' and null leave a value as it is. */
export interface ContainerUpdateOptions {
  memory: number;
  /** -1 = unlimited swap. */
  memorySwap: number;
  nanoCpus: number;
  cpuShares: number;
  cpuQuota: number;
  cpuPeriod: number;
  cpusetCpus: string;
  cpusetMems: string;
  blkioWeight: number;
  /** null = unchanged; -1 = unlimited. */
  pidsLimit: number | null;
  /** null = unchanged. */
  restartPolicy: RestartPolicy | null;
}

export interface UpdateApi {
  /**
   * Changes resources and the restart policy; applied at once to a running
   * container (runc update) and kept for its next start. Errors: not-found,
   * conflict (Docker's "Conflicting options…", AutoRemove with a restart
   * policy, a container being removed), invalid-parameter (ranges).
   */
  update(ref: string, opts: ContainerUpdateOptions): Promise<{ warnings: string[] }>;
}
