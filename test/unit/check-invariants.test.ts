import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareRecords, type Records } from '../../src/engine/check/invariants.js';
import type { HostState } from '../../src/engine/check/host-state.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const Z = 'z0'.repeat(32);

function host(over: Partial<HostState> = {}): HostState {
  const empty = () => new Map();
  return { runtimeStates: empty(), mounts: empty(), cgroups: empty(), monitors: empty(), containerDirs: empty(), bundleDirs: empty(), ...over };
}
const records = (over: Partial<Records> = {}): Records => ({ containers: [], database: [], layerGarbage: [], missingLayers: [], ...over });

test('a running record with its conmon and runtime state, and an exited one without, are clean', () => {
  const r = records({
    containers: [
      { id: A, name: 'up', status: 'running', conmonPid: 42 },
      { id: B, name: 'down', status: 'exited', conmonPid: 0 },
    ],
  });
  const h = host({
    runtimeStates: new Map([[A, `/run/${A}`]]),
    monitors: new Map([[A, [42]]]),
    containerDirs: new Map([
      [A, 'x'],
      [B, 'y'],
    ]),
  });
  assert.deepEqual(compareRecords(r, h), []);
});

test('each broken invariant has its kind', () => {
  const r = records({
    containers: [
      { id: A, name: 'up', status: 'running', conmonPid: 42 },
      { id: B, name: 'gone', status: 'removing', conmonPid: 0 },
    ],
    layerGarbage: ['tmp-1'],
    missingLayers: ['c'.repeat(64)],
  });
  const h = host({
    monitors: new Map([[A, [43]]]), // another pid: a reused pid does not count
    runtimeStates: new Map([
      [B, 'state'],
      [Z, 'state'],
    ]),
    mounts: new Map([[Z, ['/m']]]),
    cgroups: new Map([[B, ['/sys/fs/cgroup/x/b']]]),
  });
  const kinds = compareRecords(r, h)
    .map((f) => `${f.kind}:${f.subject.slice(0, 2)}`)
    .sort();
  assert.deepEqual(kinds, [
    'layer-missing:cc',
    'no-monitor:aa',
    'no-runtime-state:aa',
    'orphan-layer:tm',
    'orphan-mount:z0',
    'orphan-runtime-state:z0',
    'stale-cgroup:bb',
    'stale-runtime-state:bb',
    'transitional:bb',
  ]);
  assert.deepEqual(compareRecords(r, h).find((f) => f.kind === 'orphan-mount')?.paths, ['/m']);
});
