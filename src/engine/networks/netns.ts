/**
 * Persistent network namespaces: one file per container under
 * `<exec-root>/netns`, the namespace bind-mounted on it by util-linux's
 * `unshare --net=FILE`. The directory is a private bind mount of itself
 * (mounted at the first namespace and kept while the daemon runs; a clean
 * shutdown unmounts it when no namespace is left) so that the namespace
 * mounts do not propagate into other mount namespaces, which would keep
 * them alive there. Operations are serialised.
 */
import { execFileSync } from 'node:child_process';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { runFailureText, runHost } from '../host/spawner.js';
import { systemError } from '../errors.js';
import { hostTool } from '../host/binaries.js';
import { privateBindMount, umountFs } from '../host/mount.js';

export class NetnsDir {
  readonly dir: string;
  #queue: Promise<unknown> = Promise.resolve();
  #mounted = false;

  constructor(execRoot: string) {
    this.dir = path.join(execRoot, 'netns');
  }

  /** The namespace file of a container (whether or not it exists). */
  pathFor(containerId: string): string {
    return path.join(this.dir, containerId);
  }

  /** Makes a fresh namespace at pathFor(name); an old one of that name is replaced. */
  create(name: string): Promise<string> {
    return this.#serial(async () => {
      await this.#ensureMounted();
      const file = this.pathFor(name);
      await unmountAndUnlink(file);
      await fs.writeFile(file, '', { mode: 0o644 });
      const res = await runHost(hostTool('unshare'), [`--net=${file}`, 'true'], { timeoutMs: 10_000 });
      if (res.exitCode !== 0) {
        await fs.rm(file, { force: true });
        throw systemError('BERTH_NETNS_CREATE', `creating a network namespace: ${runFailureText('unshare', res)}`);
      }
      return file;
    });
  }

  /** Unmounts and deletes a namespace file (absent is fine). */
  remove(file: string): Promise<void> {
    return this.#serial(() => unmountAndUnlink(file));
  }

  /**
   * At clean shutdown (synchronous, like the rest of it): the directory's own
   * mount goes when no namespace is left in it; namespaces of running
   * containers keep it.
   */
  closeSync(): void {
    try {
      if (fsSync.readdirSync(this.dir).length > 0) return;
      const info = fsSync.readFileSync('/proc/self/mountinfo', 'utf8');
      if (info.split('\n').some((l) => l.split(' ')[4] === this.dir)) execFileSync(hostTool('umount'), [this.dir], { stdio: 'ignore', timeout: 10_000 });
    } catch {
      // no directory, or busy: the next start reuses it
    }
  }

  /**
   * Adds links named `names` inside a namespace (a stand-in for one that is
   * gone): veth pairs whose peer stays in the same namespace, since not every
   * kernel has the dummy link type.
   */
  async addDummyLinks(file: string, names: string[]): Promise<void> {
    for (const [i, name] of names.entries()) {
      await runHost(hostTool('nsenter'), [`--net=${file}`, hostTool('ip'), 'link', 'add', name, 'type', 'veth', 'peer', 'name', `berthpeer${i}`], {
        timeoutMs: 10_000,
      });
    }
  }

  /**
   * At startup, after runs were reconciled: namespace files no run names
   * (a crash between making one and recording the run) are unmounted and
   * deleted. Returns their paths.
   */
  removeUnrecorded(keep: ReadonlySet<string>): Promise<string[]> {
    return this.#serial(async () => {
      const names = await fs.readdir(this.dir).catch(() => [] as string[]);
      const gone = names.map((n) => path.join(this.dir, n)).filter((file) => !keep.has(file));
      for (const file of gone) await unmountAndUnlink(file);
      return gone;
    });
  }

  /** Whether a namespace file exists and is mounted. */
  async exists(file: string): Promise<boolean> {
    return isMountPoint(file);
  }

  async #ensureMounted(): Promise<void> {
    if (this.#mounted) return;
    await fs.mkdir(this.dir, { recursive: true, mode: 0o755 });
    if (!(await isMountPoint(this.dir))) {
      const res = await privateBindMount(this.dir);
      if (!res.ok) throw systemError('BERTH_NETNS_DIR', res.message);
    }
    this.#mounted = true;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn, fn);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}

async function unmountAndUnlink(file: string): Promise<void> {
  if (await isMountPoint(file)) {
    const res = await umountFs(file);
    if (!res.ok) await umountFs(file, { lazy: true });
  }
  await fs.rm(file, { force: true });
}

/** True when `p` is a mount point in this mount namespace (mountinfo escapes spaces as \040). */
export async function isMountPoint(p: string): Promise<boolean> {
  const info = await fs.readFile('/proc/self/mountinfo', 'utf8');
  return info.split('\n').some((line) => line.split(' ')[4]?.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))) === p);
}
