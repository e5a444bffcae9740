/**
 * Where a registry domain is reached and how it is trusted, as dockerd
 * decides it:
 *
 * - `docker.io` is served by https://registry-1.docker.io, after each of the
 *   configured `registry-mirrors` in order;
 * - any other domain by https://<domain>, verified against the system roots
 *   plus every `*.crt` in `<certs dir>/<domain>/`, with the client pair
 *   `*.cert` + `*.key` from the same directory;
 * - a domain listed in `insecure-registries` (name[:port] or a CIDR) is not
 *   verified and may also be reached over plain http://;
 * - localhost and 127.0.0.0/8 may be reached over plain http:// too (a TLS
 *   answer from them is still verified: unlike dockerd, berth does not skip
 *   verification for loopback unless it is listed as insecure).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { TlsSettings } from './http.js';

export interface RegistrySettings {
  /** daemon.json "insecure-registries": "host[:port]" or CIDR. */
  insecureRegistries: string[];
  /** daemon.json "registry-mirrors": URLs of docker.io mirrors. */
  mirrors: string[];
  /** The certs.d directory (Docker's /etc/docker/certs.d). */
  certsDir: string;
}

export interface Endpoint {
  /** Base URL ("https://host:port"), no path. */
  base: URL;
  tls: TlsSettings;
  /** A docker.io mirror: any failure moves on to the next endpoint. */
  mirror: boolean;
  /** Plain http:// allowed when the https:// answer is not TLS. */
  httpFallback: boolean;
}

export const DOCKER_HUB_DOMAIN = 'docker.io';
const DOCKER_HUB_ENDPOINT = 'https://registry-1.docker.io';

/** The endpoints to try for `domain`, in order. */
export function endpointsFor(domain: string, settings: RegistrySettings): Endpoint[] {
  if (domain === DOCKER_HUB_DOMAIN) {
    const mirrors = settings.mirrors.map((m): Endpoint => {
      const base = new URL(m);
      return { base: new URL(base.origin), tls: tlsFor(base.host, settings), mirror: true, httpFallback: false };
    });
    return [...mirrors, { base: new URL(DOCKER_HUB_ENDPOINT), tls: tlsFor('registry-1.docker.io', settings), mirror: false, httpFallback: false }];
  }
  const insecure = isInsecure(domain, settings.insecureRegistries);
  const tls = tlsFor(domain, settings);
  if (insecure) tls.verify = false;
  return [{ base: new URL(`https://${domain}`), tls, mirror: false, httpFallback: insecure || isLoopback(domain) }];
}

/** The domain a login's `serveraddress` names ("https://index.docker.io/v1/" → docker.io). */
export function domainOfServerAddress(address: string): string {
  const trimmed = address.trim();
  if (trimmed === '') return DOCKER_HUB_DOMAIN;
  const host = /^[a-z]+:\/\//i.test(trimmed) ? new URL(trimmed).host : trimmed.split('/')[0];
  return host === 'index.docker.io' || host === 'registry-1.docker.io' || host === DOCKER_HUB_DOMAIN ? DOCKER_HUB_DOMAIN : host;
}

function hostname(domain: string): string {
  const bracket = /^\[([^\]]+)\]/.exec(domain);
  if (bracket) return bracket[1];
  const colon = domain.lastIndexOf(':');
  return colon > 0 && !domain.slice(0, colon).includes(':') ? domain.slice(0, colon) : domain;
}

/** localhost, 127.0.0.0/8, ::1. */
export function isLoopback(domain: string): boolean {
  const host = hostname(domain);
  if (host === 'localhost' || host === '::1') return true;
  return net.isIPv4(host) && host.startsWith('127.');
}

/** True when `domain` is listed (exactly, or by its host name, or inside a listed CIDR). */
export function isInsecure(domain: string, list: readonly string[]): boolean {
  const host = hostname(domain);
  for (const entry of list) {
    const e = entry.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
    if (e === domain || e === host) return true;
    const cidr = /^(.+)\/(\d+)$/.exec(e);
    if (cidr && net.isIP(host) && net.isIP(cidr[1]) === net.isIP(host)) {
      const block = new net.BlockList();
      const family = net.isIP(host) === 6 ? 'ipv6' : 'ipv4';
      block.addSubnet(cidr[1], Number(cidr[2]), family);
      if (block.check(host, family)) return true;
    }
  }
  return false;
}

/** Verified TLS with the certs.d files of `domain` (read on each use, as dockerd does). */
export function tlsFor(domain: string, settings: RegistrySettings): TlsSettings {
  const dir = path.join(settings.certsDir, domain.replace(/[/\\]/g, '_'));
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch {
    return { verify: true, ca: [] };
  }
  const read = (name: string) => fs.readFileSync(path.join(dir, name));
  const ca = names.filter((n) => n.endsWith('.crt')).map(read);
  const certName = names.find((n) => n.endsWith('.cert') && names.includes(`${n.slice(0, -5)}.key`));
  return certName ? { verify: true, ca, cert: read(certName), key: read(`${certName.slice(0, -5)}.key`) } : { verify: true, ca };
}
