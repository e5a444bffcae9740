import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyConfigStep, duration, goDuration } from '../../src/engine/build/config-steps.js';
import { cacheKey } from '../../src/engine/build/build-state.js';
import { cleanSource, globToRegExp, resolveSources, sourcesChecksum } from '../../src/engine/build/copy-sources.js';
import { copyInto, destinationOf } from '../../src/engine/build/copy-into.js';
import { extractContext } from '../../src/engine/build/context-dir.js';
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

test('COPY sources and copying: files, dir contents, globs, .dockerignore, checksum changes on edit', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-copy-'));
  try {
    const src = path.join(tmp, 'src');
    fs.mkdirSync(path.join(src, 'd/sub'), { recursive: true });
    fs.writeFileSync(path.join(src, 'a.txt'), 'a');
    fs.writeFileSync(path.join(src, 'b.txt'), 'b');
    fs.writeFileSync(path.join(src, 'd/sub/f'), 'f');
    fs.writeFileSync(path.join(src, 'd/skip.log'), 'no');
    fs.writeFileSync(path.join(src, '.dockerignore'), 'd/*.log\n');
    const tar = execFileSync('tar', ['-C', src, '-c', '.']);
    const ctx = await extractContext(path.join(tmp, 'build'), Readable.from([tar]));
    try {
      assert.ok(ctx.ignored('d/skip.log'));
      assert.ok(!ctx.ignored('d/sub/f'));
      const globbed = await resolveSources(ctx.root, ['*.txt'], 'COPY', ctx.ignored);
      assert.deepEqual(
        globbed.map((s) => s.rel),
        ['a.txt', 'b.txt'],
      );
      await assert.rejects(
        resolveSources(ctx.root, ['d/skip.log'], 'COPY', ctx.ignored),
        /file not found in build context or excluded by \.dockerignore: stat d\/skip\.log/,
      );
      const root = path.join(tmp, 'root');
      fs.mkdirSync(root);
      await copyInto(root, globbed, destinationOf('/t/', ''), { owner: { uid: 0, gid: 0 }, extractArchives: false });
      assert.deepEqual(fs.readdirSync(path.join(root, 't')).sort(), ['a.txt', 'b.txt']);
      const dir = await resolveSources(ctx.root, ['d'], 'COPY', ctx.ignored);
      await copyInto(root, dir, destinationOf('/dd', ''), { owner: { uid: 0, gid: 0 }, extractArchives: false, ignored: ctx.ignored });
      assert.deepEqual(fs.readdirSync(path.join(root, 'dd')).sort(), ['sub'], 'contents of d, without the ignored file');
      await copyInto(root, [globbed[0]], destinationOf('/renamed', ''), { owner: { uid: 0, gid: 0 }, extractArchives: false });
      assert.equal(fs.readFileSync(path.join(root, 'renamed'), 'utf8'), 'a');
      await assert.rejects(
        copyInto(root, globbed, destinationOf('/nodir', ''), { owner: { uid: 0, gid: 0 }, extractArchives: false }),
        /must be a directory and end with a \//,
      );
      const before = await sourcesChecksum(dir, ctx.ignored);
      fs.writeFileSync(path.join(ctx.root, 'd/sub/f'), 'edited');
      assert.notEqual(await sourcesChecksum(dir, ctx.ignored), before);
      fs.writeFileSync(path.join(ctx.root, 'd/skip.log'), 'ignored edit');
      const after = await sourcesChecksum(dir, ctx.ignored);
      fs.writeFileSync(path.join(ctx.root, 'd/skip.log'), 'another');
      assert.equal(await sourcesChecksum(dir, ctx.ignored), after, 'ignored files do not count');
    } finally {
      await ctx.remove();
    }
    assert.deepEqual(fs.readdirSync(path.join(tmp, 'build')), []);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
