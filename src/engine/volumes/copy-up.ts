/**
 * Docker's copy-up: the first time an empty volume is mounted over a path
 * that has content in the image, that content is copied into the volume
 * (owners, modes, timestamps, symlinks, hard links, xattrs), so
 * `-v data:/etc` starts with the image's /etc. Runs under the volume's lock
 * at the container's first start, when its root is mounted; never again
 * for that container, and never into a volume that has anything in it.
 *
 * The source is walked inside the container root with container-root/root-walk.ts (a
 * symlink in the image cannot lead the copy out of it) and handed to the
 * host's GNU cp as the open directory fd 3: `cp -a /proc/self/fd/3/. dest`
 * copies its contents and its own owner and mode onto the volume's root,
 * following no symlink inside.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { systemError } from '../errors.js';
import { openWalkedDir, walkInRoot } from '../container-root/root-walk.js';
import { hostTool } from '../host/binaries.js';

/** GNU cp's arguments for a copy-up into `dest`. Pure. */
export function copyUpArgs(dest: string): string[] {
  return ['-a', '--no-target-directory', '/proc/self/fd/3/.', dest];
}

/** True when `dir` has no entries. */
export async function isEmptyDir(dir: string): Promise<boolean> {
  return (await fsp.readdir(dir)).length === 0;
}

/**
 * Copies the directory `target` of the container root `rootfs` into the
 * empty volume directory `dest`. Returns false when there is nothing to
 * copy (the path does not exist or is not a directory in the image).
 */
export async function copyUp(rootfs: string, target: string, dest: string): Promise<boolean> {
  const walked = await walkInRoot(rootfs, target, { followFinal: true }).catch(() => null);
  if (!walked) return false;
  let fd: number | null;
  try {
    if (walked.stat === null || !walked.stat.isDirectory()) return false;
    fd = await openWalkedDir(walked);
  } finally {
    walked.close();
  }
  if (fd === null) return false;
  try {
    await runCp(fd, dest);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

function runCp(fd: number, dest: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(hostTool('cp'), copyUpArgs(dest), { stdio: ['ignore', 'ignore', 'pipe', fd] });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(systemError('BERTH_VOLUME_COPY_UP', `copying the image's content into volume ${dest}: cp exited ${code}: ${stderr.trim()}`));
    });
  });
}
