/**
 * Top: the host's `ps` with the client's arguments, keeping the rows whose
 * PID belongs to the container (as dockerd does). ps is the host's binary
 * (procps, found by host/binaries.ts), never one from the container.
 */
import { runFailureText, runHost } from '../host/spawner.js';
import type { TopResult } from '../api/containers.js';
import { invalid, systemError } from '../errors.js';
import { hostTool } from '../host/binaries.js';
import type { ContainerContext } from './context.js';
import { ensureTransition } from '../model/lifecycle.js';
import { findContainer } from './resolve.js';

export async function topContainer(ctx: ContainerContext, ref: string, psArgs: string): Promise<TopResult> {
  const row = findContainer(ctx, ref);
  ensureTransition('top', row.state.status, row.id);
  const args = buildPsArgs(psArgs);
  const [pids, ps] = await Promise.all([ctx.runtime.pids(row.id), runHost(hostTool('ps'), args, { timeoutMs: 10_000 })]);
  // dockerd's text: "ps: " and the first line of ps's complaint (the usage that follows is noise). dockerd
  // answers 500; ps refusing the client's arguments is the client's error, so berth answers 400.
  if (ps.exitCode !== 0) {
    const text = `ps: ${runFailureText('ps', ps).split('\n')[0]}`;
    throw ps.exitCode === null ? systemError('BERTH_TOP_PS_FAILED', text) : invalid('BERTH_TOP_PS_REFUSED', text);
  }
  return parsePsOutput(ps.stdout, new Set(pids));
}

/**
 * The client's ps_args ('' = `-ef`) as ps's argv: split on whitespace, each
 * word only of option characters (no shell, but no paths or odd bytes
 * either). Pure; invalid-parameter "Invalid ps_args: …" otherwise.
 */
export function buildPsArgs(psArgs: string): string[] {
  const args = (psArgs || '-ef').split(/\s+/).filter(Boolean);
  if (args.some((a) => !/^[-\w,=:%.]+$/.test(a))) throw invalid('BERTH_TOP_BAD_ARGS', `Invalid ps_args: ${psArgs}`);
  return args;
}

/** Splits ps output into titles and rows; the last column keeps its spaces. Pure. */
export function parsePsOutput(output: string, pids: Set<number>): TopResult {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  const titles = (lines[0] ?? '').trim().split(/\s+/);
  const pidIndex = titles.indexOf('PID');
  if (pidIndex < 0) throw invalid('BERTH_TOP_NO_PID', "Couldn't find PID field in ps output");
  const processes: string[][] = [];
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    const row = [...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(' ')];
    if (pids.has(Number(row[pidIndex]))) processes.push(row);
  }
  return { titles, processes };
}
