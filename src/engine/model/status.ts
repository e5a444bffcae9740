/**
 * The status word clients read (State.Status, the `status` filter):
 * created, running, paused, restarting, removing, exited, dead. Internal
 * `initialized` and a never-started `exited` read as "created".
 */
import type { ContainerState } from './container.js';

export function publicStatus(state: ContainerState): string {
  switch (state.status) {
    case 'initialized':
      return 'created';
    case 'exited':
      return state.hasBeenStarted ? 'exited' : 'created';
    default:
      return state.status;
  }
}
