/**
 * The networks service: the facade's `networks` verbs, and the hooks the
 * container lifecycle calls (endpoints at create, setup before `runc
 * create`, teardown on every exit path, the network part of a view).
 */
import fs from 'node:fs/promises';
import type { ContainerNetworkView, NetworksApi } from '../api/networks.js';
import type { ContainerSpec } from '../model/container.js';
import type { NetworkContext } from './context.js';
import {
  attachAtCreate,
  attachments,
  normalizeNetworkMode,
  reconcileNetworkRuns,
  setupContainerNetwork,
  teardownContainerNetwork,
  type EndpointRequest,
  type NetworkSetup,
} from './container-net.js';
import { ensureDefaultNetworks } from './defaults.js';
import { sweepStaleNetworks } from './stale-sweep.js';
import { connectNetwork, disconnectNetwork } from './network-connect.js';
import { createNetwork, inspectNetwork, listNetworks, pruneNetworks, removeNetwork } from './network-api.js';
import { lifecycleEndpointEvents, type EndpointAction } from './endpoint-events.js';
import type { NewEvent } from '../events/event-bus.js';

interface ContainerRef {
  id: string;
  name: string;
  spec: ContainerSpec;
}

/** What the container lifecycle asks of networks. */
export interface ContainerNetworkHooks {
  /** '' / default → bridge, container:<ref> → container:<full id>; checks the network exists. */
  normalizeMode(mode: string): string;
  /** After the container row is inserted: its endpoint (address allocated). Throws Docker's errors. */
  attachAtCreate(c: ContainerRef, requests: Record<string, EndpointRequest>): void;
  /** Before `runc create` (caller holds the lock). Undoes itself on failure. */
  setup(c: ContainerRef): Promise<NetworkSetup>;
  /** On every exit path; idempotent, never throws. */
  teardown(containerId: string): Promise<void>;
  view(containerId: string): ContainerNetworkView;
  /** The network events of a start (`connect`) or an exit (`disconnect`), for the caller to emit with its record. */
  endpointEvents(c: ContainerRef, action: EndpointAction): NewEvent[];
}

export interface NetworkService {
  api: NetworksApi;
  hooks: ContainerNetworkHooks;
  /**
   * At clean shutdown, before close: the kept bridges (with their anchors and
   * firewall rules) of networks no running container uses go; those of
   * running containers stay with them.
   */
  drain(): Promise<void>;
  /** At clean shutdown: unmount the namespace directory when empty. */
  close(): void;
  /** Predefined networks (first start); call before container reconciliation. */
  init(): Promise<void>;
  /**
   * After container reconciliation: tear down runs of containers no longer
   * live, delete namespace files no run names, and sweep what netavark left
   * of networks nobody uses (kept bridges of a daemon that did not shut
   * down cleanly, or what a reboot left).
   */
  reconcile(isLive: (id: string) => boolean): Promise<void>;
}

export function createNetworkService(ctx: NetworkContext): NetworkService {
  return {
    api: {
      create: (opts) => createNetwork(ctx, opts),
      inspect: (ref) => inspectNetwork(ctx, ref),
      list: (filters) => listNetworks(ctx, filters),
      remove: (ref) => removeNetwork(ctx, ref),
      prune: (filters) => pruneNetworks(ctx, filters),
      connect: (net, container, endpoint) => connectNetwork(ctx, net, container, endpoint),
      disconnect: (net, container, force) => disconnectNetwork(ctx, net, container, force),
    },
    hooks: {
      normalizeMode: (mode) => normalizeNetworkMode(ctx, mode),
      attachAtCreate: (c, requests) => attachAtCreate(ctx, c, requests),
      setup: (c) => setupContainerNetwork(ctx, c),
      teardown: (id) => teardownContainerNetwork(ctx, id),
      view: (id) => {
        const run = ctx.repo.getRun(id);
        return { endpoints: attachments(ctx, id), ports: run?.ports ?? null, sandboxKey: run?.netns ?? '' };
      },
      endpointEvents: (c, action) => lifecycleEndpointEvents(ctx, c, action),
    },
    drain: () => sweepStaleNetworks(ctx),
    close: () => ctx.netns.closeSync(),
    init: async () => {
      await fs.mkdir(ctx.bin.configDir, { recursive: true, mode: 0o700 });
      await ensureDefaultNetworks(ctx);
    },
    reconcile: async (isLive) => {
      await reconcileNetworkRuns(ctx, isLive);
      const removed = await ctx.netns.removeUnrecorded(new Set(ctx.repo.allRuns().map((r) => r.netns)));
      if (removed.length > 0) ctx.log.warn({ removed }, 'removed network namespaces without a setup record (an interrupted start)');
      await sweepStaleNetworks(ctx);
    },
  };
}
