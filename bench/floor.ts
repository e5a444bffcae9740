/**
 * The floor: the same container lifecycle and log read with no daemon in
 * between, on a busybox rootfs extracted from the same tar. Two of them:
 *
 *   floor      the OCI spec berth generates for that container: the same
 *              create body (driver.ts createBody) through berth's own create
 *              parser, image merge (create.ts assembleSpec), settings
 *              (engineSettings from berthd's config) and bundle writer
 *              (bundle.ts), run by berth's conmon launcher. The difference
 *              between berth and this floor is what the daemon adds: HTTP,
 *              the database, locking and its own process handling.
 *              spec-check.ts proves the spec equal to a berth container's.
 *   floor-min  `runc spec`'s default spec (no seccomp, a few capabilities)
 *              with the same root, command and cgroup parent: what a
 *              minimal container costs the kernel and runc.
 *
 *   create = container dirs + /etc files          (what create does besides the record)
 *   start  = overlay mount + config.json + conmon (runc create) + runc start
 *   wait   = the exit file conmon writes appears
 *   remove = runc delete + unmount + rm -rf
 *
 * With `networkMode: 'bridge'` (the fair floor only, after enableBridge) the
 * container joins a namespace set up by `netavark setup` before the bundle
 * is written, and `netavark teardown` runs beside runc delete and the
 * unmount, as berth does (netavark-floor.ts).
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../src/config.js';
import { engineConfig } from '../src/engine-config.js';
import { writeBundle } from '../src/engine/containers/bundle.js';
import { engineSettings, type EngineSettings } from '../src/engine/containers/context.js';
import { assembleSpec } from '../src/engine/containers/create.js';
import { writeEtcFiles } from '../src/engine/containers/etc-files.js';
import { containerFiles } from '../src/engine/paths.js';
import type { ContainerSpec } from '../src/engine/model/container.js';
import { emptyRuntimeConfig } from '../src/engine/images/changes.js';
import { mountRootfs, unmountRootfs } from '../src/engine/images/rootfs.js';
import { startConmon } from '../src/engine/runtime/conmon.js';
import type { OciSpec } from '../src/engine/runtime/oci-types.js';
import { readHostFacts } from '../src/engine/system/host-facts.js';
import { toCreateOptions } from '../src/server/wire/create-body.js';
import { removeCgroups, unmountUnder } from './berth-daemon.js';
import { createBody, type CreateOptions, type Driver } from './driver.js';
import { K8sPayloadCounter } from './k8s-count.js';
import { NetavarkFloor, type BridgeTemplate } from './netavark-floor.js';
import { processesWithArg } from './proc.js';

const run = promisify(execFile);

export interface FloorOptions {
  /** 'berth': the spec berthd generates (the fair floor); 'minimal': `runc spec`'s default. */
  spec: 'berth' | 'minimal';
  workDir: string;
  rootfsTar: string;
  runcPath: string;
  conmonPath: string;
}

export class Floor implements Driver {
  readonly name: string;
  /** berthd's container settings, as a berthd with this floor's roots and cgroup parent would have them. */
  readonly settings: EngineSettings;
  readonly #o: FloorOptions;
  readonly #cgroupParent: string;
  #minimal: OciSpec | undefined;
  readonly #exits: string;
  readonly #runcRoot: string;
  readonly #waiters = new Map<string, () => void>();
  #watcher: fs.FSWatcher | undefined;
  #net: NetavarkFloor | undefined;
  /** The binaries berthd with this floor's config would run. */
  readonly #netavark: { netavark: string; aardvark: string };
  /** Containers on the floor's bridge, with netavark's input. */
  readonly #bridged = new Map<string, ReturnType<NetavarkFloor['input']>>();

