/** src/server/durable-replies.ts: replies wait for the commits before them to be on disk (the fake engine's durability). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import type { DurabilityApi } from '../../src/engine/api.js';
import { buildApp } from '../../src/server/app.js';
import { durableLines } from '../../src/server/durable-replies.js';
import { FakeEngine, engineError } from './fake-engine.js';

/** A durability whose sync the test finishes (or fails, for good, as the real one); counts the waits. */
function controlled(pending: boolean) {
  let settle: { resolve: () => void; reject: (err: Error) => void } | undefined;
  let failure: Error | undefined;
  const durability = {
    pending,
    waits: 0,
    durable() {
      durability.waits++;
      if (failure) return Promise.reject(failure);
      return new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    },
  };
  const fail = (err: Error) => {
    failure = err;
    settle!.reject(err);
  };
  return { durability, finish: () => settle!.resolve(), fail };
}

function setup(durability: DurabilityApi, requestTimeoutMs?: number) {
  const engine = new FakeEngine();
  (engine as { durability?: DurabilityApi }).durability = durability;
  return buildApp(engine, { logger: false, version: '9.9.9', requestTimeoutMs });
}

test('a reply after a commit is sent only once the commit is on disk', async () => {
  const c = controlled(true);
  const app = setup(c.durability);
  let answered = false;
  const res = app.inject({ method: 'POST', url: '/containers/create', payload: { Image: 'busybox' } }).then((r) => ((answered = true), r));
  for (let i = 0; i < 20; i++) await tick();
  assert.equal(answered, false);
  assert.equal(c.durability.waits, 1);
  c.finish();
  assert.equal((await res).statusCode, 201);
});

test('a reply held longer than the handler timeout is sent once, as the handler answered (the timeout does not answer again)', async () => {
  const c = controlled(true);
  const app = setup(c.durability, 20);
  const res = app.inject({ method: 'POST', url: '/containers/create', payload: { Image: 'busybox' } });
  await new Promise((r) => setTimeout(r, 80));
  c.finish();
  const r = await res;
  assert.equal(r.statusCode, 201);
  assert.ok(JSON.parse(r.body).Id, r.body);
});

test('nothing pending: the reply does not wait', async () => {
  const c = controlled(false);
  const app = setup(c.durability);
  assert.equal((await app.inject({ method: 'GET', url: '/_ping' })).statusCode, 200);
  assert.equal(c.durability.waits, 0);
});

test('a failed sync turns the acknowledgement into a 500 with its message', async () => {
  const c = controlled(true);
  const app = setup(c.durability);
  const res = app.inject({ method: 'POST', url: '/containers/create', payload: { Image: 'busybox' } });
  for (let i = 0; i < 20; i++) await tick();
  c.fail(engineError('system', 'syncing the state database failed: EIO'));
  const r = await res;
  assert.equal(r.statusCode, 500);
  assert.deepEqual(r.json(), { message: 'syncing the state database failed: EIO' });
});

test('durableLines lets each line through after the sync, and ends with the failure line', async () => {
  async function* three() {
    yield 'a\n';
    yield 'b\n';
    yield 'c\n';
  }
  let calls = 0;
  const failing: DurabilityApi = {
    pending: true,
    durable: () => (++calls === 2 ? Promise.reject(new Error('EIO')) : Promise.resolve()),
  };
  const out: string[] = [];
  for await (const line of durableLines(failing, three(), (m) => `error: ${m}\n`)) out.push(line);
  assert.deepEqual(out, ['a\n', 'error: EIO\n']);
});
