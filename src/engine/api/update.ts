/** The update area of the facade: POST /containers/{id}/update. */
export type { ContainerUpdateOptions } from '../containers/update-resources.js';
import type { ContainerUpdateOptions } from '../containers/update-resources.js';

export interface UpdateApi {
  /**
   * Changes resources and the restart policy; applied at once to a running
   * container (runc update) and kept for its next start. Errors: not-found,
   * conflict (Docker's "Conflicting options…", AutoRemove with a restart
   * policy, a container being removed), invalid-parameter (ranges).
   */
  update(ref: string, opts: ContainerUpdateOptions): Promise<{ warnings: string[] }>;
}
