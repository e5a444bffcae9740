/**
 * Bad input. Spec-driven fuzzing: for every operation of openapi.yaml,
 * fast-check generates valid-looking and mutated requests (hostile path
 * parameters, query values of the wrong type, random and mutated JSON
 * bodies); none may get a 5xx, berthd must keep answering /_ping, and
 * `berthd check` must pass afterwards (no half-made record). Then the
 * classic abuses, each a clear 4xx: a huge header, a body over the limit, a
 * NUL in the path, control characters and flag-like names, plus a slowloris
 * crowd that must not stop other clients. BERTH_LONG_TESTS=1 sends 10× more.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import YAML from 'yaml';
import { berthdCheck } from './helpers/check.js';
import type { TestDaemon } from './helpers/daemon.js';
import { skipUnlessRoot } from './helpers/docker-cli.js';
import { importBusybox, repoRoot } from './helpers/images.js';
import { useDaemon } from './helpers/suite.js';

const LONG = process.env.BERTH_LONG_TESTS === '1';
const RUNS_PER_OPERATION = LONG ? 200 : 20;
/** Streaming operations (wait, attach, logs --follow) may legitimately not end: a timeout is not a failure. */
const REQUEST_TIMEOUT_MS = 1500;

interface Param {
  name: string;
  in: string;
  type?: string;
  enum?: unknown[];
}
interface Operation {
  method: string;
  path: string;
  id: string;
  params: Param[];
}

function operations(): Operation[] {
  const spec = YAML.parse(fs.readFileSync(path.join(repoRoot, 'openapi.yaml'), 'utf8')) as {
    paths: Record<string, Record<string, { operationId: string; parameters?: Param[] }>>;
  };
  return Object.entries(spec.paths).flatMap(([p, methods]) =>
    Object.entries(methods)
      .filter(([m]) => ['get', 'post', 'put', 'delete', 'head'].includes(m))
      .map(([m, op]) => ({ method: m.toUpperCase(), path: p, id: op.operationId, params: op.parameters ?? [] })),
  );
}

/** Hostile strings for path parameters and names. */
const hostile = fc.oneof(
  fc.constantFrom(
    '..',
    '.',
    '--root',
    '-rf',
    '%2e%2e',
    'a%2fb',
    '%00',
    'x%00y',
    'busybox',
    'fuzzed',
    'sha256:',
    `${'f'.repeat(64)}`,
    'a'.repeat(5000),
    '%E2%80%AE',
    '%ff%fe',
  ),
  fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).map(encodeURIComponent),
);

const queryValue = (p: Param) =>
  fc.oneof(
    p.enum ? fc.constantFrom(...p.enum.map(String)) : fc.constant('1'),
    fc.constantFrom('', 'true', 'false', '-1', '0', '99999999999999999999', 'NaN', '{}', '[]', '{"label":["a"]}', '{"bad":{"x":true}}', '--root', '\u0001'),
    fc.string({ maxLength: 30 }),
    fc.integer().map(String),
  );

/** A mutated container config: valid base, one field replaced by a random JSON value. */
const containerBody = fc
  .record({
    field: fc.constantFrom(
      'Image',
      'Cmd',
      'Env',
      'Labels',
      'HostConfig',
      'User',
      'WorkingDir',
      'Entrypoint',
      'ExposedPorts',
      'Tty',
      'StopSignal',
      'Healthcheck',
    ),
    value: fc.jsonValue({ maxDepth: 3 }),
  })
  .map(({ field, value }) => ({ Image: 'busybox', Cmd: ['true'], [field]: value }));

