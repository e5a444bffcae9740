/**
 * systemd/: the units pass `systemd-analyze verify`, and berthd works socket
 * activated (LISTEN_FDS from `systemd-socket-activate`) and reports READY=1 on
 * NOTIFY_SOCKET. The machine need not run systemd as PID 1.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DgramSocket } from 'node-unix-socket';
import { berthdMain, startDaemon, type TestDaemon } from './helpers/daemon.js';
import { eventually, skipUnlessRoot } from './helpers/docker-cli.js';
import { repoRoot } from './helpers/images.js';

const DEFAULT_SOCKET = '/run/berth/berth.sock';

function onPath(bin: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir && fs.existsSync(path.join(dir, bin)));
}

/** `Key=value` lines of a unit file (comments and sections dropped; later keys win). */
function unitKeys(file: string): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) keys[m[1]] = m[2];
  }
  return keys;
}

/** Inode numbers of listening unix sockets bound to `socketPath` (from /proc/net/unix). */
function listeningInodes(socketPath: string): string[] {
  return fs
    .readFileSync('/proc/net/unix', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[7] === socketPath && f[3] === '00010000') // __SO_ACCEPTCON: listening
    .map((f) => f[6]);
}

const units = {
  service: path.join(repoRoot, 'systemd', 'berthd.service'),
  socket: path.join(repoRoot, 'systemd', 'berthd.socket'),
};

describe('systemd units', () => {
  test('declare what berthd relies on', () => {
    const service = unitKeys(units.service);
    assert.equal(service.Type, 'notify');
    assert.equal(service.KillMode, 'process');
    assert.equal(service.Delegate, 'yes');
    assert.equal(service.Restart, 'on-failure');
    assert.match(service.Requires, /berthd\.socket/);
    const socket = unitKeys(units.socket);
    assert.equal(socket.ListenStream, DEFAULT_SOCKET);
    assert.equal(socket.SocketMode, '0660');
    assert.equal(socket.SocketGroup, 'berth');
  });

  test('pass systemd-analyze verify', { skip: onPath('systemd-analyze') ? false : 'no systemd-analyze' }, () => {
    // verify insists that ExecStart exists: point a copy at this checkout's build.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-it-units-'));
    try {
      fs.copyFileSync(units.socket, path.join(dir, 'berthd.socket'));
      const service = fs.readFileSync(units.service, 'utf8').replace(/^ExecStart=.*$/m, `ExecStart=${process.execPath} ${berthdMain}`);
      fs.writeFileSync(path.join(dir, 'berthd.service'), service);
      const r = spawnSync('systemd-analyze', ['verify', path.join(dir, 'berthd.socket'), path.join(dir, 'berthd.service')], {
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /berthd/, r.stderr);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

const activationSkip =
  skipUnlessRoot() ||
  (!onPath('systemd-socket-activate') && 'no systemd-socket-activate') ||
  // Without --host berthd would bind the default socket if it ignored LISTEN_FDS: never risk a live one.
  (fs.existsSync(DEFAULT_SOCKET) && `${DEFAULT_SOCKET} exists (a berthd may be serving it)`);

describe('socket activation', { skip: activationSkip, timeout: 60_000 }, () => {
  let d: TestDaemon | undefined;
  let notifyDir: string;
  const notices: string[] = [];
  let notify: DgramSocket;

  before(() => {
    notifyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-it-notify-'));
    notify = new DgramSocket();
    notify.on('data', (buf: Buffer) => notices.push(buf.toString('utf8')));
    notify.bind(path.join(notifyDir, 'notify.sock'));
  });
  after(async () => {
    notify.close();
    fs.rmSync(notifyDir, { recursive: true, force: true });
    await d?.cleanup();
  });

  test('berthd serves the socket it was handed and says READY=1', async () => {
    d = await startDaemon({ socketActivation: true, env: { NOTIFY_SOCKET: path.join(notifyDir, 'notify.sock') } });
    const ping = await d.request('GET', '/_ping');
    assert.equal(ping.status, 200);
    assert.equal(ping.body.toString('utf8'), 'OK');
    // The socket that answers is fd 3 from systemd-socket-activate, not one berthd bound itself.
    const fd3 = fs.readlinkSync(`/proc/${d.pid}/fd/3`);
    assert.deepEqual(
      listeningInodes(d.socket).map((ino) => `socket:[${ino}]`),
      [fd3],
    );
    assert.equal(fs.existsSync(DEFAULT_SOCKET), false, 'berthd must not bind the default socket under activation');
    await eventually('READY=1 on NOTIFY_SOCKET', () => notices.some((n) => n.split('\n').includes('READY=1')), {
      timeoutMs: 5_000,
    });
  });
});
