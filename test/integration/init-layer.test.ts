/**
 * Docker's init layer: a container that never ran already has (empty)
 * /etc/hosts, /etc/hostname, /etc/resolv.conf and /.dockerenv, so `docker cp`
 * (GET/HEAD /containers/{id}/archive) of them works before the first start
 * (dockerode's suite reads /etc/resolv.conf of a created container). They are
 * placeholders only where the image has nothing, and `docker diff` does not
 * list them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { create } from './helpers/api.js';
import { dockerExpect, skipUnlessRoot } from './helpers/docker-cli.js';
import { makeTar } from './helpers/image-archives.js';
import { useDaemon } from './helpers/suite.js';

describe('init layer placeholders', { skip: skipUnlessRoot() }, () => {
  const d = useDaemon();

  test('a created container has the etc files and /.dockerenv for archive reads', async () => {
    const cid = await create(d, { Cmd: ['true'] });
    for (const p of ['/etc/resolv.conf', '/etc/hosts', '/etc/hostname', '/.dockerenv']) {
      const res = await d.request('GET', `/containers/${cid}/archive`, { query: { path: p } });
      assert.equal(res.status, 200, `${p} → ${res.status} ${res.body}`);
      const stat = JSON.parse(Buffer.from(String(res.headers['x-docker-container-path-stat']), 'base64').toString());
      assert.equal(stat.size, 0, p);
      assert.equal(stat.mode & 0o777, 0o755, p);
    }
    const changes = await d.request('GET', `/containers/${cid}/changes`);
    assert.equal(changes.status, 200);
    assert.deepEqual(changes.json() ?? [], []);
  });

  test("an image's own file at an init path is not shadowed", async () => {
    const rootfs = await makeTar([['etc/'], ['etc/hosts', 'from the image\n']]);
    await dockerExpect(d, ['import', '-', 'withhosts:1'], 0, { input: rootfs });
    const cid = await create(d, { Image: 'withhosts:1', Cmd: ['true'] });
    const res = await d.request('GET', `/containers/${cid}/archive`, { query: { path: '/etc/hosts' } });
    assert.equal(res.status, 200);
    const stat = JSON.parse(Buffer.from(String(res.headers['x-docker-container-path-stat']), 'base64').toString());
    assert.equal(stat.size, 'from the image\n'.length);
    // The other placeholders are still made next to it.
    assert.equal((await d.request('HEAD', `/containers/${cid}/archive`, { query: { path: '/etc/hostname' } })).status, 200);
  });
});
