/**
 * The one filters module (src/engine/filters): both JSON encodings, key
 * validation, and each shared matcher's edges, with Docker's texts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFilters, parseFilters, parseFilterTime, parseGoDuration, type Filters } from '../../src/engine/filters/index.js';
import { buildContainerFilter } from '../../src/engine/containers/filters.js';
import type { ContainerContext, Row } from '../../src/engine/containers/context.js';
import { isEngineError } from '../../src/engine/errors.js';
import { pruneCandidates } from '../../src/engine/images/prune.js';
import type { ImageRecord } from '../../src/engine/model/image.js';
import { networkPruneFilter } from '../../src/engine/networks/filters.js';
import type { NetworkRecord } from '../../src/engine/model/network.js';

const invalidWith = (message: string | RegExp) => (e: unknown) =>
  isEngineError(e, 'invalid-parameter') && (typeof message === 'string' ? e.message === message : message.test(e.message));
const args = (f: Record<string, string[]>, allowed = Object.keys(f)) => parseFilters(new Map(Object.entries(f)), new Set(allowed));

test('decode: map form, list form, mixed, empty and null', () => {
  assert.deepEqual(
    decodeFilters('{"label":{"a=b":true,"c":true},"dangling":{"true":true}}'),
    new Map([
      ['label', ['a=b', 'c']],
      ['dangling', ['true']],
    ]),
  );
  assert.deepEqual(
    decodeFilters('{"label": ["a=b"], "status": ["running", "exited"]}'),
    new Map([
      ['label', ['a=b']],
      ['status', ['running', 'exited']],
    ]),
  );
  assert.deepEqual(
    decodeFilters('{"label":["a"],"name":{"x":true,"y":false}}'),
    new Map([
      ['label', ['a']],
      ['name', ['x']],
    ]),
  );
  for (const empty of [undefined, '', '  ', 'null']) assert.equal(decodeFilters(empty).size, 0, String(empty));
});

test('decode: malformed JSON and wrong shapes are invalid filter', () => {
  for (const bad of ['{bad', '["x"]', '"x"', '5', '{"label":"x"}', '{"label":[1]}', '{"label":{"a":"yes"}}', '{"label":null}']) {
    assert.throws(() => decodeFilters(bad), invalidWith(/^invalid filter: /), bad);
  }
});

test("parseFilters: unknown key is Docker's Invalid filter, even with no values; duplicates collapse", () => {
  assert.throws(() => args({ bogus: ['x'] }, ['label']), invalidWith("Invalid filter 'bogus'"));
  assert.throws(() => args({ bogus: [] }, ['label']), invalidWith("Invalid filter 'bogus'"));
  assert.throws(() => parseFilters(decodeFilters('{"__proto__":["x"]}'), new Set(['label'])), invalidWith("Invalid filter '__proto__'"));
  const a = args({ label: ['a', 'a', 'b'], name: [] });
  assert.deepEqual(a.values('label'), ['a', 'b']);
  assert.deepEqual(a.keys(), ['label']);
  assert.equal(a.has('name'), false);
  assert.equal(a.matchExact('name', 'anything'), true, 'a key with no values filters nothing');
  assert.equal(parseFilters(undefined, new Set()).keys().length, 0);
});

test('labels: own keys only — constructor, __proto__, toString never match a plain object', () => {
  const labels = { a: '1', empty: '' };
  for (const k of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'constructor=', '__proto__=x']) {
    assert.equal(args({ label: [k] }).matchLabels('label', labels), false, k);
  }
  const own = JSON.parse('{"__proto__":"p","constructor":"c"}') as Record<string, string>;
  assert.equal(args({ label: ['__proto__'] }).matchLabels('label', own), true);
  assert.equal(args({ label: ['__proto__=p', 'constructor=c'] }).matchLabels('label', own), true);
  assert.equal(args({ label: ['constructor=x'] }).matchLabels('label', own), false);
});

test('labels: key, key=value, key= (empty value), value with =, all must match', () => {
  const labels = { a: '1', empty: '', eq: 'x=y' };
  const m = (...specs: string[]) => args({ label: specs }).matchLabels('label', labels);
  assert.equal(m('a'), true);
  assert.equal(m('a=1'), true);
  assert.equal(m('a=2'), false);
  assert.equal(m('empty='), true);
  assert.equal(m('a='), false);
  assert.equal(m('eq=x=y'), true);
  assert.equal(m('a', 'empty'), true);
  assert.equal(m('a', 'nope'), false);
  assert.equal(args({ label: ['a'] }).matchLabels('label', {}), false);
});

test('label! (prune): spares objects that carry all of its labels', () => {
  const f = (spec: Record<string, string[]>) => args(spec, ['label', 'label!']);
  assert.equal(f({ 'label!': ['keep'] }).matchLabelFilters({ keep: '1' }), false);
  assert.equal(f({ 'label!': ['keep'] }).matchLabelFilters({ other: '1' }), true);
  assert.equal(f({ 'label!': ['keep=2'] }).matchLabelFilters({ keep: '1' }), true);
  assert.equal(f({ 'label!': ['a', 'b'] }).matchLabelFilters({ a: '' }), true, 'only some of label! match');
  assert.equal(f({ 'label!': ['a', 'b'] }).matchLabelFilters({ a: '', b: '' }), false);
  assert.equal(f({ label: ['a'], 'label!': ['b'] }).matchLabelFilters({ a: '' }), true);
  assert.equal(f({ label: ['a'], 'label!': ['constructor'] }).matchLabelFilters({ a: '' }), true);
  assert.equal(f({}).matchLabelFilters({}), true);
});

test('bool: true/1, false/0, default, conflicting and other values are Invalid filter', () => {
  const b = (values: string[], def = false) => args({ dangling: values }).bool('dangling', def);
  assert.equal(b(['true']), true);
  assert.equal(b(['1']), true);
  assert.equal(b(['true', '1']), true);
  assert.equal(b(['false'], true), false);
  assert.equal(b(['0'], true), false);
  assert.equal(b([], true), true);
  assert.equal(args({}).bool('dangling', true), true);
  assert.throws(() => b(['true', 'false']), invalidWith("Invalid filter 'dangling=[true false]'"));
  assert.throws(() => b(['1', '0']), invalidWith("Invalid filter 'dangling=[1 0]'"));
  assert.throws(() => b(['false', '1']), invalidWith("Invalid filter 'dangling=[false 1]'"));
  assert.throws(() => b(['maybe']), invalidWith("Invalid filter 'dangling=[maybe]'"));
  assert.throws(() => b(['TRUE']), invalidWith("Invalid filter 'dangling=[TRUE]'"), 'Docker compares exactly');
});

test('Go durations', () => {
  assert.equal(parseGoDuration('10m'), 600_000);
  assert.equal(parseGoDuration('1h30m'), 5_400_000);
  assert.equal(parseGoDuration('1.5h'), 5_400_000);
  assert.equal(parseGoDuration('.5s'), 500);
  assert.equal(parseGoDuration('300ms'), 300);
  assert.equal(parseGoDuration('1500us'), 1.5);
  assert.equal(parseGoDuration('2µs'), 0.002);
  assert.equal(parseGoDuration('1h2m3s4ms'), 3_723_004);
  assert.equal(parseGoDuration('-2h'), -7_200_000);
  assert.equal(parseGoDuration('+1m'), 60_000);
  assert.equal(parseGoDuration('0'), 0);
  for (const bad of ['', '1', 'h', '1d', '1 h', '1h-5m', '.h', '1.2.3s']) assert.equal(parseGoDuration(bad), undefined, bad);
});

test('until: every time and duration form dockerd accepts', () => {
  const now = Date.parse('2024-06-01T12:00:00.750Z');
  const t = (v: string) => parseFilterTime(v, now);
  const nowSec = Date.parse('2024-06-01T12:00:00Z');
  assert.equal(t('10m'), nowSec - 600_000, 'durations count back from now, in whole seconds');
  assert.equal(t('1h30m'), nowSec - 5_400_000);
  assert.equal(t('1.5h'), nowSec - 5_400_000);
  assert.equal(t('-1h'), nowSec + 3_600_000);
  assert.equal(t('0'), 0, 'a bare 0 is the epoch, not a duration');
  assert.equal(t('1700000000'), 1_700_000_000_000);
  assert.equal(t('1700000000.5'), 1_700_000_000_500);
  assert.equal(t('2024-01-02T03:04:05Z'), Date.parse('2024-01-02T03:04:05Z'));
  assert.equal(t('2024-01-02T03:04:05.123456789Z'), Date.parse('2024-01-02T03:04:05.123Z'));
  assert.equal(t('2024-01-02T03:04:05+01:00'), Date.parse('2024-01-02T02:04:05Z'));
  assert.equal(t('2024-01-02T03:04:05-07:00'), Date.parse('2024-01-02T10:04:05Z'));
  assert.equal(t('2024-01-02T03:04Z'), Date.parse('2024-01-02T03:04:00Z'));
  assert.equal(t('2024-01-02T03+02:00'), Date.parse('2024-01-02T01:00:00Z'));
  assert.equal(t('2024-01-02Z'), Date.parse('2024-01-02T00:00:00Z'));
  assert.equal(t('2024-01-02+01:00'), Date.parse('2024-01-01T23:00:00Z'));
  // Without a zone: the daemon's local time.
  assert.equal(t('2024-01-02'), new Date(2024, 0, 2).getTime());
  assert.equal(t('2024-01-02T03'), new Date(2024, 0, 2, 3).getTime());
  assert.equal(t('2024-01-02T03:04'), new Date(2024, 0, 2, 3, 4).getTime());
  assert.equal(t('2024-01-02T03:04:05'), new Date(2024, 0, 2, 3, 4, 5).getTime());
  assert.equal(t('2024-01-02T03:04:05.25'), new Date(2024, 0, 2, 3, 4, 5, 250).getTime());
});

test('until: bad values and more than one value', () => {
  const t = (v: string) => parseFilterTime(v, Date.now());
  for (const bad of ['bogus', '', '1x', '12:00', '1700000000.', '1.2.3']) {
    assert.throws(() => t(bad), invalidWith(`failed to parse value as time or duration: ${JSON.stringify(bad)}`), bad);
  }
  for (const bad of ['2024-13-01', '2024-02-30', '2024-01-02T24:00', '2024-01-02T03:04.5', '2024-01-02X', '-5', '1h-']) {
    assert.throws(() => t(bad), invalidWith(/^parsing time /), bad);
  }
  assert.throws(() => args({ until: ['1h', '2h'] }).time('until', Date.now()), invalidWith('more than one until filter specified'));
  assert.equal(args({}).time('until', Date.now()), undefined);
});

test('until (prune): created at or before the time passes, later does not, and every prune reads it the same way', () => {
  const now = Date.parse('2024-06-01T12:00:00Z');
  const at = '2024-06-01T11:00:00.000000000Z';
  const createdUntil = (v: string) => args({ until: [v] }).createdUntil(now);
  assert.equal(createdUntil('1h')(at), true, 'created exactly at until: pruned (moby skips only Created.After(until))');
  assert.equal(createdUntil('1h')('2024-06-01T11:00:00.001Z'), false);
  assert.equal(createdUntil('2h')(at), false);
  assert.equal(createdUntil(String(Date.parse(at) / 1000))(at), true, 'unix seconds');
  assert.equal(args({}).createdUntil(now)('2999-01-01T00:00:00Z'), true, 'no until: everything');
  assert.throws(() => args({ until: ['soon'] }).createdUntil(now), invalidWith('failed to parse value as time or duration: "soon"'));
  // The three prunes that take `until` agree at the boundary (networks used to keep an object created exactly at it).
  const label = {};
  const nets = networkPruneFilter(new Map([['until', ['1h']]]), now);
  assert.equal(nets({ name: 'n', created: at, labels: label } as unknown as NetworkRecord), true);
  const image = { id: 'sha256:x', tags: [], parent: '', created: at, config: { labels: label } } as unknown as ImageRecord;
  assert.equal(pruneCandidates([image], new Map([['until', ['1h']]]), () => false, now).length, 1);
});

test('regexp (names): exact, unanchored regex, an invalid pattern only matches exactly', () => {
  const a = args({ name: ['fo+', '(', 'exact.name'] });
  assert.equal(a.matchRegexp('name', '/barfoo'), true);
  assert.equal(a.matchRegexp('name', '/bar'), false);
  assert.equal(a.matchRegexp('name', '('), true);
  assert.equal(a.matchRegexp('name', 'exactxname'), true, 'a value is a regex too');
  assert.equal(args({ id: ['abc'] }).matchPrefix('id', 'abcdef'), true);
  assert.equal(args({ id: ['bcd'] }).matchPrefix('id', 'abcdef'), false);
});

test('container list: label=constructor matches no container, names match with and without the slash', () => {
  const row = (name: string, labels: Record<string, string>) => ({ id: name.repeat(8), name, spec: { labels }, state: {} }) as unknown as Row;
  const rows = [row('foo', { a: '1' }), row('barfoo', {}), row('xx', { constructor: 'c' })];
  const names = (f: Filters) => rows.filter(buildContainerFilter({} as ContainerContext, f)).map((r) => r.name);
  const m = (o: Record<string, string[]>) => new Map(Object.entries(o));
  assert.deepEqual(names(m({ label: ['constructor'] })), ['xx']);
  assert.deepEqual(names(m({ label: ['__proto__'] })), []);
  assert.deepEqual(names(m({ label: ['toString'] })), []);
  assert.deepEqual(names(m({ name: ['foo'] })), ['foo', 'barfoo']);
  assert.deepEqual(names(m({ name: ['^foo'] })), ['foo']);
  assert.deepEqual(names(m({ name: ['^/foo$'] })), ['foo']);
  assert.deepEqual(names(m({ name: ['('] })), [], 'an invalid regex matches nothing (Docker: 200 [])');
  assert.deepEqual(names(m({ health: ['healthy'] })), []);
  assert.deepEqual(names(m({ health: ['none'] })), ['foo', 'barfoo', 'xx'], 'no health check reads as none');
  assert.throws(() => names(m({ 'label!': ['a'] })), invalidWith("Invalid filter 'label!'"));
  assert.throws(() => names(m({ status: ['bogus'] })), invalidWith("Invalid filter 'status=bogus'"));
  assert.throws(() => names(m({ exited: ['x'] })), invalidWith("Invalid filter 'exited=x'"));
});
