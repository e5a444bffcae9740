/** The classic builder's options: platform specifiers, cache sources, RUN container settings, the build query and X-Registry-Config. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import pino from 'pino';
import { buildPlatform } from '../../src/engine/build/base-image.js';
import { cacheSourcesOf, scratchImage } from '../../src/engine/build/build-state.js';
import { runSettings, stepContainerOptions } from '../../src/engine/build/step-containers.js';
import { emptyRuntimeConfig } from '../../src/engine/images/changes.js';
import type { ImageRecord } from '../../src/engine/model/image.js';
import { buildOptionsOf } from '../../src/server/routes/build.js';
import { registryConfigFromHeader, toBuildMessages } from '../../src/server/wire/build.js';

test('platform specifiers: containerd rules with dockerd texts', () => {
  assert.equal(buildPlatform('', 'amd64'), '');
  assert.equal(buildPlatform('linux/arm64', 'amd64'), 'linux/arm64');
  assert.equal(buildPlatform('linux/arm/v7', 'amd64'), 'linux/arm/v7');
  assert.equal(buildPlatform('linux', 'amd64'), 'linux/amd64');
  assert.equal(buildPlatform('arm64', 'amd64'), 'linux/arm64');
  assert.throws(() => buildPlatform('foo', 'amd64'), { message: '"foo": unknown operating system or architecture: invalid argument' });
  assert.throws(() => buildPlatform('linux/', 'amd64'), {
    message: '"" is an invalid component of "linux/": platform specifier component must match "^[A-Za-z0-9_-]+$": invalid argument',
  });
  assert.throws(() => buildPlatform('a/b/c/d', 'amd64'), { message: '"a/b/c/d": cannot parse platform specifier: invalid argument' });
});

test('cache sources: each named image and its parents; unknown names skipped; none named = any', () => {
  const img = (id: string, parent: string): ImageRecord => ({ ...scratchImage('amd64'), id, parent });
  const all = new Map([img('sha256:a', ''), img('sha256:b', 'sha256:a'), img('sha256:c', 'sha256:b'), img('sha256:x', '')].map((i) => [i.id, i]));
  const images = {
    resolve(ref: string) {
      const found = all.get(ref);
      if (!found) throw new Error(`No such image: ${ref}`);
      return found;
    },
  };
  const log = pino({ level: 'silent' });
  assert.equal(cacheSourcesOf(images, [], log), null);
  assert.deepEqual([...cacheSourcesOf(images, ['sha256:c', 'nope'], log)!.keys()], ['sha256:c', 'sha256:b', 'sha256:a']);
  assert.deepEqual([...cacheSourcesOf(images, ['sha256:x'], log)!.keys()], ['sha256:x']);
});

test('RUN containers: network, extra hosts, /dev/shm and limits from the build', () => {
  const q = { networkmode: 'bnet', extrahosts: ['a:1.2.3.4,b:5.6.7.8', 'c:9.9.9.9'], shmsize: '1048576', memory: '1000', cpusetcpus: '0' };
  const opts = buildOptionsOf(q, Readable.from([]));
  assert.deepEqual(opts.extraHosts, ['a:1.2.3.4', 'b:5.6.7.8', 'c:9.9.9.9']);
  const spec = stepContainerOptions('sha256:i', emptyRuntimeConfig(), ['true'], [], runSettings(opts)).spec;
  assert.equal(spec.networkMode, 'bnet');
  assert.deepEqual(spec.extraHosts, opts.extraHosts);
  assert.equal(spec.shmSize, 1048576);
  assert.equal(spec.resources.memory, 1000);
  assert.equal(spec.resources.cpusetCpus, '0');
  assert.equal(buildOptionsOf({}, Readable.from([])).networkMode, '');
  assert.throws(() => buildOptionsOf({ extrahosts: 'nohost' }, Readable.from([])), /invalid IP address in add-host/);
  assert.throws(() => buildOptionsOf({ shmsize: '-1' }, Readable.from([])), /SHM size can not be less than 0/);
});

test('X-Registry-Config: credentials by registry host; pull progress and the image ID (aux) in the build stream', () => {
  const header = Buffer.from(
    JSON.stringify({
      'https://index.docker.io/v1/': { username: 'u', password: 'p' },
      'localhost:5000': { auth: Buffer.from('a:b').toString('base64') },
      x: {},
    }),
  ).toString('base64');
  assert.deepEqual(registryConfigFromHeader(header), {
    'docker.io': { username: 'u', password: 'p', identityToken: undefined, registryToken: undefined, serverAddress: undefined },
    'localhost:5000': { username: 'a', password: 'b', identityToken: undefined, registryToken: undefined, serverAddress: undefined },
  });
  assert.deepEqual(registryConfigFromHeader('not base64 json'), {});
  assert.deepEqual(toBuildMessages({ progress: { kind: 'pulling-from', repository: 'bb', reference: '1' } }), [{ status: 'Pulling from bb', id: '1' }]);
  assert.deepEqual(toBuildMessages({ imageId: `sha256:${'a'.repeat(64)}` }), [{ aux: { ID: `sha256:${'a'.repeat(64)}` } }]);
  assert.deepEqual(toBuildMessages({ stream: 'Step 1/1 : FROM x\n' }), [{ stream: 'Step 1/1 : FROM x\n' }]);
});
