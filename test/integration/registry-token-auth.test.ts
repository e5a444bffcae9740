/**
 * A real registry (Debian's docker-registry) in token-auth mode, the scheme
 * of Docker Hub and most hosted registries, with a token server of the
 * test's own that grants per repository and user. The registry checks
 * every request's actions against the signed token, so a client that asks
 * for the wrong scopes fails here as it would against Docker Hub.
 * Login, push (with the cross-repository mount of a second push), pull,
 * anonymous pull of a public repository, refusals with dockerd's words, and
 * one token per scope set while it is valid.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDaemon, type TestDaemon } from './helpers/daemon.js';
import { importBusybox } from './helpers/images.js';
import { skipUnlessRegistry, startRegistry, type TestRegistry } from './helpers/registry.js';
import { startTokenServer, type Scope, type TokenServer } from './helpers/token-server.js';

const skip = process.getuid?.() !== 0 ? 'needs root' : skipUnlessRegistry();

/** alice owns alice/* and may push to public/*; everyone may pull public/*; bob may pull nothing else. */
function grant(account: string | null, scope: Scope): string[] {
  if (scope.type !== 'repository') return [];
  if (scope.name.startsWith('public/')) return account === 'alice' ? ['pull', 'push'] : ['pull'];
  if (scope.name.startsWith('alice/') && account === 'alice') return ['pull', 'push'];
  return [];
}

let dir: string;
let tokens: TokenServer;
let reg: TestRegistry;
let d: TestDaemon;
let R: string;

async function ok(args: string[], input?: string) {
  const res = await d.docker(args, { timeoutMs: 120_000, input });
  assert.equal(res.code, 0, `docker ${args.join(' ')}: ${res.stderr}${res.stdout}`);
  return res;
}

async function login(user: string, password: string) {
  return d.docker(['login', R, '-u', user, '--password-stdin'], { input: `${password}\n` });
}

/** The scopes the token server was asked for by `account` since `from` (an index into its requests). */
function scopesAsked(account: string | null, from = 0): string[] {
  return tokens.requests.slice(from).flatMap((r) => (r.account === account && !r.refused ? r.scopes : []));
}

describe('registry with token auth', { skip }, () => {
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-it-token-'));
    tokens = await startTokenServer(dir, { users: { alice: 'secret', bob: 'hunter2' }, grant });
    reg = await startRegistry({ token: tokens });
    R = reg.host;
    d = await startDaemon();
  });
  after(async () => {
    await d?.cleanup();
    await reg?.stop();
    await tokens?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('login: the token server refuses a wrong password (401), accepts the right one', async () => {
    const wrong = await login('alice', 'nope');
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /unauthorized/);
    assert.ok(tokens.requests.some((r) => r.refused));
    const api = await d.request('POST', '/auth', {
      body: JSON.stringify({ username: 'alice', password: 'nope', serveraddress: R }),
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(api.status, 401);
    const right = await login('alice', 'secret');
    assert.equal(right.code, 0, right.stderr);
    assert.match(right.stdout, /Login Succeeded/);
    assert.ok(!d.logs().includes('secret'), 'the password must never reach the log');
  });

  test('push asks for pull,push of the repository; a second repository mounts the layers; pull gets them back', async () => {
    const id = await importBusybox(d, `${R}/alice/bb`, '1');
    assert.equal((await login('alice', 'secret')).code, 0);
    const from = tokens.requests.length;
    const push = await ok(['push', `${R}/alice/bb:1`]);
    assert.match(push.stdout, /1: digest: sha256:[a-f0-9]{64}/);
    assert.ok(scopesAsked('alice', from).includes('repository:alice/bb:pull,push'), scopesAsked('alice', from).join('\n'));

    await ok(['tag', `${R}/alice/bb:1`, `${R}/alice/copy:1`]);
    const second = await ok(['push', `${R}/alice/copy:1`]);
    assert.match(second.stdout, /Mounted from alice\/bb|Layer already exists/);

    await ok(['rmi', `${R}/alice/bb:1`, `${R}/alice/copy:1`]);
    await ok(['pull', `${R}/alice/copy:1`]);
    assert.equal((await ok(['image', 'inspect', '-f', '{{.Id}}', `${R}/alice/copy:1`])).stdout.trim(), id);
    await ok(['rmi', `${R}/alice/copy:1`]);
  });

  test("a user without access is refused with dockerd's words; anonymous pulls a public repository", async () => {
    await importBusybox(d, `${R}/public/bb`, '1');
    assert.equal((await login('alice', 'secret')).code, 0);
    await ok(['push', `${R}/public/bb:1`]);
    await ok(['rmi', `${R}/public/bb:1`]);

    assert.equal((await login('bob', 'hunter2')).code, 0);
    const denied = await d.docker(['pull', `${R}/alice/bb:1`]);
    assert.equal(denied.code, 1);
    assert.match(
      denied.stderr,
      new RegExp(
        `pull access denied for ${R}/alice/bb, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`,
      ),
    );
    await ok(['logout', R]);
    const from = tokens.requests.length;
    await ok(['pull', `${R}/public/bb:1`]);
    assert.ok(scopesAsked(null, from).includes('repository:public/bb:pull'), JSON.stringify(tokens.requests.slice(from)));
    const refused = await d.docker(['push', `${R}/public/bb:1`]);
    assert.equal(refused.code, 1);
    // dockerd prints the registry's errors as they are: the challenge's, then the body's.
    assert.match(refused.stdout + refused.stderr, /^errors:\ndenied: requested access to the resource is denied\nunauthorized: authentication required\n/m);
    await ok(['rmi', `${R}/public/bb:1`]);
  });

  test('a token is fetched once per scope set while it is valid', async () => {
    await importBusybox(d, `${R}/public/again`, '1');
    assert.equal((await login('alice', 'secret')).code, 0);
    await ok(['push', `${R}/public/again:1`]);
    await ok(['logout', R]);
    await ok(['rmi', `${R}/public/again:1`]);
    const from = tokens.requests.length;
    await ok(['pull', `${R}/public/again:1`]);
    await ok(['rmi', `${R}/public/again:1`]);
    await ok(['pull', `${R}/public/again:1`]);
    const asked = tokens.requests.slice(from).filter((r) => r.scopes.includes('repository:public/again:pull'));
    assert.equal(asked.length, 1, JSON.stringify(tokens.requests.slice(from)));
    await ok(['rmi', `${R}/public/again:1`]);
  });
});
