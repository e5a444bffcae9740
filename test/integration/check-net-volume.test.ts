/**
 * `berthd check` on volumes and networks: clean while a container runs on a
 * user network with a named and a tmpfs volume; then each inconsistency is
 * made by hand (only with names, paths and links this test made) and check
 * reports it: a volume directory without a record, a record without its
 * directory, a driver mount nobody uses, an anonymous volume whose
 * container was removed (a note), a namespace file without a setup record,
 * a setup record of no container, a bridge, veth and netavark chain of a
 * network nobody uses, an endpoint (IPAM allocation) of no container, an
 * aardvark-dns entry and config of nothing. `--repair` (berthd stopped)
 * fixes every one but the note, and the running container is untouched.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { netavarkChains } from '../../src/engine/networks/stale-sweep.js';
import { inspectApi, run } from './helpers/api.js';
import { berthdCheck, checkKinds } from './helpers/check.js';
import { skipUnlessRoot } from './helpers/docker-cli.js';
import { useDaemon } from './helpers/suite.js';

const FAKE = 'e'.repeat(64);
const FAKE2 = 'd'.repeat(64);
const tag = randomBytes(3).toString('hex');
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: 'pipe' });

describe('berthd check: volumes and networks', { skip: skipUnlessRoot(), timeout: 180_000 }, () => {
  const d = useDaemon();

  async function network(name: string, bridge: string): Promise<string> {
    const r = await d.request('POST', '/networks/create', { body: { Name: name, Options: { 'com.docker.network.bridge.name': bridge } } });
    assert.equal(r.status, 201, r.body.toString());
    return r.json().Id as string;
  }

  async function volume(name: string, opts: Record<string, string> = {}): Promise<string> {
    const r = await d.request('POST', '/volumes/create', { body: { Name: name, DriverOpts: opts } });
    assert.equal(r.status, 201, r.body.toString());
    return r.json().Mountpoint as string;
  }

  test('each volume and network inconsistency is found, and --repair fixes it', async () => {
    await network('chk-net', `chkbr${tag}`);
    await volume('chk-named');
    await volume('chk-tmpfs-used', { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' });
    const keep = await run(d, { Cmd: ['sleep', '1000'], HostConfig: { NetworkMode: 'chk-net', Binds: ['chk-named:/a', 'chk-tmpfs-used:/b'] } }, 'chk-keep');
    const clean = await berthdCheck(d);
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    assert.match(clean.stdout, /1 containers, 1 layers, 2 volumes, 4 networks examined/);

    // Volumes.
    fs.mkdirSync(path.join(d.dataRoot, 'volumes', 'chk-orphan', '_data'), { recursive: true });
    fs.rmSync(path.dirname(await volume('chk-gone')), { recursive: true });
    const tmpfsData = await volume('chk-tmpfs-idle', { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' });
    sh('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', tmpfsData]);
    const anon = await run(d, { Cmd: ['true'], Volumes: { '/data': {} } }, 'chk-anon');
    assert.equal((await d.request('DELETE', `/containers/${anon}`, { query: { force: 1 } })).status, 204);

    // Networks: a namespace nobody recorded (the directory is berth's private mount while chk-keep runs).
    const netnsFile = path.join(d.execRoot, 'netns', FAKE);
    fs.writeFileSync(netnsFile, '');
    sh('unshare', [`--net=${netnsFile}`, 'true']);
    const idle = await network('chk-idle', `chkbi${tag}`);
    const dnsDir = path.join(d.execRoot, 'netavark', 'aardvark-dns');
    const ownDns = fs.readFileSync(path.join(dnsDir, (await inspectApi(d, keep)).NetworkSettings.Networks['chk-net'].NetworkID as string), 'utf8');
    assert.match(ownDns, new RegExp(`^${keep} `, 'm'), `aardvark-dns lists the container first on its line:\n${ownDns}`);
    await d.stop();

    sh('ip', ['link', 'add', `chkbi${tag}`, 'type', 'bridge']);
    sh('ip', ['link', 'add', `chkv${tag}`, 'type', 'veth', 'peer', 'name', `chkp${tag}`]);
    sh('ip', ['link', 'set', `chkv${tag}`, 'master', `chkbi${tag}`]);
    sh('iptables', ['-t', 'nat', '-N', netavarkChains(idle)[1]]);
    fs.writeFileSync(path.join(dnsDir, idle), `10.255.0.1\n${FAKE} 10.255.0.5  chk-ghost\n`);
    fs.writeFileSync(path.join(dnsDir, FAKE2), `10.254.0.1\n${FAKE} 10.254.0.5  chk-ghost\n`);
    const db = new Database(path.join(d.dataRoot, 'berth.db'));
    db.pragma('foreign_keys = OFF');
    db.prepare("INSERT INTO endpoints (container_id, network_id, ip, seq) VALUES (?, ?, '', 1)").run(FAKE, idle);
    db.prepare('INSERT INTO network_runs (container_id, netns, setup) VALUES (?, ?, \'{"networks":{}}\')').run(FAKE2, path.join(d.execRoot, 'netns', FAKE2));
    db.close();

    const found = await berthdCheck(d);
    assert.equal(found.code, 1, found.stdout + found.stderr);
    const kinds = await checkKinds(d);
    const expected = [
      'orphan-volume-dir',
      'volume-dir-missing',
      'stale-volume-mount',
      'unused-anonymous-volume',
      'orphan-netns',
      'stale-network-run',
      'stale-bridge',
      'orphan-veth',
      'stale-firewall-chain',
      'orphan-endpoint',
      'stale-dns-entry',
      'orphan-dns-config',
    ];
    assert.deepEqual([...kinds].sort(), [...expected].sort(), found.stdout);
    assert.match(found.stdout, /note: unused-anonymous-volume: anonymous volume [0-9a-f]{64} is used by no container/);

    const repaired = await berthdCheck(d, ['--repair']);
    assert.equal(repaired.code, 0, repaired.stdout + repaired.stderr);
    assert.deepEqual(await checkKinds(d), ['unused-anonymous-volume'], repaired.stdout);
    assert.equal(fs.existsSync(path.join(d.dataRoot, 'volumes', 'chk-orphan')), false);
    assert.equal(fs.existsSync(netnsFile), false);
    for (const link of [`chkbi${tag}`, `chkv${tag}`]) assert.throws(() => sh('ip', ['link', 'show', 'dev', link]), `${link} is gone`);

    await d.start();
    const kept = await inspectApi(d, keep);
    assert.equal(kept.State.Status, 'running', 'the running container is untouched');
    assert.equal((await d.docker(['exec', keep, 'cat', '/proc/mounts'])).stdout.includes(' /b tmpfs '), true, 'its tmpfs volume is still mounted');
    assert.equal((await d.request('DELETE', `/volumes/chk-gone`)).status, 204, 'a volume whose directory was recreated can be removed');
  });
});
