import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocateIp, macFromIp, overlaps, parseCidr, pickSubnet, requireCidr, DEFAULT_POOLS } from '../../src/engine/networks/ipam.js';
import { buildNetavarkInput, netavarkMessage, parseSetupOutput, selectNetwork } from '../../src/engine/networks/netavark.js';
import { wantedPorts, parsePortKey } from '../../src/engine/networks/host-ports.js';
import { defaultBridgeName, userBridgeName, fromBip } from '../../src/engine/networks/defaults.js';
import { hostsContent, resolvContent } from '../../src/engine/containers/etc-files.js';
import { networkListFilter, networkPruneFilter } from '../../src/engine/networks/filters.js';
import { netavarkChains } from '../../src/engine/networks/stale-sweep.js';
import type { NetworkRecord, EndpointRecord } from '../../src/engine/model/network.js';
import type { ContainerSpec } from '../../src/engine/model/container.js';
import { sampleContainer } from './fake-engine.js';

const net = (over: Partial<NetworkRecord> = {}): NetworkRecord => ({
  id: 'n'.repeat(64),
  name: 'app',
  driver: 'bridge',
  subnet: '10.89.0.0/24',
  gateway: '10.89.0.1',
  ipRange: '',
  subnetFromUser: true,
  bridge: 'br-nnnnnnnnnnnn',
  internal: false,
  dnsEnabled: true,
  labels: {},
  options: {},
  created: '2026-01-01T00:00:00Z',
  ...over,
});
const ep = (over: Partial<EndpointRecord> = {}): EndpointRecord => ({
  containerId: 'c'.repeat(64),
  networkId: 'n'.repeat(64),
  ip: '10.89.0.2',
  requestedIp: '',
  mac: '02:42:0a:59:00:02',
  aliases: ['db'],
  seq: 1,
  ...over,
});

test('ipam: CIDRs, overlap, pools', () => {
  assert.deepEqual(parseCidr('10.1.2.3/8'), { base: 0x0a000000, prefix: 8 });
  assert.equal(parseCidr('10.1.2/8'), undefined);
  assert.equal(parseCidr('300.1.2.3/8'), undefined);
  assert.ok(overlaps(parseCidr('172.17.0.0/16')!, parseCidr('172.17.5.0/24')!));
  assert.ok(!overlaps(parseCidr('172.17.0.0/16')!, parseCidr('172.18.0.0/16')!));
  assert.throws(() => requireCidr('fd00::/64', 'Subnet'), /IPv6 networks are not supported yet/);
  assert.throws(() => requireCidr('nope', 'Subnet'), /invalid CIDR address: nope/);
  assert.deepEqual(pickSubnet(DEFAULT_POOLS, []), parseCidr('172.17.0.0/16'));
  assert.deepEqual(pickSubnet(DEFAULT_POOLS, [parseCidr('172.17.0.0/16')!, parseCidr('172.18.1.0/24')!]), parseCidr('172.19.0.0/16'));
  assert.deepEqual(pickSubnet([{ base: '10.10.0.0/16', size: 24 }], [parseCidr('10.10.0.0/24')!]), parseCidr('10.10.1.0/24'));
  assert.equal(pickSubnet([{ base: '10.10.0.0/24', size: 24 }], [parseCidr('10.0.0.0/8')!]), undefined);
  const pool = [{ base: '10.10.0.0/22', size: 24 }];
  assert.deepEqual(pickSubnet(pool, [], 2), parseCidr('10.10.2.0/24'));
  assert.deepEqual(pickSubnet(pool, [parseCidr('10.10.3.0/24')!], 7), parseCidr('10.10.0.0/24'), 'wraps around');
});

