import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareNetVolume, type NetVolumeHost, type NetVolumeRecords } from '../../src/engine/check/net-volume-invariants.js';
import { parseDnsConfig, parseLinks } from '../../src/engine/check/net-volume-host.js';
import { anchorNames } from '../../src/engine/networks/keep-bridge.js';
import { deleteArgs, forwardRulesOf, linkNames } from '../../src/engine/networks/stale-sweep.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const N = 'n'.repeat(64);
const M = 'm'.repeat(64);
const chains = (id: string) => [`NETAVARK-${id.slice(0, 3)}`, `NETAVARK-DN-${id.slice(0, 3)}`];

function records(over: Partial<NetVolumeRecords> = {}): NetVolumeRecords {
  return { volumes: [], networks: [], runs: [], endpoints: [], containers: new Set([A]), activeContainers: new Set([A]), ...over };
}
function host(over: Partial<NetVolumeHost> = {}): NetVolumeHost {
  return {
    volumeDirs: new Map(),
    volumeData: new Set(),
    volumeMounts: new Map(),
    netnsFiles: new Map(),
    dnsConfigs: new Map(),
    bridges: new Set(),
    vethMasters: new Map(),
    natChains: new Set(),
    ...over,
  };
}
const kinds = (r: NetVolumeRecords, h: NetVolumeHost) =>
  compareNetVolume(r, h, chains)
    .map((f) => `${f.kind}:${f.subject.slice(0, 4)}`)
    .sort();

test('a running container on a network with a mounted tmpfs volume is clean', () => {
  const r = records({
    volumes: [{ name: 'tv', needsMount: true, anonymous: false, users: [A], activeUsers: [A] }],
    networks: [{ id: N, name: 'net', bridge: 'br-n' }],
    runs: [{ containerId: A, netns: `/x/netns/${A}`, networks: [N] }],
    endpoints: [{ containerId: A, networkId: N, ip: '10.0.0.2' }],
  });
  const h = host({
    volumeDirs: new Map([['tv', '/v/tv']]),
    volumeData: new Set(['tv']),
    volumeMounts: new Map([['tv', ['/v/tv/_data']]]),
    netnsFiles: new Map([[A, { path: `/x/netns/${A}`, mounted: true }]]),
    dnsConfigs: new Map([[N, { path: `/d/${N}`, containers: [A] }]]),
    bridges: new Set(['br-n']),
    vethMasters: new Map([['veth0', 'br-n']]),
    natChains: new Set(chains(N)),
  });
  assert.deepEqual(compareNetVolume(r, h, chains), []);
});

test('volume findings: orphan dir, missing dir, mount without a running user, device not mounted, unused anonymous (a note)', () => {
  const r = records({
    volumes: [
      { name: 'gone', needsMount: false, anonymous: false, users: [], activeUsers: [] },
      { name: 'idle', needsMount: true, anonymous: false, users: [B], activeUsers: [] },
      { name: 'used', needsMount: true, anonymous: false, users: [A], activeUsers: [A] },
      { name: 'anon', needsMount: false, anonymous: true, users: [], activeUsers: [] },
    ],
  });
  const h = host({
    volumeDirs: new Map([
      ['orph', '/v/orph'],
      ['idle', '/v/idle'],
      ['used', '/v/used'],
      ['anon', '/v/anon'],
    ]),
    volumeData: new Set(['idle', 'used', 'anon']),
    volumeMounts: new Map([
      ['idle', ['/v/idle/_data']],
      ['orph', ['/v/orph/_data']],
    ]),
  });
  assert.deepEqual(kinds(r, h), [
    'orphan-volume-dir:orph',
    'stale-volume-mount:idle',
    'unused-anonymous-volume:anon',
    'volume-dir-missing:gone',
    'volume-not-mounted:used',
  ]);
  const found = compareNetVolume(r, h, chains);
  assert.deepEqual(found.find((f) => f.kind === 'orphan-volume-dir')?.paths, ['/v/orph/_data', '/v/orph'], 'its mount is undone before the dir goes');
  assert.equal(found.find((f) => f.kind === 'unused-anonymous-volume')?.note, true);
  assert.equal(found.find((f) => f.kind === 'volume-not-mounted')?.repairable, false);
});

