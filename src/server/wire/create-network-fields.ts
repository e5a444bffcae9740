/**
 * The networking part of a container-create body: NetworkMode,
 * PortBindings, PublishAllPorts, Dns/DnsSearch/DnsOptions, ExtraHosts,
 * Config.MacAddress and NetworkingConfig.EndpointsConfig, with Docker's
 * 400s for malformed values.
 */
import { isIPv6 } from 'node:net';
import type { PortBinding } from '../../engine/api.js';
import { badRequest } from '../errors.js';
import { boolField, objectField, stringField, stringListField, type Json } from './body-fields.js';

export interface CreateNetworkFields {
  networkMode: string;
  portBindings: PortBinding[];
  publishAllPorts: boolean;
  dns: string[];
  dnsSearch: string[];
  dnsOptions: string[];
  extraHosts: string[];
  macAddress: string;
  endpoints: Record<string, EndpointFields>;
}

interface EndpointFields {
  aliases: string[];
  ipv4Address: string;
  ipv6Address: string;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const isIpv4 = (s: string) => IPV4.test(s) && s.split('.').every((p) => Number(p) <= 255);

export function parseNetworkFields(cfg: Json, hc: Json, body: Json): CreateNetworkFields {
  const macAddress = stringField(cfg, 'MacAddress', 'MacAddress');
  if (macAddress && !/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(macAddress)) throw badRequest(`${macAddress} is not a valid mac address`);
  const dns = stringListField(hc, 'Dns', 'HostConfig.Dns');
  for (const d of dns) if (!isIpv4(d) && !d.includes(':')) throw badRequest(`${d} is not an ip address`);
  const extraHosts = checkExtraHosts(stringListField(hc, 'ExtraHosts', 'HostConfig.ExtraHosts'));
  return {
    networkMode: stringField(hc, 'NetworkMode', 'HostConfig.NetworkMode'),
    portBindings: parsePortBindings(objectField(hc, 'PortBindings', 'HostConfig.PortBindings')),
    publishAllPorts: boolField(hc, 'PublishAllPorts', 'HostConfig.PublishAllPorts'),
    dns,
    dnsSearch: stringListField(hc, 'DnsSearch', 'HostConfig.DnsSearch'),
    dnsOptions: stringListField(hc, 'DnsOptions', 'HostConfig.DnsOptions'),
    extraHosts,
    macAddress: macAddress.toLowerCase(),
    endpoints: parseEndpointsConfig(
      objectField(objectField(body, 'NetworkingConfig', 'NetworkingConfig'), 'EndpointsConfig', 'NetworkingConfig.EndpointsConfig'),
    ),
  };
}

/** `--add-host` entries ("name:ip"), with Docker's 400 for a malformed one; returns them unchanged. */
export function checkExtraHosts(entries: string[]): string[] {
  for (const h of entries) {
    const at = h.indexOf(':');
    if (at <= 0 || h.slice(at + 1) === '') throw badRequest(`invalid IP address in add-host: "${h.slice(at + 1)}"`);
  }
  return entries;
}

/** HostConfig.PortBindings {"80/tcp": [{HostIp, HostPort}]} → one entry per host binding. */
export function parsePortBindings(raw: Json): PortBinding[] {
  const out: PortBinding[] = [];
  for (const [key, list] of Object.entries(raw)) {
    const m = /^(\d+)(?:\/(tcp|udp|sctp))?$/.exec(key);
    const containerPort = m ? Number(m[1]) : NaN;
    if (!m || containerPort < 1 || containerPort > 65535) throw badRequest(`invalid port specification: "${key}"`);
    const protocol = (m[2] ?? 'tcp') as PortBinding['protocol'];
    const entries = list === null ? [{}] : list;
    if (!Array.isArray(entries)) throw badRequest(`HostConfig.PortBindings["${key}"] must be a list`);
    for (const e of entries as Json[]) {
      const hostIp = stringField(e ?? {}, 'HostIp', `HostConfig.PortBindings["${key}"].HostIp`);
      const hostPortText = stringField(e ?? {}, 'HostPort', `HostConfig.PortBindings["${key}"].HostPort`);
      if (hostIp && !isIpv4(hostIp)) {
        if (hostIp.includes(':')) continue; // IPv6 host addresses: networks are IPv4-only for now
        throw badRequest(`invalid host IP address: ${hostIp}`);
      }
      const hostPort = hostPortText === '' ? 0 : Number(hostPortText);
      if (!/^\d*$/.test(hostPortText) || hostPort > 65535) throw badRequest(`invalid port specification: "${hostPortText}"`);
      out.push({ containerPort, protocol, hostIp: hostIp === '0.0.0.0' ? '' : hostIp, hostPort });
    }
  }
  return out;
}

function parseEndpointsConfig(raw: Json): Record<string, EndpointFields> {
  const out: Record<string, EndpointFields> = {};
  for (const [name, value] of Object.entries(raw)) {
    const path = `NetworkingConfig.EndpointsConfig["${name}"]`;
    const ep = (value ?? {}) as Json;
    const ipam = objectField(ep, 'IPAMConfig', `${path}.IPAMConfig`);
    const ipv4Address = stringField(ipam, 'IPv4Address', `${path}.IPAMConfig.IPv4Address`);
    if (ipv4Address && !isIpv4(ipv4Address)) throw badRequest(`invalid IPv4 address: ${ipv4Address}`);
    const ipv6Address = stringField(ipam, 'IPv6Address', `${path}.IPAMConfig.IPv6Address`);
    if (ipv6Address && !isIPv6(ipv6Address)) throw badRequest(`invalid IPv6 address: ${ipv6Address}`);
    out[name] = { aliases: stringListField(ep, 'Aliases', `${path}.Aliases`), ipv4Address, ipv6Address };
  }
  return out;
}

/** The same for connect's EndpointConfig. */
export function parseEndpointConfig(ep: Json): EndpointFields {
  return parseEndpointsConfig({ x: ep }).x;
}
