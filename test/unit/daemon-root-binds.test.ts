/** dockerd's validateBindDaemonRoot rule on berth's data root (daemon-root-binds.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDaemonRootRule } from '../../src/engine/containers/daemon-root-binds.js';
import type { MountSpec } from '../../src/engine/model/container.js';

const ROOT = '/var/lib/berth';
const bind = (source: string, over: Partial<MountSpec> = {}): MountSpec => ({ type: 'bind', source, target: '/x', readOnly: false, origin: 'mounts', ...over });

test('a bind inside the data root, or containing it, gets rslave when it asks for no propagation (Binds and Mounts alike)', () => {
  for (const source of [`${ROOT}/volumes`, ROOT, '/var/lib', '/', `${ROOT}/x/../volumes`]) {
    for (const origin of ['mounts', 'binds'] as const) {
      assert.deepEqual(
        applyDaemonRootRule(bind(source, { origin }), ROOT),
        { ...bind(source, { origin }), propagation: 'rslave', propagationImplied: true },
        source,
      );
    }
  }
  // dockerd compares plain string prefixes: a sibling whose name extends the root's counts too.
  assert.equal(applyDaemonRootRule(bind('/var/lib/berth2'), ROOT).propagation, 'rslave');
});

test('rslave and rshared are kept; any other propagation is refused with dockerd 20.10 text', () => {
  assert.deepEqual(applyDaemonRootRule(bind(`${ROOT}/v`, { propagation: 'rshared' }), ROOT), bind(`${ROOT}/v`, { propagation: 'rshared' }));
  assert.deepEqual(applyDaemonRootRule(bind(`${ROOT}/v`, { propagation: 'rslave' }), ROOT), bind(`${ROOT}/v`, { propagation: 'rslave' }));
  for (const propagation of ['private', 'rprivate', 'slave', 'shared']) {
    assert.throws(
      () => applyDaemonRootRule(bind(`${ROOT}/volumes`, { propagation, origin: 'binds' }), ROOT),
      (err: Error & { kind?: string }) =>
        err.kind === 'invalid-parameter' &&
        err.message ===
          `invalid mount config: must use either propagation mode "rslave" or "rshared" when mount source is within the daemon root, daemon root: "${ROOT}", bind mount source: "${ROOT}/volumes", propagation: "${propagation}"`,
    );
  }
});

test('binds elsewhere, volumes, tmpfs and inherited mounts are left alone', () => {
  const others: MountSpec[] = [
    bind('/srv/data', { propagation: 'private' }),
    bind('/var/lib/other'),
    { type: 'volume', name: 'v', source: `${ROOT}/volumes/v/_data`, target: '/v', readOnly: false, origin: 'binds' },
    { type: 'tmpfs', source: '', target: '/t', readOnly: false, origin: 'tmpfs' },
    bind(`${ROOT}/volumes`, { origin: 'volumes-from', propagation: 'private' }),
  ];
  for (const m of others) assert.equal(applyDaemonRootRule(m, ROOT), m);
});
