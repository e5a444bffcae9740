/**
 * docker build (classic builder, DOCKER_BUILDKIT=0) against a real berthd:
 * every instruction, the result run and inspected, history rows, a fully
 * cached rebuild, cache busting by an edited file, multi-stage with
 * --target and COPY --from, .dockerignore, ONBUILD, a failing step (no
 * container left with --force-rm), a stdin context, and the HTTP endpoint
 * directly (quiet, build args, labels, parse errors, traversal, ADD of a
 * URL served on 127.0.0.1 and of a local tar).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startDaemon, type TestDaemon } from './helpers/daemon.js';
import { classicBuilder } from './helpers/build.js';
import { importBusybox, parseJsonMessages } from './helpers/images.js';

const skip = process.getuid?.() === 0 ? false : 'needs root';
let d: TestDaemon;
let tmp: string;

before(async () => {
  if (skip) return;
  d = await startDaemon();
  await importBusybox(d);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-build-'));
});

after(async () => {
  await d?.cleanup();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const { context, build, built } = classicBuilder(
  {
    get env() {
      return d.env;
    },
  },
  () => tmp,
);

async function ok(args: string[]): Promise<string> {
  const r = await d.docker(args);
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const ALL = [
  'ARG BASE=busybox',
  'FROM $BASE AS first',
  'ARG V=1',
  'ENV A=b C="d e"',
  'LABEL team=x other="y z"',
  'RUN echo $V > /v \\',
  '  && echo ran',
  'COPY a.txt /app/',
  'COPY --chown=1000:1000 d /dd',
  'ADD a.txt d /multi/',
  'WORKDIR sub',
  'USER 1000:1000',
  'EXPOSE 80 53/udp',
  'VOLUME /data',
  'STOPSIGNAL SIGINT',
  'HEALTHCHECK --interval=5s --retries=2 CMD true',
  'SHELL ["/bin/sh", "-xc"]',
  'ONBUILD RUN echo child > /child',
  'ENTRYPOINT ["sh"]',
  'CMD ["-c", "cat /v /app/a.txt; ls /dd/sub; ls /multi; id -u; pwd"]',
].join('\n');

test('build: every instruction, the image runs with its config, history rows, cached rebuild', { skip }, async () => {
  const dir = context('all', { Dockerfile: ALL, 'a.txt': 'hello\n', 'd/sub/f': 'x\n' });
  const out = await built(['-t', 'app:1', '--build-arg', 'V=2', '--label', 'extra=yes', dir]);
  assert.match(out, /Step 1\/20 : ARG BASE=busybox/);
  assert.match(out, / ---> Running in [0-9a-f]{12}\nran\nRemoving intermediate container [0-9a-f]{12}\n/);
  assert.match(out, /Successfully built [0-9a-f]{12}\nSuccessfully tagged app:1\n/);
  assert.equal(await ok(['run', '--rm', 'app:1']), '2\nhello\nf\na.txt\nsub\n1000\n/sub\n');
  const cfg = JSON.parse(await ok(['image', 'inspect', 'app:1']))[0].Config;
  assert.deepEqual(cfg.Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'A=b', 'C=d e']);
  assert.deepEqual(cfg.Labels, { team: 'x', other: 'y z', extra: 'yes' });
  assert.equal(cfg.WorkingDir, '/sub');
  assert.equal(cfg.User, '1000:1000');
  assert.deepEqual(Object.keys(cfg.ExposedPorts).sort(), ['53/udp', '80/tcp']);
  assert.deepEqual(cfg.Volumes, { '/data': {} });
  assert.equal(cfg.StopSignal, 'SIGINT');
  assert.deepEqual(cfg.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 5e9, Retries: 2 });
  assert.deepEqual(cfg.OnBuild, ['RUN echo child > /child']);
  assert.deepEqual(cfg.Shell, ['/bin/sh', '-xc']);
  assert.deepEqual(cfg.Entrypoint, ['sh']);
  assert.equal(await ok(['run', '--rm', '--entrypoint', 'stat', 'app:1', '-c', '%u:%g', '/dd/sub/f']), '1000:1000\n');
  const history = (await ok(['history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Size}}', 'app:1'])).trim().split('\n');
  assert.equal(history.length, 19);
  assert.equal(history[0], '/bin/sh -xc #(nop)  LABEL extra=yes|0B');
  assert.ok(history.includes('|1 V=2 /bin/sh -c echo $V > /v   && echo ran|2B'), history.join('\n'));
  assert.ok(
    history.some((h) => /^\/bin\/sh -c #\(nop\) COPY file:[0-9a-f]{64} in \/app\/ \|6B$/.test(h)),
    history.join('\n'),
  );
  assert.ok(history.includes('/bin/sh -c #(nop)  ENV A=b C=d e|0B'));
  assert.ok(history.includes('/bin/sh -c #(nop)  HEALTHCHECK &{["CMD-SHELL" "true"] "5s" "0s" "0s" \'\\x02\'}|0B'), history.join('\n'));
  assert.match(history[history.length - 1], /^Imported from -\|/);
  // Built locally: every row is an image of the parent chain, as dockerd shows it.
  const ids = (await ok(['history', '-q', 'app:1'])).trim().split('\n');
  assert.equal(ids.length, 19);
  assert.ok(
    ids.every((id) => /^[0-9a-f]{12}$/.test(id)),
    ids.join(' '),
  );
  assert.equal(ids[ids.length - 1], (await ok(['images', '-q', 'busybox'])).trim());

  const t0 = Date.now();
  const again = await built(['-t', 'app:1', '--build-arg', 'V=2', '--label', 'extra=yes', dir]);
  const ms = Date.now() - t0;
  assert.equal((again.match(/---> Using cache/g) ?? []).length, 18, again);
  assert.doesNotMatch(again, /Running in/);
  assert.ok(ms < 5000, `cached rebuild took ${ms} ms`);
  assert.equal((await ok(['ps', '-aq'])).trim(), '');
});

test('build: an edited COPY source busts the cache from that step on; --no-cache', { skip }, async () => {
  const dir = context('bust', { Dockerfile: 'FROM busybox\nRUN echo one > /one\nCOPY f /f\nRUN cat /f > /g\n', f: 'v1\n' });
  await built(['-t', 'bust:1', dir]);
  fs.writeFileSync(path.join(dir, 'f'), 'v2\n');
  const out = await built(['-t', 'bust:1', dir]);
  assert.equal((out.match(/Using cache/g) ?? []).length, 1, out);
  assert.equal(await ok(['run', '--rm', 'bust:1', 'cat', '/g']), 'v2\n');
  const fresh = await built(['--no-cache', '-t', 'bust:1', dir]);
  assert.doesNotMatch(fresh, /Using cache/);
});

test('build: multi-stage, --target, COPY --from by name and index, unneeded stages skipped', { skip }, async () => {
  const dir = context('multi', {
    Dockerfile: [
      'FROM busybox AS builder',
      'RUN echo built > /artifact',
      'FROM busybox AS broken',
      'RUN exit 7',
      'FROM busybox',
      'COPY --from=builder /artifact /a1',
      'COPY --from=0 /artifact /a2',
      'CMD ["cat", "/a1", "/a2"]',
    ].join('\n'),
  });
  const out = await built(['-t', 'multi:1', dir]);
  assert.doesNotMatch(out, /exit 7/);
  assert.equal(await ok(['run', '--rm', 'multi:1']), 'built\nbuilt\n');
  const q = await built(['--target', 'builder', '--no-cache', '-q', dir]);
  const id = q.trim().split('\n').pop()!;
  assert.match(id, /^sha256:[0-9a-f]{64}$/);
  assert.equal(await ok(['run', '--rm', id, 'cat', '/artifact']), 'built\n');
});

test('build: .dockerignore hides files from COPY .', { skip }, async () => {
  const dir = context('ignore', {
    Dockerfile: 'FROM busybox\nCOPY . /ctx/\nCMD ["ls", "-A", "/ctx"]\n',
    '.dockerignore': '*.log\nsecret\n!keep.log\n',
    'a.log': 'x',
    'keep.log': 'y',
    secret: 'z',
    'src/main': 'm',
  });
  await built(['-t', 'ign:1', dir]);
  assert.equal(await ok(['run', '--rm', 'ign:1']), '.dockerignore\nDockerfile\nkeep.log\nsrc\n');
});

test('build: ONBUILD triggers run in the child build', { skip }, async () => {
  const parent = context('onb-parent', { Dockerfile: 'FROM busybox\nONBUILD RUN echo triggered > /trig\n' });
  await built(['-t', 'onb:parent', parent]);
  const child = context('onb-child', { Dockerfile: 'FROM onb:parent\nCMD ["cat", "/trig"]\n' });
  const out = await built(['-t', 'onb:child', child]);
  assert.match(out, /# Executing 1 build trigger\n/);
  assert.equal(await ok(['run', '--rm', 'onb:child']), 'triggered\n');
  const cfg = JSON.parse(await ok(['image', 'inspect', 'onb:child']))[0].Config;
  assert.equal(cfg.OnBuild, null);
});

test('build: a failing RUN reports its exit code; --force-rm leaves no container; nothing tagged', { skip }, async () => {
  const dir = context('fail', { Dockerfile: 'FROM busybox\nRUN echo before; exit 3\n' });
  const r = await build(['--force-rm', '-t', 'fail:1', dir]);
  assert.equal(r.code, 3);
  assert.match(r.stderr + r.stdout, /The command '\/bin\/sh -c echo before; exit 3' returned a non-zero code: 3/);
  assert.match(r.stdout, /before\n/);
  assert.equal((await ok(['ps', '-aq'])).trim(), '');
  assert.equal((await d.docker(['image', 'inspect', 'fail:1'])).code, 1);
  // Without --force-rm the failed step's container stays, as with dockerd.
  const kept = await build([dir]);
  assert.equal(kept.code, 3);
  const left = (await ok(['ps', '-aq'])).trim().split('\n').filter(Boolean);
  assert.equal(left.length, 1);
  await ok(['rm', ...left]);
});

test('build: bad input — parse error with its line, missing COPY source, no Dockerfile', { skip }, async () => {
  const parse = await build([context('bad-parse', { Dockerfile: 'FROM busybox\nRUN true\nFOO bar\n' })]);
  assert.notEqual(parse.code, 0);
  assert.match(parse.stderr, /dockerfile parse error line 3: unknown instruction: FOO/);
  const missing = await build([context('bad-copy', { Dockerfile: 'FROM busybox\nCOPY nope /x\n' })]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /COPY failed: file not found in build context or excluded by \.dockerignore: stat nope: file does not exist/);
  const outside = await build([context('bad-outside', { Dockerfile: 'FROM busybox\nCOPY ../x /x\n' })]);
  assert.match(outside.stderr, /Forbidden path outside the build context: \.\.\/x/);
  assert.equal((await ok(['ps', '-aq'])).trim(), '');
});

test('build: context from stdin (tar | docker build -)', { skip }, async () => {
  const dir = context('stdin', { Dockerfile: 'FROM busybox\nCOPY src /src\nCMD ["cat", "/src/x"]\n', 'src/x': 'from stdin\n' });
  const tar = execFileSync('tar', ['-C', dir, '-c', 'Dockerfile', 'src']);
  const r = await build(['-t', 'fromstdin', '-'], tar);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await ok(['run', '--rm', 'fromstdin']), 'from stdin\n');
});

test('POST /build: quiet, buildargs, labels, ADD of a URL on 127.0.0.1 and of a local tar; traversal refused', { skip }, async () => {
  const server = http.createServer((req, res) => {
    if (req.url === '/file.txt') res.writeHead(200, { 'Last-Modified': 'Wed, 21 Oct 2015 07:28:00 GMT' }).end('downloaded\n');
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as AddressInfo).port;
    const dir = context('http', {
      Dockerfile: `FROM busybox\nARG WHO\nADD http://127.0.0.1:${port}/file.txt /dl/\nADD arch.tar /x/\nRUN echo $WHO > /who\n`,
      'inner/a': 'in tar\n',
    });
    execFileSync('tar', ['-C', path.join(dir, 'inner'), '-cf', path.join(dir, 'arch.tar'), 'a']);
    const body = execFileSync('tar', ['-C', dir, '-cz', 'Dockerfile', 'arch.tar']);
    const res = await d.request('POST', '/build', {
      query: { t: 'viahttp:1', q: '1', buildargs: JSON.stringify({ WHO: 'me' }), labels: JSON.stringify({ l: 'v' }), networkmode: 'host' },
      headers: { 'Content-Type': 'application/x-tar' },
      body,
    });
    assert.equal(res.status, 200);
    const msgs = parseJsonMessages(res.body);
    assert.equal(msgs.length, 1, JSON.stringify(msgs));
    assert.match(msgs[0].stream, /^sha256:[0-9a-f]{64}\n$/);
    assert.equal(await ok(['run', '--rm', 'viahttp:1', 'cat', '/dl/file.txt', '/x/a', '/who']), 'downloaded\nin tar\nme\n');
    assert.equal(await ok(['run', '--rm', 'viahttp:1', 'stat', '-c', '%a %Y', '/dl/file.txt']), '600 1445412480\n');
    assert.deepEqual(JSON.parse(await ok(['image', 'inspect', 'viahttp:1']))[0].Config.Labels, { l: 'v' });
  } finally {
    server.close();
  }
  const evil = execFileSync('python3', [
    '-c',
    [
      'import io,tarfile,sys',
      'b=io.BytesIO()',
      't=tarfile.open(fileobj=b,mode="w")',
      'i=tarfile.TarInfo("../escape");i.size=1;t.addfile(i,io.BytesIO(b"x"))',
      't.close()',
      'sys.stdout.buffer.write(b.getvalue())',
    ].join('\n'),
  ]);
  const bad = await d.request('POST', '/build', { headers: { 'Content-Type': 'application/x-tar' }, body: evil });
  assert.equal(bad.status, 400);
  assert.match(bad.body.toString(), /invalid tar archive/);
  const parse = await d.request('POST', '/build', {
    headers: { 'Content-Type': 'application/x-tar' },
    body: execFileSync('tar', ['-C', context('http-bad', { Dockerfile: 'FROM busybox\nBOGUS x\n' }), '-c', 'Dockerfile']),
  });
  assert.equal(parse.status, 400);
  assert.equal(JSON.parse(parse.body.toString()).message, 'dockerfile parse error line 2: unknown instruction: BOGUS');
  const fail = await d.request('POST', '/build', {
    query: { forcerm: '1' },
    headers: { 'Content-Type': 'application/x-tar' },
    body: execFileSync('tar', ['-C', context('http-fail', { Dockerfile: 'FROM busybox\nRUN exit 4\n' }), '-c', 'Dockerfile']),
  });
  const last = parseJsonMessages(fail.body).pop()!;
  assert.deepEqual(last.errorDetail, { code: 4, message: "The command '/bin/sh -c exit 4' returned a non-zero code: 4" });
  assert.deepEqual(fs.readdirSync(path.join(d.dataRoot, 'build')), []);
  const prune = JSON.parse((await d.request('POST', '/build/prune')).body.toString());
  assert.ok(prune.CachesDeleted.length > 0 && prune.CachesDeleted.every((k: string) => /^[0-9a-f]{64}$/.test(k)), JSON.stringify(prune));
  assert.equal(prune.SpaceReclaimed, 0);
  const again = await d.request('POST', '/build/prune');
  assert.deepEqual(JSON.parse(again.body.toString()), { CachesDeleted: null, SpaceReclaimed: 0 });
});

test('POST /build: a client that goes away cancels the build; its RUN container is killed and removed', { skip }, async () => {
  const body = execFileSync('tar', ['-C', context('cancel', { Dockerfile: 'FROM busybox\nRUN echo started; sleep 60\nRUN echo never\n' }), '-c', 'Dockerfile']);
  await new Promise<void>((resolve, reject) => {
    const req = http.request({ socketPath: d.socket, method: 'POST', path: '/build?rm=1', headers: { 'Content-Type': 'application/x-tar' } }, (res) => {
      let seen = '';
      res.on('data', (c: Buffer) => {
        seen += c.toString();
        if (seen.includes('started')) {
          req.destroy();
          resolve();
        }
      });
      res.on('error', () => {});
    });
    req.on('error', () => {});
    req.setTimeout(30_000, () => reject(new Error('no output from the RUN step')));
    req.end(body);
  });
  const t0 = Date.now();
  for (;;) {
    const left = (await ok(['ps', '-aq'])).trim();
    if (left === '' && fs.readdirSync(path.join(d.dataRoot, 'build')).length === 0) break;
    assert.ok(Date.now() - t0 < 20_000, `build containers left after cancel: ${left}`);
    await new Promise((r) => setTimeout(r, 200));
  }
});

test('build: docker rmi deletes the untagged intermediate images with it (unless --no-prune)', { skip }, async () => {
  const before = (await ok(['images', '-aq'])).trim().split('\n').length;
  const dir = context('rmi', { Dockerfile: 'FROM busybox\nENV RMI=1\nRUN echo rmi > /rmi\nCMD ["cat", "/rmi"]\n' });
  await built(['-t', 'rmi:1', dir]);
  assert.equal((await ok(['images', '-aq'])).trim().split('\n').length, before + 3);
  const chain = (await ok(['history', '-q', 'rmi:1'])).trim().split('\n');
  const dangling = (await ok(['images', '-q', '--filter', 'dangling=true'])).trim().split('\n');
  assert.ok(!chain.some((id) => dangling.includes(id)), 'intermediate images are not dangling');
  const out = await ok(['rmi', 'rmi:1']);
  assert.equal((out.match(/^Deleted: sha256:/gm) ?? []).length, 4, out);
  assert.equal((await ok(['images', '-aq'])).trim().split('\n').length, before);
});
