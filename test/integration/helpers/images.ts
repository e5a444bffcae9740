/**
 * Local image fixtures: the busybox rootfs from scripts/busybox-rootfs.sh
 * (Debian's busybox-static), imported through POST /images/create?fromSrc=-.
 * No registry, no network.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestDaemon } from './daemon.js';

/** The repository root: the nearest dir above this file that has scripts/busybox-rootfs.sh. */
export const repoRoot = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));

function findRepoRoot(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'scripts', 'busybox-rootfs.sh'))) return d;
    if (path.dirname(d) === d) throw new Error(`no scripts/busybox-rootfs.sh above ${dir}`);
  }
}

let rootfsTar: Promise<string> | undefined;

/**
 * Builds the busybox rootfs tar once per process (into a temp dir removed at
 * exit) and resolves to its path. The tar is reproducible, so its layer digest
 * is the same in every run.
 */
export function busyboxRootfsTar(): Promise<string> {
  rootfsTar ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-it-rootfs-'));
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    const out = path.join(dir, 'busybox-rootfs.tar');
    await promisify(execFile)('bash', [path.join(repoRoot, 'scripts', 'busybox-rootfs.sh'), out]);
    return out;
  })();
  return rootfsTar;
}

/** The JSON messages of a Docker progress stream (one object per line). */
export function parseJsonMessages(body: Buffer): Record<string, any>[] {
  return body
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

/**
 * Imports the busybox rootfs as `repo:tag` with CMD ["sh"] and resolves to the
 * new image ID (sha256:…). Rejects when berthd answers an error status or an
 * error message inside the 200 progress stream.
 */
export async function importBusybox(daemon: TestDaemon, repo = 'busybox', tag = 'latest'): Promise<string> {
  const tar = await busyboxRootfsTar();
  const res = await daemon.request('POST', '/images/create', {
    query: { fromSrc: '-', repo, tag, changes: 'CMD ["sh"]' },
    headers: { 'Content-Type': 'application/x-tar' },
    body: fs.createReadStream(tar),
  });
  const text = res.body.toString('utf8');
  if (res.status !== 200) throw new Error(`import ${repo}:${tag} → HTTP ${res.status}: ${text}`);
  const messages = parseJsonMessages(res.body);
  const failed = messages.find((m) => m.error || m.errorDetail);
  if (failed) throw new Error(`import ${repo}:${tag} failed: ${JSON.stringify(failed)}`);
  const id = messages.map((m) => m.status).find((s) => typeof s === 'string' && /^sha256:[0-9a-f]{64}$/.test(s));
  if (!id) throw new Error(`import ${repo}:${tag}: no image ID in ${text}`);
  return id;
}
