/**
 * The network `connect` / `disconnect` events, as dockerd 20.10 logs them:
 * Actor.ID is the network's ID, the attributes are the container's ID, the
 * network's name and its driver ("bridge", "host", "null").
 *
 * Besides the explicit `docker network connect/disconnect`, dockerd logs a
 * `connect` for every network a container is attached to when it starts
 * (after `create`, before `start`: none and host included) and a
 * `disconnect` for each when it stops (after `die`). A container sharing
 * another's namespace (container:<id>) has no endpoint and gets none.
 */
import type { NewEvent } from '../events/event-bus.js';
import type { ContainerSpec } from '../model/container.js';
import type { NetworkContext } from './context.js';
import { attachments } from './container-net.js';
import type { NetworkRecord } from '../model/network.js';

export type EndpointAction = 'connect' | 'disconnect';

/** One network event of container `containerId` on `network`. */
export function endpointEvent(action: EndpointAction, network: Pick<NetworkRecord, 'id' | 'name' | 'driver'>, containerId: string): NewEvent {
  return { type: 'network', action, id: network.id, attributes: { container: containerId, name: network.name, type: network.driver } };
}

/**
 * The events a start (`connect`) or an exit (`disconnect`) of the container
 * carries: one per network it is attached to, its primary network first.
 * Pure reads; the caller emits them in the transaction of its start or exit
 * record, so they add no commit of their own.
 */
export function lifecycleEndpointEvents(ctx: NetworkContext, c: { id: string; spec: Pick<ContainerSpec, 'networkMode'> }, action: EndpointAction): NewEvent[] {
  const mode = c.spec.networkMode;
  if (mode.startsWith('container:')) return [];
  if (mode === 'host' || mode === 'none') {
    const network = ctx.repo.getByName(mode);
    return network ? [endpointEvent(action, network, c.id)] : [];
  }
  return attachments(ctx, c.id).map(({ network }) => endpointEvent(action, network, c.id));
}
