import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rfc3339Ms } from '../../bench/scenarios/health.js';

test('the health benchmark keeps the sub-millisecond digits of a probe time', () => {
  const start = rfc3339Ms('2026-12-06T13:00:00.123456789Z');
  const end = rfc3339Ms('2026-12-06T13:00:00.125956789Z');
  assert.ok(Math.abs(end - start - 2.5) < 1e-3, `got ${end - start}`);
  assert.equal(rfc3339Ms('2026-12-06T13:00:01Z') - rfc3339Ms('2026-12-06T14:00:00+01:00'), 1000);
  assert.ok(Number.isNaN(rfc3339Ms('yesterday')));
});
