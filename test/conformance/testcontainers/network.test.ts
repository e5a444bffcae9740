/**
 * Testcontainers' Network against berthd: a user-defined network, two
 * containers on it, one reached from the other by its alias and by its
 * name through the network's DNS, the address Testcontainers reports, and
 * the network removed afterwards.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BUSYBOX, skipTestcontainers, useTestcontainers } from './tc-suite.js';

describe('Testcontainers networks', { skip: skipTestcontainers, timeout: 180_000 }, () => {
  const t = useTestcontainers();
  const d = t.d;

  test('withNetwork + withNetworkAliases: a client reaches the server by alias and name', async () => {
    const network = await new t.tc.Network().start();
    try {
      const server = await new t.tc.GenericContainer(BUSYBOX)
        .withName('tc-web-server')
        .withCommand(['sh', '-c', 'mkdir -p /www && echo from-server > /www/index.html && exec httpd -f -p 8080 -h /www'])
        .withExposedPorts(8080)
        .withNetwork(network)
        .withNetworkAliases('web', 'www.internal')
        .start();
      const client = await new t.tc.GenericContainer(BUSYBOX).withCommand(['sleep', '600']).withNetwork(network).start();
      try {
        // With aliases, Testcontainers creates the container without a NetworkMode (so on the default
        // bridge, as dockerd does) and connects it to the network before start: it is on both, and the
        // names come in dockerd's (sorted) order.
        assert.deepEqual(server.getNetworkNames(), [network.getName(), 'bridge'].sort());
        assert.equal(server.getNetworkId(network.getName()), network.getId());
        const ip = server.getIpAddress(network.getName());
        assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);

        for (const host of ['web', 'www.internal', 'tc-web-server', ip]) {
          const r = await client.exec(['wget', '-q', '-O', '-', `http://${host}:8080/index.html`]);
          assert.equal(r.exitCode, 0, `wget via ${host}: ${r.output}`);
          assert.equal(r.stdout, 'from-server\n');
        }
        const lookup = await client.exec(['nslookup', 'web']);
        assert.match(lookup.stdout, new RegExp(ip.replace(/\./g, '\\.')));

        const inspect = (await d.request('GET', `/networks/${network.getId()}`)).json();
        assert.equal(inspect.Name, network.getName());
        assert.equal(inspect.Labels['org.testcontainers'], 'true');
        assert.equal(Object.keys(inspect.Containers).length, 2);
      } finally {
        await client.stop();
        await server.stop();
      }
    } finally {
      await network.stop();
    }
    assert.equal((await d.request('GET', `/networks/${network.getId()}`)).status, 404);
  });

  test('withNetworkMode: a container joins a network by name', async () => {
    const network = await new t.tc.Network().start();
    try {
      const c = await new t.tc.GenericContainer(BUSYBOX).withCommand(['sleep', '600']).withNetworkMode(network.getName()).start();
      try {
        assert.deepEqual(c.getNetworkNames(), [network.getName()]);
        assert.match(c.getIpAddress(network.getName()), /^\d+\.\d+\.\d+\.\d+$/);
      } finally {
        await c.stop();
      }
    } finally {
      await network.stop();
    }
  });
});
