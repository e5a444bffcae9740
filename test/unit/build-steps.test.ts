import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyConfigStep, duration, goDuration } from '../../src/engine/build/config-steps.js';
import { cacheKey } from '../../src/engine/build/build-state.js';
import { cleanSource, globToRegExp, resolveSources, sourcesChecksum } from '../../src/engine/build/copy-sources.js';
import { copyInto, destinationOf } from '../../src/engine/build/copy-into.js';
import { extractContext, readDockerfile } from '../../src/engine/build/context-dir.js';
import { ContextIndex, indexPath } from '../../src/engine/build/context-index.js';
import { ContextSpool } from '../../src/engine/build/context-spool.js';
import { diskTree } from '../../src/engine/build/source-tree.js';
import zlib from 'node:zlib';
import { lookupFrom } from '../../src/engine/build/dockerfile/expand.js';
import { parseInstruction } from '../../src/engine/build/dockerfile/parser.js';
import { emptyRuntimeConfig } from '../../src/engine/images/changes.js';
import { Readable } from 'node:stream';
import { execFileSync } from 'node:child_process';

const ins = (text: string) => parseInstruction(text, 1);

test('config steps: history texts as the classic builder writes them', () => {
  const vars = lookupFrom(['X=1']);
  const base = emptyRuntimeConfig();
  assert.equal(applyConfigStep(ins('ENV A=$X B="c d"'), base, vars, '\\').text, 'ENV A=1 B=c d');
  assert.deepEqual(applyConfigStep(ins('ENV LEGACY some value'), base, vars, '\\').config.env, ['LEGACY=some value']);
  assert.equal(applyConfigStep(ins('CMD ["a", "b c"]'), base, vars, '\\').text, 'CMD ["a" "b c"]');
  assert.deepEqual(applyConfigStep(ins('CMD echo hi'), base, vars, '\\').config.cmd, ['/bin/sh', '-c', 'echo hi']);
  assert.equal(applyConfigStep(ins('EXPOSE 80 53/udp'), base, vars, '\\').text, 'EXPOSE 53/udp 80');
  assert.equal(applyConfigStep(ins('VOLUME ["/a", "/b"]'), base, vars, '\\').text, 'VOLUME [/a /b]');
  const hc = applyConfigStep(ins('HEALTHCHECK --interval=1m30s --timeout=500ms --retries=3 CMD ["true"]'), base, vars, '\\');
  assert.deepEqual(hc.config.healthcheck, { test: ['CMD', 'true'], interval: 90e9, timeout: 500e6, startPeriod: 0, retries: 3 });
  assert.equal(hc.text, 'HEALTHCHECK &{["CMD" "true"] "1m30s" "500ms" "0s" \'\\x03\'}');
  const withCmd = { ...base, cmd: ['sh'] };
  assert.equal(applyConfigStep(ins('ENTRYPOINT ["x"]'), withCmd, vars, '\\').config.cmd, null, 'a new ENTRYPOINT resets CMD');
  assert.throws(() => applyConfigStep(ins('ONBUILD ONBUILD RUN x'), base, vars, '\\'), /Chaining ONBUILD/);
  assert.throws(() => applyConfigStep(ins('USER --bogus=1 x'), base, vars, '\\'), /Unknown flag: bogus/);
});

test('durations: Go syntax both ways', () => {
  assert.equal(duration('5s', 'interval'), 5e9);
  assert.equal(duration('1h2m3s', 'interval'), 3723e9);
  assert.throws(() => duration('5', 'interval'), /invalid duration/);
  assert.equal(goDuration(0), '0s');
  assert.equal(goDuration(3723e9), '1h2m3s');
  assert.equal(goDuration(60e9), '1m0s');
});

test('cache key: parent, text and checksum all count', () => {
  const k = cacheKey('sha256:a', 'RUN x', 'sum');
  assert.match(k, /^[0-9a-f]{64}$/);
  assert.notEqual(k, cacheKey('sha256:b', 'RUN x', 'sum'));
  assert.notEqual(k, cacheKey('sha256:a', 'RUN y', 'sum'));
  assert.notEqual(k, cacheKey('sha256:a', 'RUN x', 'other'));
  assert.equal(k, cacheKey('sha256:a', 'RUN x', 'sum'));
});

test('COPY path rules: cleaning, globs, destinations', () => {
  assert.equal(cleanSource('./a/../b/'), 'b');
  assert.equal(cleanSource('/abs/x'), 'abs/x');
  assert.equal(cleanSource('.'), '');
  assert.throws(() => cleanSource('../x'), /Forbidden path outside the build context: \.\.\/x/);
  assert.ok(globToRegExp('*.txt').test('a.txt'));
  assert.ok(!globToRegExp('*.txt').test('d/a.txt'), '* does not cross /');
  assert.ok(globToRegExp('d/?.[ch]').test('d/x.c'));
  assert.ok(!globToRegExp('d/[!x].c').test('d/x.c'));
  assert.deepEqual(destinationOf('/app/', ''), { path: '/app', isDir: true });
  assert.deepEqual(destinationOf('rel', '/w'), { path: '/w/rel', isDir: false });
  assert.deepEqual(destinationOf('.', '/w'), { path: '/w', isDir: true });
});

