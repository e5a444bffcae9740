/** Routes through app.inject() against the fake engine. */
import type { PullOptions } from '../../src/engine/api.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { parseFrames } from '../../src/server/streams/stdcopy.js';
import { CONTAINER_ID, FakeEngine, IMAGE_ID, engineError } from './fake-engine.js';

function setup(): { app: FastifyInstance; engine: FakeEngine } {
  const engine = new FakeEngine();
  return { app: buildApp(engine, { logger: false, version: '9.9.9' }), engine };
}

test('version prefix: /v1.41/x and /x both route; version headers on every response', async () => {
  const { app } = setup();
  for (const url of ['/v1.41/containers/json', '/containers/json', '/v1.24/containers/json?all=1']) {
    const res = await app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 200, url);
    assert.equal(res.headers['api-version'], '1.41');
    assert.equal(res.headers.server, 'Berth/9.9.9 (linux)');
  }
});

test('too new and too old API versions are 400 with Docker text', async () => {
  const { app } = setup();
  const hi = await app.inject({ method: 'GET', url: '/v1.99/version' });
  assert.equal(hi.statusCode, 400);
  assert.deepEqual(hi.json(), { message: 'client version 1.99 is too new. Maximum supported API version is 1.41' });
  const lo = await app.inject({ method: 'GET', url: '/v1.12/version' });
  assert.equal(lo.statusCode, 400);
  assert.equal(lo.json().message, 'client version 1.12 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version');
});

test('unknown path → 404 page not found', async () => {
  const { app } = setup();
  for (const url of ['/nope', '/v1.41/containers/x/bogus', '/images/a/b/bogus']) {
    const res = await app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 404, url);
    assert.deepEqual(res.json(), { message: 'page not found' });
  }
});

test('_ping HEAD and GET headers and body', async () => {
  const { app } = setup();
  for (const method of ['HEAD', 'GET'] as const) {
    const res = await app.inject({ method, url: '/_ping' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['api-version'], '1.41');
    assert.equal(res.headers.ostype, 'linux');
    assert.equal(res.headers['docker-experimental'], 'false');
    assert.equal(res.headers['cache-control'], 'no-cache, no-store, must-revalidate');
    assert.equal(res.headers.pragma, 'no-cache');
    assert.equal(res.headers['builder-version'], '1');
    assert.equal(res.body, method === 'GET' ? 'OK' : '');
  }
});

test('error kinds map to statuses; 304 has no body', async () => {
  const cases: Array<[Parameters<FakeEngine['fail']>[1], number]> = [
    ['not-found', 404],
    ['invalid-parameter', 400],
    ['conflict', 409],
    ['not-modified', 304],
    ['unavailable', 503],
    ['forbidden', 403],
    ['not-implemented', 501],
    ['system', 500],
  ];
  for (const [kind, status] of cases) {
    const { app, engine } = setup();
    engine.fail('containers.start', kind, `msg ${kind}`);
    const res = await app.inject({ method: 'POST', url: '/containers/x/start' });
    assert.equal(res.statusCode, status, kind);
    if (status === 304) assert.equal(res.body, '');
    else assert.deepEqual(res.json(), { message: `msg ${kind}` });
  }
  const { app, engine } = setup();
  engine.on('containers.start', async () => {
    throw new TypeError('boom');
  });
  assert.equal((await app.inject({ method: 'POST', url: '/containers/x/start' })).statusCode, 500);
});

test('POST with application/json and empty or null body is accepted', async () => {
  const { app, engine } = setup();
  for (const payload of ['', 'null']) {
    const res = await app.inject({ method: 'POST', url: '/v1.41/containers/x/stop?t=5', headers: { 'content-type': 'application/json' }, payload });
    assert.equal(res.statusCode, 204, JSON.stringify(payload));
  }
  assert.deepEqual(engine.callsOf('containers.stop')[0], ['x', { timeout: 5, signal: undefined }]);
  const bad = await app.inject({ method: 'POST', url: '/containers/create', headers: { 'content-type': 'application/json' }, payload: '{bad' });
  assert.equal(bad.statusCode, 400);
});

test('query validation errors are 400 naming the field', async () => {
  const { app } = setup();
  const res = await app.inject({ method: 'POST', url: '/containers/x/stop?t=abc' });
  assert.equal(res.statusCode, 400);
  assert.match(res.json().message, /\bt\b/);
});

test('create: body converted, warnings returned, name validated', async () => {
  const { app, engine } = setup();
  const res = await app.inject({
    method: 'POST',
    url: '/containers/create?name=web',
    payload: { Image: 'busybox', Cmd: ['echo', 'hi'], HostConfig: { NetworkMode: 'bridge' } },
  });
  assert.equal(res.statusCode, 201);
  assert.equal(res.json().Id, CONTAINER_ID);
  assert.deepEqual(res.json().Warnings, []);
  const opts = engine.callsOf('containers.create')[0][0] as { name: string; cmd: string[] };
  assert.equal(opts.name, 'web');
  assert.deepEqual(opts.cmd, ['echo', 'hi']);
  const bad = await app.inject({ method: 'POST', url: '/containers/create?name=a', payload: { Image: 'busybox' } });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().message, /Invalid container name \(a\)/);
  const textBody = await app.inject({ method: 'POST', url: '/containers/create', headers: { 'content-type': 'text/plain' }, payload: '{}' });
  assert.equal(textBody.statusCode, 400);
});

