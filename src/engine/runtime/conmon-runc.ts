/**
 * The real runtime port: conmon for create and exec (it runs `runc create`
 * / `runc exec` and writes the exit file), runc for every other verb.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { exitCommand, exitCommandTools, type ExitCommandTools } from './exit-command.js';
import { spawnExecConmon, type ExecConmon } from './conmon-exec.js';
import { mountRootfs, rootMounted, unmountRoot } from '../images/rootfs.js';
import { startConmon } from './conmon.js';
import type { CreateRequest, Created, ExecRequest, RootMounts, RuntimePort } from './port.js';
import { OciRuntime } from './runc.js';
import type { OciResources } from './oci-types.js';

export interface ConmonRuncSettings {
  conmonPath: string;
  runtimePath: string;
  /** runc --root: private to this daemon. */
  runtimeRoot: string;
  /** Where exit files go once the container is torn down (the exit watcher's directory). */
  exitsDir: string;
  /** conmon --exit-dir: where conmon writes them (exit-command.ts moves them on). */
  monitorExitsDir: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export class ConmonRuncRuntime implements RuntimePort {
  readonly #s: ConmonRuncSettings;
  readonly #runc: OciRuntime;
  #exitTools: ExitCommandTools | undefined;

  constructor(settings: ConmonRuncSettings) {
    this.#s = settings;
    this.#runc = new OciRuntime(settings.runtimePath, settings.runtimeRoot);
  }

  async create(req: CreateRequest): Promise<Created> {
    const { teardown, ...conmon } = req;
    const exit = exitCommand({
      ...teardown,
      runtimePath: this.#s.runtimePath,
      runtimeRoot: this.#s.runtimeRoot,
      id: req.id,
      bundleDir: req.bundleDir,
      tools: (this.#exitTools ??= exitCommandTools()),
      monitorExitFile: path.join(this.#s.monitorExitsDir, req.id),
      exitFile: path.join(this.#s.exitsDir, req.id),
    });
    const started = await startConmon(this.#s.conmonPath, {
      ...conmon,
      runtimePath: this.#s.runtimePath,
      runtimeRoot: this.#s.runtimeRoot,
      exitDir: this.#s.monitorExitsDir,
      logLevel: this.#s.logLevel,
      exitCommand: exit,
    });
    return { pid: started.pid, monitorPid: started.conmonPid };
  }

  start(id: string, initPid: number): Promise<void> {
    return this.#runc.start(id, initPid);
  }

  kill(id: string, signal: string): Promise<void> {
    return this.#runc.kill(id, signal);
  }

  pause(id: string): Promise<void> {
    return this.#runc.pause(id);
  }

  resume(id: string): Promise<void> {
    return this.#runc.resume(id);
  }

  delete(id: string): Promise<void> {
    return this.#runc.delete(id, true);
  }

  pids(id: string): Promise<number[]> {
    return this.#runc.pids(id);
  }

  update(id: string, resources: OciResources): Promise<void> {
    return this.#runc.update(id, resources);
  }

  list(): Promise<string[]> {
    return this.#runc.ids();
  }

  /** conmon's command line names the container id: a reused pid does not pass. */
  async monitorAlive(id: string, monitorPid: number): Promise<boolean> {
    if (monitorPid <= 0) return false;
    const cmdline = await fs.readFile(`/proc/${monitorPid}/cmdline`, 'latin1').catch(() => '');
    return cmdline.includes('conmon') && cmdline.includes(id);
  }

  killOrphan(pid: number): void {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  exec(req: ExecRequest): ExecConmon {
    return spawnExecConmon(this.#s.conmonPath, { ...req, runtimePath: this.#s.runtimePath, runtimeRoot: this.#s.runtimeRoot });
  }
}

/** The host's overlay mounts (images/rootfs.ts). */
export const hostRootMounts: RootMounts = { mount: mountRootfs, unmount: unmountRoot, isMounted: (dir) => Promise.resolve(rootMounted(dir)) };
