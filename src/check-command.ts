/**
 * `berthd check [--repair] [--json] [berthd's own flags]`: the invariant
 * checker of src/engine/check as a command. It reads the same flags and
 * config file as the daemon (--data-root, --exec-root, --cgroup-parent,
 * --config-file, ...). Exit status: 0 clean; 1 problems found (or left after
 * --repair); 2 bad usage, or --repair refused because a berthd serves the
 * data root.
 */
import pino from 'pino';
import { ConfigError, loadConfig } from './config.js';
import { engineConfig } from './engine-config.js';
import { checkDataRoot, problems, type CheckReport } from './engine/check/index.js';
import { repairDataRoot } from './engine/check/repair.js';
import { isEngineError } from './engine/errors.js';
import { readPackageVersion } from './package-root.js';

export async function checkCommand(argv: string[]): Promise<number> {
  const repair = argv.includes('--repair');
  const json = argv.includes('--json');
  let config;
  try {
    config = loadConfig(argv.filter((a) => a !== '--repair' && a !== '--json'));
  } catch (err) {
    if (err instanceof ConfigError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) return usage((err as Error).message);
    throw err;
  }
  const opts = { dataRoot: config.dataRoot, execRoot: config.execRoot, cgroupParent: config.cgroupParent };
  if (!repair) {
    const report = await checkDataRoot(opts);
    write(json ? JSON.stringify(report, null, 2) : describe(config.dataRoot, report));
    return problems(report).length === 0 ? 0 : 1;
  }
  try {
    const log = pino({ level: 'warn', base: { pid: process.pid } }, pino.destination(2));
    const result = await repairDataRoot(engineConfig(config, readPackageVersion()), log);
    if (json) write(JSON.stringify(result, null, 2));
    else write([describe(config.dataRoot, result.before), ...result.actions.map((a) => `repair: ${a}`), describe(config.dataRoot, result.after)].join('\n'));
    return problems(result.after).length === 0 ? 0 : 1;
  } catch (err) {
    if (isEngineError(err) && err.code === 'BERTH_DATA_ROOT_BUSY')
      return usage(`refusing to repair: ${err.message}; stop it first (a plain \`berthd check\` is safe while it runs)`);
    throw err;
  }
}

/** The human report: one line per finding (notes marked as such), then a verdict. */
export function describe(dataRoot: string, report: CheckReport): string {
  const { containers, layers, volumes, networks } = report.examined;
  const lines = [`berthd check ${dataRoot}: ${containers} containers, ${layers} layers, ${volumes} volumes, ${networks} networks examined`];
  for (const f of report.findings) lines.push(`  ${f.note ? 'note: ' : ''}${f.kind}: ${f.detail}${f.repairable || f.note ? '' : ' [not repairable]'}`);
  const found = problems(report);
  const repairable = found.filter((f) => f.repairable).length;
  if (found.length === 0) lines.push('  ok: every invariant holds');
  else lines.push(`  ${found.length} problem(s), ${repairable} repairable with \`berthd check --repair\` (berthd stopped)`);
  return lines.join('\n');
}

function write(text: string): void {
  process.stdout.write(`${text}\n`);
}

function usage(message: string): number {
  process.stderr.write(`berthd check: ${message}\n`);
  return 2;
}
