/**
 * Testcontainers pulling from a local registry through berthd: an image
 * missing from berthd is pulled (with the credentials `docker login` left in
 * DOCKER_CONFIG, which Testcontainers sends as X-Registry-Auth), an image
 * present is not pulled again unless the pull policy says always, and a
 * missing image fails start() with the registry's answer. The registry is
 * Debian's docker-registry on 127.0.0.1 with htpasswd auth; nothing leaves
 * the machine.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { TestDaemon } from '../../integration/helpers/daemon.js';
import { dockerExpect } from '../../integration/helpers/docker-cli.js';
import { skipUnlessRegistry, startRegistry, type TestRegistry } from '../../integration/helpers/registry.js';
import { pullEvents, skipTestcontainers, useTestcontainers } from './tc-suite.js';

const skip = skipTestcontainers || skipUnlessRegistry();

describe('Testcontainers pulls from a local registry', { skip, timeout: 180_000 }, () => {
  let registry: TestRegistry | undefined;
  let image = '';

  /** Before Testcontainers loads: a registry with a user, the busybox image pushed there, gone from berthd. */
  async function prepare(d: TestDaemon): Promise<void> {
    registry = await startRegistry({ users: { tc: 'tc-secret' } });
    image = `${registry.host}/tc/busybox:v1`;
    await dockerExpect(d, ['login', '-u', 'tc', '--password-stdin', registry.host], 0, { input: 'tc-secret\n' });
    await dockerExpect(d, ['tag', 'busybox:latest', image]);
    await dockerExpect(d, ['push', image]);
    await dockerExpect(d, ['rmi', image]);
  }

  const t = useTestcontainers({ skip, prepare });
  const d = t.d;
  after(async () => {
    await registry?.stop();
  });

  test('a missing image is pulled with the stored credentials, then found locally', async () => {
    const before = (await pullEvents(d)).length;
    const c = await new t.tc.GenericContainer(image).withCommand(['sleep', '600']).start();
    try {
      assert.equal((await c.exec(['echo', 'pulled'])).stdout, 'pulled\n');
    } finally {
      await c.stop();
    }
    const pulls = await pullEvents(d);
    assert.equal(pulls.length, before + 1);
    assert.equal(pulls.at(-1)?.id, image);

    const again = await new t.tc.GenericContainer(image).withCommand(['true']).withWaitStrategy(t.tc.Wait.forOneShotStartup()).start();
    await again.stop();
    assert.equal((await pullEvents(d)).length, before + 1, 'the default pull policy does not pull a present image');
  });

  test('PullPolicy.alwaysPull pulls a present image again', async () => {
    const before = (await pullEvents(d)).length;
    const c = await new t.tc.GenericContainer(image).withPullPolicy(t.tc.PullPolicy.alwaysPull()).withCommand(['sleep', '600']).start();
    await c.stop();
    assert.equal((await pullEvents(d)).length, before + 1);
  });

  test('an image the registry does not have fails start() and leaves nothing', async () => {
    await assert.rejects(new t.tc.GenericContainer(`${registry?.host}/tc/missing:v1`).start(), /manifest unknown|not found/i);
    const res = await d.request('GET', '/containers/json', { query: { all: 1 } });
    assert.deepEqual(res.json(), []);
  });
});
