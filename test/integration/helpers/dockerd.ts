/**
 * A reference dockerd (Debian's docker.io) for comparison tests, on its own
 * socket, data root, exec root and pidfile under a temp dir, without
 * bridge or iptables (it must not touch the host's network). Stopped by its
 * pid (SIGTERM, then SIGKILL). `startDockerd` resolves to undefined with a
 * reason when dockerd is missing or does not answer in time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unixRequest } from './unix-http.js';

export interface TestDockerd {
  socket: string;
  root: string;
  /** DOCKER_HOST for the docker CLI. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export const DOCKERD = '/usr/sbin/dockerd';

export async function startDockerd(): Promise<TestDockerd | string> {
  if (!fs.existsSync(DOCKERD)) return `${DOCKERD} is not installed`;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-dockerd-'));
  const socket = path.join(root, 'd.sock');
  const log = fs.openSync(path.join(root, 'dockerd.log'), 'w');
  const args = [
    '-H',
    `unix://${socket}`,
    '--data-root',
    path.join(root, 'data'),
    '--exec-root',
    path.join(root, 'exec'),
    '--pidfile',
    path.join(root, 'd.pid'),
  ];
  const child: ChildProcess = spawn(DOCKERD, [...args, '--bridge', 'none', '--iptables=false', '--ip6tables=false', '--ip-masq=false'], {
    stdio: ['ignore', log, log],
  });
  let exited = false;
  child.on('exit', () => (exited = true));
  const stop = async () => {
    if (!exited && child.pid) {
      child.kill('SIGTERM');
      for (let i = 0; i < 100 && !exited; i++) await new Promise((r) => setTimeout(r, 100));
      if (!exited) child.kill('SIGKILL');
    }
    fs.closeSync(log);
    fs.rmSync(root, { recursive: true, force: true });
  };
  for (const deadline = Date.now() + 30_000; Date.now() < deadline && !exited; await new Promise((r) => setTimeout(r, 200))) {
    const ok = await unixRequest(socket, 'GET', '/_ping').then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return { socket, root, env: { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: root }, stop };
  }
  const tail = fs.readFileSync(path.join(root, 'dockerd.log'), 'utf8').split('\n').slice(-5).join(' | ');
  await stop();
  return `dockerd did not start: ${tail}`;
}
