import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ALL_CAPABILITIES,
  DEFAULT_CAPABILITIES,
  capabilitiesFromMask,
  capabilityMask,
  normalizeCapabilities,
  resolveCapabilities,
} from '../../src/engine/runtime/capabilities.js';
import { isEngineError } from '../../src/engine/errors.js';

test('the default set is Docker 14 with mask a80425fb', () => {
  assert.equal(DEFAULT_CAPABILITIES.length, 14);
  assert.equal(capabilityMask([...DEFAULT_CAPABILITIES]), '00000000a80425fb');
  assert.deepEqual(resolveCapabilities([], [], false), [...DEFAULT_CAPABILITIES]);
});

test('the known list runs to CAP_CHECKPOINT_RESTORE (bit 40)', () => {
  assert.equal(ALL_CAPABILITIES.length, 41);
  assert.equal(ALL_CAPABILITIES[21], 'CAP_SYS_ADMIN');
  assert.equal(ALL_CAPABILITIES[40], 'CAP_CHECKPOINT_RESTORE');
});

test('names are case-insensitive, with or without CAP_', () => {
  assert.deepEqual(normalizeCapabilities(['net_admin', 'CAP_sys_ptrace', 'ALL', 'all'], 'CapAdd'), ['CAP_NET_ADMIN', 'CAP_SYS_PTRACE', 'ALL']);
});

test('unknown names are an invalid-parameter error with Docker text', () => {
  assert.throws(
    () => resolveCapabilities(['FOO'], [], false),
    (err: unknown) =>
      isEngineError(err, 'invalid-parameter') && err.code === 'BERTH_CAPABILITY_UNKNOWN' && err.message === 'invalid CapAdd: unknown capability: "CAP_FOO"',
  );
  assert.throws(() => resolveCapabilities([], ['cap_nope'], false), { message: 'invalid CapDrop: unknown capability: "CAP_NOPE"' });
});

test('add and drop', () => {
  const caps = resolveCapabilities(['NET_ADMIN', 'chown'], ['MKNOD', 'net_raw'], false);
  assert.ok(caps.includes('CAP_NET_ADMIN'));
  assert.ok(!caps.includes('CAP_MKNOD'));
  assert.ok(!caps.includes('CAP_NET_RAW'));
  assert.equal(caps.filter((c) => c === 'CAP_CHOWN').length, 1);
  assert.equal(caps.length, 13);
});

test('a name both added and dropped stays (drop first, then add)', () => {
  assert.ok(resolveCapabilities(['KILL'], ['KILL'], false).includes('CAP_KILL'));
});

test('ALL in capAdd: every capability minus drops', () => {
  const caps = resolveCapabilities(['ALL'], ['SYS_ADMIN'], false);
  assert.equal(caps.length, ALL_CAPABILITIES.length - 1);
  assert.ok(!caps.includes('CAP_SYS_ADMIN'));
});

test('ALL in capDrop: exactly capAdd', () => {
  assert.deepEqual(resolveCapabilities(['chown', 'kill'], ['ALL'], false), ['CAP_CHOWN', 'CAP_KILL']);
  assert.deepEqual(resolveCapabilities([], ['all'], false), []);
});

test('privileged: everything, adds and drops ignored', () => {
  assert.deepEqual(resolveCapabilities([], ['ALL'], true), [...ALL_CAPABILITIES]);
});

test('capabilitiesFromMask reads /proc status masks', () => {
  assert.deepEqual(
    capabilitiesFromMask('00000000a80425fb'),
    [...DEFAULT_CAPABILITIES].sort((a, b) => ALL_CAPABILITIES.indexOf(a) - ALL_CAPABILITIES.indexOf(b)),
  );
  const host = capabilitiesFromMask('000001fffeffffff');
  assert.equal(host.length, 40);
  assert.ok(!host.includes('CAP_SYS_RESOURCE'));
});