test('lifecycle verbs: status codes and engine arguments', async () => {
  const { app, engine } = setup();
  const expect = async (method: 'POST' | 'DELETE', url: string, status: number) => assert.equal((await app.inject({ method, url })).statusCode, status, url);
  await expect('POST', '/containers/x/kill?signal=HUP', 204);
  await expect('POST', '/containers/x/restart?t=3', 204);
  await expect('POST', '/containers/x/pause', 204);
  await expect('POST', '/containers/x/unpause', 204);
  await expect('POST', '/containers/x/rename?name=newname', 204);
  await expect('POST', '/containers/x/rename', 400);
  await expect('POST', '/containers/x/resize?h=30&w=100', 200);
  await expect('DELETE', '/containers/x?force=1&v=True', 204);
  assert.deepEqual(engine.callsOf('containers.kill')[0], ['x', 'HUP']);
  assert.deepEqual(engine.callsOf('containers.remove')[0], ['x', { force: true, volumes: true }]);
  assert.deepEqual(engine.callsOf('containers.resize')[0], ['x', 30, 100]);
  const top = await app.inject({ method: 'GET', url: '/containers/x/top' });
  assert.deepEqual(top.json(), { Titles: ['PID', 'CMD'], Processes: [['1', 'sh']] });
  assert.deepEqual(engine.callsOf('containers.top')[0], ['x', '-ef']);
  const prune = await app.inject({ method: 'POST', url: '/containers/prune', payload: '' });
  assert.deepEqual(prune.json(), { ContainersDeleted: null, SpaceReclaimed: 0 });
});

test('list passes filters in both encodings', async () => {
  const { app, engine } = setup();
  const map = encodeURIComponent('{"label":{"a=b":true}}');
  const list = encodeURIComponent('{"label": ["a=b"]}');
  await app.inject({ method: 'GET', url: `/containers/json?filters=${map}` });
  await app.inject({ method: 'GET', url: `/containers/json?all=1&filters=${list}` });
  const [a, b] = engine.callsOf('containers.list').map((c) => c[0] as { filters: Map<string, string[]>; all: boolean });
  assert.deepEqual(a.filters.get('label'), ['a=b']);
  assert.deepEqual(b.filters.get('label'), ['a=b']);
  assert.equal(b.all, true);
  const bad = await app.inject({ method: 'GET', url: '/containers/json?filters=%7Bnope' });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().message, /^invalid filter: /);
});

test('wait: invalid condition 400, missing container 404 JSON, result line', async () => {
  const { app, engine } = setup();
  assert.equal((await app.inject({ method: 'POST', url: '/containers/x/wait?condition=bogus' })).json().message, 'invalid condition: "bogus"');
  engine.fail('containers.wait', 'not-found', 'No such container: x');
  const nf = await app.inject({ method: 'POST', url: '/containers/x/wait' });
  assert.equal(nf.statusCode, 404);
  assert.deepEqual(nf.json(), { message: 'No such container: x' });
  engine.overrides.delete('containers.wait');
  engine.on('containers.wait', async () => ({ result: Promise.resolve({ exitCode: 137, error: '' }) }));
  const ok = await app.inject({ method: 'POST', url: '/containers/x/wait?condition=next-exit' });
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.headers['content-type'], 'application/json');
  assert.equal(ok.body, '{"StatusCode":137,"Error":null}\n');
  assert.equal(engine.callsOf('containers.wait')[1][1], 'next-exit');
});

