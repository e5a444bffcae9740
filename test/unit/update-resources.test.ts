/** docker update's merge rules, conflicts and the runc update resources JSON. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildUpdateResources, mergeUpdate } from '../../src/engine/containers/update-resources.js';
import type { ContainerUpdateOptions } from '../../src/engine/api/update.js';
import { defaultResources } from '../../src/engine/model/spec-defaults.js';
import type { ContainerSpec } from '../../src/engine/model/container.js';

const none: ContainerUpdateOptions = {
  memory: 0,
  memorySwap: 0,
  nanoCpus: 0,
  cpuShares: 0,
  cpuQuota: 0,
  cpuPeriod: 0,
  cpusetCpus: '',
  cpusetMems: '',
  blkioWeight: 0,
  pidsLimit: null,
  restartPolicy: null,
};
const spec = (over: Partial<ContainerSpec['resources']> = {}, autoRemove = false) =>
  ({
    resources: defaultResources(over),
    restartPolicy: { name: 'no', maximumRetryCount: 0 },
    autoRemove,
  }) as unknown as ContainerSpec;

test('zero fields leave values as they are; set fields replace them', () => {
  const base = spec({ memory: 100 << 20, cpuShares: 256 });
  assert.deepEqual(mergeUpdate(base, none).resources, base.resources);
  const m = mergeUpdate(base, {
    ...none,
    nanoCpus: 5e8,
    pidsLimit: 50,
    cpusetMems: '0',
    blkioWeight: 300,
    restartPolicy: { name: 'always', maximumRetryCount: 0 },
  });
  assert.equal(m.resources.memory, 100 << 20);
  assert.equal(m.resources.nanoCpus, 5e8);
  assert.equal(m.resources.pidsLimit, 50);
  assert.equal(m.resources.cpusetMems, '0');
  assert.equal(m.resources.blkioWeight, 300);
  assert.equal(m.restartPolicy.name, 'always');
});

test("Docker's conflicts and ranges", () => {
  assert.throws(() => mergeUpdate(spec({}, true), { ...none, restartPolicy: { name: 'always', maximumRetryCount: 0 } }), /AutoRemove is enabled/);
  assert.doesNotThrow(() => mergeUpdate(spec({}, true), { ...none, restartPolicy: { name: 'no', maximumRetryCount: 0 } }));
  assert.throws(() => mergeUpdate(spec({ cpuQuota: 50000 }), { ...none, nanoCpus: 1e9 }), /Nano CPUs cannot be updated as CPU Quota has already been set/);
  assert.throws(() => mergeUpdate(spec({ nanoCpus: 1e9 }), { ...none, cpuPeriod: 50000 }), /CPU Period cannot be updated as NanoCPUs/);
  assert.throws(() => mergeUpdate(spec({ memory: 64 << 20, memorySwap: 128 << 20 }), { ...none, memory: 256 << 20 }), /smaller than already set memoryswap/);
  assert.throws(() => mergeUpdate(spec(), { ...none, memory: 1024 }), /Minimum memory limit allowed is 6MB/);
  assert.throws(() => mergeUpdate(spec(), { ...none, blkioWeight: 5 }), /from 10 to 1000/);
});

test('the runc update JSON carries every effective limit and no device rules', () => {
  const r = buildUpdateResources(
    { ...spec().resources, memory: 64 << 20, nanoCpus: 5e8, cpuShares: 512, pidsLimit: 50, cpusetCpus: '0', cpusetMems: '0', blkioWeight: 300 },
    4096,
  );
  assert.deepEqual(r, {
    devices: [],
    memory: { limit: 64 << 20, swap: 128 << 20 },
    cpu: { shares: 512, period: 100000, quota: 50000, cpus: '0', mems: '0' },
    pids: { limit: 50 },
    blockIO: { weight: 300 },
  });
  assert.deepEqual(buildUpdateResources(spec().resources, 4096), { devices: [], pids: { limit: 4096 } });
});

test('system df: shared sizes count layers used by more than one image; LayersSize counts each layer once', async () => {
  const { sharedSizes } = await import('../../src/engine/system/disk-usage.js');
  const r = sharedSizes([
    {
      id: 'a',
      layers: [
        { id: 'l1', size: 10 },
        { id: 'l2', size: 5 },
      ],
    },
    {
      id: 'b',
      layers: [
        { id: 'l1', size: 10 },
        { id: 'l3', size: 7 },
      ],
    },
    { id: 'c', layers: [{ id: 'l4', size: 1 }] },
  ]);
  assert.equal(r.layersSize, 23);
  assert.deepEqual(
    [...r.shared],
    [
      ['a', 10],
      ['b', 10],
      ['c', 0],
    ],
  );
});