const body = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  containerBody,
  fc.constantFrom('{', '{"a":', 'null', '[]', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', '\u0000', '{"a":1,"a":2}', '['.repeat(5000)),
);

/**
 * Operations and parameters that would reach the network (a pull from a
 * registry named by the fuzzer): never generated. Tests talk to loopback only.
 */
const NETWORK_OPERATIONS = new Set(['ImagePush', 'SystemAuth', 'ImageSearch', 'DistributionInspect', 'PluginPull', 'PluginUpgrade']);
const NETWORK_PARAMS = new Set(['ImageCreate:fromImage', 'ImageCreate:fromSrc']);

function requestArb(op: Operation) {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query' && !NETWORK_PARAMS.has(`${op.id}:${p.name}`));
  return fc.record({
    pathValues: fc.tuple(...pathParams.map(() => hostile)),
    query: fc.record(Object.fromEntries(queryParams.map((p) => [p.name, queryValue(p)])), { requiredKeys: [] }),
    body: fc.option(body, { nil: undefined }),
  });
}

describe('bad input', { skip: skipUnlessRoot(), timeout: LONG ? 1_800_000 : 300_000 }, () => {
  const d = useDaemon();

  test('spec-driven fuzzing: no 5xx, no crash, no half-made record', async () => {
    // Something to hit: a running and a created container, and the image.
    await d.request('POST', '/containers/create', { query: { name: 'fuzzed' }, body: { Image: 'busybox', Cmd: ['sleep', '1000'] } });
    await d.request('POST', '/containers/fuzzed/start');
    let sent = 0;
    const fiveHundreds: string[] = [];
    const ops = operations().filter((op) => !NETWORK_OPERATIONS.has(op.id));
    assert.ok(ops.length >= 38, `operations in openapi.yaml: ${ops.length}`);
    for (const op of ops) {
      await fc
        .assert(
          fc.asyncProperty(requestArb(op), async (req) => {
            let i = 0;
            const urlPath = op.path.replace(/\{[^}]+\}/g, () => req.pathValues[i++]);
            const isBody = ['POST', 'PUT'].includes(op.method) && req.body !== undefined;
            const payload = isBody ? (typeof req.body === 'string' ? req.body : JSON.stringify(req.body)) : undefined;
            sent++;
            const res = await d
              .request(op.method, urlPath, {
                query: req.query,
                body: payload,
                headers: payload !== undefined ? { 'content-type': 'application/json' } : {},
                timeoutMs: REQUEST_TIMEOUT_MS,
              })
              .catch((err: Error) => ({ status: 0, body: Buffer.from(err.message) }));
            if (res.status >= 500)
              fiveHundreds.push(
                `${op.method} ${urlPath} ${JSON.stringify(req.query)} ${payload?.slice(0, 200)} → ${res.status} ${res.body.toString().slice(0, 200)}`,
              );
            return res.status < 500;
          }),
          { numRuns: RUNS_PER_OPERATION, seed: 20261206, endOnFailure: true },
        )
        .catch((err: Error) => fiveHundreds.push(`${op.id}: ${err.message.split('\n').slice(0, 6).join(' | ')}`));
      const ping = await d.request('GET', '/_ping');
      assert.equal(ping.status, 200, `berthd answers after fuzzing ${op.id}`);
    }
    process.stdout.write(`# fuzz: ${sent} requests over ${ops.length} operations, ${fiveHundreds.length} 5xx\n`);
    assert.deepEqual(fiveHundreds, []);
    assert.equal(d.running, true, 'berthd did not crash');
    const check = await berthdCheck(d);
    assert.equal(check.code, 0, check.stdout + check.stderr);
  });

  test('abuses get a clear 4xx: huge header, body over the limit, NUL in the path, bad names', async () => {
    const big = await rawRequest(d, `GET /_ping HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100 * 1024)}\r\n\r\n`);
    assert.match(big, /^HTTP\/1\.1 431/);
    const nul = await rawRequest(d, 'GET /containers/a\0b/json HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(nul, /^HTTP\/1\.1 400/);
    const encodedNul = await d.request('GET', '/containers/a%00b/json');
    assert.ok(encodedNul.status >= 400 && encodedNul.status < 500, `NUL (encoded): ${encodedNul.status}`);
    // Only the headers: the limit is enforced from Content-Length, before any of the body is read.
    const over = await rawRequest(
      d,
      `POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${5 * 1024 * 1024}\r\n\r\n{"Image":`,
    );
    assert.match(over, /^HTTP\/1\.1 413/);
    for (const name of ['--root', '-x', 'a\u0001b', 'a\nb', 'a b', '../x', 'a/b']) {
      const r = await d.request('POST', '/containers/create', { query: { name }, body: { Image: 'busybox' } });
      assert.equal(r.status, 400, `name ${JSON.stringify(name)}: ${r.status} ${r.body.toString()}`);
      assert.match(r.json().message, /Invalid container name/);
    }
    const flagRef = await d.request('POST', '/containers/--root/stop');
    assert.equal(flagRef.status, 404, flagRef.body.toString());
    const flagImage = await d.request('POST', '/containers/create', { body: { Image: '--root' } });
    assert.ok(flagImage.status >= 400 && flagImage.status < 500, `image --root: ${flagImage.status}`);
    const check = await berthdCheck(d);
    assert.equal(check.code, 0, check.stdout);
  });

  test('10 000 labels and a 1 MiB env var: accepted as dockerd does, or refused with a 4xx, never a 5xx', async () => {
    // The fuzzing above may have removed the image (DELETE /images/busybox is one of its requests).
    if ((await d.request('GET', '/images/busybox/json')).status === 404) await importBusybox(d);
    const labels = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`label.${i}`, `v${i}`]));
    const many = await d.request('POST', '/containers/create', { query: { name: 'many-labels' }, body: { Image: 'busybox', Cmd: ['true'], Labels: labels } });
    assert.equal(many.status, 201, many.body.toString());
    const listed = await d.request('GET', '/containers/json', { query: { all: 1, filters: JSON.stringify({ label: ['label.9999=v9999'] }) } });
    assert.equal(listed.json().length, 1);
    const env = await d.request('POST', '/containers/create', {
      query: { name: 'big-env' },
      body: { Image: 'busybox', Cmd: ['true'], Env: [`BIG=${'x'.repeat(1024 * 1024)}`] },
    });
    assert.ok(env.status === 201 || (env.status >= 400 && env.status < 500), `1 MiB env: ${env.status}`);
    if (env.status === 201) {
      const start = await d.request('POST', '/containers/big-env/start');
      assert.ok(
        start.status < 500 || /argument list too long/i.test(start.body.toString()),
        `start with a 1 MiB env: ${start.status} ${start.body.toString()}`,
      );
    }
    for (const name of ['many-labels', 'big-env']) await d.request('DELETE', `/containers/${name}`, { query: { force: 1 } });
  });

  test('a slowloris crowd does not stop other clients', async () => {
    const slow: net.Socket[] = [];
    for (let i = 0; i < 100; i++) {
      const s = net.connect(d.socket);
      s.on('error', () => {});
      s.write('GET /_ping HTTP/1.1\r\nHost: x\r\n');
      slow.push(s);
    }
    const drip = setInterval(() => slow.forEach((s) => s.write('X')), 200);
    try {
      const times: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now();
        assert.equal((await d.request('GET', '/_ping')).status, 200);
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      assert.ok(times[times.length - 1] < 1000, `_ping stays fast beside 100 slow clients: ${times.map(Math.round).join(',')}`);
    } finally {
      clearInterval(drip);
      slow.forEach((s) => s.destroy());
    }
  });
});

/** Sends raw bytes on the unix socket; resolves with what comes back (until close or 3 s). */
function rawRequest(d: TestDaemon, text: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(d.socket);
    let out = '';
    const done = () => (s.destroy(), resolve(out));
    s.setTimeout(3000, done);
    s.on('data', (c) => ((out += c.toString('latin1')), out.includes('\r\n\r\n') && setTimeout(done, 50)));
    s.on('error', done);
    s.on('close', done);
    s.write(text, () => {});
  });
}
