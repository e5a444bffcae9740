/**
 * The API's listening sockets: unix sockets (mode 0660, group `berth` when it
 * exists), loopback TCP when asked for explicitly, and sockets handed over by
 * systemd (LISTEN_FDS). Every accepted connection goes to the one HTTP
 * server, so all listeners serve the same API. Sockets are half-open capable:
 * a client that half-closes a hijacked attach (docker run does, once it has
 * no stdin to send) must still receive the container's output. With TLS
 * configured, every TCP listener speaks TLS (1.2 or later) and, under
 * --tlsverify, accepts only clients whose certificate the CA signed; unix
 * and systemd sockets stay plain (their file mode is the access control).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import type http from 'node:http';
import { parseHost, type ListenAddress, type TlsConfig } from './config.js';

const SD_LISTEN_FDS_START = 3;

/** Sockets passed by systemd socket activation, if they are meant for this process. */
export function systemdSockets(env: NodeJS.ProcessEnv = process.env): ListenAddress[] {
  if (Number(env.LISTEN_PID) !== process.pid) return [];
  const count = Number(env.LISTEN_FDS ?? 0);
  return Array.from({ length: count }, (_, i) => ({ kind: 'fd' as const, fd: SD_LISTEN_FDS_START + i }));
}

export async function listen(server: http.Server, hosts: string[], tlsConfig?: TlsConfig): Promise<net.Server[]> {
  const activated = systemdSockets();
  const addresses = activated.length > 0 ? activated : hosts.map((h) => parseHost(h, tlsConfig?.verify === true));
  const listeners: net.Server[] = [];
  for (const address of addresses) listeners.push(await listenOne(server, address, tlsConfig));
  return listeners;
}

/** A TLS server whose authenticated connections go to the HTTP server; failed handshakes just close. */
export function tlsListener(server: http.Server, config: TlsConfig): tls.Server {
  return tls.createServer(
    {
      allowHalfOpen: true,
      minVersion: 'TLSv1.2',
      cert: fs.readFileSync(config.cert),
      key: fs.readFileSync(config.key),
      ca: config.ca ? fs.readFileSync(config.ca) : undefined,
      requestCert: config.verify,
      rejectUnauthorized: config.verify,
    },
    (socket) => server.emit('connection', socket),
  );
}

async function listenOne(server: http.Server, address: ListenAddress, tlsConfig?: TlsConfig): Promise<net.Server> {
  const listener =
    address.kind === 'tcp' && tlsConfig
      ? tlsListener(server, tlsConfig)
      : net.createServer({ allowHalfOpen: true }, (socket) => server.emit('connection', socket));
  if (address.kind === 'unix') {
    fs.mkdirSync(path.dirname(address.path), { recursive: true, mode: 0o755 });
    await removeStaleSocket(address.path);
    // Listen with a umask that leaves no window in which the socket is world-accessible.
    const oldMask = process.umask(0o117);
    try {
      await new Promise<void>((resolve, reject) => listener.once('error', reject).listen(address.path, resolve));
    } finally {
      process.umask(oldMask);
    }
    fs.chmodSync(address.path, 0o660);
    const gid = groupId('berth');
    if (gid !== undefined) fs.chownSync(address.path, 0, gid);
  } else if (address.kind === 'tcp') {
    await new Promise<void>((resolve, reject) => listener.once('error', reject).listen(address.port, address.host, resolve));
  } else {
    await new Promise<void>((resolve, reject) => listener.once('error', reject).listen({ fd: address.fd }, resolve));
  }
  return listener;
}

/**
 * A socket file left by a daemon that died is removed; one that still
 * answers belongs to a live daemon and is refused rather than stolen.
 */
async function removeStaleSocket(socketPath: string): Promise<void> {
  try {
    if (!fs.statSync(socketPath).isSocket()) return;
  } catch {
    return; // nothing there
  }
  const live = await new Promise<boolean>((resolve) => {
    const probe = net.connect(socketPath, () => (probe.destroy(), resolve(true)));
    probe.on('error', () => resolve(false));
  });
  if (live) throw new Error(`${socketPath} is in use by another daemon`);
  fs.unlinkSync(socketPath);
}

function groupId(name: string): number | undefined {
  try {
    const line = fs
      .readFileSync('/etc/group', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${name}:`));
    return line ? Number(line.split(':')[2]) : undefined;
  } catch {
    return undefined;
  }
}
