/** Docker's detach-key syntax and the stdin matcher (src/engine/attach/detach-keys.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DetachKeyMatcher, parseDetachKeys } from '../../src/engine/attach/detach-keys.js';
import { EngineError } from '../../src/engine/errors.js';

test('empty is the default ctrl-p,ctrl-q', () => {
  assert.deepEqual([...parseDetachKeys('')], [16, 17]);
});

test('ctrl- letters, specials, single characters, any case', () => {
  assert.deepEqual([...parseDetachKeys('ctrl-a,ctrl-Z,CTRL-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_')], [1, 26, 0, 27, 28, 29, 30, 31]);
  assert.deepEqual([...parseDetachKeys('a,Z,ctrl-x')], [97, 90, 24]);
});

test('what Docker rejects is invalid-parameter with its message', () => {
  for (const bad of ['ctrl-', 'ctrl-1', 'ctrl-xx', 'shift-a', 'ab', 'ctrl-a,foo', 'é', 'é€']) {
    assert.throws(
      () => parseDetachKeys(bad),
      (err: unknown) => {
        assert.ok(err instanceof EngineError);
        assert.equal(err.kind, 'invalid-parameter');
        assert.equal(err.message, `Invalid detach keys (${bad}) provided`);
        return true;
      },
      bad,
    );
  }
});

test('a comma alone splits into two empty keys and is rejected', () => {
  assert.throws(() => parseDetachKeys(','));
});

test('the matcher passes ordinary bytes and detaches on the sequence', () => {
  const m = new DetachKeyMatcher(parseDetachKeys(''));
  assert.deepEqual(m.push(Buffer.from('ls\n')), { pass: Buffer.from('ls\n'), detached: false });
  assert.deepEqual(m.push(Buffer.from([0x61, 0x10, 0x11, 0x62])), { pass: Buffer.from('a'), detached: true });
});

test('the sequence may be split across chunks; a held prefix is released on mismatch', () => {
  const m = new DetachKeyMatcher(parseDetachKeys('ctrl-a,x'));
  assert.deepEqual(m.push(Buffer.from([1])), { pass: Buffer.alloc(0), detached: false });
  assert.deepEqual(m.push(Buffer.from('y')), { pass: Buffer.from([1, 0x79]), detached: false });
  assert.deepEqual(m.push(Buffer.from([1])), { pass: Buffer.alloc(0), detached: false });
  assert.deepEqual(m.push(Buffer.from('x')), { pass: Buffer.alloc(0), detached: true });
});

test('a repeated first key restarts the match (ctrl-p ctrl-p ctrl-q detaches, passing one ctrl-p)', () => {
  const m = new DetachKeyMatcher(parseDetachKeys(''));
  assert.deepEqual(m.push(Buffer.from([0x10, 0x10, 0x11])), { pass: Buffer.from([0x10]), detached: true });
});

test('a single-key sequence detaches at once', () => {
  const m = new DetachKeyMatcher(parseDetachKeys('q'));
  assert.deepEqual(m.push(Buffer.from('abq')), { pass: Buffer.from('ab'), detached: true });
});
