import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, closeDatabase } from '../../src/db/database.js';
import { NetworksRepo } from '../../src/db/networks-repo.js';
import { ContainersRepo } from '../../src/db/containers-repo.js';
import { allocateIp } from '../../src/engine/networks/ipam.js';
import type { NetworkRecord } from '../../src/engine/model/network.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-networks-repo-'));
const db = openDatabase(path.join(dir, 'state.db'));
const repo = new NetworksRepo(db);
const containers = new ContainersRepo<{ imageId: string }, { status: string; pid: number; exitCode: number }>(db);
after(() => {
  closeDatabase(db);
  fs.rmSync(dir, { recursive: true, force: true });
});

const network: NetworkRecord = {
  id: 'a'.repeat(64),
  name: 'app',
  driver: 'bridge',
  subnet: '10.89.0.0/29',
  gateway: '10.89.0.1',
  ipRange: '',
  subnetFromUser: true,
  bridge: 'br-aaaaaaaaaaaa',
  internal: true,
  dnsEnabled: true,
  labels: { k: 'v' },
  options: { o: '1' },
  created: '2026-01-01T00:00:00.000000000Z',
};
const addContainer = (c: string) =>
  containers.insert({ id: c.repeat(64), name: `c${c}`, created: 'x', spec: { imageId: 'i' }, state: { status: 'created', pid: 0, exitCode: 0 } });
const endpoint = (c: string, requestedIp = '') => ({
  containerId: c.repeat(64),
  networkId: network.id,
  requestedIp,
  aliases: ['x'],
  pick: (used: Set<string>) => ({ ip: allocateIp(network, used, requestedIp), mac: '' }),
});

test('networks: insert, lookups, unique name', () => {
  repo.insertNetwork(network);
  assert.deepEqual(repo.get(network.id), network);
  assert.deepEqual(repo.getByName('app'), network);
  assert.deepEqual(
    repo.findByPrefix('aaa').map((n) => n.id),
    [network.id],
  );
  assert.throws(() => repo.insertNetwork({ ...network, id: 'b'.repeat(64) }), /UNIQUE/);
});

test('endpoints: addresses allocated in the insert transaction, freed with the container', () => {
  addContainer('1');
  addContainer('2');
  addContainer('3');
  const [a, b] = repo.addEndpoints([endpoint('1'), endpoint('2')]);
  assert.equal(a.ip, '10.89.0.2');
  assert.equal(b.ip, '10.89.0.3');
  assert.throws(() => repo.addEndpoints([endpoint('3', '10.89.0.2')]), /Address already in use/);
  assert.equal(repo.endpointsOf('3'.repeat(64)).length, 0);
  assert.throws(() => repo.addEndpoints([endpoint('1')]), /UNIQUE|PRIMARY/);
  containers.delete('1'.repeat(64));
  assert.deepEqual(
    repo.endpointsOn(network.id).map((e) => e.containerId),
    ['2'.repeat(64)],
  );
  assert.equal(repo.addEndpoints([endpoint('3')])[0].ip, '10.89.0.2');
});

test('runs and network removal', () => {
  const run = {
    containerId: '9'.repeat(64),
    netns: '/run/x',
    setup: { container_id: 'x', container_name: 'n', networks: {}, network_info: {}, port_mappings: null },
    ports: [],
  };
  repo.putRun(run);
  assert.deepEqual(repo.getRun(run.containerId), run);
  assert.equal(repo.allRuns().length, 1);
  repo.deleteRun(run.containerId);
  assert.equal(repo.getRun(run.containerId), undefined);
  repo.deleteNetwork(network.id);
  assert.equal(repo.get(network.id), undefined);
  assert.equal(repo.endpointsOf('2'.repeat(64)).length, 0);
});
