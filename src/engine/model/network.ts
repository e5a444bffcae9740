/** berth's own records of networks, endpoints and published ports (Docker JSON is made in src/server/wire). */

export type { NetworkRecord, EndpointRecord } from '../../db/networks-repo.js';

/** One published port as asked (HostConfig.PortBindings / -P). */
export interface PortBinding {
  /** e.g. 80 */
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  /** '' = every address. */
  hostIp: string;
  /** 0 = pick a free one at start. */
  hostPort: number;
}

/** A port as bound at start (host port always concrete). */
export type BoundPort = PortBinding;

export interface NetavarkPortMapping {
  host_ip: string;
  container_port: number;
  host_port: number;
  range: number;
  protocol: string;
}

export interface NetavarkNetwork {
  name: string;
  id: string;
  driver: 'bridge';
  network_interface: string;
  subnets: Array<{ subnet: string; gateway: string }>;
  ipv6_enabled: boolean;
  internal: boolean;
  dns_enabled: boolean;
  ipam_options: { driver: 'host-local' };
  options?: Record<string, string>;
}

export interface NetavarkPerNetwork {
  static_ips: string[];
  static_mac?: string;
  aliases: string[];
  interface_name: string;
}

/** netavark's `setup`/`teardown` stdin (netavark 1.4: NetworkOptions). */
export interface NetavarkInput {
  container_id: string;
  container_name: string;
  networks: Record<string, NetavarkPerNetwork>;
  network_info: Record<string, NetavarkNetwork>;
  port_mappings: NetavarkPortMapping[] | null;
}
