import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, DEFAULTS, loadConfig, parseHost } from '../../src/config.js';

test('defaults are dockerd-like', () => {
  const config = loadConfig([]);
  assert.deepEqual(config.hosts, DEFAULTS.hosts);
  assert.equal(config.dataRoot, '/var/lib/berth');
  assert.equal(config.execRoot, '/run/berth');
  assert.equal(config.pidfile, '/run/berth/berthd.pid');
  assert.equal(config.runtime, 'runc');
  assert.equal(config.logSizeMax, 32 * 1024 * 1024);
});

test('flags win over the config file; hosts repeat', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-config-'));
  try {
    const file = path.join(dir, 'daemon.json');
    fs.writeFileSync(file, JSON.stringify({ 'data-root': '/srv/berth', 'log-level': 'debug', 'log-size-max': 1000 }));
    const config = loadConfig(['--config-file', file, '--log-level', 'warn', '-H', 'unix:///a.sock', '--host', 'unix:///b.sock']);
    assert.equal(config.dataRoot, '/srv/berth');
    assert.equal(config.logLevel, 'warn');
    assert.equal(config.logSizeMax, 1000);
    assert.deepEqual(config.hosts, ['unix:///a.sock', 'unix:///b.sock']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('unknown keys, bad values and unknown flags are errors', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-config-'));
  try {
    const file = path.join(dir, 'daemon.json');
    fs.writeFileSync(file, JSON.stringify({ 'data-rot': '/x' }));
    assert.throws(
      () => loadConfig(['--config-file', file]),
      (e: Error) => e instanceof ConfigError && /unknown key "data-rot"/.test(e.message),
    );
    fs.writeFileSync(file, '{not json');
    assert.throws(() => loadConfig(['--config-file', file]), ConfigError);
    assert.throws(() => loadConfig(['--log-level', 'loud']), ConfigError);
    assert.throws(() => loadConfig(['--log-size-max', '12k']), /not an integer/);
    assert.throws(() => loadConfig(['--no-such-flag']), /Unknown option/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('listen addresses: unix, fd, loopback TCP only', () => {
  assert.deepEqual(parseHost('unix:///run/berth/berth.sock'), { kind: 'unix', path: '/run/berth/berth.sock' });
  assert.deepEqual(parseHost('tcp://127.0.0.1:2375'), { kind: 'tcp', host: '127.0.0.1', port: 2375 });
  assert.deepEqual(parseHost('tcp://[::1]:2375'), { kind: 'tcp', host: '::1', port: 2375 });
  assert.throws(() => parseHost('tcp://0.0.0.0:2375'), /only on loopback/);
  assert.throws(() => parseHost('http://x'), /invalid --host/);
});

test('the cgroup parent follows the data root unless given', () => {
  assert.equal(loadConfig([]).cgroupParent, 'berth');
  const a = loadConfig(['--data-root', '/srv/a']).cgroupParent;
  const b = loadConfig(['--data-root', '/srv/b']).cgroupParent;
  assert.match(a, /^berth-[0-9a-f]{8}$/);
  assert.notEqual(a, b);
  assert.equal(loadConfig(['--data-root', '/srv/a', '--cgroup-parent', 'mine']).cgroupParent, 'mine');
});

test('TLS: dockerd flag and daemon.json spellings; off loopback only with mutual TLS', () => {
  const tlsFlags = ['--tlsverify', '--tlscacert', 'ca.pem', '--tlscert', 'cert.pem', '--tlskey', 'key.pem'];
  const config = loadConfig(['-H', 'tcp://0.0.0.0:2376', ...tlsFlags]);
  assert.deepEqual(config.tls, { verify: true, ca: path.resolve('ca.pem'), cert: path.resolve('cert.pem'), key: path.resolve('key.pem') });
  assert.deepEqual(parseHost('tcp://0.0.0.0:2376', true), { kind: 'tcp', host: '0.0.0.0', port: 2376 });
  assert.equal(loadConfig([]).tls, undefined);
  assert.equal(loadConfig(['-H', 'tcp://127.0.0.1:2376', '--tls', '--tlscert', 'c', '--tlskey', 'k']).tls?.verify, false);
  assert.throws(() => loadConfig(['-H', 'tcp://0.0.0.0:2376', '--tls', '--tlscert', 'c', '--tlskey', 'k']), /only on loopback/);
  assert.throws(() => loadConfig(['-H', 'tcp://0.0.0.0:2376']), /refusing to listen/);
  assert.throws(() => loadConfig(['--tlsverify', '--tlscert', 'c', '--tlskey', 'k']), /needs --tlscacert/);
  assert.throws(() => loadConfig(['--tls']), /need --tlscert and --tlskey/);
  assert.throws(() => loadConfig(['--tlscert', 'c']), /need --tls or --tlsverify/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-config-'));
  try {
    const file = path.join(dir, 'daemon.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ hosts: ['tcp://0.0.0.0:2376'], tls: true, tlsverify: true, tlscacert: '/pki/ca.pem', tlscert: '/pki/cert.pem', tlskey: '/pki/key.pem' }),
    );
    assert.deepEqual(loadConfig(['--config-file', file]).tls, { verify: true, ca: '/pki/ca.pem', cert: '/pki/cert.pem', key: '/pki/key.pem' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('network settings in dockerd spelling: --bip, --default-address-pool, and the file keys', () => {
  const c = loadConfig([
    '--bip',
    '172.30.0.1/16',
    '--default-address-pool',
    'base=10.10.0.0/16,size=24',
    '--default-address-pool',
    'base=10.20.0.0/16,size=20',
  ]);
  assert.equal(c.bip, '172.30.0.1/16');
  assert.deepEqual(c.defaultAddressPools, [
    { base: '10.10.0.0/16', size: 24 },
    { base: '10.20.0.0/16', size: 20 },
  ]);
  assert.deepEqual(loadConfig([]).defaultAddressPools, []);
  assert.throws(() => loadConfig(['--default-address-pool', 'size=24']), ConfigError);
  assert.throws(() => loadConfig(['--bip', 'nope']), ConfigError);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-config-'));
  const file = path.join(dir, 'daemon.json');
  fs.writeFileSync(file, JSON.stringify({ bip: '172.31.0.1/24', 'default-address-pools': [{ base: '10.30.0.0/16', size: 24 }] }));
  const f = loadConfig(['--config-file', file]);
  assert.equal(f.bip, '172.31.0.1/24');
  assert.deepEqual(f.defaultAddressPools, [{ base: '10.30.0.0/16', size: 24 }]);
  fs.rmSync(dir, { recursive: true });
});
