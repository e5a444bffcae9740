/**
 * Docker's JSON maps come out with sorted keys (Go's encoding/json sorts map
 * keys), whatever order the client sent them in or the networks were
 * connected in. Checked side by side with dockerd 20.10: a container created
 * on network "zz…" and then connected to "aa…" lists `aa…` first in
 * NetworkSettings.Networks; Labels, ExposedPorts and PortBindings sent as
 * {zeta, alpha} / {9000, 1000} read back as {alpha, zeta} / {1000, 9000}.
 * Testcontainers' getNetworkNames() is Object.keys of Networks, so clients see
 * the order.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { create, inspectApi } from './helpers/api.js';
import { skipUnlessRoot } from './helpers/docker-cli.js';
import { useDaemon } from './helpers/suite.js';

const UNSORTED = { zeta: '1', alpha: '2', Mid: '3' };
const SORTED_KEYS = ['Mid', 'alpha', 'zeta']; // bytewise: upper case first

describe('Go map key order in Docker JSON', { skip: skipUnlessRoot(), timeout: 120_000 }, () => {
  const d = useDaemon();

  async function ok(method: string, path: string, body?: Record<string, unknown>): Promise<any> {
    const res = await d.request(method, path, body === undefined ? {} : { body });
    assert.ok(res.status < 300, `${method} ${path} → ${res.status} ${res.body.toString()}`);
    return res.body.length ? res.json() : null;
  }

  test('container inspect and list, network inspect, volume inspect: keys sorted', async () => {
    await ok('POST', '/networks/create', { Name: 'zz-order', Labels: UNSORTED, Options: { 'z.opt': '1', 'a.opt': '2' } });
    await ok('POST', '/networks/create', { Name: 'aa-order' });
    await ok('POST', '/volumes/create', { Name: 'order-vol', Labels: UNSORTED });
    const id = await create(
      d,
      {
        Image: 'busybox',
        Cmd: ['sleep', '600'],
        Labels: UNSORTED,
        ExposedPorts: { '9000/tcp': {}, '1000/tcp': {} },
        Volumes: { '/z-vol': {}, '/a-vol': {} },
        HostConfig: { NetworkMode: 'zz-order', PortBindings: { '9000/tcp': [{}], '1000/tcp': [{}] } },
      },
      'order-ctr',
    );
    await ok('POST', '/networks/aa-order/connect', { Container: id });
    await ok('POST', `/containers/${id}/start`);
    try {
      const c = await inspectApi(d, id);
      assert.deepEqual(Object.keys(c.Config.Labels), SORTED_KEYS);
      assert.deepEqual(Object.keys(c.Config.ExposedPorts), ['1000/tcp', '9000/tcp']);
      assert.deepEqual(Object.keys(c.Config.Volumes), ['/a-vol', '/z-vol']);
      assert.deepEqual(Object.keys(c.HostConfig.PortBindings), ['1000/tcp', '9000/tcp']);
      assert.deepEqual(Object.keys(c.NetworkSettings.Ports), ['1000/tcp', '9000/tcp']);
      assert.deepEqual(Object.keys(c.NetworkSettings.Networks), ['aa-order', 'zz-order']);

      const [item] = await ok('GET', `/containers/json?filters=${encodeURIComponent(JSON.stringify({ id: [id] }))}`);
      assert.deepEqual(Object.keys(item.Labels), SORTED_KEYS);
      assert.deepEqual(Object.keys(item.NetworkSettings.Networks), ['aa-order', 'zz-order']);

      const net = await ok('GET', '/networks/zz-order');
      assert.deepEqual(Object.keys(net.Labels), SORTED_KEYS);
      assert.deepEqual(Object.keys(net.Options), ['a.opt', 'z.opt']);
      const vol = await ok('GET', '/volumes/order-vol');
      assert.deepEqual(Object.keys(vol.Labels), SORTED_KEYS);
    } finally {
      await ok('DELETE', `/containers/${id}?force=1&v=1`);
      await ok('DELETE', '/networks/zz-order');
      await ok('DELETE', '/networks/aa-order');
      await ok('DELETE', '/volumes/order-vol');
    }
  });
});
