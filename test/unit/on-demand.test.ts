import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onDemand } from '../../src/engine/load-once.js';
import { settleAll } from '../../src/engine/settle-all.js';

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

test('onDemand: a failed load rejects with BERTH_HOST_MODULE_LOAD naming the cause, and the next call tries again', async () => {
  let loads = 0;
  const area = onDemand(async () => {
    loads++;
    if (loads === 1) throw new Error('chunk missing');
    return { name: 'area' };
  });
  await assert.rejects(area(), (err: Error & { code?: string }) => err.code === 'BERTH_HOST_MODULE_LOAD' && /chunk missing.*restart it/.test(err.message));
  assert.equal(area.loaded(), undefined);
  assert.deepEqual(await area(), { name: 'area' });
  assert.equal(loads, 2);
  assert.deepEqual(area.loaded(), { name: 'area' });
});

test('settleAll: waits for every item before rejecting with the first failure', async () => {
  const finished: string[] = [];
  const work = async (name: string) => {
    await new Promise((r) => setTimeout(r, name === 'slow' ? 30 : 1));
    finished.push(name);
    if (name.startsWith('bad')) throw new Error(name);
  };
  await assert.rejects(settleAll(['bad1', 'slow', 'bad2'], work), /^Error: bad1$/);
  assert.deepEqual(finished.sort(), ['bad1', 'bad2', 'slow']);
  await settleAll([], work);
});
