/**
 * docker build (classic builder) and the registry, against a real berthd and
 * Debian's docker-registry on 127.0.0.1: a FROM image missing locally is
 * pulled (its progress in the build's output), --pull pulls even a present
 * one, --platform picks a manifest list's entry, an unknown platform
 * specifier is dockerd's 400, and an image for another OS is refused.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { classicBuilder } from './helpers/build.js';
import { dockerExpect, skipUnlessRoot } from './helpers/docker-cli.js';
import { dockerArchive, makeImage } from './helpers/image-archives.js';
import { busyboxRootfsTar } from './helpers/images.js';
import { randomLayer, skipUnlessRegistry, startRegistry, type TestRegistry } from './helpers/registry.js';
import { useDaemon } from './helpers/suite.js';

const skip = skipUnlessRoot() || skipUnlessRegistry();

describe('docker build: FROM images from a registry', { skip }, () => {
  const d = useDaemon({ skip });
  let reg: TestRegistry | undefined;
  let R = '';
  let tmp = '';
  before(async () => {
    if (skip) return;
    reg = await startRegistry();
    R = reg.host;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-build-pull-'));
  });
  after(async () => {
    await reg?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const cb = classicBuilder(d, () => tmp);
  const { build, built } = cb;
  /** A context dir holding only this Dockerfile. */
  const context = (name: string, dockerfile: string) => cb.context(name, { Dockerfile: dockerfile });
  const cat = async (image: string, file: string) => (await dockerExpect(d, ['run', '--rm', image, 'cat', file])).stdout;
  async function load(images: ReturnType<typeof makeImage>[]): Promise<void> {
    const res = await d.request('POST', '/images/load', { body: await dockerArchive(images), headers: { 'Content-Type': 'application/x-tar' } });
    assert.equal(res.status, 200, res.body.toString());
  }

  test('a missing FROM image is pulled; --pull pulls a present one again', async () => {
    const dir = context('v2', 'FROM busybox\nRUN echo v2 > /v\n');
    await built(['-t', `${R}/pl:1`, dir]);
    await dockerExpect(d, ['push', `${R}/pl:1`]);
    await dockerExpect(d, ['rmi', `${R}/pl:1`]);
    const child = context('child', `FROM ${R}/pl:1\nRUN (cat /v 2>/dev/null || echo old) > /seen\n`);
    const pulled = await built(['-t', 'pl-child:1', child]);
    assert.match(pulled, /1: Pulling from pl/);
    assert.match(pulled, new RegExp(`Status: Downloaded newer image for ${R}/pl:1`));
    assert.equal(await cat('pl-child:1', '/seen'), 'v2\n');
    // The local tag goes back to plain busybox: only --pull sees the registry's v2 again.
    await dockerExpect(d, ['tag', 'busybox', `${R}/pl:1`]);
    await built(['--no-cache', '-t', 'pl-child:2', child]);
    assert.equal(await cat('pl-child:2', '/seen'), 'old\n');
    const again = await built(['--pull', '--no-cache', '-t', 'pl-child:3', child]);
    assert.match(again, /Pulling from pl/);
    assert.equal(await cat('pl-child:3', '/seen'), 'v2\n');
    const missing = await build([context('missing', `FROM ${R}/nothing-here:1\nRUN true\n`)]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr + missing.stdout, /manifest unknown|not found/);
  });

  test('--platform picks the manifest list entry; bad specifiers and other OSes are refused as dockerd refuses them', async () => {
    const base = fs.readFileSync(await busyboxRootfsTar());
    const amd = makeImage([base], [`${R}/multi:amd64`]);
    const arm = makeImage([base, await randomLayer('arm.bin', 1000)], [`${R}/multi:arm64`]);
    const win = makeImage([base, await randomLayer('win.bin', 1000)], [`${R}/multi:windows`], { os: 'windows' });
    await load([amd, arm, win]);
    const pushed = async (tag: string) => {
      const out = (await dockerExpect(d, ['push', `${R}/multi:${tag}`])).stdout;
      const m = /digest: (sha256:[a-f0-9]{64}) size: (\d+)/.exec(out);
      assert.ok(m, out);
      return { mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest: m[1], size: Number(m[2]) };
    };
    const manifests = [
      { ...(await pushed('arm64')), platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
      { ...(await pushed('windows')), platform: { architecture: 'amd64', os: 'windows' } },
      { ...(await pushed('amd64')), platform: { architecture: 'amd64', os: 'linux' } },
    ];
    const put = await fetch(`http://${R}/v2/multi/manifests/1`, {
      method: 'PUT',
      body: JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', manifests }),
      headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.list.v2+json' },
    });
    assert.equal(put.status, 201);
    await dockerExpect(d, ['rmi', `${R}/multi:amd64`, `${R}/multi:arm64`, `${R}/multi:windows`]);
    const dir = context('multi', `FROM ${R}/multi:1\nRUN (test -f /arm.bin && echo arm || echo amd) > /arch\n`);

    await built(['--platform', 'linux/arm64', '-t', 'mp:arm', dir]);
    assert.equal(await cat('mp:arm', '/arch'), 'arm\n');
    await built(['--pull', '-t', 'mp:default', dir]);
    assert.equal(await cat('mp:default', '/arch'), 'amd\n');

    const none = await build(['--pull', '--platform', 'linux/s390x', dir]);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr + none.stdout, /no matching manifest for linux\/s390x in the manifest list entries/);
    const windows = await build(['--pull', '--platform', 'windows/amd64', dir]);
    assert.notEqual(windows.code, 0);
    assert.match(windows.stderr + windows.stdout, /image operating system "windows" cannot be used on this platform/);
    for (const [spec, text] of [
      ['foo', '"foo": unknown operating system or architecture: invalid argument'],
      ['linux/a%b', '"a%b" is an invalid component of "linux/a%b": platform specifier component must match "^[A-Za-z0-9_-]+$": invalid argument'],
      ['linux/amd64/v2/x', '"linux/amd64/v2/x": cannot parse platform specifier: invalid argument'],
    ]) {
      const bad = await build(['--platform', spec, dir]);
      assert.notEqual(bad.code, 0);
      assert.ok(bad.stderr.includes(`Error response from daemon: ${text}`), bad.stderr);
    }
  });
});
