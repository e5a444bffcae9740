/**
 * A real registry for tests: Debian's docker-registry (CNCF distribution)
 * on 127.0.0.1 at a free port, its storage in a temp dir, optionally with
 * TLS (a CA and a server certificate made here with openssl), and htpasswd
 * (bcrypt) or token auth (token-server.ts). Killed by pid in stop().
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import crypto from 'node:crypto';
import { makeTar } from './image-archives.js';
import { makePki } from './pki.js';

const run = promisify(execFile);
export const REGISTRY_BINARY = '/usr/bin/docker-registry';

export interface RegistryOptions {
  tls?: boolean;
  /** With tls: the registry requires a client certificate signed by its CA (`clientCert`/`clientKey` of the result). */
  clientCerts?: boolean;
  /** htpasswd users (bcrypt). */
  users?: Record<string, string>;
  /** Token auth instead: the token server's realm, service, issuer and signing certificate (token-server.ts). */
  token?: { realm: string; service: string; issuer: string; rootCertBundle: string };
}

export interface TestRegistry {
  /** "127.0.0.1:PORT". */
  host: string;
  port: number;
  dir: string;
  /** PEM of the CA that signed the server certificate (tls only). */
  caPem?: string;
  /** PEM of a client certificate and its key the registry accepts (clientCerts only). */
  clientCert?: string;
  clientKey?: string;
  stop(): Promise<void>;
}

/** Skip reason when the registry binary or its helpers are missing. */
export function skipUnlessRegistry(): string | false {
  for (const bin of [REGISTRY_BINARY, '/usr/bin/htpasswd', '/usr/bin/openssl']) if (!fs.existsSync(bin)) return `${bin} is not installed`;
  return false;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** A CA, a server certificate for 127.0.0.1/localhost and a client certificate signed by it, in `dir`. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  makePki(dir, 'registry', [
    { leaf: 'server', ext: 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' },
    { leaf: 'client', ext: 'extendedKeyUsage=clientAuth\n' },
  ]);
  return { ca: path.join(dir, 'registry-ca.pem'), cert: path.join(dir, 'server-cert.pem'), key: path.join(dir, 'server-key.pem') };
}

export async function startRegistry(opts: RegistryOptions = {}): Promise<TestRegistry> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${path.join(dir, 'store')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${host}`,
  ];
  let caPem: string | undefined;
  let client: { clientCert: string; clientKey: string } | undefined;
  if (opts.tls) {
    const certs = makeCertificates(dir);
    caPem = fs.readFileSync(certs.ca, 'utf8');
    lines.push('  tls:', `    certificate: ${certs.cert}`, `    key: ${certs.key}`);
    if (opts.clientCerts) {
      lines.push('    clientcas:', `      - ${certs.ca}`);
      const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
      client = { clientCert: read('client-cert.pem'), clientKey: read('client-key.pem') };
    }
  }
  if (opts.users) {
    const entries: string[] = [];
    for (const [user, password] of Object.entries(opts.users)) entries.push((await run('htpasswd', ['-Bbn', user, password])).stdout.trim());
    fs.writeFileSync(path.join(dir, 'htpasswd'), `${entries.join('\n')}\n`);
    lines.push('auth:', '  htpasswd:', '    realm: berth-test', `    path: ${path.join(dir, 'htpasswd')}`);
  }
  if (opts.token) {
    const t = opts.token;
    lines.push('auth:', '  token:', `    realm: ${t.realm}`, `    service: ${t.service}`, `    issuer: ${t.issuer}`, `    rootcertbundle: ${t.rootCertBundle}`);
  }
  fs.writeFileSync(path.join(dir, 'config.yml'), `${lines.join('\n')}\n`);
  const child = spawn(REGISTRY_BINARY, ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-8192);
  });
  // A test process that ends without its `after` hooks (an uncaught error, a runner that went away)
  // must not leave the registry serving: killed and removed on the way out.
  const leftBehind = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', leftBehind);
  await waitForPort(port, child, () => stderr);
  return {
    host,
    port,
    dir,
    caPem,
    ...client,
    async stop() {
      process.off('exit', leftBehind);
      await stopChild(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${stderr()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  await stopChild(child);
  throw new Error(`docker-registry did not listen on ${port}: ${stderr()}`);
}

/** SIGTERM by pid, SIGKILL after 5 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** A layer tar with one file of `size` random bytes. */
export async function randomLayer(name: string, size: number): Promise<Buffer> {
  const content = crypto.randomBytes(size);
  return makeTar([{ entry: { name, type: 'file', mode: 0o644, mtime: 1_700_000_000, size }, content }]);
}
