import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNetworkFields, parsePortBindings } from '../../src/server/wire/create-network-fields.js';
import { toCreateNetworkOptions, toNetworkJson } from '../../src/server/wire/networks.js';
import { listPorts, portMap, toNetworkSettings } from '../../src/server/wire/container-network.js';
import type { NetworkView } from '../../src/engine/api.js';
import { sampleContainer } from './fake-engine.js';

const bridge: NetworkView = {
  id: 'b'.repeat(64),
  name: 'bridge',
  driver: 'bridge',
  subnet: '172.17.0.0/16',
  gateway: '172.17.0.1',
  ipRange: '',
  subnetFromUser: false,
  bridge: 'berth0',
  internal: false,
  dnsEnabled: false,
  labels: {},
  options: {},
  created: '2026-01-01T00:00:00.000000000Z',
  containers: [],
};
const endpoint = { containerId: 'a'.repeat(64), networkId: bridge.id, ip: '172.17.0.2', requestedIp: '', mac: '02:42:ac:11:00:02', aliases: [], seq: 1 };

test('create body: port bindings, dns, extra hosts, endpoints config', () => {
  assert.deepEqual(
    parsePortBindings({
      '80/tcp': [
        { HostIp: '127.0.0.1', HostPort: '8080' },
        { HostIp: '', HostPort: '' },
      ],
      '53/udp': null,
    }),
    [
      { containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 8080 },
      { containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: 0 },
      { containerPort: 53, protocol: 'udp', hostIp: '', hostPort: 0 },
    ],
  );
  assert.throws(() => parsePortBindings({ 'x/tcp': [] }), /invalid port specification: "x\/tcp"/);
  assert.throws(() => parsePortBindings({ '80/tcp': [{ HostPort: '99999' }] }), /invalid port specification/);
  const f = parseNetworkFields(
    { MacAddress: '02:42:AC:11:00:09' },
    { NetworkMode: 'app', Dns: ['10.0.0.53'], ExtraHosts: ['h:10.1.2.3'], PublishAllPorts: true },
    { NetworkingConfig: { EndpointsConfig: { app: { Aliases: ['db'], IPAMConfig: { IPv4Address: '10.89.0.9', IPv6Address: 'fd00::9' } } } } },
  );
  assert.equal(f.macAddress, '02:42:ac:11:00:09');
  assert.deepEqual(f.endpoints, { app: { aliases: ['db'], ipv4Address: '10.89.0.9', ipv6Address: 'fd00::9' } });
  const badV6 = { NetworkingConfig: { EndpointsConfig: { app: { IPAMConfig: { IPv6Address: '10.1.2.3' } } } } };
  assert.throws(() => parseNetworkFields({}, {}, badV6), /invalid IPv6 address: 10\.1\.2\.3$/);
  assert.equal(f.publishAllPorts, true);
  assert.throws(() => parseNetworkFields({ MacAddress: 'zz' }, {}, {}), /zz is not a valid mac address/);
  assert.throws(() => parseNetworkFields({}, { ExtraHosts: ['nohost'] }, {}), /invalid IP address in add-host/);
});

test('network JSON and create body', () => {
  const j = toNetworkJson({ ...bridge, containers: [{ id: 'a'.repeat(64), name: 'web', endpoint, running: true }] }, true) as Record<string, any>;
  assert.equal(j.Name, 'bridge');
  assert.deepEqual(j.IPAM.Config, [{ Subnet: '172.17.0.0/16', Gateway: '172.17.0.1' }]);
  assert.equal(j.Containers['a'.repeat(64)].IPv4Address, '172.17.0.2/16');
  assert.deepEqual((toNetworkJson(bridge, false) as Record<string, any>).Containers, {});
  const o = toCreateNetworkOptions({
    Name: 'app',
    Internal: true,
    IPAM: { Config: [{ Subnet: '10.1.0.0/24', IPRange: '10.1.0.128/25' }] },
    Options: { 'com.docker.network.driver.mtu': '1400' },
  });
  assert.deepEqual(o.ipam, [{ subnet: '10.1.0.0/24', gateway: '', ipRange: '10.1.0.128/25' }]);
  assert.equal(o.internal, true);
  assert.throws(() => toCreateNetworkOptions({}), /network name is required/);
});

test('container NetworkSettings, Ports and list ports as Docker shows them', () => {
  const running = sampleContainer({
    spec: { ...sampleContainer().spec, networkMode: 'bridge', exposedPorts: ['80/tcp', '443/tcp'] },
    network: {
      endpoints: [{ network: bridge, endpoint }],
      ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: 8080 }],
      sandboxKey: '/run/berth/netns/x',
    },
  });
  const ns = toNetworkSettings(running) as Record<string, any>;
  assert.equal(ns.IPAddress, '172.17.0.2');
  assert.equal(ns.IPPrefixLen, 16);
  assert.equal(ns.Gateway, '172.17.0.1');
  assert.equal(ns.MacAddress, '02:42:ac:11:00:02');
  assert.equal(ns.SandboxKey, '/run/berth/netns/x');
  assert.deepEqual(portMap(running), { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }], '443/tcp': null });
  assert.deepEqual(listPorts(running), [
    { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
    { PrivatePort: 443, Type: 'tcp' },
  ]);
  const stopped = sampleContainer({ ...running, network: { ...running.network, ports: null, sandboxKey: '' } });
  const s = toNetworkSettings(stopped) as Record<string, any>;
  assert.equal(s.IPAddress, '');
  assert.deepEqual(s.Ports, {});
  assert.equal(s.Networks.bridge.NetworkID, bridge.id);
  assert.deepEqual(listPorts(stopped), []);
});