  constructor(opts: FloorOptions) {
    this.#o = opts;
    this.name = opts.spec === 'berth' ? 'floor' : 'floor-min';
    this.#exits = path.join(opts.workDir, 'exits');
    this.#runcRoot = path.join(opts.workDir, 'runc');
    this.#cgroupParent = `berth-bench-${this.name}-${process.pid}`;
    const argv = ['--data-root', path.join(opts.workDir, 'data'), '--exec-root', path.join(opts.workDir, 'run'), '--cgroup-parent', this.#cgroupParent];
    const config = engineConfig(loadConfig(argv), 'bench');
    this.settings = engineSettings(config, readHostFacts());
    this.#netavark = { netavark: config.netavarkPath, aardvark: config.aardvarkPath };
  }

  /** Extracts the rootfs tar (the image's only layer) and starts watching the exit dir. */
  async setup(): Promise<void> {
    for (const d of ['layer', 'exits', 'runc', 'c', 'b']) fs.mkdirSync(path.join(this.#o.workDir, d), { recursive: true, mode: 0o711 });
    execFileSync('tar', ['-xf', this.#o.rootfsTar, '-C', path.join(this.#o.workDir, 'layer')]);
    if (this.#o.spec === 'minimal') {
      const dir = path.join(this.#o.workDir, 'runc-spec');
      fs.mkdirSync(dir);
      execFileSync(this.#o.runcPath, ['spec', '--bundle', dir]);
      this.#minimal = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as OciSpec;
    }
    this.#watcher = fs.watch(this.#exits, (_event, file) => {
      if (file) this.#waiters.get(file.toString())?.();
    });
  }

  /** Makes the floor's bridge network (berth's default network's options, its own bridge and subnet). */
  async enableBridge(template: BridgeTemplate): Promise<void> {
    if (this.#o.spec !== 'berth') throw new Error(`${this.name}: no bridged lifecycle`);
    this.#net = new NetavarkFloor({ workDir: path.join(this.#o.workDir, 'net'), ...this.#netavark });
    await this.#net.setup(template);
  }

  #dirs(id: string) {
    const dir = path.join(this.#o.workDir, 'c', id);
    return { dir, ...containerFiles(dir), bundle: path.join(this.#o.workDir, 'b', id) };
  }

  #specs = new Map<string, ContainerSpec>();

  async create(cmd: string[], opts: CreateOptions = {}): Promise<string> {
    const id = randomBytes(32).toString('hex');
    const d = this.#dirs(id);
    const bridged = opts.networkMode === 'bridge';
    if (bridged && !this.#net) throw new Error(`${this.name}: the bridge network is not enabled`);
    const spec = this.containerSpec(cmd, id, bridged ? 'bridge' : 'none');
    if (bridged) this.#bridged.set(id, this.#net!.input(id));
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
    const netInput = this.#bridged.get(id);
    const netnsPath = netInput ? await this.#net!.up(id, netInput) : undefined;
    if (netInput) await writeEtcFiles(d, spec, { ip: this.#net!.ip, dnsServer: '' });
    if (this.#minimal) await this.#writeMinimalBundle(id, spec.cmd);
    else await writeBundle(this.settings, { id, spec, files: d, netnsPath }, d.bundle);
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

  /** The container spec berth records for the bench's create body of `cmd` (no mounts; network none unless given). */
  containerSpec(cmd: string[], id: string, networkMode = 'none'): ContainerSpec {
    const { options } = toCreateOptions(createBody('bench-busybox:latest', cmd, {}, networkMode), undefined);
    // An imported image's config is the empty one (no changes are given to the import).
    return assembleSpec(options, { id: 'sha256:floor', config: emptyRuntimeConfig() }, id, [], networkMode);
  }

  /** `runc spec`'s default with this container's root, command, hostname and cgroup. */
  async #writeMinimalBundle(id: string, cmd: string[]): Promise<void> {
    const d = this.#dirs(id);
    const oci = structuredClone(this.#minimal!);
    oci.root = { path: d.merged, readonly: false };
    oci.process = { ...oci.process, args: cmd, terminal: false };
    oci.hostname = id.slice(0, 12);
    oci.linux = { ...oci.linux, cgroupsPath: `/${this.#cgroupParent}/${id}` };
    await fsp.mkdir(d.bundle, { recursive: true, mode: 0o700 });
    await fsp.writeFile(path.join(d.bundle, 'config.json'), JSON.stringify(oci));
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
    const netInput = this.#bridged.get(id);
    await Promise.all([
      run(this.#o.runcPath, ['--root', this.#runcRoot, 'delete', '--force', id]).catch(() => undefined),
      unmountRootfs(d.merged),
      netInput && this.#net!.down(id, netInput),
    ]);
    this.#bridged.delete(id);
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
    await this.#net?.cleanup();
    unmountUnder(this.#o.workDir);
    removeCgroups(this.#cgroupParent);
    fs.rmSync(this.#o.workDir, { recursive: true, force: true });
  }
}
