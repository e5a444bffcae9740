import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lstatOrNull, readTextSync } from '../../src/engine/host/read-sync.js';

test('readTextSync: the text of a file; undefined when missing, a directory or below a file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-read-sync-'));
  try {
    const file = path.join(dir, 'f');
    fs.writeFileSync(file, 'text\n');
    assert.equal(readTextSync(file), 'text\n');
    assert.equal(readTextSync(path.join(dir, 'missing')), undefined);
    assert.equal(readTextSync(dir), undefined);
    assert.equal(readTextSync(path.join(file, 'below')), undefined);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('lstatOrNull: the link itself; null when missing or below a file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-read-sync-'));
  try {
    const link = path.join(dir, 'l');
    fs.symlinkSync('nowhere', link);
    assert.ok(lstatOrNull(link)?.isSymbolicLink());
    assert.equal(lstatOrNull(path.join(dir, 'missing')), null);
    fs.writeFileSync(path.join(dir, 'f'), '');
    assert.equal(lstatOrNull(path.join(dir, 'f', 'below')), null);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