test('logs: stream choice, framing, timestamps, tail', async () => {
  const { app, engine } = setup();
  assert.equal((await app.inject({ method: 'GET', url: '/containers/x/logs' })).json().message, 'Bad parameters: you must choose at least one stream');
  engine.on('containers.logs', async () => ({
    tty: false,
    batches: (async function* () {
      yield [{ stream: 'stdout' as const, time: '2026-11-28T10:37:15.471347894Z', data: Buffer.from('hello\n') }];
      yield [];
      yield [{ stream: 'stderr' as const, time: '2026-11-28T10:37:16.000000000Z', data: Buffer.from('err\n') }];
    })(),
  }));
  const res = await app.inject({ method: 'GET', url: '/containers/x/logs?stdout=1&stderr=1&timestamps=1&tail=-1' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/vnd.docker.raw-stream');
  const frames = parseFrames(res.rawPayload);
  assert.deepEqual(
    frames.map((f) => [f.stream, f.data.toString()]),
    [
      [1, '2026-11-28T10:37:15.471347894Z hello\n'],
      [2, '2026-11-28T10:37:16.000000000Z err\n'],
    ],
  );
  const opts = engine.callsOf('containers.logs')[0][1] as { tail: unknown; stdout: boolean };
  assert.equal(opts.tail, 'all');
});

test('images: wildcard names with slashes, tag, delete, list, inspect', async () => {
  const { app, engine } = setup();
  const inspect = await app.inject({ method: 'GET', url: '/v1.41/images/docker.io/library/busybox:latest/json' });
  assert.equal(inspect.statusCode, 200);
  assert.equal(inspect.json().Id, IMAGE_ID);
  assert.equal(engine.callsOf('images.inspect')[0][0], 'docker.io/library/busybox:latest');
  await app.inject({ method: 'GET', url: '/images/busybox/json' });
  assert.equal(engine.callsOf('images.inspect')[1][0], 'busybox');
  const del = await app.inject({ method: 'DELETE', url: '/images/localhost:5000/a/b:1' });
  assert.deepEqual(del.json(), [{ Untagged: 'busybox:latest' }, { Deleted: IMAGE_ID }]);
  assert.equal(engine.callsOf('images.remove')[0][0], 'localhost:5000/a/b:1');
  const tag = await app.inject({ method: 'POST', url: '/images/a/b/tag?repo=docker.io/library/x&tag=2' });
  assert.equal(tag.statusCode, 201);
  assert.equal(tag.body, '');
  assert.deepEqual(engine.callsOf('images.tag')[0], ['a/b', 'docker.io/library/x', '2']);
  const list = await app.inject({ method: 'GET', url: '/images/json' });
  assert.deepEqual(list.json()[0].RepoTags, ['busybox:latest']);
  assert.equal((await app.inject({ method: 'POST', url: '/images/a/b/push?tag=1' })).statusCode, 200);
  assert.equal((engine.callsOf('registry.push')[0][0] as { image: string; tag: string }).image, 'a/b');
  assert.equal((await app.inject({ method: 'POST', url: '/images/a/b/pushx' })).statusCode, 404);
});

test('image create: import streams the body', async () => {
  const { app, engine } = setup();
  let received = '';
  engine.on('images.import', async (...args: unknown[]) => {
    const opts = args[0] as { source: AsyncIterable<Buffer>; repo: string; tag: string; changes: string[] };
    for await (const chunk of opts.source) received += chunk.toString();
    assert.equal(opts.repo, 'myimg');
    assert.equal(opts.tag, '1.0');
    assert.deepEqual(opts.changes, ['CMD ["sh"]', 'ENV A=b']);
    return { id: IMAGE_ID };
  });
  const changes = ['CMD ["sh"]', 'ENV A=b'].map((c) => `changes=${encodeURIComponent(c)}`).join('&');
  const res = await app.inject({
    method: 'POST',
    url: `/images/create?fromSrc=-&repo=myimg:1.0&${changes}`,
    headers: { 'content-type': 'application/x-tar' },
    payload: Buffer.from('TARDATA'),
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.body, `{"status":"${IMAGE_ID}"}\n`);
  assert.equal(received, 'TARDATA');
});

test('image create with fromImage: progress lines, errors before and inside the stream, X-Registry-Auth', async () => {
  const { app, engine } = setup();
  engine.on('registry.pull', async (...args: unknown[]) => {
    const opts = args[0] as PullOptions;
    assert.deepEqual([opts.image, opts.tag, opts.platform], ['busybox', 'latest', 'linux/amd64']);
    assert.deepEqual(opts.credentials, { username: 'u', password: 'p', identityToken: undefined, registryToken: undefined, serverAddress: 'r:5000' });
    opts.onProgress({ kind: 'pulling-from', repository: 'library/busybox', reference: 'latest' });
    opts.onProgress({ kind: 'layer-progress', id: 'abc', phase: 'downloading', current: 500, total: 1000 });
    throw engineError('system', 'boom');
  });
  const auth = Buffer.from(JSON.stringify({ username: 'u', password: 'p', serveraddress: 'r:5000' })).toString('base64url');
  const res = await app.inject({
    method: 'POST',
    url: '/images/create?fromImage=busybox&tag=latest&platform=linux/amd64',
    headers: { 'x-registry-auth': auth },
  });
  assert.equal(res.statusCode, 200);
  const lines = res.body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(lines[0], { status: 'Pulling from library/busybox', id: 'latest' });
  assert.deepEqual(lines[1].progressDetail, { current: 500, total: 1000 });
  assert.match(lines[1].progress, /^\[=+>\s+\]\s+500B\/1kB$/);
  assert.deepEqual(lines[2], { errorDetail: { message: 'boom' }, error: 'boom' });
  engine.fail('registry.pull', 'not-found', 'manifest unknown');
  const early = await app.inject({ method: 'POST', url: '/images/create?fromImage=x&tag=1' });
  assert.equal(early.statusCode, 404);
  assert.equal(early.json().message, 'manifest unknown');
});

test('version and info JSON', async () => {
  const { app } = setup();
  const v = (await app.inject({ method: 'GET', url: '/version' })).json();
  assert.equal(v.ApiVersion, '1.41');
  assert.equal(v.MinAPIVersion, '1.24');
  assert.equal(v.Components[0].Name, 'Engine');
  assert.equal(v.Components[1].Name, 'runc');
  const i = (await app.inject({ method: 'GET', url: '/info' })).json();
  assert.equal(i.OSType, 'linux');
  assert.equal(i.Swarm.LocalNodeState, 'inactive');
  assert.deepEqual(i.Plugins.Log, ['json-file']);
  assert.equal(i.NCPU, 4);
});

test('attach/ws without a WebSocket upgrade: 404 for a missing container, else 400 through the one error writer', async () => {
  const { app, engine } = setup();
  const plain = await app.inject({ method: 'GET', url: `/v1.41/containers/${CONTAINER_ID}/attach/ws?stream=1` });
  assert.equal(plain.statusCode, 400);
  assert.deepEqual(plain.json(), { message: 'this endpoint needs a WebSocket upgrade' });
  engine.fail('containers.inspect', 'not-found', 'No such container: no-such');
  const missing = await app.inject({ method: 'GET', url: '/v1.41/containers/no-such/attach/ws?stream=1' });
  assert.equal(missing.statusCode, 404);
  assert.deepEqual(missing.json(), { message: 'No such container: no-such' });
});

test("an ordinary route's handler that does not answer in time gets Fastify's 503 text; long routes and quick answers are untouched", async () => {
  const engine = new FakeEngine();
  const app = buildApp(engine, { logger: false, version: '9.9.9', requestTimeoutMs: 50 });
  let release = () => {};
  const hung = new Promise<void>((resolve) => (release = resolve));
  engine.on('containers.start', () => hung);
  engine.on('containers.stop', async () => new Promise((resolve) => setTimeout(resolve, 120)));
  try {
    const slow = await app.inject({ method: 'POST', url: `/v1.41/containers/${CONTAINER_ID}/start` });
    assert.equal(slow.statusCode, 503);
    assert.equal(slow.headers['content-type'], 'application/json');
    assert.equal(slow.headers['api-version'], '1.41');
    assert.deepEqual(slow.json(), { message: "Request timed out after 50 ms on route '/containers/:id/start'" });
    // Over a real connection, a request's body is read whole (and node closes the request) before its handler runs: the timeout still holds.
    engine.on('containers.create', () => hung);
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const withBody = await fetch(`${address}/v1.41/containers/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"Image":"busybox"}',
    });
    assert.equal(withBody.status, 503);
    const quick = await app.inject({ method: 'POST', url: `/containers/${CONTAINER_ID}/kill` });
    assert.equal(quick.statusCode, 204);
    // Stop is a long route: no handler timeout.
    const long = await app.inject({ method: 'POST', url: `/containers/${CONTAINER_ID}/stop` });
    assert.equal(long.statusCode, 204);
    // An answer after the timeout's is dropped, as Fastify drops a second send.
    release();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // A quick answer leaves no timer to fire later: a second quick request on the same app is fine after the deadline.
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal((await app.inject({ method: 'POST', url: `/containers/${CONTAINER_ID}/kill` })).statusCode, 204);
  } finally {
    release();
    await app.close();
  }
});
