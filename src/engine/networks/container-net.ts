/**
 * A container's side of networking, called by the container lifecycle under
 * the container's lock: endpoints at create, the namespace + `netavark
 * setup` before `runc create`, and `teardown` on every exit path. The run
 * record (network_runs) is written before netavark is called, so a crash at
 * any point leaves something `teardown` (or startup) can undo.
 */
import type { ContainerSpec } from '../model/container.js';
import { isRunning } from '../model/lifecycle.js';
import { invalid, conflict, forbidden, isEngineError, type EngineError } from '../errors.js';
import { findNetwork, lookup, type NetworkContext } from './context.js';
import { bindPorts, wantedPorts } from './host-ports.js';
import { allocateIp, macFromIp } from './ipam.js';
import { buildNetavarkInput, runNetavark, type Attachment } from './netavark.js';
import { keepBridges } from './keep-bridge.js';
import type { BoundPort, EndpointRecord, NetworkRecord } from '../model/network.js';
import { faultPoint } from '../fault.js';

/** EndpointsConfig entry as the engine takes it. */
export interface EndpointRequest {
  aliases: string[];
  ipv4Address: string;
}

interface ContainerRef {
  id: string;
  name: string;
  spec: ContainerSpec;
}

/**
 * 'container:<ref>' → the full ID form Docker records; other modes as given
 * ('' and 'default' → bridge). An unknown network or container is not an
 * error here but at start, as in Docker (the CLI takes a 404 from create for
 * a missing image and tries to pull it): a missing container is recorded as
 * named and looked up again at start.
 */
export function normalizeNetworkMode(ctx: NetworkContext, mode: string): string {
  if (mode === '' || mode === 'default') return 'bridge';
  if (mode.startsWith('container:')) {
    const ref = mode.slice('container:'.length);
    if (!ref) throw invalid('BERTH_NETWORK_MODE', `invalid network mode: ${mode}`);
    try {
      return `container:${ctx.containers.find(ref).id}`;
    } catch (err) {
      if (isEngineError(err, 'not-found')) return mode;
      throw err;
    }
  }
  return mode;
}

/** True for modes whose container gets its own namespace set up by netavark. */
export const usesBridge = (mode: string) => mode !== 'host' && mode !== 'none' && !mode.startsWith('container:');

/**
 * Records the endpoint of a new container on its network (bridge or a user
 * network), its address allocated in the same transaction. `requests` is
 * NetworkingConfig.EndpointsConfig by network name; only the container's own
 * network may appear there (Docker's rule at create).
 */
export function attachAtCreate(ctx: NetworkContext, c: ContainerRef, requests: Record<string, EndpointRequest>): void {
  const mode = c.spec.networkMode;
  if (!usesBridge(mode)) return;
  const network = lookup(ctx, mode);
  if (!network) return; // start reports it
  // The CLI names the default network "default"; any key may be a name or an ID.
  const own = (key: string) => key === mode || key === network.id || key === network.name || (key === 'default' && network.name === 'bridge');
  const others = Object.keys(requests).filter((key) => !own(key));
  if (others.length > 0) throw invalid('BERTH_NETWORK_MULTIPLE', `Container cannot be connected to network endpoints: ${[mode, ...others].join(', ')}`);
  const key = Object.keys(requests).find(own);
  addEndpoint(ctx, c, network.id, (key && requests[key]) || { aliases: [], ipv4Address: '' }, c.spec.macAddress ?? '', { atCreate: true });
}

/**
 * dockerd's rule for a fixed address (--ip, IPAMConfig.IPv4Address): only on
 * a user-defined network whose subnet the client gave. dockerd checks it
 * when the endpoint joins (at start, and at a connect), not at create.
 */
export function fixedAddressError(network: Pick<NetworkRecord, 'name' | 'subnetFromUser'>, requestedIp: string): EngineError | undefined {
  if (!requestedIp) return undefined;
  if (network.name === 'bridge') return invalid('BERTH_NETWORK_IP_DEFAULT', 'user specified IP address is supported on user defined networks only');
  if (!network.subnetFromUser)
    return invalid('BERTH_NETWORK_IP_AUTO_SUBNET', 'user specified IP address is supported only when connecting to networks with user configured subnets');
  return undefined;
}

/**
 * Inserts one endpoint with Docker's checks; returns it. `atCreate`: a fixed
 * address the network does not allow is recorded as asked (a dynamic one is
 * allocated meanwhile) and refused at start, as dockerd does.
 */
export function addEndpoint(
  ctx: NetworkContext,
  c: ContainerRef,
  networkId: string,
  req: EndpointRequest,
  mac: string,
  opts: { atCreate?: boolean } = {},
): EndpointRecord {
  const network = ctx.repo.get(networkId)!;
  if (network.driver !== 'bridge')
    throw forbidden('BERTH_NETWORK_NOT_BRIDGE', `container cannot be disconnected from host network or connected to host network`);
  const isDefault = network.name === 'bridge';
  if (isDefault && req.aliases.length > 0)
    throw invalid('BERTH_NETWORK_ALIAS_DEFAULT', 'network-scoped alias is supported only for containers in user defined networks');
  const refused = fixedAddressError(network, req.ipv4Address);
  if (refused && !opts.atCreate) throw refused;
  if (ctx.repo.endpoint(c.id, networkId))
    throw forbidden('BERTH_NETWORK_ALREADY_CONNECTED', `endpoint with name ${c.name} already exists in network ${network.name}`);
  const fixed = refused ? '' : req.ipv4Address;
  const [ep] = ctx.repo.addEndpoints([
    {
      containerId: c.id,
      networkId,
      requestedIp: req.ipv4Address,
      aliases: req.aliases,
      pick: (used) => {
        const ip = allocateIp(network, used, fixed);
        return { ip, mac: mac || macFromIp(ip) };
      },
    },
  ]);
  return ep;
}

