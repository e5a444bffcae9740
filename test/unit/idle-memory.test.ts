/**
 * The idle trim (src/idle-memory.ts): one full collection on the first quiet
 * spell after work, none while busy or while idle stays idle; and the
 * collector is reachable without --expose-gc on the command line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { compactingCollection, fullCollection, trimStep, type TrimState } from '../../src/idle-memory.js';

function run(utilizations: number[]): boolean[] {
  let state: TrimState = { dirty: true };
  return utilizations.map((u) => {
    const step = trimStep(state, u);
    state = step.state;
    return step.collect;
  });
}

test('trimStep: collects once on the first quiet spell after work', () => {
  // startup counts as work: the first quiet spell collects, then idle stays idle
  assert.deepEqual(run([0, 0, 0]), [true, false, false]);
  // busy spells never collect; the quiet one after them does, once
  assert.deepEqual(run([0.5, 0.2, 0.02, 0.001, 0]), [false, false, false, true, false]);
  // a little background work (≤ 1 % of the loop) does not count as work
  assert.deepEqual(run([0, 0.01, 0.005, 0.3, 0.004]), [true, false, false, false, true]);
});

test('fullCollection: runs without --expose-gc and frees garbage', async () => {
  assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined', 'the test runs without --expose-gc');
  const ref = new WeakRef(Array.from({ length: 200 }, () => new Array<number>(10_000).fill(1)));
  await new Promise((resolve) => setImmediate(resolve)); // a WeakRef holds its target until the current job ends
  fullCollection();
  assert.equal(ref.deref(), undefined, 'unreachable objects are collected');
});

test('compactingCollection: gives back the pages plain collections keep', () => {
  const oldSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')!;
  // About 30 MiB of small objects in the old generation, then one in three dropped: every page keeps most of its
  // objects, and V8's own heuristics leave such pages be however often it collects.
  let kept = Array.from({ length: 300_000 }, (_, n) => ({ n, s: `x${n}` }));
  fullCollection();
  kept = kept.filter((_, i) => i % 3 !== 0);
  for (let i = 0; i < 3; i++) fullCollection();
  const plain = oldSpace().physical_space_size;
  compactingCollection();
  const compacted = oldSpace().physical_space_size;
  assert.equal(kept.length, 200_000);
  assert.ok(compacted < plain - 5 * 1024 * 1024, `compaction gave pages back: ${plain} → ${compacted} bytes`);
});
