/**
 * Pull and push against Debian's docker-registry over plain HTTP on
 * 127.0.0.1, with the real docker CLI and skopeo: push → rmi → pull gives the
 * same image ID, shared layers are skipped (both ways), RepoDigests and pull
 * by digest, `docker run` of a missing image pulls it, a manifest list picks
 * the platform, skopeo-pushed images pull to the same ID as `docker load`
 * of the same archive, skopeo reads what berth pushed, and the progress
 * stream carries Docker's message kinds.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { startDaemon, type TestDaemon } from './helpers/daemon.js';
import { busyboxRootfsTar, importBusybox, parseJsonMessages } from './helpers/images.js';
import { dockerArchive, makeImage } from './helpers/image-archives.js';
import { randomLayer, skipUnlessRegistry, startRegistry, type TestRegistry } from './helpers/registry.js';

const run = promisify(execFile);
const skip = process.getuid?.() !== 0 ? 'needs root' : skipUnlessRegistry();

let reg: TestRegistry;
let d: TestDaemon;
let R: string;

async function ok(args: string[], timeoutMs = 120_000) {
  const res = await d.docker(args, { timeoutMs });
  assert.equal(res.code, 0, `docker ${args.join(' ')}: ${res.stderr}${res.stdout}`);
  return res;
}

const imageId = async (ref: string) => (await ok(['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim();

async function loadArchive(archive: Buffer): Promise<void> {
  const res = await d.request('POST', '/images/load', { body: archive, headers: { 'Content-Type': 'application/x-tar' } });
  assert.equal(res.status, 200, res.body.toString());
}

describe('registry over plain HTTP', { skip }, () => {
  before(async () => {
    reg = await startRegistry();
    R = reg.host;
    d = await startDaemon();
  });
  after(async () => {
    await d?.cleanup();
    await reg?.stop();
  });

  test('push, rmi, pull: same image ID, RepoDigests, pull by digest, up to date, events', async () => {
    const id = await importBusybox(d, `${R}/team/bb`, '1');
    const since = String(Math.floor(Date.now() / 1000));
    const push = await ok(['push', `${R}/team/bb:1`]);
    assert.match(push.stdout, new RegExp(`The push refers to repository \\[${R}/team/bb\\]`));
    assert.match(push.stdout, /: Pushed/);
    const digest = /1: digest: (sha256:[a-f0-9]{64}) size: \d+/.exec(push.stdout)?.[1];
    assert.ok(digest, push.stdout);
    await ok(['rmi', `${R}/team/bb:1`]);
    assert.equal((await d.docker(['image', 'inspect', id])).code, 1);
    const pull = await ok(['pull', `${R}/team/bb:1`]);
    assert.match(pull.stdout, /Pull complete/);
    assert.match(pull.stdout, new RegExp(`Digest: ${digest}`));
    assert.match(pull.stdout, new RegExp(`Status: Downloaded newer image for ${R}/team/bb:1`));
    assert.equal(await imageId(`${R}/team/bb:1`), id);
    assert.equal((await ok(['image', 'inspect', '-f', '{{.RepoDigests}}', `${R}/team/bb:1`])).stdout.trim(), `[${R}/team/bb@${digest}]`);
    assert.match((await ok(['images', '--digests', `${R}/team/bb`])).stdout, new RegExp(`${R}/team/bb\\s+1\\s+${digest}`));
    const again = await ok(['pull', `${R}/team/bb:1`]);
    assert.match(again.stdout, new RegExp(`Status: Image is up to date for ${R}/team/bb:1`));
    await ok(['rmi', `${R}/team/bb:1`]);
    const byDigest = await ok(['pull', `${R}/team/bb@${digest}`]);
    assert.match(byDigest.stdout, new RegExp(`Status: Downloaded newer image for ${R}/team/bb@${digest}`));
    assert.equal(await imageId(`${R}/team/bb@${digest}`), id);
    await ok(['rmi', `${R}/team/bb@${digest}`]);
    assert.equal((await d.docker(['image', 'inspect', id])).code, 1);
    // dockerd's pull and push events: Actor.ID the reference, attributes.name the repository.
    const until = String(Math.ceil(Date.now() / 1000) + 1);
    const format = '{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}';
    const events = await ok(['events', '--since', since, '--until', until, '--filter', 'event=pull', '--filter', 'event=push', '--format', format]);
    assert.deepEqual(events.stdout.trim().split('\n'), [
      `push ${R}/team/bb:1 ${R}/team/bb`,
      `pull ${R}/team/bb:1 ${R}/team/bb`,
      `pull ${R}/team/bb:1 ${R}/team/bb`,
      `pull ${R}/team/bb@${digest} ${R}/team/bb`,
    ]);
  });

  test('shared layers: push mounts or skips the base, pull says Already exists; progress message kinds', async () => {
    const base = fs.readFileSync(await busyboxRootfsTar());
    const img = makeImage([base, await randomLayer('data.bin', 3_000_000)], [`${R}/team/big:1`]);
    await loadArchive(await dockerArchive([img]));
    await importBusybox(d, `${R}/team/base`, '1');
    await ok(['push', `${R}/team/base:1`]);
    const push = await ok(['push', `${R}/team/big:1`]);
    assert.match(push.stdout, /(Mounted from team\/base|Layer already exists)/);
    assert.match(push.stdout, /: Pushed/);
    await ok(['rmi', `${R}/team/big:1`]);
    const res = await d.request('POST', '/images/create', { query: { fromImage: `${R}/team/big`, tag: '1' }, timeoutMs: 120_000 });
    assert.equal(res.status, 200);
    const messages = parseJsonMessages(res.body);
    const kinds = new Set(messages.map((m) => String(m.status ?? '').replace(/ (from|for) .*$|: .*$/, '')));
    for (const k of [
      'Pulling',
      'Already exists',
      'Pulling fs layer',
      'Downloading',
      'Verifying Checksum',
      'Download complete',
      'Extracting',
      'Pull complete',
      'Digest',
      'Status',
    ]) {
      assert.ok(kinds.has(k), `no ${k} in ${JSON.stringify([...kinds])}`);
    }
    const downloading = messages.find((m) => m.status === 'Downloading');
    assert.equal(typeof downloading?.progressDetail?.current, 'number');
    assert.equal(typeof downloading?.progressDetail?.total, 'number');
    assert.equal(await imageId(`${R}/team/big:1`), img.id);
  });

  test('docker run of a missing image pulls it, then runs it', async () => {
    await importBusybox(d, `${R}/team/run`, '1');
    await ok(['push', `${R}/team/run:1`]);
    await ok(['rmi', `${R}/team/run:1`]);
    const res = await ok(['run', '--rm', `${R}/team/run:1`, 'echo', 'hi']);
    assert.equal(res.stdout, 'hi\n');
    assert.match(res.stderr, /Unable to find image/);
    assert.match(res.stderr, /Downloaded newer image/);
  });

  test('a manifest list: default platform and --platform pick their manifests', async () => {
    const base = fs.readFileSync(await busyboxRootfsTar());
    const amd = makeImage([base], [`${R}/multi:amd64`]);
    const arm = makeImage([base, await randomLayer('arm.bin', 1000)], [`${R}/multi:arm64`]);
    await loadArchive(await dockerArchive([amd, arm]));
    const digestOf = async (tag: string) => /digest: (sha256:[a-f0-9]{64}) size: (\d+)/.exec((await ok(['push', `${R}/multi:${tag}`])).stdout)!;
    const [, amdDigest, amdSize] = await digestOf('amd64');
    const [, armDigest, armSize] = await digestOf('arm64');
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
      manifests: [
        {
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          digest: armDigest,
          size: Number(armSize),
          platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
        },
        {
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          digest: amdDigest,
          size: Number(amdSize),
          platform: { architecture: 'amd64', os: 'linux' },
        },
      ],
    });
    const put = await fetch(`http://${R}/v2/multi/manifests/1`, {
      method: 'PUT',
      body: index,
      headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.list.v2+json' },
    });
    assert.equal(put.status, 201);
    const listDigest = `sha256:${crypto.createHash('sha256').update(index).digest('hex')}`;
    await ok(['rmi', `${R}/multi:amd64`, `${R}/multi:arm64`]);
    const pulled = await ok(['pull', '--platform', 'linux/amd64', `${R}/multi:1`]);
    assert.match(pulled.stdout, new RegExp(`Digest: ${listDigest}`));
    assert.equal(await imageId(`${R}/multi:1`), amd.id);
    await ok(['pull', '--platform', 'linux/arm64', `${R}/multi:1`]);
    assert.equal(await imageId(`${R}/multi:1`), arm.id);
    const none = await d.docker(['pull', '--platform', 'linux/s390x', `${R}/multi:1`]);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /no matching manifest for linux\/s390x in the manifest list entries/);
  });

  test('skopeo: an archive it copies pulls to the ID docker load gives; it reads back what berth pushed', async () => {
    const base = fs.readFileSync(await busyboxRootfsTar());
    const img = makeImage([base, await randomLayer('sko.bin', 100_000)], [`${R}/sko:1`]);
    const archive = path.join(d.root, 'sko.tar');
    fs.writeFileSync(archive, await dockerArchive([img]));
    await run('skopeo', ['copy', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${R}/sko:1`]);
    await ok(['pull', `${R}/sko:1`]);
    assert.equal(await imageId(`${R}/sko:1`), img.id);
    await ok(['tag', `${R}/sko:1`, `${R}/sko:back`]);
    const pushed = /digest: (sha256:[a-f0-9]{64})/.exec((await ok(['push', `${R}/sko:back`])).stdout)![1];
    const inspect = JSON.parse((await run('skopeo', ['inspect', '--tls-verify=false', `docker://${R}/sko:back`])).stdout) as {
      Digest: string;
      Layers: string[];
    };
    assert.equal(inspect.Digest, pushed);
    assert.equal(inspect.Layers.length, 2);
    const out = path.join(d.root, 'sko-oci');
    await run('skopeo', ['copy', '--src-tls-verify=false', `docker://${R}/sko:back`, `oci:${out}:x`]);
    const config = JSON.parse(fs.readFileSync(path.join(out, 'index.json'), 'utf8')) as { manifests: unknown[] };
    assert.equal(config.manifests.length, 1);
  });

  test('skopeo: an OCI layout it copies into the registry pulls to the ID of the same image', async () => {
    const base = fs.readFileSync(await busyboxRootfsTar());
    const img = makeImage([base, await randomLayer('oci.bin', 100_000)], [`${R}/sko-oci:1`]);
    const archive = path.join(d.root, 'oci-src.tar');
    fs.writeFileSync(archive, await dockerArchive([img]));
    const layout = path.join(d.root, 'oci-layout');
    await run('skopeo', ['copy', `docker-archive:${archive}`, `oci:${layout}:1`]);
    const json = <T>(file: string) => JSON.parse(fs.readFileSync(path.join(layout, file), 'utf8')) as T;
    const index = json<{ manifests: Array<{ mediaType: string; digest: string }> }>('index.json');
    assert.equal(index.manifests[0].mediaType, 'application/vnd.oci.image.manifest.v1+json');
    const manifest = json<{ config: { digest: string } }>(path.join('blobs', ...index.manifests[0].digest.split(':')));
    await run('skopeo', ['copy', '--dest-tls-verify=false', `oci:${layout}:1`, `docker://${R}/sko-oci:1`]);
    await ok(['pull', `${R}/sko-oci:1`]);
    // skopeo rewrites the config for OCI, so the image ID is that config's digest (not img.id).
    assert.equal(await imageId(`${R}/sko-oci:1`), manifest.config.digest);
    const diffIds = (await ok(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', `${R}/sko-oci:1`])).stdout.trim();
    assert.deepEqual(JSON.parse(diffIds), (JSON.parse(img.config) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids);
    await ok(['rmi', `${R}/sko-oci:1`]);
  });

  test("the CLI on a terminal (script) draws the pull's progress kinds", async () => {
    const base = fs.readFileSync(await busyboxRootfsTar());
    const img = makeImage([base, await randomLayer('tty.bin', 4_000_000)], [`${R}/tty:1`]);
    await loadArchive(await dockerArchive([img]));
    await ok(['push', `${R}/tty:1`]);
    await ok(['rmi', `${R}/tty:1`]);
    const { stdout } = await run('script', ['-qc', `docker pull ${R}/tty:1`, '/dev/null'], { env: d.env, timeout: 120_000 });
    for (const kind of [
      'Pulling from',
      'Pulling fs layer',
      'Downloading',
      'Extracting',
      'Pull complete',
      'Digest: sha256:',
      'Status: Downloaded newer image',
    ]) {
      assert.ok(stdout.includes(kind), `no "${kind}" in ${JSON.stringify(stdout.slice(0, 2000))}`);
    }
    assert.equal(await imageId(`${R}/tty:1`), img.id);
  });

  test('registry-mirrors: a docker.io name is pulled from the mirror', async () => {
    await importBusybox(d, `${R}/library/mirrored`, '1');
    const id = await imageId(`${R}/library/mirrored:1`);
    await ok(['push', `${R}/library/mirrored:1`]);
    const m = await startDaemon({ args: ['--registry-mirror', `http://${R}`] });
    try {
      const res = await m.docker(['pull', 'mirrored:1'], { timeoutMs: 60_000 });
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /Status: Downloaded newer image for mirrored:1/);
      assert.equal((await m.docker(['image', 'inspect', '-f', '{{.Id}}', 'mirrored:1'])).stdout.trim(), id);
    } finally {
      await m.cleanup();
    }
  });

  test('--all-tags: push -a and pull -a move every tag of a repository', async () => {
    await importBusybox(d, `${R}/alltags`, 'a');
    await ok(['tag', `${R}/alltags:a`, `${R}/alltags:b`]);
    const push = await ok(['push', '--all-tags', `${R}/alltags`]);
    assert.match(push.stdout, /a: digest: sha256:/);
    assert.match(push.stdout, /b: digest: sha256:/);
    await ok(['rmi', `${R}/alltags:a`, `${R}/alltags:b`]);
    const pull = await ok(['pull', '--all-tags', `${R}/alltags`]);
    assert.match(pull.stdout, /Downloaded newer image for/);
    const tags = (await ok(['images', '--format', '{{.Tag}}', `${R}/alltags`])).stdout.trim().split('\n').sort();
    assert.deepEqual(tags, ['a', 'b']);
  });

  test('errors before the stream are plain: unknown tag, unknown repository, search', async () => {
    const res = await d.docker(['pull', `${R}/team/bb:nope`]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, new RegExp(`manifest for ${R}/team/bb:nope not found: manifest unknown`));
    const api = await d.request('POST', '/images/create', { query: { fromImage: `${R}/nothing/here`, tag: 'x' } });
    assert.equal(api.status, 404);
    const search = await d.docker(['search', 'x']);
    assert.notEqual(search.code, 0);
    assert.match(search.stderr, /search is not supported/);
  });
});