/** A context tar of `files` (path → content; a value starting with '->' is a symlink), as the CLI sends it. */
function contextTar(tmp: string, name: string, files: Record<string, string>): Buffer {
  const dir = path.join(tmp, name);
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    if (content.startsWith('->')) fs.symlinkSync(content.slice(2), path.join(dir, rel));
    else fs.writeFileSync(path.join(dir, rel), content);
  }
  return execFileSync('tar', ['-C', dir, '-c', '.']);
}

const CONTEXT = {
  'a.txt': 'a',
  'b.txt': 'b',
  'd/sub/f': 'f',
  'd/sub/deep.tmp': 'nested, ignored',
  'd/skip.log': 'no',
  'd/ln': '->sub/f',
  '.dockerignore': 'd/*.log\n**/*.tmp\n',
  Dockerfile: 'FROM x\n',
};

test('COPY sources and copying: files, dir contents, globs, .dockerignore', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-copy-'));
  try {
    const ctx = await extractContext(path.join(tmp, 'build'), Readable.from([contextTar(tmp, 'src', CONTEXT)]));
    try {
      assert.ok(ctx.ignored('d/skip.log'));
      assert.ok(!ctx.ignored('d/sub/f'));
      assert.deepEqual(fs.readdirSync(path.join(tmp, 'build')).length, 1);
      const globbed = await resolveSources(ctx.tree, null, ['*.txt'], 'COPY', ctx.ignored);
      assert.deepEqual(
        globbed.map((s) => s.rel),
        ['a.txt', 'b.txt'],
      );
      assert.equal((await resolveSources(ctx.tree, null, ['d/ln'], 'COPY'))[0].at, 'd/sub/f', 'a symlink source is followed');
      await assert.rejects(
        resolveSources(ctx.tree, null, ['d/skip.log'], 'COPY', ctx.ignored),
        /file not found in build context or excluded by \.dockerignore: stat d\/skip\.log/,
      );
      const croot = await ctx.materialize();
      const onDisk = (list: typeof globbed) => list.map((s) => ({ ...s, abs: path.join(croot, s.at) }));
      const root = path.join(tmp, 'root');
      fs.mkdirSync(root);
      await copyInto(root, onDisk(globbed), destinationOf('/t/', ''), { owner: { uid: 0, gid: 0 }, extractArchives: false });
      assert.deepEqual(fs.readdirSync(path.join(root, 't')).sort(), ['a.txt', 'b.txt']);
      const dir = onDisk(await resolveSources(ctx.tree, null, ['d'], 'COPY', ctx.ignored));
      await copyInto(root, dir, destinationOf('/dd', ''), { owner: { uid: 0, gid: 0 }, extractArchives: false, ignored: ctx.ignored });
      assert.deepEqual(fs.readdirSync(path.join(root, 'dd')).sort(), ['ln', 'sub'], 'contents of d, without the ignored file');
      assert.deepEqual(fs.readdirSync(path.join(root, 'dd/sub')), ['f'], 'ignored deeper down too');
      assert.equal(fs.readlinkSync(path.join(root, 'dd/ln')), 'sub/f', 'a symlink inside a directory stays a symlink');
      for (const p of ['sub', 'sub/f']) {
        const [from, to] = [fs.statSync(path.join(croot, 'd', p)), fs.statSync(path.join(root, 'dd', p))];
        assert.deepEqual([to.mode, Math.round(to.mtimeMs), to.uid], [from.mode, Math.round(from.mtimeMs), 0], `${p}: mode, time and owner`);
      }
      fs.chmodSync(path.join(croot, 'd/sub/f'), 0o4750);
      await copyInto(root, dir, destinationOf('/dd', ''), { owner: { uid: 1234, gid: 5678 }, extractArchives: false, ignored: ctx.ignored });
      const again = fs.statSync(path.join(root, 'dd/sub/f'));
      assert.deepEqual([again.mode & 0o7777, again.uid, again.gid], [0o4750, 1234, 5678], 'copied again over itself: setuid kept after the chown');
      await copyInto(root, [onDisk(globbed)[0]], destinationOf('/renamed', ''), { owner: { uid: 0, gid: 0 }, extractArchives: false });
      assert.equal(fs.readFileSync(path.join(root, 'renamed'), 'utf8'), 'a');
      await assert.rejects(
        copyInto(root, onDisk(globbed), destinationOf('/nodir', ''), { owner: { uid: 0, gid: 0 }, extractArchives: false }),
        /must be a directory and end with a \//,
      );
    } finally {
      await ctx.remove();
    }
    assert.deepEqual(fs.readdirSync(path.join(tmp, 'build')), []);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('COPY checksum: the index gives what the extracted files give; an edit changes it, an ignored file does not', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-sum-'));
  const sumOf = async (name: string, files: Record<string, string>, srcs: string[]) => {
    const ctx = await extractContext(path.join(tmp, 'build'), Readable.from([contextTar(tmp, name, files)]));
    try {
      const fromIndex = await sourcesChecksum(await resolveSources(ctx.tree, null, srcs, 'COPY', ctx.ignored), ctx.ignored);
      const disk = diskTree(await ctx.materialize());
      assert.equal(await sourcesChecksum(await resolveSources(disk, null, srcs, 'COPY', ctx.ignored), ctx.ignored), fromIndex, `index = disk for ${srcs}`);
      return fromIndex;
    } finally {
      await ctx.remove();
    }
  };
  try {
    const before = await sumOf('c1', CONTEXT, ['d', 'a.txt']);
    assert.equal(await sumOf('c2', CONTEXT, ['d', 'a.txt']), before, 'stable');
    assert.notEqual(await sumOf('c3', { ...CONTEXT, 'd/sub/f': 'edited' }, ['d', 'a.txt']), before, 'an edit busts it');
    assert.equal(await sumOf('c4', { ...CONTEXT, 'd/skip.log': 'ignored edit' }, ['d', 'a.txt']), before, 'ignored files do not count');
    assert.notEqual(await sumOf('c5', { ...CONTEXT, 'd/ln': '->../a.txt' }, ['d', 'a.txt']), before, 'a symlink target counts');
    assert.equal(await sumOf('c6', { ...CONTEXT, 'b.txt': 'other' }, ['d', 'a.txt']), before, 'files outside the sources do not count');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('build context: gzip, a symlinked Dockerfile (read from disk), a traversal entry refused, a spool in a file', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ctx-'));
  try {
    const gz = zlib.gzipSync(contextTar(tmp, 'g', CONTEXT));
    const ctx = await extractContext(path.join(tmp, 'build'), Readable.from([gz.subarray(0, 100), gz.subarray(100)]));
    assert.equal(await readDockerfile(ctx, ''), 'FROM x\n');
    assert.ok(ctx.tree instanceof ContextIndex, 'a plain context stays in memory');
    assert.deepEqual(fs.readdirSync(fs.readdirSync(path.join(tmp, 'build')).map((d) => path.join(tmp, 'build', d))[0]), [], 'nothing on disk');
    await ctx.remove();
    const linked = await extractContext(path.join(tmp, 'build'), Readable.from([contextTar(tmp, 'l', { 'real.df': 'FROM y\n', Dockerfile: '->real.df' })]));
    assert.equal(await readDockerfile(linked, ''), 'FROM y\n');
    await linked.remove();
    const py =
      'import tarfile,io,sys;t=tarfile.open(fileobj=sys.stdout.buffer,mode="w|");i=tarfile.TarInfo("../escape");i.size=1;t.addfile(i,io.BytesIO(b"x"));t.close()';
    const bad = execFileSync('python3', ['-c', py]);
    await assert.rejects(extractContext(path.join(tmp, 'build'), Readable.from([bad])), /invalid tar archive/);
    assert.deepEqual(fs.readdirSync(path.join(tmp, 'build')), [], 'nothing left after a refusal');
    const spool = new ContextSpool(path.join(tmp, 'spool.tar'), 10);
    for (const part of ['abcdef', 'ghijkl', 'mn']) await spool.write(Buffer.from(part));
    await spool.finish();
    const back: Buffer[] = [];
    for await (const c of spool.read()) back.push(c as Buffer);
    assert.equal(Buffer.concat(back).toString(), 'abcdefghijklmn');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('context index: implied directories, replacements, refusals, symlink resolution', async () => {
  const ix = new ContextIndex();
  assert.equal(ix.add({ path: './a/b/f', type: 'File', mode: 0o644 }), 'a/b/f');
  assert.equal((await ix.lstat('a'))?.mode, 0o040755, 'an implied directory');
  assert.equal(ix.add({ path: 'a/', type: 'Directory', mode: 0o700 }), null);
  assert.equal((await ix.lstat('a'))?.mode, 0o040700);
  ix.add({ path: 'abs', type: 'SymbolicLink', mode: 0o777, linkpath: '/a/b' });
  ix.add({ path: 'up', type: 'SymbolicLink', mode: 0o777, linkpath: '../../a' });
  assert.equal(await ix.resolve('abs/f'), 'a/b/f');
  assert.equal(await ix.resolve('up/b'), 'a/b', '.. stops at the root');
  assert.equal(await ix.resolve('a/b/f/x'), null);
  assert.deepEqual(await ix.list(''), ['a', 'abs', 'up']);
  assert.equal(ix.unsupported, undefined);
  ix.add({ path: 'abs/g', type: 'File', mode: 0o644 });
  assert.match(ix.unsupported ?? '', /under a non-directory/, 'a write through a symlink is left to the untar (which refuses it)');
  for (const h of [
    { path: '../x', type: 'File' },
    { path: 'h', type: 'Link' },
    { path: 'a', type: 'File' },
  ]) {
    const j = new ContextIndex();
    j.add({ path: 'a/f', type: 'File', mode: 0o644 });
    j.add({ mode: 0o644, ...h });
    assert.ok(j.unsupported, `${h.path} ${h.type}`);
  }
  assert.equal(indexPath('/./x//y/'), 'x/y');
  assert.equal(indexPath('x/../y'), null);
});
