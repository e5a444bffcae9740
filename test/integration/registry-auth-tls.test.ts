/**
 * A registry with TLS (a CA and certificate made here with openssl) and
 * htpasswd (bcrypt) auth: `docker login` with a wrong password answers
 * Docker's 401 text, with the right one "Login Succeeded"; push → rmi →
 * pull with the CLI's stored credentials; without credentials the pull is
 * refused; a daemon without the CA in certs.d refuses the certificate, one
 * that lists the registry in insecure-registries does not verify it; a
 * registry that requires a client certificate gets the one in certs.d.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDaemon, type TestDaemon } from './helpers/daemon.js';
import { importBusybox } from './helpers/images.js';
import { skipUnlessRegistry, startRegistry, type TestRegistry } from './helpers/registry.js';

const skip = process.getuid?.() !== 0 ? 'needs root' : skipUnlessRegistry();

let reg: TestRegistry;
let d: TestDaemon;
let confDir: string;
let R: string;

async function ok(daemon: TestDaemon, args: string[], input?: string) {
  const res = await daemon.docker(args, { timeoutMs: 120_000, input });
  assert.equal(res.code, 0, `docker ${args.join(' ')}: ${res.stderr}${res.stdout}`);
  return res;
}

describe('registry with TLS and htpasswd auth', { skip }, () => {
  before(async () => {
    reg = await startRegistry({ tls: true, users: { alice: 'secret' } });
    R = reg.host;
    confDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-it-conf-'));
    fs.mkdirSync(path.join(confDir, 'certs.d', R), { recursive: true });
    fs.writeFileSync(path.join(confDir, 'certs.d', R, 'ca.crt'), reg.caPem!);
    fs.writeFileSync(path.join(confDir, 'daemon.json'), JSON.stringify({}));
    d = await startDaemon({ args: ['--config-file', path.join(confDir, 'daemon.json')] });
  });
  after(async () => {
    await d?.cleanup();
    await reg?.stop();
    if (confDir) fs.rmSync(confDir, { recursive: true, force: true });
  });

  test("login: wrong password is Docker's 401, the right one succeeds", async () => {
    const wrong = await d.docker(['login', R, '-u', 'alice', '--password-stdin'], { input: 'wrong\n' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, new RegExp(`login attempt to https://${R}/v2/ failed with status: 401 Unauthorized`));
    const api = await d.request('POST', '/auth', {
      body: JSON.stringify({ username: 'alice', password: 'nope', serveraddress: R }),
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(api.status, 401);
    const right = await ok(d, ['login', R, '-u', 'alice', '--password-stdin'], 'secret\n');
    assert.match(right.stdout, /Login Succeeded/);
    const body = await d.request('POST', '/auth', {
      body: JSON.stringify({ username: 'alice', password: 'secret', serveraddress: R }),
      headers: { 'Content-Type': 'application/json' },
    });
    assert.deepEqual(body.json(), { Status: 'Login Succeeded', IdentityToken: '' });
    assert.ok(!d.logs().includes('secret'), 'the password must never reach the log');
  });

  test("push, rmi, pull with the stored credentials; refused after logout with dockerd's text", async () => {
    const id = await importBusybox(d, `${R}/team/bb`, '1');
    await ok(d, ['login', R, '-u', 'alice', '--password-stdin'], 'secret\n');
    const push = await ok(d, ['push', `${R}/team/bb:1`]);
    assert.match(push.stdout, /1: digest: sha256:[a-f0-9]{64}/);
    await ok(d, ['rmi', `${R}/team/bb:1`]);
    await ok(d, ['pull', `${R}/team/bb:1`]);
    assert.equal((await ok(d, ['image', 'inspect', '-f', '{{.Id}}', `${R}/team/bb:1`])).stdout.trim(), id);
    await ok(d, ['logout', R]);
    const anon = await d.docker(['pull', `${R}/team/bb:1`]);
    assert.equal(anon.code, 1);
    // dockerd's words: the manifest GET fails as Go's url.Error, a push with the bare error.
    assert.match(anon.stderr, new RegExp(`Get "https://${R}/v2/team/bb/manifests/1": no basic auth credentials`));
    const refused = await d.docker(['push', `${R}/team/bb:1`]);
    assert.equal(refused.code, 1);
    assert.match(refused.stdout + refused.stderr, /^no basic auth credentials$/m);
  });

  test('without the CA the certificate is refused; insecure-registries skips verification', async () => {
    const plain = await startDaemon();
    try {
      const res = await plain.docker(['pull', `${R}/team/bb:1`]);
      assert.equal(res.code, 1);
      assert.match(res.stderr, /x509: certificate signed by unknown authority/);
    } finally {
      await plain.cleanup();
    }
    // daemon.json's spelling (the mirror test uses the flag's).
    fs.writeFileSync(path.join(confDir, 'insecure.json'), JSON.stringify({ 'insecure-registries': [R] }));
    const insecure = await startDaemon({ args: ['--config-file', path.join(confDir, 'insecure.json')] });
    try {
      await ok(insecure, ['login', R, '-u', 'alice', '--password-stdin'], 'secret\n');
      await ok(insecure, ['pull', `${R}/team/bb:1`]);
    } finally {
      await insecure.cleanup();
    }
  });

  test('a registry that requires a client certificate: certs.d client.cert/client.key are presented', async () => {
    const mtls = await startRegistry({ tls: true, clientCerts: true });
    const certs = path.join(confDir, 'certs.d', mtls.host);
    fs.mkdirSync(certs, { recursive: true });
    fs.writeFileSync(path.join(certs, 'ca.crt'), mtls.caPem!);
    try {
      await importBusybox(d, `${mtls.host}/team/mtls`, '1');
      const refused = await d.docker(['push', `${mtls.host}/team/mtls:1`]);
      assert.equal(refused.code, 1);
      assert.match(refused.stdout + refused.stderr, /certificate/);
      // certs.d is read on each use, as dockerd does: no restart needed.
      fs.writeFileSync(path.join(certs, 'client.cert'), mtls.clientCert!);
      fs.writeFileSync(path.join(certs, 'client.key'), mtls.clientKey!);
      await ok(d, ['push', `${mtls.host}/team/mtls:1`]);
      await ok(d, ['rmi', `${mtls.host}/team/mtls:1`]);
      await ok(d, ['pull', `${mtls.host}/team/mtls:1`]);
      await ok(d, ['rmi', `${mtls.host}/team/mtls:1`]);
    } finally {
      await mtls.stop();
    }
  });
});