test('ipam: allocation skips network, gateway, used and broadcast; honours ip-range and requests', () => {
  const n = { name: 'app', id: 'x', subnet: '10.89.0.0/30', gateway: '10.89.0.1', ipRange: '' };
  assert.equal(allocateIp(n, new Set(), ''), '10.89.0.2');
  assert.throws(() => allocateIp(n, new Set(['10.89.0.2']), ''), /no available IPv4 addresses/);
  const wide = { ...n, subnet: '10.89.0.0/24', ipRange: '10.89.0.128/25' };
  assert.equal(allocateIp(wide, new Set(['10.89.0.128']), ''), '10.89.0.129');
  assert.equal(allocateIp(wide, new Set(), '10.89.0.9'), '10.89.0.9');
  assert.throws(() => allocateIp(wide, new Set(), '10.90.0.9'), /Invalid address 10.90.0.9: It does not belong to any of this network's subnets/);
  assert.throws(() => allocateIp(wide, new Set(), '10.89.0.255'), /does not belong/);
  assert.throws(() => allocateIp(wide, new Set(['10.89.0.9']), '10.89.0.9'), /Address already in use/);
  assert.throws(() => allocateIp(wide, new Set(), '10.89.0.1'), /Address already in use/);
  assert.equal(macFromIp('172.17.0.2'), '02:42:ac:11:00:02');
});

test('netavark\'s chain names for a network name (seen with netavark 1.4: "exp" → NETAVARK-162B3D0C6AB29)', () => {
  assert.deepEqual(netavarkChains('exp'), ['NETAVARK-162B3D0C6AB29', 'NETAVARK-DN-162B3D0C6AB29']);
});

test('bridge names and bip', () => {
  assert.equal(defaultBridgeName('/var/lib/berth', '/var/lib/berth'), 'berth0');
  const other = defaultBridgeName('/tmp/x', '/var/lib/berth');
  assert.match(other, /^berth[0-9a-f]{8}$/);
  assert.ok(other.length <= 15);
  assert.notEqual(other, defaultBridgeName('/tmp/y', '/var/lib/berth'));
  assert.equal(userBridgeName('abcdef0123456789'), 'br-abcdef012345');
  assert.deepEqual(fromBip('172.30.0.1/16'), { subnet: '172.30.0.0/16', gateway: '172.30.0.1' });
});

test('netavark input: networks by berth ID, static address and MAC, aliases only with DNS, ports', () => {
  const input = buildNetavarkInput({
    containerId: 'c'.repeat(64),
    containerName: 'db',
    attachments: [
      { network: net({ options: { 'com.docker.network.driver.mtu': '1400' } }), endpoint: ep() },
      {
        network: net({ id: 'm'.repeat(64), name: 'bridge', dnsEnabled: false, subnet: '172.17.0.0/16', gateway: '172.17.0.1', bridge: 'berth0' }),
        endpoint: ep({ networkId: 'm'.repeat(64), ip: '172.17.0.2', aliases: [] }),
      },
    ],
    ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 8080 }],
  });
  assert.deepEqual(input.networks['n'.repeat(64)], {
    static_ips: ['10.89.0.2'],
    static_mac: '02:42:0a:59:00:02',
    aliases: ['cccccccccccc', 'db'],
    interface_name: 'eth0',
  });
  assert.deepEqual(input.networks['m'.repeat(64)].aliases, []);
  assert.equal(input.networks['m'.repeat(64)].interface_name, 'eth1');
  assert.deepEqual(input.network_info['n'.repeat(64)], {
    name: 'n'.repeat(64),
    id: 'n'.repeat(64),
    driver: 'bridge',
    network_interface: 'br-nnnnnnnnnnnn',
    subnets: [{ subnet: '10.89.0.0/24', gateway: '10.89.0.1' }],
    ipv6_enabled: false,
    internal: false,
    dns_enabled: true,
    ipam_options: { driver: 'host-local' },
    options: { mtu: '1400' },
  });
  assert.deepEqual(input.port_mappings, [{ host_ip: '127.0.0.1', container_port: 80, host_port: 8080, range: 1, protocol: 'tcp' }]);
  const one = selectNetwork(input, 'm'.repeat(64), false);
  assert.deepEqual(Object.keys(one.networks), ['m'.repeat(64)]);
  assert.equal(one.port_mappings, null);
  assert.equal(buildNetavarkInput({ containerId: 'c'.repeat(64), containerName: 'x', attachments: [], ports: [] }).port_mappings, null);
});

test('netavark output and errors', () => {
  const out =
    '{"app":{"dns_search_domains":[],"dns_server_ips":["10.89.0.1"],"interfaces":{"eth0":{"mac_address":"b6:3c:5f:14:bf:93","subnets":[{"gateway":"10.89.0.1","ipnet":"10.89.0.2/24"}]}}}}';
  assert.deepEqual(parseSetupOutput(out), { app: { mac: 'b6:3c:5f:14:bf:93', interface: 'eth0' } });
  assert.deepEqual(parseSetupOutput('garbage'), {});
  assert.equal(netavarkMessage('', 'failed to connect to syslog\n{"error": "IO error: \\"x\\" missing"}'), 'IO error: "x" missing');
  assert.equal(netavarkMessage('', 'failed to connect to syslog: x\nboom'), 'boom');
});

