import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planImageRemoval } from '../../src/engine/images/image-remove.js';
import { isEngineError } from '../../src/engine/errors.js';
import type { ImageRecord } from '../../src/engine/model/image.js';

const ID = `sha256:6d5a1b2c3d4e${'f'.repeat(52)}`;
const C = `0123456789ab${'c'.repeat(52)}`;
const BB = 'docker.io/library/busybox:latest';
const B2 = 'docker.io/library/busybox:2';
const image = (tags: string[]) => ({ id: ID, tags }) as unknown as ImageRecord;
const conflictWith = (message: string) => (e: unknown) => isEngineError(e, 'conflict') && e.message === message;

test('by tag: untag only while other tags remain, even when in use', () => {
  assert.deepEqual(planImageRemoval({ image: image([BB, B2]), ref: 'busybox', tag: BB, users: [{ id: C, running: true }], force: false }), {
    untag: [BB],
    delete: false,
  });
  assert.deepEqual(planImageRemoval({ image: image([BB]), ref: 'busybox', tag: BB, users: [], force: false }), { untag: [BB], delete: true });
});

test('by tag: last tag of an image in use needs force, and force keeps it dangling', () => {
  assert.throws(
    () => planImageRemoval({ image: image([BB]), ref: 'busybox:latest', tag: BB, users: [{ id: C, running: false }], force: false }),
    conflictWith(
      'conflict: unable to remove repository reference "busybox:latest" (must force) - container 0123456789ab is using its referenced image 6d5a1b2c3d4e',
    ),
  );
  assert.deepEqual(planImageRemoval({ image: image([BB]), ref: 'busybox', tag: BB, users: [{ id: C, running: true }], force: true }), {
    untag: [BB],
    delete: false,
  });
});

test('by ID: Docker conflicts and their order', () => {
  assert.throws(
    () => planImageRemoval({ image: image([BB]), ref: '6d5a', tag: null, users: [{ id: C, running: true }], force: true }),
    conflictWith('conflict: unable to delete 6d5a1b2c3d4e (cannot be forced) - image is being used by running container 0123456789ab'),
  );
  assert.throws(
    () => planImageRemoval({ image: image([BB, B2]), ref: '6d5a', tag: null, users: [{ id: C, running: false }], force: false }),
    conflictWith('conflict: unable to delete 6d5a1b2c3d4e (must be forced) - image is referenced in multiple repositories'),
  );
  assert.throws(
    () => planImageRemoval({ image: image([BB]), ref: '6d5a', tag: null, users: [{ id: C, running: false }], force: false }),
    conflictWith('conflict: unable to delete 6d5a1b2c3d4e (must be forced) - image is being used by stopped container 0123456789ab'),
  );
  assert.deepEqual(planImageRemoval({ image: image([BB, B2]), ref: '6d5a', tag: null, users: [], force: true }), { untag: [BB, B2], delete: true });
  assert.deepEqual(planImageRemoval({ image: image([BB]), ref: '6d5a', tag: null, users: [], force: false }), { untag: [BB], delete: true });
  assert.deepEqual(planImageRemoval({ image: image([]), ref: '6d5a', tag: null, users: [{ id: C, running: false }], force: true }), {
    untag: [],
    delete: false,
  });
});
