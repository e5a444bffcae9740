/**
 * dockerd's rule for a fixed address (--ip): only on a user network whose
 * subnet the client gave; migration 0008 records that per network and takes
 * the user networks made before it as user-configured. And the network
 * events a start and an exit carry (connect / disconnect per network).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { loadMigrations, migrate } from '../../src/db/migrate.js';
import { NetworksRepo } from '../../src/db/networks-repo.js';
import { ContainersRepo } from '../../src/db/containers-repo.js';
import { fixedAddressError } from '../../src/engine/networks/container-net.js';
import { endpointEvent, lifecycleEndpointEvents } from '../../src/engine/networks/endpoint-events.js';
import type { NetworkContext } from '../../src/engine/networks/context.js';
import { allocateIp } from '../../src/engine/networks/ipam.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-fixed-address-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('fixed address: refused on the default bridge and on a daemon-picked subnet, with dockerd 20.10 texts', () => {
  assert.equal(fixedAddressError({ name: 'app', subnetFromUser: false }, ''), undefined, 'no fixed address: nothing to check');
  assert.equal(fixedAddressError({ name: 'app', subnetFromUser: true }, '10.1.0.9'), undefined);
  const auto = fixedAddressError({ name: 'app', subnetFromUser: false }, '10.1.0.9');
  assert.equal(auto?.message, 'user specified IP address is supported only when connecting to networks with user configured subnets');
  assert.equal(auto?.kind, 'invalid-parameter');
  const dflt = fixedAddressError({ name: 'bridge', subnetFromUser: false }, '10.1.0.9');
  assert.equal(dflt?.message, 'user specified IP address is supported on user defined networks only');
  assert.equal(dflt?.kind, 'invalid-parameter');
});

/** A raw networks row as a database of schema 0007 holds it. */
function insertOld(db: Database.Database, id: string, name: string, driver: string, subnet: string): void {
  db.prepare(
    "INSERT INTO networks (id, name, driver, subnet, gateway, ip_range, interface, internal, dns_enabled, labels, options, created_at) VALUES (?, ?, ?, ?, '', '', '', 0, 0, '{}', '{}', 'x')",
  ).run(id.repeat(64), name, driver, subnet);
}

test('migration 0008: user networks made before it count as user-configured; predefined ones never; new rows keep what create says', () => {
  const db = new Database(path.join(dir, 'old.db'));
  try {
    const all = loadMigrations();
    migrate(
      db,
      all.filter((m) => m.version <= 7),
    );
    insertOld(db, 'a', 'bridge', 'bridge', '172.17.0.0/16');
    insertOld(db, 'b', 'host', 'host', '');
    insertOld(db, 'c', 'none', 'null', '');
    insertOld(db, 'd', 'app', 'bridge', '10.89.0.0/24');
    assert.equal(migrate(db, all), 8);
    const repo = new NetworksRepo(db);
    const flags = Object.fromEntries(repo.all().map((n) => [n.name, n.subnetFromUser]));
    assert.deepEqual(flags, { bridge: false, host: false, none: false, app: true });
    const fresh = { ...repo.getByName('app')!, id: 'e'.repeat(64), name: 'auto', subnet: '10.90.0.0/24', bridge: 'br-e', subnetFromUser: false };
    repo.insertNetwork(fresh);
    assert.equal(repo.getByName('auto')?.subnetFromUser, false);
    repo.insertNetwork({ ...fresh, id: 'f'.repeat(64), name: 'given', bridge: 'br-f', subnet: '10.91.0.0/24', subnetFromUser: true });
    assert.equal(repo.getByName('given')?.subnetFromUser, true);
  } finally {
    db.close();
  }
});

test('endpoint events: one per network of the container, primary first; none/host by their record; none for container:', () => {
  const db = new Database(path.join(dir, 'events.db'));
  try {
    migrate(db);
    const repo = new NetworksRepo(db);
    const containers = new ContainersRepo<{ imageId: string }, { status: string; pid: number; exitCode: number }>(db);
    insertOld(db, 'b', 'host', 'host', '');
    insertOld(db, 'c', 'none', 'null', '');
    const net = (id: string, name: string, subnet: string) => {
      const n = {
        ...repo.getByName('host')!,
        id: id.repeat(64),
        name,
        driver: 'bridge' as const,
        subnet,
        gateway: subnet.replace(/0\/24$/, '1'),
        bridge: `br-${id}`,
      };
      repo.insertNetwork(n);
      return n;
    };
    const app = net('d', 'app', '10.89.0.0/24');
    const back = net('e', 'back', '10.90.0.0/24');
    const id = '1'.repeat(64);
    containers.insert({ id, name: 'web', created: 'x', spec: { imageId: 'i' }, state: { status: 'created', pid: 0, exitCode: 0 } });
    for (const n of [app, back]) {
      repo.addEndpoints([{ containerId: id, networkId: n.id, requestedIp: '', aliases: [], pick: (used) => ({ ip: allocateIp(n, used, ''), mac: '' }) }]);
    }
    const ctx = { repo } as unknown as NetworkContext;
    const of = (mode: string, action: 'connect' | 'disconnect') => lifecycleEndpointEvents(ctx, { id, spec: { networkMode: mode } }, action);
    assert.deepEqual(of('app', 'connect'), [endpointEvent('connect', app, id), endpointEvent('connect', back, id)]);
    assert.deepEqual(of('app', 'disconnect')[1], {
      type: 'network',
      action: 'disconnect',
      id: back.id,
      attributes: { container: id, name: 'back', type: 'bridge' },
    });
    assert.deepEqual(of('none', 'connect'), [
      { type: 'network', action: 'connect', id: 'c'.repeat(64), attributes: { container: id, name: 'none', type: 'null' } },
    ]);
    assert.deepEqual(of('host', 'disconnect'), [
      { type: 'network', action: 'disconnect', id: 'b'.repeat(64), attributes: { container: id, name: 'host', type: 'host' } },
    ]);
    assert.deepEqual(of(`container:${'2'.repeat(64)}`, 'connect'), []);
  } finally {
    db.close();
  }
});
