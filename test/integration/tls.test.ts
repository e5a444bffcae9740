/**
 * The API on TCP with mutual TLS, as dockerd's `--tlsverify`: the docker CLI
 * with a client certificate from the daemon's CA works (including a container
 * run, whose attach is a hijacked connection), while no certificate, a
 * certificate from another CA and plain HTTP are refused; TCP off loopback
 * without mutual TLS refuses to start. Certificates are made with openssl in
 * a temp dir; every connection goes to 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { berthdMain, startDaemon, type TestDaemon } from './helpers/daemon.js';
import { describeResult, runDocker, skipUnlessRoot } from './helpers/docker-cli.js';
import { importBusybox } from './helpers/images.js';
import { makePki } from './helpers/pki.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Runs berthd with `args` and resolves with its exit code and stderr (it is expected to refuse to start). */
function berthdRefuses(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [berthdMain, ...args], { timeout: 10_000 }, (err, _stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr });
    });
  });
}

describe('TCP with mutual TLS', { skip: skipUnlessRoot(), timeout: 120_000 }, () => {
  const pki = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-tls-'));
  const at = (f: string) => path.join(pki, f);
  let d: TestDaemon;
  let port = 0;
  const tcpEnv = () => {
    const env = { ...d.env };
    delete env.DOCKER_HOST;
    return env;
  };
  const dockerTcp = (tlsArgs: string[], args: string[]) => runDocker(tcpEnv(), [...tlsArgs, '-H', `tcp://127.0.0.1:${port}`, ...args], { timeoutMs: 20_000 });
  const clientTls = (name: string, ca = 'good') => [
    '--tlsverify',
    '--tlscacert',
    at(`${ca}-ca.pem`),
    '--tlscert',
    at(`${name}-cert.pem`),
    '--tlskey',
    at(`${name}-key.pem`),
  ];

  before(async () => {
    if (skipUnlessRoot()) return;
    makePki(pki, 'good', [
      { leaf: 'server', ext: 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' },
      { leaf: 'client', ext: 'extendedKeyUsage=clientAuth\n' },
    ]);
    makePki(pki, 'rogue', [{ leaf: 'intruder', ext: 'extendedKeyUsage=clientAuth\n' }]);
    port = await freePort();
    d = await startDaemon({
      args: [
        '--host',
        `tcp://127.0.0.1:${port}`,
        '--tlsverify',
        '--tlscacert',
        at('good-ca.pem'),
        '--tlscert',
        at('server-cert.pem'),
        '--tlskey',
        at('server-key.pem'),
      ],
    });
    await importBusybox(d);
  });
  after(async () => {
    await d?.cleanup();
    fs.rmSync(pki, { recursive: true, force: true });
  });

  test('the docker CLI with a client certificate from the CA works, run and attach included', async () => {
    const version = await dockerTcp(clientTls('client'), ['version', '--format', '{{.Server.APIVersion}}']);
    assert.equal(version.code, 0, describeResult(['version'], version));
    assert.equal(version.stdout.trim(), '1.41');
    const ran = await dockerTcp(clientTls('client'), ['run', '--rm', 'busybox', 'echo', 'over tls']);
    assert.equal(ran.code, 0, describeResult(['run'], ran));
    assert.equal(ran.stdout, 'over tls\n');
    const unix = await d.docker(['ps', '-a', '-q']);
    assert.equal(unix.code, 0, 'the unix socket keeps serving beside TLS');
    assert.equal(unix.stdout, '', 'the --rm container is gone');
  });

  test('no client certificate, a certificate from another CA, and plain HTTP are refused', async () => {
    const noCert = await dockerTcp(['--tls', '--tlscacert', at('good-ca.pem')], ['version', '--format', '{{.Server.APIVersion}}']);
    assert.notEqual(noCert.code, 0, describeResult(['no cert'], noCert));
    assert.doesNotMatch(noCert.stdout, /1\.41/);
    const rogue = await dockerTcp(
      clientTls('intruder', 'rogue').map((a) => (a === at('rogue-ca.pem') ? at('good-ca.pem') : a)),
      ['ps'],
    );
    assert.notEqual(rogue.code, 0, describeResult(['rogue cert'], rogue));
    assert.match(rogue.stderr, /certificate|tls|handshake/i);
    const plain = await new Promise<string>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/_ping', timeout: 5000 }, (res) => resolve(`HTTP ${res.statusCode}`));
      req.on('error', (err) => resolve(`error ${err.message}`));
      req.on('timeout', () => req.destroy(new Error('timeout')));
    });
    assert.match(plain, /^error/, `plain HTTP must not be answered: ${plain}`);
    const ping = await d.request('GET', '/_ping');
    assert.equal(ping.status, 200, 'the daemon keeps serving after refused handshakes');
  });

  test('TCP off loopback without mutual TLS, or TLS without its files, refuses to start', async () => {
    const base = ['--data-root', path.join(pki, 'never-data'), '--exec-root', path.join(pki, 'never-run')];
    const plain = await berthdRefuses([...base, '-H', 'tcp://0.0.0.0:2376']);
    assert.equal(plain.code, 2);
    assert.match(plain.stderr, /refusing to listen on tcp:\/\/0\.0\.0\.0:2376.*--tlsverify/);
    const serverOnly = await berthdRefuses([
      ...base,
      '-H',
      'tcp://0.0.0.0:2376',
      '--tls',
      '--tlscert',
      at('server-cert.pem'),
      '--tlskey',
      at('server-key.pem'),
    ]);
    assert.equal(serverOnly.code, 2, 'server-only TLS authenticates nobody: refused off loopback too');
    const noCa = await berthdRefuses([
      ...base,
      '-H',
      'tcp://0.0.0.0:2376',
      '--tlsverify',
      '--tlscert',
      at('server-cert.pem'),
      '--tlskey',
      at('server-key.pem'),
    ]);
    assert.equal(noCa.code, 2);
    assert.match(noCa.stderr, /--tlsverify needs --tlscacert/);
    assert.equal(fs.existsSync(path.join(pki, 'never-data')), false, 'nothing was created before refusing');
  });
});
