/**
 * Events: the table (insert, page, trim), Docker's JSON line, the filter
 * rules, and the stream's seam and slow-reader bound on a real SQLite file.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, closeDatabase } from '../../src/db/database.js';
import { EventsRepo } from '../../src/db/events-repo.js';
import { EventBus } from '../../src/engine/events/event-bus.js';
import { eventMatcher } from '../../src/engine/events/event-filter.js';
import { openEventStream, parseEventTime } from '../../src/engine/events/stream.js';
import { decodeFilters } from '../../src/engine/filters/index.js';
import { eventLine } from '../../src/server/wire/events.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-events-'));
const db = openDatabase(path.join(dir, 'state.db'));
const repo = new EventsRepo(db);
after(() => {
  closeDatabase(db);
  fs.rmSync(dir, { recursive: true, force: true });
});

const c = (action: string, name = 'web', extra: Record<string, string> = {}) => ({
  type: 'container' as const,
  action: action as 'start',
  id: 'a'.repeat(64),
  attributes: { image: 'busybox', name, ...extra },
});

test("eventLine writes Docker's message with an exact timeNano and the legacy fields", () => {
  const line = eventLine({ ...c('die', 'web', { exitCode: '3' }), timeNano: 1733480000123456789n, seq: 1 });
  assert.ok(line.endsWith('"timeNano":1733480000123456789}\n'));
  const m = JSON.parse(line);
  assert.deepEqual(Object.keys(m), ['status', 'id', 'from', 'Type', 'Action', 'Actor', 'scope', 'time', 'timeNano']);
  assert.equal(m.status, 'die');
  assert.equal(m.from, 'busybox');
  assert.equal(m.time, 1733480000);
  const net = JSON.parse(eventLine({ type: 'network', action: 'create', id: 'n1', attributes: { name: 'n' }, timeNano: 5n, seq: 2 }));
  assert.deepEqual(Object.keys(net), ['Type', 'Action', 'Actor', 'scope', 'time', 'timeNano']);
  const img = JSON.parse(eventLine({ type: 'image', action: 'tag', id: 'sha256:x', attributes: { name: 'a:1' }, timeNano: 5n, seq: 3 }));
  assert.equal(img.status, 'tag');
  assert.equal(img.from, undefined);
});

test('event filters match as dockerd: names by prefix, images with or without tag, fuzzy exec/health actions, labels', () => {
  const m = (f: Record<string, string[]>) => eventMatcher(decodeFilters(JSON.stringify(f)));
  const start = c('start', 'web', { team: 'a' });
  assert.ok(m({ container: ['we'] })(start));
  assert.ok(m({ container: ['aaaa'] })(start));
  assert.ok(!m({ container: ['db'] })(start));
  assert.ok(!m({ container: ['web'] })({ type: 'image', action: 'tag', id: 'x', attributes: { name: 'web' } }));
  assert.ok(m({ image: ['busybox'] })({ ...start, attributes: { image: 'busybox:latest', name: 'web' } }));
  assert.ok(m({ event: ['health_status'] })(c('health_status: healthy')));
  assert.ok(!m({ event: ['health'] })(c('health_status: healthy')));
  assert.ok(m({ event: ['exec_die'] })(c('exec_die')));
  assert.ok(m({ label: ['team=a'] })(start));
  assert.ok(!m({ label: ['team=b'] })(start));
  assert.ok(m({ type: ['container'], event: ['start', 'die'] })(start));
  assert.throws(() => m({ bogus: ['x'] }), /Invalid filter 'bogus'/);
});

test('parseEventTime reads unix seconds with nanoseconds exactly, and durations', () => {
  assert.equal(parseEventTime('1733480000.000000001'), 1733480000000000001n);
  assert.equal(parseEventTime('1733480000'), 1733480000000000000n);
  assert.equal(parseEventTime('10m', 1_000_000_000_000), (1_000_000_000_000n - 600_000n) * 1_000_000n);
  assert.equal(parseEventTime(''), undefined);
});

test('the repo pages in id order and trims by count and age', () => {
  const bus = new EventBus(repo, { maxCount: 5, maxAgeMs: 60_000 });
  for (let i = 0; i < 8; i++) bus.emit(c('start', `n${i}`));
  const max = repo.maxId();
  assert.equal(bus.maxSeq(), max);
  const rows = repo.page(0, max, 0n, 1n << 62n, 100);
  assert.equal(rows.length, 8);
  assert.ok(rows.every((r, i) => i === 0 || (r.seq > rows[i - 1].seq && r.timeNano > rows[i - 1].timeNano)));
  bus.trim();
  assert.deepEqual(
    repo.page(0, max, 0n, 1n << 62n, 100).map((r) => r.attributes.name),
    ['n3', 'n4', 'n5', 'n6', 'n7'],
  );
  bus.trim(Date.now() + 120_000);
  assert.equal(repo.page(0, max, 0n, 1n << 62n, 100).length, 0);
});

test('the stream replays history, then live events once each, and drops a reader that falls behind', async () => {
  const bus = new EventBus(repo);
  for (let i = 0; i < 3; i++) bus.emit(c('create', `h${i}`));
  const ac = new AbortController();
  const { events } = openEventStream(bus, repo, { since: '1', until: '', filters: undefined }, ac.signal);
  // Emitted after the subscription, before the first read: live, not replayed twice.
  bus.emit(c('create', 'l0'));
  const names: string[] = [];
  for await (const e of events) {
    names.push(e.attributes.name);
    if (e.attributes.name === 'l0') bus.emit(c('create', 'l1'));
    if (e.attributes.name === 'l1') ac.abort();
  }
  assert.deepEqual(names.slice(-5), ['h0', 'h1', 'h2', 'l0', 'l1']);

  const slow = openEventStream(bus, repo, { since: '', until: '', filters: undefined }, new AbortController().signal, undefined, 10);
  for (let i = 0; i < 11; i++) bus.emit(c('create', `x${i}`));
  const err = await slow.dropped;
  assert.equal(err.code, 'BERTH_EVENTS_SLOW_READER');
  await assert.rejects(async () => {
    for await (const _ of slow.events) void _;
  }, /too slow/);
});

test('until in the past ends the stream after the replay', async () => {
  const bus = new EventBus(repo);
  // Since is one nanosecond after the newest stored event, so events the
  // earlier tests emitted in this same millisecond stay out of the replay.
  const newest = repo.page(0, repo.maxId(), 0n, 1n << 62n, 1_000_000).at(-1)?.timeNano ?? 0n;
  const since = newest + 1n;
  const t = `${since / 1_000_000_000n}.${String(since % 1_000_000_000n).padStart(9, '0')}`;
  await new Promise((r) => setTimeout(r, 2));
  bus.emit(c('create', 'u0'));
  const { events } = openEventStream(bus, repo, { since: t, until: ((Date.now() + 1) / 1000).toFixed(9), filters: undefined }, new AbortController().signal);
  await new Promise((r) => setTimeout(r, 5));
  const got: string[] = [];
  for await (const e of events) got.push(e.attributes.name);
  assert.deepEqual(got, ['u0']);
});

test('the stream sends an event only once the writes before its dispatch are synced, and waits for nothing later', async () => {
  const bus = new EventBus();
  // A stand-in for the state database's Durability: rows written, and marks the syncs covered.
  let written = 0;
  const waiting: Array<{ mark: number; resolve: () => void }> = [];
  let synced = 0;
  const durability = {
    get written() {
      return written;
    },
    covers: (mark: number) => (mark <= synced ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ mark, resolve }))),
  };
  const syncTo = (mark: number) => {
    synced = mark;
    for (const w of waiting.splice(0)) if (w.mark <= synced) w.resolve();
  };
  const ac = new AbortController();
  const { events } = openEventStream(bus, repo, { since: '', until: '', filters: undefined }, ac.signal, durability);
  const got: string[] = [];
  const reading = (async () => {
    for await (const e of events) {
      got.push(e.attributes.name);
      if (got.length === 3) ac.abort();
    }
  })();
  written = 2; // the die's own rows, before its emit
  bus.emit(c('die', 'a'));
  written = 3; // a later change, not synced yet: 'a' does not wait for it
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(got, [], 'nothing before the sync');
  syncTo(2);
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(got, ['a'], 'a synced once its own rows were');
  bus.emit(c('die', 'b'));
  bus.emit(c('die', 'c'));
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(got, ['a']);
  syncTo(written); // one sync lets both through
  await reading;
  assert.deepEqual(got, ['a', 'b', 'c']);
});

test('nextOf resolves with the first of its actions, for its container only', async () => {
  const bus = new EventBus();
  const first = bus.nextOf(['die', 'stopped', 'destroy'], 'c1');
  bus.notify({ action: 'stopped', id: 'c1', attributes: { exitCode: '3' } });
  bus.emit({ type: 'container', action: 'die', id: 'c1', attributes: { exitCode: '1' } });
  const got = await first;
  assert.equal(got.action, 'stopped');
  assert.equal(got.attributes.exitCode, '3');
  // Another container's events are not this waiter's.
  const other = bus.nextOf(['die'], 'c1');
  bus.emit({ type: 'container', action: 'die', id: 'c2', attributes: {} });
  bus.emit({ type: 'container', action: 'die', id: 'c1', attributes: { exitCode: '0' } });
  assert.equal((await other).attributes.exitCode, '0');
});

test('nextOf rejects with the abort reason, at once when already aborted', async () => {
  const bus = new EventBus();
  const ac = new AbortController();
  const waiting = bus.nextOf(['die', 'destroy'], 'c1', ac.signal);
  ac.abort(new Error('client went away'));
  await assert.rejects(waiting, /client went away/);
  await assert.rejects(bus.nextOf(['die'], 'c1', ac.signal), /client went away/);
  // A later event finds no stale waiter to resolve (nothing throws, nothing is left).
  bus.emit({ type: 'container', action: 'die', id: 'c1', attributes: {} });
});
