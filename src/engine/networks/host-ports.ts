/**
 * Published ports: what a container asks for (PortBindings, and every
 * exposed port with PublishAllPorts) and the host ports it gets at start.
 * netavark only writes DNAT rules, which do not hold a port, so berth checks
 * here that a port is free (not published by another of its containers, and
 * bindable on the host) and picks concrete ports for "any port" requests.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { conflict, invalid } from '../errors.js';
import type { BoundPort, PortBinding } from '../model/network.js';

/** "80/tcp" → {port, protocol}; a 400 with Docker's words when malformed. */
export function parsePortKey(key: string): { containerPort: number; protocol: PortBinding['protocol'] } {
  const m = /^(\d+)(?:\/(tcp|udp|sctp))?$/.exec(key);
  const port = m ? Number(m[1]) : NaN;
  if (!m || port < 1 || port > 65535) throw invalid('BERTH_PORT_SPEC', `invalid port specification: "${key}"`);
  return { containerPort: port, protocol: (m[2] ?? 'tcp') as PortBinding['protocol'] };
}

/**
 * The ports to publish: every binding asked for, plus (PublishAllPorts) an
 * any-port binding for each exposed port that has none.
 */
export function wantedPorts(bindings: readonly PortBinding[], publishAll: boolean, exposed: readonly string[]): PortBinding[] {
  const out = [...bindings];
  if (!publishAll) return out;
  for (const key of exposed) {
    const { containerPort, protocol } = parsePortKey(key);
    if (!out.some((b) => b.containerPort === containerPort && b.protocol === protocol)) out.push({ containerPort, protocol, hostIp: '', hostPort: 0 });
  }
  return out;
}

const sameAddress = (a: string, b: string) => a === b || a === '' || b === '' || a === '0.0.0.0' || b === '0.0.0.0';

/**
 * Concrete host ports for `wanted`: each fixed port must be free of `taken`
 * (ports published by other containers) and bindable on the host; a port 0
 * becomes one the kernel hands out. Throws Docker's conflict wording.
 */
export async function bindPorts(wanted: readonly PortBinding[], taken: readonly BoundPort[], endpoint: string): Promise<BoundPort[]> {
  const bound: BoundPort[] = [];
  for (const w of wanted) {
    const shown = `${w.hostIp || '0.0.0.0'}:${w.hostPort}`;
    const clash = (p: BoundPort) => p.protocol === w.protocol && p.hostPort === w.hostPort && sameAddress(p.hostIp, w.hostIp);
    if (w.hostPort !== 0 && [...taken, ...bound].some(clash)) {
      throw conflict(
        'BERTH_PORT_ALLOCATED',
        `driver failed programming external connectivity on endpoint ${endpoint}: Bind for ${shown} failed: port is already allocated`,
      );
    }
    const port = await probePort(w.protocol, w.hostIp || '0.0.0.0', w.hostPort).catch((err: NodeJS.ErrnoException) => {
      throw conflict(
        'BERTH_PORT_IN_USE',
        `driver failed programming external connectivity on endpoint ${endpoint}: Error starting userland proxy: listen ${w.protocol}4 ${shown}: bind: ${err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EADDRNOTAVAIL' ? 'cannot assign requested address' : err.message}`,
      );
    });
    bound.push({ ...w, hostPort: port });
  }
  return bound;
}

/** Binds (then releases) `port` on `host`; resolves to the port (the kernel's pick for 0). */
function probePort(protocol: BoundPort['protocol'], host: string, port: number): Promise<number> {
  if (protocol === 'udp') {
    return new Promise((resolve, reject) => {
      const sock = dgram.createSocket('udp4');
      sock.once('error', (err) => (sock.close(), reject(err)));
      sock.bind({ address: host, port, exclusive: true }, () => {
        const got = sock.address().port;
        sock.close(() => resolve(got));
      });
    });
  }
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      const got = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(got));
    });
  });
}