test('network findings: stale run, lost namespace, orphan namespace, dns leftovers, unused bridge/veth/chains, dangling endpoints', () => {
  const r = records({
    containers: new Set([A, B]),
    activeContainers: new Set([A]),
    networks: [
      { id: N, name: 'used', bridge: 'br-n' },
      { id: M, name: 'idle', bridge: 'br-m' },
    ],
    runs: [
      { containerId: A, netns: `/x/netns/${A}`, networks: [N] },
      { containerId: B, netns: `/x/netns/${B}`, networks: [N] },
    ],
    endpoints: [
      { containerId: A, networkId: N, ip: '10.0.0.2' },
      { containerId: 'c'.repeat(64), networkId: N, ip: '10.0.0.3' },
      { containerId: A, networkId: 'f'.repeat(64), ip: '' },
    ],
  });
  const h = host({
    netnsFiles: new Map([
      [B, { path: `/x/netns/${B}`, mounted: true }],
      ['zz', { path: '/x/netns/zz', mounted: true }],
    ]),
    dnsConfigs: new Map([
      [N, { path: `/d/${N}`, containers: [A, 'c'.repeat(64)] }],
      ['f'.repeat(64), { path: '/d/f', containers: [] }],
    ]),
    bridges: new Set(['br-n', 'br-m']),
    vethMasters: new Map([
      ['v1', 'br-n'],
      ['v2', 'br-m'],
    ]),
    natChains: new Set([...chains(N), chains(M)[1]]),
  });
  assert.deepEqual(kinds(r, h), [
    'netns-missing:aaaa',
    'orphan-dns-config:ffff',
    'orphan-endpoint:aaaa',
    'orphan-endpoint:cccc',
    'orphan-netns:zz',
    'orphan-veth:v2',
    'stale-bridge:mmmm',
    'stale-dns-entry:cccc',
    'stale-firewall-chain:mmmm',
    'stale-network-run:bbbb',
  ]);
  assert.deepEqual(compareNetVolume(r, h, chains).find((f) => f.kind === 'stale-firewall-chain')?.paths, ['NETAVARK-DN-mmm']);
});

test("a bridge with berth's anchor on it is kept on purpose: only other veths on it are findings", () => {
  const r = records({ networks: [{ id: M, name: 'idle', bridge: 'br-m' }] });
  const h = host({
    bridges: new Set(['br-m']),
    vethMasters: new Map([
      [anchorNames(M).anchor, 'br-m'],
      ['v2', 'br-m'],
    ]),
    natChains: new Set(chains(M)),
  });
  assert.deepEqual(kinds(r, h), ['orphan-veth:v2']);
});

test('aardvark-dns configs: container ids after the first line', () => {
  assert.deepEqual(parseDnsConfig(`10.0.0.1\n${A} 10.0.0.2  web,${A.slice(0, 12)}\n\n${B} 10.0.0.3  db\n`), [A, B]);
  assert.deepEqual(parseDnsConfig(''), []);
});

test('ip -j -d link show: bridges and veths with their master', () => {
  const json = JSON.stringify([
    { ifname: 'lo' },
    { ifname: 'br-n', linkinfo: { info_kind: 'bridge' } },
    { ifname: 'veth1', master: 'br-n', linkinfo: { info_kind: 'veth' } },
    { ifname: 'veth2', linkinfo: { info_kind: 'veth' } },
  ]);
  const { bridges, vethMasters } = parseLinks(json);
  assert.deepEqual([...bridges], ['br-n']);
  assert.deepEqual([...vethMasters], [['veth1', 'br-n']]);
  assert.deepEqual(parseLinks('').bridges.size, 0);
  assert.deepEqual(linkNames(JSON.stringify([{ ifname: 'veth1@if3' }, { ifname: 'veth2' }])), ['veth1', 'veth2']);
  assert.deepEqual(linkNames(''), []);
});

test("the sweep's FORWARD rules of a subnet: exactly the two netavark adds for it", () => {
  const lines = [
    '-N NETAVARK_FORWARD',
    '-A NETAVARK_FORWARD -d 10.1.2.0/24 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    '-A NETAVARK_FORWARD -s 10.1.2.0/24 -j ACCEPT',
    '-A NETAVARK_FORWARD -s 10.1.2.0/25 -j ACCEPT',
    '-A NETAVARK_FORWARD -d 10.11.2.0/24 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  ];
  assert.deepEqual(forwardRulesOf('10.1.2.0/24', lines), lines.slice(1, 3));
  assert.deepEqual(deleteArgs(lines[2]), ['-D', 'NETAVARK_FORWARD', '-s', '10.1.2.0/24', '-j', 'ACCEPT']);
  assert.deepEqual(deleteArgs('-A FORWARD -m comment --comment "netavark firewall plugin rules" -j NETAVARK_FORWARD'), [
    '-D',
    'FORWARD',
    '-m',
    'comment',
    '--comment',
    'netavark firewall plugin rules',
    '-j',
    'NETAVARK_FORWARD',
  ]);
  assert.deepEqual(anchorNames(M), { anchor: `bk-${M.slice(0, 12)}`, peer: `bp-${M.slice(0, 12)}` });
});
