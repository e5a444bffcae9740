/**
 * trimCHeap (host/libc.ts) never loads koffi by itself: before anything has
 * bound libc it does nothing; once berthd has mounted or spawned, it calls
 * malloc_trim.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadLibc, trimCHeap } from '../../src/engine/host/libc.js';

test('trimCHeap: does nothing before libc is bound, runs malloc_trim after', async () => {
  assert.equal(trimCHeap(), false, 'no binding made by the trim itself');
  await loadLibc();
  assert.equal(trimCHeap(), true);
  assert.equal(trimCHeap(), true, 'a second trim with nothing to give back is harmless');
});
