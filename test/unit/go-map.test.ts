import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goMap, goSet } from '../../src/server/wire/go-map.js';

test('goMap orders keys bytewise as Go does (upper case before lower, UTF-8 order)', () => {
  assert.deepEqual(Object.keys(goMap({ zeta: 1, alpha: 2, Mid: 3, é: 4, _x: 5 })), ['Mid', '_x', 'alpha', 'zeta', 'é']);
  assert.deepEqual(goMap({}), {});
});

test('goSet writes a sorted set, null when empty', () => {
  assert.deepEqual(goSet(['9000/tcp', '1000/tcp']), { '1000/tcp': {}, '9000/tcp': {} });
  assert.deepEqual(Object.keys(goSet(['9000/tcp', '1000/tcp']) ?? {}), ['1000/tcp', '9000/tcp']);
  assert.equal(goSet([]), null);
});
