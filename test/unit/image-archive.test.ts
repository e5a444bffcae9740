/**
 * Pure parts of save/load/history/prune: the tar writer (read back by
 * node-tar), whiteout classification, chain IDs, config parsing, history
 * rows, prune candidates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Parser, type ReadEntry } from 'tar';
import { entryHeader, paxRecord, tarChunks } from '../../src/engine/images/tar-writer.js';
import { classifyWhiteout } from '../../src/engine/images/whiteouts.js';
import { chainIds, parseImageConfig } from '../../src/engine/images/config-parse.js';
import { imageHistory } from '../../src/engine/images/history.js';
import { pruneCandidates } from '../../src/engine/images/prune.js';
import { parseFilterTime } from '../../src/engine/filters/index.js';
import { isEngineError } from '../../src/engine/errors.js';
import type { ImageRecord } from '../../src/engine/model/image.js';

const hex = (s: string) => createHash('sha256').update(s).digest('hex');

async function readBack(buf: Buffer): Promise<Array<{ path: string; type: string; size: number; body: string }>> {
  const out: Array<{ path: string; type: string; size: number; body: string }> = [];
  const parser = new Parser({
    onReadEntry: (e: ReadEntry) => {
      const chunks: Buffer[] = [];
      e.on('data', (c: Buffer) => chunks.push(c));
      e.on('end', () => out.push({ path: e.path, type: e.type, size: e.size ?? 0, body: Buffer.concat(chunks).toString() }));
    },
  });
  await new Promise<void>((resolve, reject) => {
    parser.on('end', resolve);
    parser.on('error', reject);
    parser.end(buf);
  });
  return out;
}

test('PAX record lengths count themselves, also across a digit boundary', () => {
  for (const value of ['y', 'x'.repeat(90), 'x'.repeat(93), 'x'.repeat(1000)]) {
    const rec = paxRecord('SCHILY.xattr.trusted.overlay.opaque', value);
    assert.equal(Number(rec.split(' ')[0]), Buffer.byteLength(rec), value.length.toString());
  }
});

test('tarChunks writes files, long names and xattrs that node-tar reads back', async () => {
  const long = `${'d'.repeat(80)}/${'f'.repeat(60)}`;
  const parts: Buffer[] = [];
  for await (const c of tarChunks([
    { entry: { name: 'a.txt', type: 'file', mode: 0o644, size: 3 }, content: Buffer.from('abc') },
    { entry: { name: long, type: 'file', mode: 0o600, size: 0 }, content: Buffer.alloc(0) },
    { entry: { name: 'etc/', type: 'dir', mode: 0o755, xattrs: { 'trusted.overlay.opaque': 'y' } } },
    { entry: { name: 'bin/ls', type: 'char', mode: 0, devmajor: 0, devminor: 0 } },
  ]))
    parts.push(c);
  const buf = Buffer.concat(parts);
  assert.equal(buf.length % 512, 0);
  const entries = await readBack(buf);
  assert.deepEqual(
    entries.map((e) => [e.path, e.type]),
    [
      ['a.txt', 'File'],
      [long, 'File'],
      ['etc/', 'Directory'],
      ['bin/ls', 'CharacterDevice'],
    ],
  );
  assert.equal(entries[0].body, 'abc');
});

test('tarChunks fails loudly when content is not the declared size', async () => {
  await assert.rejects(async () => {
    for await (const _ of tarChunks([{ entry: { name: 'x', type: 'file', mode: 0o644, size: 5 }, content: Buffer.from('abc') }])) void _;
  }, /expected 5 bytes, read 3/);
  assert.equal(entryHeader({ name: 'x', type: 'dir', mode: 0o755 }).length, 512);
});

test('classifyWhiteout: whiteouts, opaque markers, ordinary names, bad names', () => {
  assert.deepEqual(classifyWhiteout('./etc/.wh.passwd'), { kind: 'deleted', target: 'etc/passwd' });
  assert.deepEqual(classifyWhiteout('.wh.top'), { kind: 'deleted', target: 'top' });
  assert.deepEqual(classifyWhiteout('etc/.wh..wh..opq'), { kind: 'opaque', target: 'etc' });
  assert.deepEqual(classifyWhiteout('.wh..wh..opq'), { kind: 'opaque', target: '' });
  assert.deepEqual(classifyWhiteout('etc/wh.x'), { kind: 'none' });
  for (const bad of ['a/.wh...', 'a/.wh.', '../.wh.x', 'a/.wh..wh.plnk'])
    assert.throws(
      () => classifyWhiteout(bad),
      (e: unknown) => isEngineError(e, 'invalid-parameter'),
      bad,
    );
});

test('chainIds: the base is its diff ID, the rest hash parent + " " + diff', () => {
  const d1 = `sha256:${hex('1')}`;
  const d2 = `sha256:${hex('2')}`;
  assert.deepEqual(chainIds([d1, d2]), [hex('1'), hex(`sha256:${hex('1')} ${d2}`)]);
  assert.deepEqual(chainIds([]), []);
});

test('parseImageConfig reads Docker configs and refuses broken ones', () => {
  const cfg = parseImageConfig(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-01T00:00:00Z',
      config: { Cmd: ['sh'], Env: ['A=1'], Labels: { k: 'v' }, ExposedPorts: { '80/tcp': {} } },
      rootfs: { type: 'layers', diff_ids: [`sha256:${hex('a')}`] },
      history: [
        { created: '2024-01-01T00:00:00Z', created_by: 'x' },
        { created_by: 'y', empty_layer: true },
      ],
    }),
  );
  assert.deepEqual(cfg.config.cmd, ['sh']);
  assert.deepEqual(cfg.config.exposedPorts, ['80/tcp']);
  assert.equal(cfg.history[1].emptyLayer, true);
  for (const bad of ['nope', '[]', '{"rootfs":{"diff_ids":["md5:x"]}}', `{"rootfs":{"diff_ids":[]},"history":[{"created_by":"x"}]}`]) {
    assert.throws(
      () => parseImageConfig(bad),
      (e: unknown) => isEngineError(e, 'invalid-parameter'),
      bad,
    );
  }
});

function image(over: Partial<ImageRecord>): ImageRecord {
  return {
    id: `sha256:${hex('img')}`,
    tags: [],
    repoDigests: [],
    created: '2024-01-01T00:00:00Z',
    architecture: 'amd64',
    os: 'linux',
    author: '',
    comment: '',
    config: { cmd: null, entrypoint: null, env: [], workingDir: '', user: '', labels: {}, exposedPorts: [], stopSignal: '', volumes: [] },
    diffIds: [],
    layerIds: [],
    history: [],
    size: 0,
    parent: '',
    ...over,
  };
}

test('imageHistory: newest first, ID and tags on top only, empty layers size 0', () => {
  const h = (createdBy: string, emptyLayer = false) => ({ created: '2024-01-01T00:00:00Z', createdBy, comment: '', author: '', emptyLayer });
  const rows = imageHistory(image({ tags: ['docker.io/library/x:1'], history: [h('base'), h('env', true), h('add')] }), [100, 7]);
  assert.deepEqual(
    rows.map((r) => [r.id.startsWith('sha256:') ? 'ID' : r.id, r.createdBy, r.size]),
    [
      ['ID', 'add', 7],
      ['<missing>', 'env', 0],
      ['<missing>', 'base', 100],
    ],
  );
  assert.deepEqual(rows[0].tags, ['docker.io/library/x:1']);
  assert.equal(rows[0].created, 1704067200);
  assert.equal(imageHistory(image({ history: [] }), [5, 6]).length, 2);
});

test('pruneCandidates: dangling default, -a, labels, until, in-use kept, bad filters', () => {
  const now = Date.parse('2024-06-01T00:00:00Z');
  const a = image({ id: 'sha256:a', tags: ['t'], config: { ...image({}).config, labels: { keep: '1' } } });
  const b = image({ id: 'sha256:b', created: '2024-05-31T23:00:00Z' });
  const c = image({ id: 'sha256:c' });
  const ids = (f: Record<string, string[]>, inUse = (_: string) => false) =>
    pruneCandidates([a, b, c], new Map(Object.entries(f)), inUse, now).map((i) => i.id);
  assert.deepEqual(ids({}), ['sha256:b', 'sha256:c']);
  assert.deepEqual(ids({ dangling: ['false'] }), ['sha256:a', 'sha256:b', 'sha256:c']);
  assert.deepEqual(ids({ dangling: ['false'], label: ['keep'] }), ['sha256:a']);
  assert.deepEqual(ids({ dangling: ['false'], 'label!': ['keep=1'] }), ['sha256:b', 'sha256:c']);
  assert.deepEqual(ids({ until: ['2h'] }), ['sha256:c']);
  assert.deepEqual(
    ids({}, (id) => id === 'sha256:c'),
    ['sha256:b'],
  );
  assert.throws(() => ids({ bogus: ['1'] }), /Invalid filter 'bogus'/);
  assert.throws(() => ids({ dangling: ['maybe'] }), /Invalid filter/);
  assert.throws(() => ids({ dangling: ['true', 'false'] }), /^EngineError: Invalid filter 'dangling=\[true false\]'$/);
  assert.throws(() => ids({ until: ['1h', '2h'] }), /more than one until filter specified/);
  assert.deepEqual(ids({ dangling: ['false'], 'label!': ['constructor'] }), ['sha256:a', 'sha256:b', 'sha256:c']);
  assert.equal(parseFilterTime('1700000000', now), 1_700_000_000_000);
  assert.equal(parseFilterTime('1h30m', now), now - 5_400_000);
});
