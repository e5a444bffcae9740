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
    const network = predefinedNetwork(ctx, mode);
    return network ? [endpointEvent(action, network, c.id)] : [];
  }
  return attachments(ctx, c.id).map(({ network }) => endpointEvent(action, network, c.id));
}

type EventNetwork = Pick<NetworkRecord, 'id' | 'name' | 'driver'>;

/** Per repo (one per daemon): the host and none networks' event facts, once found. */
const predefinedFacts = new WeakMap<NetworkContext['repo'], Map<string, EventNetwork>>();

/**
 * The predefined network `name` (host or none), read from the repo once:
 * a predefined network is never removed or changed (network-api refuses
 * it), so its ID, name and driver hold for the daemon's life. Saves a
 * query at every start and exit of such a container.
 */
function predefinedNetwork(ctx: NetworkContext, name: 'host' | 'none'): EventNetwork | undefined {
  let known = predefinedFacts.get(ctx.repo);
  if (!known) predefinedFacts.set(ctx.repo, (known = new Map<string, EventNetwork>()));
  const cached = known.get(name);
  if (cached) return cached;
  const network = ctx.repo.getByName(name);
  if (network) known.set(name, { id: network.id, name: network.name, driver: network.driver });
  return network;
}
