import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onDemand } from '../../src/engine/on-demand.js';

test('onDemand loads once, at the first call, and shares the load between concurrent calls', async () => {
  let loads = 0;
  const area = onDemand(async () => {
    loads++;
    return { name: 'area' };
  });
  assert.equal(loads, 0);
  assert.equal(area.loaded(), undefined);
  const [a, b] = await Promise.all([area(), area()]);
  assert.equal(loads, 1);
  assert.equal(a, b);
  assert.equal(area.loaded(), a);
  assert.equal(await area(), a);
  assert.equal(loads, 1);
});

test('onDemand rejects every call with the load error and never reports the area as loaded', async () => {
  const area = onDemand(() => Promise.reject(new Error('chunk missing')));
  await assert.rejects(area(), /chunk missing/);
  await assert.rejects(area(), /chunk missing/);
  assert.equal(area.loaded(), undefined);
});
