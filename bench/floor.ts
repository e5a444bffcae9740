/**
 * The floor: the same container lifecycle and log read with no daemon in
 * between. It uses berth's own pure builders (buildOciSpec, buildConmonArgs
 * via startConmon, mountRootfs) on a busybox rootfs extracted from the same
 * tar, so the difference between berth and the floor is what the daemon adds:
 * HTTP, the database, locking and its own process handling.
 *
 *   create = container dirs + /etc files          (what create does besides the record)
 *   start  = overlay mount + config.json + conmon (runc create) + runc start
 *   wait   = the exit file conmon writes appears
 *   remove = runc delete + unmount + rm -rf
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { writeEtcFiles } from '../src/engine/containers/etc-files.js';
import { defaultCreateSpec } from '../src/engine/containers/spec-defaults.js';
import type { ContainerSpec } from '../src/engine/containers/types.js';
import { resolveUser } from '../src/engine/containers/user.js';
import { mountRootfs, unmountRootfs } from '../src/engine/images/rootfs.js';
import { startConmon } from '../src/engine/runtime/conmon.js';
import { buildOciSpec, serializeOciSpec } from '../src/engine/runtime/oci-spec.js';
import { readHostFacts } from '../src/engine/system/host-facts.js';
import { removeCgroups, unmountUnder } from './berth-daemon.js';
import type { Driver } from './driver.js';
import { K8sPayloadCounter } from './k8s-count.js';
import { processesWithArg } from './proc.js';

const run = promisify(execFile);

export interface FloorOptions {
  workDir: string;
  rootfsTar: string;
  runcPath: string;
  conmonPath: string;
}

export class Floor implements Driver {
  readonly name = 'floor';
  readonly #o: FloorOptions;
  readonly #host = readHostFacts();
  readonly #cgroupParent: string;
  readonly #exits: string;
  readonly #runcRoot: string;
  readonly #waiters = new Map<string, () => void>();
  #watcher: fs.FSWatcher | undefined;

  constructor(opts: FloorOptions) {
    this.#o = opts;
    this.#exits = path.join(opts.workDir, 'exits');
    this.#runcRoot = path.join(opts.workDir, 'runc');
    this.#cgroupParent = `berth-bench-floor-${process.pid}`;
  }

  /** Extracts the rootfs tar (the image's only layer) and starts watching the exit dir. */
  async setup(): Promise<void> {
    for (const d of ['layer', 'exits', 'runc', 'c', 'b']) fs.mkdirSync(path.join(this.#o.workDir, d), { recursive: true, mode: 0o711 });
    execFileSync('tar', ['-xf', this.#o.rootfsTar, '-C', path.join(this.#o.workDir, 'layer')]);
    this.#watcher = fs.watch(this.#exits, (_event, file) => {
      if (file) this.#waiters.get(file.toString())?.();
    });
  }

  #dirs(id: string) {
    const dir = path.join(this.#o.workDir, 'c', id);
    return {
      dir,
      upper: path.join(dir, 'upper'),
      work: path.join(dir, 'work'),
      merged: path.join(dir, 'merged'),
      hosts: path.join(dir, 'hosts'),
      hostname: path.join(dir, 'hostname'),
      resolvConf: path.join(dir, 'resolv.conf'),
      log: path.join(dir, 'ctr.log'),
      bundle: path.join(this.#o.workDir, 'b', id),
    };
  }

  #specs = new Map<string, ContainerSpec>();

  async create(cmd: string[]): Promise<string> {
    const id = randomBytes(32).toString('hex');
    const d = this.#dirs(id);
    const spec = floorSpec(cmd, id.slice(0, 12));
    await fsp.mkdir(d.dir, { recursive: true, mode: 0o700 });
    await Promise.all([d.upper, d.work, d.merged].map((x) => fsp.mkdir(x, { mode: 0o755 })));
    await fsp.writeFile(d.log, '', { mode: 0o600 });
    await writeEtcFiles(d, spec);
    this.#specs.set(id, spec);
    return id;
  }

  async start(id: string): Promise<void> {
    const d = this.#dirs(id);
    const spec = this.#specs.get(id)!;
    await mountRootfs({ overlayRoot: this.#o.workDir, lowers: [path.join(this.#o.workDir, 'layer')], upperDir: d.upper, workDir: d.work, mergedDir: d.merged });
    const { spec: oci } = buildOciSpec({
      id,
      spec,
      rootfs: d.merged,
      user: await resolveUser(d.merged, spec.user),
      hostsPath: d.hosts,
      hostnamePath: d.hostname,
      resolvConfPath: d.resolvConf,
      cgroupsPath: `/${this.#cgroupParent}/${id}`,
      hostRlimits: this.#host.rlimits,
      defaultPidsLimit: 4096,
      shmSize: 64 * 1024 * 1024,
      hostCapabilities: this.#host.capabilities,
      cpuCount: this.#host.ncpu,
    });
    await fsp.mkdir(d.bundle, { recursive: true, mode: 0o700 });
    await fsp.writeFile(path.join(d.bundle, 'config.json'), serializeOciSpec(oci));
    await startConmon(this.#o.conmonPath, {
      id,
      name: `floor-${id.slice(0, 8)}`,
      runtimePath: this.#o.runcPath,
      runtimeRoot: this.#runcRoot,
      bundleDir: d.bundle,
      exitDir: this.#exits,
      logPath: d.log,
      logSizeMax: 0,
      terminal: false,
      stdin: false,
      logLevel: 'warn',
    });
    await run(this.#o.runcPath, ['--root', this.#runcRoot, 'start', id]);
  }

  /** Resolves when conmon's exit file for `id` exists, with the exit code it holds. */
  async wait(id: string): Promise<number> {
    const file = path.join(this.#exits, id);
    const appeared = new Promise<void>((resolve) => this.#waiters.set(id, resolve));
    if (!fs.existsSync(file)) await appeared;
    this.#waiters.delete(id);
    for (;;) {
      const text = await fsp.readFile(file, 'utf8');
      // conmon creates the file and then writes the code: an empty read means "not yet".
      if (text.trim() !== '') return Number(text.trim());
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  async remove(id: string): Promise<void> {
    const d = this.#dirs(id);
    await run(this.#o.runcPath, ['--root', this.#runcRoot, 'delete', '--force', id]).catch(() => undefined);
    await unmountRootfs(d.merged);
    await Promise.all([
      fsp.rm(d.dir, { recursive: true, force: true }),
      fsp.rm(d.bundle, { recursive: true, force: true }),
      fsp.rm(path.join(this.#exits, id), { force: true }),
    ]);
    this.#specs.delete(id);
  }

  /** Tails the k8s-file log until the exit file exists and the file is read to its end. */
  async followLogs(id: string): Promise<number> {
    const exitFile = path.join(this.#exits, id);
    return this.#readLog(this.#dirs(id).log, () => fs.existsSync(exitFile));
  }

  readLogs(id: string): Promise<number> {
    return this.#readLog(this.#dirs(id).log, () => true);
  }

  async #readLog(file: string, isDone: () => boolean): Promise<number> {
    const counter = new K8sPayloadCounter();
    const handle = await fsp.open(file, 'r');
    const buf = Buffer.allocUnsafe(256 * 1024);
    let position = 0;
    try {
      for (;;) {
        const { bytesRead } = await handle.read(buf, 0, buf.length, position);
        if (bytesRead > 0) {
          position += bytesRead;
          counter.push(buf.subarray(0, bytesRead));
          continue;
        }
        if (isDone()) {
          const last = await handle.read(buf, 0, buf.length, position);
          if (last.bytesRead === 0) return counter.payloadBytes;
          position += last.bytesRead;
          counter.push(buf.subarray(0, last.bytesRead));
          continue;
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    } finally {
      await handle.close();
    }
  }

  /** `runc exec <id> true` in a running container: the floor of an exec. */
  async runcExec(id: string, cmd: string[]): Promise<void> {
    await run(this.#o.runcPath, ['--root', this.#runcRoot, 'exec', id, ...cmd]);
  }

  /** Removes everything the floor made, also after a failure. */
  async cleanup(): Promise<void> {
    this.#watcher?.close();
    for (const pid of processesWithArg('conmon', this.#o.workDir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (const id of fs.existsSync(this.#runcRoot) ? fs.readdirSync(this.#runcRoot) : []) {
      try {
        execFileSync(this.#o.runcPath, ['--root', this.#runcRoot, 'delete', '--force', id], { stdio: 'ignore' });
      } catch {
        /* gone */
      }
    }
    unmountUnder(this.#o.workDir);
    removeCgroups(this.#cgroupParent);
    fs.rmSync(this.#o.workDir, { recursive: true, force: true });
  }
}

/** A ContainerSpec with Docker's defaults, no network, running `cmd`. */
function floorSpec(cmd: string[], hostname: string): ContainerSpec {
  return {
    image: 'busybox',
    imageId: 'sha256:floor',
    cmd,
    entrypoint: [],
    ...defaultCreateSpec({ hostname, stopSignal: 'SIGTERM', attachStdout: true, attachStderr: true, networkMode: 'none' }),
  };
}
