/**
 * Connect and disconnect, live on a running container: under the
 * container's lock, the endpoint row changes and, when the container runs,
 * netavark sets up (or tears down) just that network in its namespace; the
 * run record is updated so the final teardown undoes everything.
 */
import { withContainerLock } from '../locks.js';
import { isRunning } from '../model/lifecycle.js';
import { conflict, forbidden } from '../errors.js';
import { findNetwork, type NetworkContext } from './context.js';
import { addEndpoint, attachments, usesBridge, type EndpointRequest } from './container-net.js';
import { buildNetavarkInput, runNetavark, selectNetwork } from './netavark.js';
import { keepBridges } from './keep-bridge.js';
import { endpointEvent } from './endpoint-events.js';

export async function connectNetwork(ctx: NetworkContext, netRef: string, containerRef: string, req: EndpointRequest): Promise<void> {
  const network = findNetwork(ctx, netRef);
  const { id } = ctx.containers.find(containerRef);
  const live = await withContainerLock(ctx.containers.mutex, id, async () => {
    const c = ctx.containers.find(id);
    if (!usesBridge(c.spec.networkMode)) {
      throw forbidden('BERTH_NETWORK_SHARED', 'container sharing network namespace with another container or host cannot be connected to any other network');
    }
    if (network.driver !== 'bridge')
      throw forbidden('BERTH_NETWORK_NOT_BRIDGE', 'container cannot be disconnected from host network or connected to host network');
    addEndpoint(ctx, c, network.id, req, '');
    const run = ctx.repo.getRun(id);
    if (run && isRunning(c.state.status)) {
      const input = buildNetavarkInput({ containerId: id, containerName: c.name, attachments: attachments(ctx, id), ports: run.ports });
      // The new interface takes the first ethN not in use (earlier ones may have been disconnected).
      const usedNames = new Set(Object.values(run.setup.networks).map((n) => n.interface_name));
      let k = 0;
      while (usedNames.has(`eth${k}`)) k++;
      const merged = {
        ...run.setup,
        networks: { ...run.setup.networks, [network.id]: { ...input.networks[network.id], interface_name: `eth${k}` } },
        network_info: { ...run.setup.network_info, [network.id]: input.network_info[network.id] },
      };
      try {
        await runNetavark(ctx.bin, 'setup', run.netns, selectNetwork(merged, network.id, false));
      } catch (err) {
        ctx.repo.removeEndpoint(id, network.id);
        throw err;
      }
      ctx.repo.putRun({ ...run, setup: merged });
      await keepBridges(ctx, [network]);
      return true;
    }
    return false;
  });
  // dockerd logs a connect only for a running container; a stopped one gets its connect at start.
  if (live) ctx.events.emit(endpointEvent('connect', network, id));
}

export async function disconnectNetwork(ctx: NetworkContext, netRef: string, containerRef: string, force: boolean): Promise<void> {
  const network = findNetwork(ctx, netRef);
  const { id } = ctx.containers.find(containerRef);
  await withContainerLock(ctx.containers.mutex, id, async () => {
    const c = ctx.containers.find(id);
    if (!ctx.repo.endpoint(id, network.id)) {
      if (network.driver !== 'bridge')
        throw forbidden('BERTH_NETWORK_NOT_BRIDGE', 'container cannot be disconnected from host network or connected to host network');
      throw forbidden('BERTH_NETWORK_NOT_CONNECTED', `container ${c.id} is not connected to network ${network.name}`);
    }
    const run = ctx.repo.getRun(id);
    if (run?.setup.networks[network.id]) {
      await runNetavark(ctx.bin, 'teardown', run.netns, selectNetwork(run.setup, network.id, true)).catch((err) => {
        if (!force) throw conflict('BERTH_NETWORK_DISCONNECT', (err as Error).message);
        ctx.log.warn({ err, id }, 'forced disconnect: netavark teardown failed');
      });
      const networks = { ...run.setup.networks };
      const info = { ...run.setup.network_info };
      delete networks[network.id];
      delete info[network.id];
      ctx.repo.putRun({ ...run, setup: { ...run.setup, networks, network_info: info } });
    }
    ctx.repo.removeEndpoint(id, network.id);
  });
  // dockerd logs a disconnect from a stopped container too.
  ctx.events.emit(endpointEvent('disconnect', network, id));
}
