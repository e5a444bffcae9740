/** Which build cache links POST /build/prune forgets (dockerd 20.10's reading of the query), and Go's duration errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cachePruneSelector, type CacheLink } from '../../src/engine/build/cache-prune.js';
import type { BuildPruneOptions } from '../../src/engine/api.js';
import { decodeFilters, goDurationError } from '../../src/engine/filters/index.js';
import { buildPruneOptionsOf } from '../../src/server/routes/build.js';
import { toBuildPruneResponse } from '../../src/server/wire/build.js';

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const HOUR = 3_600_000;
const links: CacheLink[] = [
  { key: 'a'.repeat(64), createdAt: NOW - 48 * HOUR },
  { key: 'b'.repeat(64), createdAt: NOW - 2 * HOUR },
  { key: 'c'.repeat(64), createdAt: NOW - 60_000 },
];

function pruned(filters: string | undefined, rest: Partial<BuildPruneOptions> = {}): string[] {
  const select = cachePruneSelector({ filters: decodeFilters(filters), all: false, keepStorage: 0, ...rest }, NOW);
  return links.filter(select).map((l) => l.key[0]);
}

function rejects(filters: string, message: string, rest: Partial<BuildPruneOptions> = {}) {
  assert.throws(
    () => pruned(filters, rest),
    (e: Error & { kind?: string }) => e.kind === 'invalid-parameter' && e.message === message,
    filters,
  );
}

test('no query forgets every link; all changes nothing (links are never shared with images)', () => {
  assert.deepEqual(pruned(undefined), ['a', 'b', 'c']);
  assert.deepEqual(pruned(undefined, { all: true }), ['a', 'b', 'c']);
});

test('until / unused-for keep what was recorded within the duration', () => {
  assert.deepEqual(pruned('{"until":["24h"]}'), ['a']);
  assert.deepEqual(pruned('{"until":{"90m":true}}'), ['a', 'b']);
  assert.deepEqual(pruned('{"unused-for":["1h30m"]}'), ['a', 'b']);
  assert.deepEqual(pruned('{"until":["0"]}'), ['a', 'b', 'c']);
  assert.deepEqual(pruned('{"until":[]}'), ['a', 'b', 'c']);
});

test('keep-storage above zero keeps everything: links take no bytes', () => {
  assert.deepEqual(pruned('{"until":["1h"]}', { keepStorage: 1 }), []);
  assert.deepEqual(pruned(undefined, { keepStorage: -5 }), ['a', 'b', 'c']);
});

test("cache fields read a link as BuildKit's regular, private, unused record without parent or description", () => {
  assert.deepEqual(pruned('{"id":["^b"]}'), ['b']);
  assert.deepEqual(pruned(`{"id":["${'c'.repeat(64)}"]}`), ['c']);
  assert.deepEqual(pruned('{"type":["regular"]}'), ['a', 'b', 'c']);
  assert.deepEqual(pruned('{"type":["exec.cachemount"]}'), []);
  assert.deepEqual(pruned('{"private":[]}'), ['a', 'b', 'c']);
  for (const none of ['{"inuse":[]}', '{"shared":[]}', '{"parent":["x"]}', '{"description":["x"]}', '{"private":["true"]}']) {
    assert.deepEqual(pruned(none), [], none);
  }
  assert.deepEqual(pruned('{"id":["a|c"],"until":["1h"]}'), ['a'], 'filters are ANDed');
});

test('label and label! are accepted and ignored, as dockerd 20.10 does', () => {
  assert.deepEqual(pruned('{"label":["x=y"],"label!":["z"]}'), ['a', 'b', 'c']);
});

test("bad queries are dockerd's errors, before anything is selected", () => {
  rejects('{"bogus":["x"]}', "failed to prune build cache: Invalid filter 'bogus'");
  rejects('{"until":["1h"],"unused-for":["2h"]}', 'failed to prune build cache: conflicting filters: "until" and "unused-for"');
  rejects('{"until":["1h","2h"]}', 'failed to prune build cache: filters expect only one value');
  rejects('{"id":["a","b"]}', 'failed to prune build cache: filters expect only one value');
  rejects(
    '{"until":["2020-01-01"]}',
    `failed to prune build cache: "until" filter expects a duration (e.g., '24h'): time: unknown unit "-" in duration "2020-01-01"`,
  );
  rejects('{"unused-for":["5"]}', `failed to prune build cache: "unused-for" filter expects a duration (e.g., '24h'): time: missing unit in duration "5"`);
});

test("goDurationError words a refused duration as Go's time.ParseDuration", () => {
  assert.equal(goDurationError(''), 'time: invalid duration ""');
  assert.equal(goDurationError('abc'), 'time: invalid duration "abc"');
  assert.equal(goDurationError('5'), 'time: missing unit in duration "5"');
  assert.equal(goDurationError('1x'), 'time: unknown unit "x" in duration "1x"');
  assert.equal(goDurationError('1h2y'), 'time: unknown unit "y" in duration "1h2y"');
  assert.equal(goDurationError('-3'), 'time: missing unit in duration "-3"');
});

test("the prune query: keep-storage as strconv.Atoi with dockerd's text, all, filters; the answer's null when nothing went", () => {
  const opts = buildPruneOptionsOf({ 'keep-storage': '1024', all: '1', filters: '{"until":{"24h":true}}' });
  assert.deepEqual({ ...opts, filters: [...opts.filters!] }, { keepStorage: 1024, all: true, filters: [['until', ['24h']]] });
  assert.equal(buildPruneOptionsOf({ 'keep-storage': '' }).keepStorage, 0);
  assert.equal(buildPruneOptionsOf({}).all, false);
  assert.throws(() => buildPruneOptionsOf({ 'keep-storage': '1.5' }), {
    message: 'keep-storage is in bytes and expects an integer, got 1.5: strconv.Atoi: parsing "1.5": invalid syntax',
  });
  assert.deepEqual(toBuildPruneResponse({ cachesDeleted: [], spaceReclaimed: 0 }), { CachesDeleted: null, SpaceReclaimed: 0 });
  assert.deepEqual(toBuildPruneResponse({ cachesDeleted: ['k'], spaceReclaimed: 0 }), { CachesDeleted: ['k'], SpaceReclaimed: 0 });
});