test('ports: keys, publish-all adds exposed ports without a binding', () => {
  assert.deepEqual(parsePortKey('53/udp'), { containerPort: 53, protocol: 'udp' });
  assert.deepEqual(parsePortKey('80'), { containerPort: 80, protocol: 'tcp' });
  assert.throws(() => parsePortKey('0/tcp'), /invalid port specification/);
  const bound = { containerPort: 80, protocol: 'tcp' as const, hostIp: '', hostPort: 8080 };
  assert.deepEqual(wantedPorts([bound], false, ['443/tcp']), [bound]);
  assert.deepEqual(wantedPorts([bound], true, ['80/tcp', '443/tcp']), [bound, { containerPort: 443, protocol: 'tcp', hostIp: '', hostPort: 0 }]);
});

test('etc files as Docker writes them', () => {
  const spec: ContainerSpec = { ...sampleContainer().spec, hostname: 'web', domainname: 'example.com', networkMode: 'bridge', extraHosts: ['h:10.1.2.3'] };
  const hosts = hostsContent(spec, { ip: '172.17.0.2', dnsServer: '' });
  assert.match(hosts, /^127\.0\.0\.1\tlocalhost\n/);
  assert.match(hosts, /10\.1\.2\.3\th\n172\.17\.0\.2\tweb\.example\.com web\n$/);
  const host = 'nameserver 127.0.0.53\nnameserver 10.0.0.2\nsearch corp\noptions edns0\n';
  assert.equal(resolvContent(spec, { ip: '', dnsServer: '' }, host), 'search corp\nnameserver 10.0.0.2\noptions edns0\n');
  assert.equal(resolvContent(spec, { ip: '', dnsServer: '' }, 'nameserver 127.0.0.53\n'), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
  const custom = { ...spec, dns: ['10.0.0.53'], dnsSearch: ['a.b'], dnsOptions: ['ndots:2'] };
  assert.equal(resolvContent(custom, { ip: '', dnsServer: '' }, host), 'search a.b\nnameserver 10.0.0.53\noptions ndots:2\n');
  assert.equal(
    resolvContent(custom, { ip: '10.89.0.2', dnsServer: '10.89.0.1' }, host),
    'search a.b\nnameserver 10.89.0.1\nnameserver 10.0.0.53\noptions ndots:2\n',
  );
});

test('network list and prune filters on the shared filters module', () => {
  const nets = [
    net(),
    net({ id: 'b'.repeat(64), name: 'bridge', labels: {} }),
    net({ id: 'c'.repeat(64), name: 'other', labels: { app: '1' }, created: '2030-01-01T00:00:00Z' }),
  ];
  const names = (f: Map<string, string[]>, inUse = (_id: string) => false) => nets.filter(networkListFilter(f, inUse)).map((n) => n.name);
  assert.deepEqual(names(new Map([['name', ['^app$']]])), ['app']);
  assert.deepEqual(names(new Map([['id', ['ccc']]])), ['other']);
  assert.deepEqual(names(new Map([['label', ['app=1']]])), ['other']);
  assert.deepEqual(names(new Map([['type', ['builtin']]])), ['bridge']);
  assert.deepEqual(
    names(new Map([['dangling', ['true']]]), (id) => id === 'n'.repeat(64)),
    ['other'],
  );
  assert.throws(() => names(new Map([['type', ['x']]])), /Invalid filter: 'type'='x'/);
  assert.throws(() => names(new Map([['colour', ['x']]])), /Invalid filter 'colour'/);
  const prune = (f: Map<string, string[]>) => nets.filter(networkPruneFilter(f, Date.parse('2026-06-01T00:00:00Z'))).map((n) => n.name);
  assert.deepEqual(prune(new Map([['label!', ['app=1']]])), ['app', 'bridge']);
  assert.deepEqual(prune(new Map([['until', ['2027-01-01T00:00:00Z']]])), ['app', 'bridge']);
});
