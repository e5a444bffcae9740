/**
 * GNU tar, the one way berth reads or writes a tree as a tar with the
 * host's tar: argv from pure builders, the binary from ./binaries.ts
 * (the distribution's tar, never one from a container), streamed runs
 * through child_process (execa would buffer), short runs through
 * execa-on-demand.
 *
 * Creating always takes the member names NUL-separated and verbatim on
 * stdin (`--null --verbatim-files-from -T -`): names are never options and
 * never globs.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { execa } from '../execa-on-demand.js';
import { hostTool } from './binaries.js';

export interface TarCreateOptions {
  /** Directory the member names are relative to (`-C`). */
  dir: string;
  /** POSIX (PAX) format without atime/ctime records, as layer tars are. */
  posix?: boolean;
  /** Record this extended attribute (`--xattrs --xattrs-include=…`). */
  xattrsInclude?: string;
  /** Members left out: anchored, literal paths (no wildcards). */
  exclude?: readonly string[];
  /** Archive the member "." under this name instead (a mount's whole directory named as its target); symlink targets are left alone. */
  renameTop?: string;
}

/** `tar -c -f - …` writing the archive to stdout. Pure. */
export function buildTarCreateArgs(o: TarCreateOptions): string[] {
  const excludes = o.exclude ?? [];
  return [
    '-c',
    '-f',
    '-',
    '-C',
    o.dir,
    ...(o.posix ? ['--format=posix'] : []),
    '--numeric-owner',
    ...(o.xattrsInclude ? ['--xattrs', `--xattrs-include=${o.xattrsInclude}`] : []),
    ...(o.posix ? ['--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime'] : []),
    ...(excludes.length ? ['--anchored', '--no-wildcards', ...excludes.map((p) => `--exclude=${p}`)] : []),
    ...(o.renameTop ? [`--transform=s|^\\.|${o.renameTop.replace(/[|\\&]/g, '\\$&')}|S`] : []),
    '--null',
    '--verbatim-files-from',
    '-T',
    '-',
  ];
}

export interface TarExtractOptions {
  /** Directory to extract into (`-C`). */
  dir: string;
  /** Restore this extended attribute (`--xattrs --xattrs-include=…`). */
  xattrsInclude?: string;
}

/** `tar -x -f - …` reading the archive from stdin, keeping owners and modes. Pure. */
export function buildTarExtractArgs(o: TarExtractOptions): string[] {
  return [
    '-x',
    '-f',
    '-',
    '-C',
    o.dir,
    '--numeric-owner',
    '--same-owner',
    '-p',
    ...(o.xattrsInclude ? ['--xattrs', `--xattrs-include=${o.xattrsInclude}`] : []),
  ];
}

export type TarChild = ChildProcessByStdio<Writable, Readable, Readable>;

/**
 * Starts tar with piped stdin/stdout/stderr; `dirFd`, when given, is passed
 * on as the child's fd 3 (for `-C /proc/self/fd/3`).
 */
export function spawnTar(args: readonly string[], dirFd?: number): TarChild {
  const stdio = dirFd === undefined ? (['pipe', 'pipe', 'pipe'] as const) : (['pipe', 'pipe', 'pipe', dirFd] as const);
  return spawn(hostTool('tar'), args, { stdio: [...stdio] }) as TarChild;
}

/** Runs tar to completion with `input` on stdin; resolves to ok or tar's message. */
export async function runTar(args: readonly string[], input: Buffer, timeoutMs: number): Promise<{ ok: boolean; message: string }> {
  const res = await execa(hostTool('tar'), args, { input, reject: false, timeout: timeoutMs });
  return { ok: res.exitCode === 0, message: String(res.stderr).trim() || (res.shortMessage ?? '') };
}
