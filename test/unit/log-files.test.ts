import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { logBackstop, logLimits, parseLogSize, rotatedOf, validateLogConfig } from '../../src/engine/containers/log-files.js';
import { filesToDelete, LogPins, MAX_HELD } from '../../src/engine/containers/log-pins.js';
import { LogKeeper } from '../../src/engine/containers/log-rotation.js';

test('sizes read as Docker reads them (binary units)', () => {
  assert.equal(parseLogSize('64k'), 65536);
  assert.equal(parseLogSize('10m'), 10 * 1024 * 1024);
  assert.equal(parseLogSize('1.5g'), 1.5 * 1024 ** 3);
  assert.equal(parseLogSize('512KiB'), 512 * 1024);
  assert.equal(parseLogSize('100'), 100);
  assert.equal(parseLogSize('abc'), undefined);
  assert.equal(parseLogSize('-1'), undefined);
});

test('limits: the container options, else the daemon cap with one file; none keeps a small unreadable window', () => {
  assert.deepEqual(logLimits(undefined, 1000), { readable: true, maxSize: 1000, maxFile: 1 });
  assert.deepEqual(logLimits({ type: 'json-file', config: { 'max-size': '1k', 'max-file': '3' } }, 1000), { readable: true, maxSize: 1024, maxFile: 3 });
  assert.deepEqual(logLimits({ type: 'json-file', config: { 'max-file': '3' } }, 0), { readable: true, maxSize: 0, maxFile: 3 });
  assert.deepEqual(logLimits({ type: 'local', config: {} }, 0), { readable: true, maxSize: 20 * 1024 * 1024, maxFile: 5 });
  assert.equal(logLimits({ type: 'none', config: {} }, 0).readable, false);
});

test("conmon's backstop cap sits well above max-size (256 MiB or max-size more), none without rotation", () => {
  const MiB = 1024 * 1024;
  assert.equal(logBackstop({ readable: true, maxSize: MiB, maxFile: 1 }), 257 * MiB);
  assert.equal(logBackstop({ readable: true, maxSize: 512 * MiB, maxFile: 1 }), 1024 * MiB);
  assert.equal(logBackstop({ readable: true, maxSize: 0, maxFile: 3 }), 0);
});

test('rotated files are ctr.log.<digits>, in seq order; the tmp file and others are not', () => {
  assert.deepEqual(rotatedOf('ctr.log', ['ctr.log', 'ctr.log.10', 'ctr.log.2', 'ctr.log.tmp', 'ctr.logx.1', 'hosts']), [2, 10]);
});

test('create-time checks use dockerd wording', () => {
  assert.throws(() => validateLogConfig({ type: 'foo', config: {} }), /error looking up logging plugin foo: plugin "foo" not found/);
  assert.throws(() => validateLogConfig({ type: 'syslog', config: {} }), /not supported by berth/);
  assert.throws(() => validateLogConfig({ type: 'json-file', config: { foo: '1' } }), /unknown log opt 'foo' for json-file log driver/);
  assert.throws(() => validateLogConfig({ type: 'json-file', config: { 'max-size': 'abc' } }), /invalid size: 'abc'/);
  assert.throws(() => validateLogConfig({ type: 'json-file', config: { 'max-size': '0' } }), /max-size must be a positive number/);
  assert.throws(() => validateLogConfig({ type: 'json-file', config: { 'max-file': '0' } }), /max-file cannot be less than 1/);
  validateLogConfig({ type: 'json-file', config: { 'max-size': '10m', 'max-file': '3', compress: 'false' } });
  validateLogConfig({ type: 'none', config: { 'max-size': '1m' } });
});

test('pruning keeps max-file files and spares what a reader still needs, up to MAX_HELD', () => {
  assert.deepEqual(filesToDelete([1, 2, 3, 4], 3, Infinity), { remove: [1, 2], overrun: [] });
  assert.deepEqual(filesToDelete([1, 2, 3, 4], 1, 3), { remove: [1, 2], overrun: [] });
  const many = Array.from({ length: MAX_HELD + 5 }, (_, i) => i + 1);
  const { remove, overrun } = filesToDelete(many, 1, 1);
  assert.deepEqual(overrun, [1, 2, 3, 4, 5]);
  assert.deepEqual(remove, overrun);
});

test('pins: the lowest need wins; whenFree runs after the last reader leaves', () => {
  const pins = new LogPins();
  const a = pins.pin('/l');
  const b = pins.pin('/l');
  a.need = 5;
  b.need = 3;
  assert.equal(pins.lowestNeed('/l'), 3);
  let freed = 0;
  pins.whenFree('/l', () => freed++);
  b.close();
  assert.equal(freed, 0);
  a.close();
  assert.equal(freed, 1);
  pins.whenFree('/l', () => freed++);
  assert.equal(freed, 2);
});

test('log keeper: rotated files past max-file go at watch and, once readers left, at unwatch; a log never rotated is not listed again at unwatch', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-log-keeper-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const keeper = new LogKeeper(pino({ level: 'silent' }));
  const logPath = path.join(dir, 'ctr.log');
  const target = { logPath, ctlPath: path.join(dir, 'ctl'), limits: { readable: true, maxSize: 1024, maxFile: 2 } };
  fs.writeFileSync(logPath, 'x');
  for (const seq of [1, 2, 3]) fs.writeFileSync(`${logPath}.${seq}`, 'old');
  keeper.watch('a', target);
  await keeper.settled('a');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['ctr.log', 'ctr.log.3'], 'max-file 2: the current file and the newest rotated one');
  // A reader still needs the kept file when the next run keeps no rotated file: it goes once the reader left.
  keeper.unwatch('a');
  const pin = keeper.pins.pin(logPath);
  pin.need = 3;
  keeper.watch('a', { ...target, limits: { ...target.limits, maxFile: 1 } });
  await keeper.settled('a');
  assert.ok(fs.existsSync(`${logPath}.3`), 'a reader needs it');
  keeper.unwatch('a');
  assert.ok(fs.existsSync(`${logPath}.3`), 'still needed');
  pin.close();
  for (let i = 0; i < 100 && fs.existsSync(`${logPath}.3`); i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(fs.readdirSync(dir), ['ctr.log']);

  // No rotated file left: the next unwatch does not list the directory again.
  keeper.watch('a', target);
  await keeper.settled('a');
  const listings = t.mock.method(fs, 'readdirSync');
  keeper.unwatch('a');
  await new Promise((r) => setImmediate(r));
  assert.equal(listings.mock.callCount(), 0);
  keeper.close();
});
