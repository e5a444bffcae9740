/**
 * Registry transfer: an image of 5 layers × 40 MB of random bytes, in a
 * docker-registry started on 127.0.0.1 for each round (plain HTTP; empty, so
 * a push uploads everything).
 *
 *   push s  berth: the image (loaded from an archive, untimed) pushed to the
 *           round's registry: gzip + upload of every layer
 *   pull s  every engine: the same image pulled from that registry after it
 *           was removed: download, verify, unpack, record
 *   floor   the same 5 blobs fetched with parallel plain HTTP GETs, each
 *           piped into `tar -xz` — fetching and unpacking and nothing else
 *
 * berth is always the first target of a round: its push fills the registry
 * the other engines then pull from. dockerd reaches 127.0.0.1 over plain
 * HTTP by itself; podman needs the registry in its registries.conf as
 * insecure, else its pull fails and shows as n/s. Its compat
 * `/images/create` takes no tlsVerify; but `[[registry]] location =
 * "127.0.0.1"` with `insecure = true` covers every port, since
 * containers/image matches a location followed by ':' as a prefix.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { dockerArchive, makeImage } from '../../test/integration/helpers/image-archives.js';
import { randomLayer, startRegistry, type TestRegistry } from '../../test/integration/helpers/registry.js';
import { API, type DockerClient } from '../docker-client.js';
import type { RoundResult, Scenario } from './types.js';

const LAYERS = 5;
const LAYER_BYTES = 40_000_000;
const REPO = 'bench/pull';

export function pullScenario(): Scenario {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-pull-'));
  const archive = path.join(work, 'image.tar');
  const registries = new Map<number, TestRegistry>();
  let imageId = '';

  async function registryFor(round: number): Promise<TestRegistry> {
    let reg = registries.get(round);
    if (!reg) {
      reg = await startRegistry();
      registries.set(round, reg);
    }
    return reg;
  }

  return {
    name: 'pull',
    applies: (t) => t.name !== 'floor-min',
    async setup() {
      if (fs.existsSync(archive)) return;
      const layers: Buffer[] = [];
      for (let i = 0; i < LAYERS; i++) layers.push(await randomLayer(`layer${i}.bin`, LAYER_BYTES));
      const img = makeImage(layers, ['bench-pull-src:1']);
      imageId = img.id;
      fs.writeFileSync(archive, await dockerArchive([img]));
    },
    async round(t, round) {
      const reg = await registryFor(round);
      const ref = `${reg.host}/${REPO}`;
      if (t.floor) return { metrics: { 'pull s': await floorPull(reg.host, path.join(work, `floor-${round}`)) } };
      const client = t.client!;
      const metrics: RoundResult['metrics'] = {};
      if (t.name === 'berth') metrics['push s'] = await berthPush(client, archive, ref);
      await removeImage(client, `${ref}:1`, imageId);
      const t0 = performance.now();
      await streamed(client, `/images/create?fromImage=${encodeURIComponent(ref)}&tag=1`);
      metrics['pull s'] = (performance.now() - t0) / 1000;
      await removeImage(client, `${ref}:1`, imageId);
      return { metrics };
    },
    async teardown() {
      for (const reg of registries.values()) await reg.stop();
      registries.clear();
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Loads the archive (untimed), tags it into the registry and times the push. */
async function berthPush(client: DockerClient, archive: string, ref: string): Promise<number> {
  const load = await client.request('POST', `${API}/images/load`, fs.readFileSync(archive), { 'Content-Type': 'application/x-tar' });
  if (load.status !== 200) throw new Error(`load: ${load.body.toString()}`);
  await client.call('POST', `/images/bench-pull-src:1/tag?repo=${encodeURIComponent(ref)}&tag=1`);
  await client.request('DELETE', `${API}/images/bench-pull-src:1`);
  const t0 = performance.now();
  await streamed(client, `/images/${ref}/push?tag=1`, { 'X-Registry-Auth': Buffer.from('{}').toString('base64url') });
  return (performance.now() - t0) / 1000;
}

/** A POST whose answer is a JSON message stream; an in-band error fails the round. */
async function streamed(client: DockerClient, p: string, headers: Record<string, string> = {}): Promise<void> {
  const res = await client.request('POST', API + p, undefined, headers);
  const text = res.body.toString();
  if (res.status !== 200 || /"error"/.test(text)) throw new Error(`${p}: ${res.status} ${text.slice(-300)}`);
}

async function removeImage(client: DockerClient, ref: string, id: string): Promise<void> {
  await client.request('DELETE', `${API}/images/${ref}?force=1`);
  if (id) await client.request('DELETE', `${API}/images/${id}?force=1`);
}

/** The floor: manifest, then every blob by a parallel plain GET piped into `tar -xz`. */
async function floorPull(host: string, dir: string): Promise<number> {
  const t0 = performance.now();
  const manifest = JSON.parse((await get(host, `/v2/${REPO}/manifests/1`, 'application/vnd.docker.distribution.manifest.v2+json')).toString()) as {
    layers: Array<{ digest: string }>;
  };
  await Promise.all(
    manifest.layers.map(async (l, i) => {
      const out = path.join(dir, String(i));
      fs.mkdirSync(out, { recursive: true });
      const tar = spawn('tar', ['-xzf', '-', '-C', out], { stdio: ['pipe', 'ignore', 'inherit'] });
      const exited = new Promise<void>((resolve, reject) => tar.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar exited ${code}`)))));
      await new Promise<void>((resolve, reject) => {
        http
          .get({ host: host.split(':')[0], port: Number(host.split(':')[1]), path: `/v2/${REPO}/blobs/${l.digest}` }, (res) => {
            pipeline(res, tar.stdin).then(resolve, reject);
          })
          .on('error', reject);
      });
      await exited;
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  fs.rmSync(dir, { recursive: true, force: true });
  return seconds;
}

function get(host: string, p: string, accept: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: host.split(':')[0], port: Number(host.split(':')[1]), path: p, headers: { Accept: accept } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      })
      .on('error', reject);
  });
}
