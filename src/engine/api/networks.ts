/** The networks part of the facade: network records and views, create options, the verbs. */
import type { BoundPort, EndpointRecord, NetworkRecord } from '../model/network.js';
import type { Filters } from './common.js';

export type { BoundPort, EndpointRecord, NetworkRecord, PortBinding } from '../model/network.js';

/** A container's networking as reads see it. */
export interface ContainerNetworkView {
  endpoints: Array<{ network: NetworkRecord; endpoint: EndpointRecord }>;
  /** Host ports as bound at start; null when not running. */
  ports: BoundPort[] | null;
  /** The namespace file while running ('' otherwise). */
  sandboxKey: string;
}

export interface CreateNetworkOptions {
  name: string;
  driver: string;
  internal: boolean;
  enableIPv6: boolean;
  labels: Record<string, string>;
  options: Record<string, string>;
  ipam: Array<{ subnet: string; gateway: string; ipRange: string }>;
}

/** A network with the containers on it. */
export interface NetworkView extends NetworkRecord {
  containers: Array<{ id: string; name: string; endpoint: EndpointRecord; running: boolean }>;
}

export interface NetworksApi {
  create(opts: CreateNetworkOptions): Promise<{ id: string; warning: string }>;
  inspect(ref: string): NetworkView;
  list(filters: Filters): NetworkView[];
  remove(ref: string): Promise<void>;
  /** Names of the networks removed. */
  prune(filters: Filters): Promise<string[]>;
  connect(network: string, container: string, endpoint: { aliases: string[]; ipv4Address: string }): Promise<void>;
  disconnect(network: string, container: string, force: boolean): Promise<void>;
}
