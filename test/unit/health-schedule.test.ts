/** Health-check rules: probe commands, defaults, start period, retries, log bound, and the create merge. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyResult, goDuration, healthAtStart, probeOf } from '../../src/engine/health/schedule.js';
import { mergeHealthcheck } from '../../src/engine/containers/merge-image.js';

const hc = (test: string[], over = {}) => ({ test, interval: 0, timeout: 0, startPeriod: 0, retries: 0, ...over });
const result = (exitCode: number, start = '2026-12-06T09:00:10.000000000Z') => ({ start, end: start, exitCode, output: '' });

test("probe commands and Docker's defaults", () => {
  assert.deepEqual(probeOf(hc(['CMD-SHELL', 'test -f /ready'])), {
    cmd: ['/bin/sh', '-c', 'test -f /ready'],
    intervalMs: 30000,
    timeoutMs: 30000,
    startPeriodMs: 0,
    retries: 3,
  });
  assert.deepEqual(probeOf(hc(['CMD', 'true', 'x'], { interval: 1e9, retries: 2 }))?.cmd, ['true', 'x']);
  assert.equal(probeOf(hc(['CMD', 'true'], { interval: 1e9 }))?.intervalMs, 1000);
  assert.equal(probeOf(hc(['NONE'])), null);
  assert.equal(probeOf(hc([])), null);
  assert.equal(probeOf(null), null);
});

test('results: healthy at once, unhealthy after retries, start period does not count', () => {
  const probe = probeOf(hc(['CMD', 'x'], { retries: 2, startPeriod: 5e9 }))!;
  const startedAt = Date.parse('2026-12-06T09:00:00Z');
  let s = healthAtStart(null);
  s = applyResult(s, result(1, '2026-12-06T09:00:01.000000000Z'), probe, startedAt);
  assert.deepEqual([s.status, s.failingStreak], ['starting', 0], 'within the start period');
  s = applyResult(s, result(1), probe, startedAt);
  assert.deepEqual([s.status, s.failingStreak], ['starting', 1]);
  s = applyResult(s, result(1), probe, startedAt);
  assert.deepEqual([s.status, s.failingStreak], ['unhealthy', 2]);
  s = applyResult(s, result(0), probe, startedAt);
  assert.deepEqual([s.status, s.failingStreak], ['healthy', 0]);
  for (let i = 0; i < 10; i++) s = applyResult(s, result(0), probe, startedAt);
  assert.equal(s.log.length, 5);
  const restarted = healthAtStart(s);
  assert.deepEqual([restarted.status, restarted.failingStreak, restarted.log.length], ['starting', 0, 5]);
});

test("the user's health check is completed from the image's, field by field", () => {
  const image = hc(['CMD', 'img'], { interval: 5e9, retries: 4 });
  assert.deepEqual(mergeHealthcheck(null, image), image);
  assert.deepEqual(mergeHealthcheck(hc([], { interval: 1e9 }), image), hc(['CMD', 'img'], { interval: 1e9, retries: 4 }));
  assert.deepEqual(mergeHealthcheck(hc(['NONE']), image)?.test, ['NONE']);
  assert.equal(mergeHealthcheck(null, null), null);
});

test('Go durations in the timeout message', () => {
  assert.equal(goDuration(30000), '30s');
  assert.equal(goDuration(1500), '1.5s');
  assert.equal(goDuration(500), '500ms');
});
