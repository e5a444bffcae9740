/**
 * What the network verbs share, and finding a network by reference as
 * dockerd does (full ID, exact name, unique ID prefix).
 */
import type pino from 'pino';
import type { NetworksRepo } from '../../db/networks-repo.js';
import { invalid, notFound } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { KeyedMutex } from '../locks.js';
import type { ContainerSpec, ContainerState } from '../model/container.js';
import type { AddressPool } from './ipam.js';
import type { NetavarkBinaries } from './netavark.js';
import type { NetnsDir } from './netns.js';
import type { BoundPort, NetavarkInput, NetworkRecord } from '../model/network.js';

/** The few container facts networks need (kept narrow so the two services stay apart). */
export interface ContainerLookup {
  /** Throws Docker's "No such container" when missing. */
  find(ref: string): { id: string; name: string; spec: ContainerSpec; state: ContainerState };
  get(id: string): { id: string; name: string; spec: ContainerSpec; state: ContainerState } | undefined;
  mutex: KeyedMutex;
}

export interface NetworkSettings {
  /** dockerd's `bip` ("172.17.0.1/16": gateway and subnet of the default bridge). */
  bip?: string;
  pools: AddressPool[];
  /** Where the search for a free subnet starts (0 for the default data root; see pickSubnet). */
  poolStart: number;
  /** The Linux bridge of the default network. */
  defaultBridge: string;
}

export interface NetworkContext {
  repo: NetworksRepo<NetavarkInput, BoundPort>;
  containers: ContainerLookup;
  netns: NetnsDir;
  bin: NetavarkBinaries;
  settings: NetworkSettings;
  log: pino.Logger;
  events: EventBus;
  /** Networks whose bridge this daemon process has anchored (keep-bridge.ts); a sweep forgets them. */
  keptBridges: Set<string>;
  /** Serialises network create/remove (name and subnet checks, then insert). */
  queue: { run<T>(fn: () => Promise<T>): Promise<T> };
}

export const PREDEFINED = new Set(['bridge', 'host', 'none']);

/** Docker's fixed text for a missing network. */
export const noSuchNetwork = (ref: string) => notFound('BERTH_NETWORK_NOT_FOUND', `network ${ref} not found`);

export function findNetwork(ctx: NetworkContext, ref: string): NetworkRecord {
  const found = lookup(ctx, ref);
  if (!found) throw noSuchNetwork(ref);
  return found;
}

export function lookup(ctx: NetworkContext, ref: string): NetworkRecord | undefined {
  if (/^[0-9a-f]{64}$/.test(ref)) {
    const byId = ctx.repo.get(ref);
    if (byId) return byId;
  }
  const byName = ctx.repo.getByName(ref);
  if (byName) return byName;
  if (!/^[0-9a-f]+$/.test(ref)) return undefined;
  const matches = ctx.repo.findByPrefix(ref);
  if (matches.length > 1) throw invalid('BERTH_NETWORK_AMBIGUOUS', `network ${ref} is ambiguous (${matches.length} matches found based on ID prefix)`);
  return matches[0];
}

/** A serial queue: each job starts after the previous one settled. */
export function serialQueue(): NetworkContext['queue'] {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(fn: () => Promise<T>): Promise<T> {
      const next = tail.then(fn, fn);
      tail = next.catch(() => undefined);
      return next;
    },
  };
}