/** The container's endpoints with their networks, primary first (endpoints of vanished networks skipped). */
export function attachments(ctx: NetworkContext, containerId: string): Attachment[] {
  return ctx.repo.endpointsOf(containerId).flatMap((endpoint) => {
    const network = ctx.repo.get(endpoint.networkId);
    return network ? [{ network, endpoint }] : [];
  });
}

/** What a started container's namespace is: its path for the OCI spec and what /etc files show. */
export interface NetworkSetup {
  /** A namespace to join; undefined = host's (host mode) or a fresh one from runc (none). */
  netnsPath?: string;
  attachments: Attachment[];
  ports: BoundPort[];
}

/**
 * Before `runc create`: a namespace for the container, netavark's interfaces,
 * firewall and port forwarding in it. Throws (having undone everything) when
 * a port is taken or netavark fails.
 */
export async function setupContainerNetwork(ctx: NetworkContext, c: ContainerRef): Promise<NetworkSetup> {
  const mode = c.spec.networkMode;
  if (mode === 'host' || mode === 'none') return { attachments: [], ports: [] };
  if (mode.startsWith('container:')) return { netnsPath: joinedNamespace(ctx, mode.slice('container:'.length)), attachments: [], ports: [] };
  // Missing (never made, or removed while the container was stopped): Docker's "network X not found".
  const primary = findNetwork(ctx, mode);
  if (!ctx.repo.endpoint(c.id, primary.id) && ctx.repo.endpointsOf(c.id).length === 0)
    addEndpoint(ctx, c, primary.id, { aliases: [], ipv4Address: '' }, c.spec.macAddress ?? '');
  const atts = attachments(ctx, c.id);
  for (const { network, endpoint } of atts) {
    const refused = fixedAddressError(network, endpoint.requestedIp);
    if (refused) throw refused;
  }
  const netns = await ctx.netns.create(c.id);
  faultPoint('netsetup.after-netns');
  try {
    const ports = await ctx.queue.run(async () => {
      const taken = ctx.repo
        .allRuns()
        .filter((r) => r.containerId !== c.id)
        .flatMap((r) => r.ports);
      const wanted = atts.length ? wantedPorts(c.spec.portBindings ?? [], c.spec.publishAllPorts ?? false, c.spec.exposedPorts) : [];
      const bound = await bindPorts(wanted, taken, c.name);
      ctx.repo.putRun({
        containerId: c.id,
        netns,
        setup: buildNetavarkInput({ containerId: c.id, containerName: c.name, attachments: atts, ports: bound }),
        ports: bound,
      });
      return bound;
    });
    faultPoint('netsetup.after-run-record');
    if (atts.length) await runNetavark(ctx.bin, 'setup', netns, ctx.repo.getRun(c.id)!.setup);
    faultPoint('netsetup.after-netavark');
    await keepBridges(
      ctx,
      atts.map((a) => a.network),
    );
    return { netnsPath: netns, attachments: atts, ports };
  } catch (err) {
    await teardownContainerNetwork(ctx, c.id);
    await ctx.netns.remove(netns);
    throw err;
  }
}

/** The donor's namespace; `ref` is its full ID, or the name given at create when it did not exist then. */
function joinedNamespace(ctx: NetworkContext, ref: string): string {
  const target = ctx.containers.find(ref);
  if (!isRunning(target.state.status)) {
    throw conflict('BERTH_NETWORK_JOIN_STOPPED', `cannot join network of a non running container: ${ref}`);
  }
  return `/proc/${target.state.pid}/ns/net`;
}

/**
 * Undoes setup: `netavark teardown` with exactly what setup was given, then
 * the namespace goes. Idempotent; when the namespace is gone (a reboot) a
 * fresh one stands in so netavark still removes the firewall rules and the
 * bridge. Errors are logged, never thrown: an exit must always complete.
 */
export async function teardownContainerNetwork(ctx: NetworkContext, containerId: string): Promise<void> {
  const run = ctx.repo.getRun(containerId);
  if (!run) return;
  let netns = run.netns;
  try {
    if (Object.keys(run.setup.networks).length > 0) {
      if (!(await ctx.netns.exists(netns))) {
        // The namespace died with its processes (a reboot, or all of them killed): a stand-in with
        // dummy links of the same names lets netavark finish, which otherwise stops at the missing
        // veth and leaves the bridge and the network's firewall chains behind.
        netns = await ctx.netns.create(containerId);
        await ctx.netns.addDummyLinks(
          netns,
          Object.values(run.setup.networks).map((n) => n.interface_name),
        );
      }
      await runNetavark(ctx.bin, 'teardown', netns, run.setup).catch((err) => ctx.log.warn({ err, id: containerId }, 'netavark teardown'));
      faultPoint('netteardown.after-netavark');
    }
    await ctx.netns.remove(netns);
  } catch (err) {
    ctx.log.warn({ err, id: containerId }, 'network teardown');
  }
  ctx.repo.deleteRun(containerId);
  faultPoint('netteardown.after-run-delete');
  // The network's bridge and rules stay for the next container (keep-bridge.ts).
}

/** At startup: runs of containers that are gone or not running are torn down (a crash or reboot cut them short). */
export async function reconcileNetworkRuns(ctx: NetworkContext, isLive: (id: string) => boolean): Promise<void> {
  for (const run of ctx.repo.allRuns()) {
    if (!isLive(run.containerId)) await teardownContainerNetwork(ctx, run.containerId);
  }
}
