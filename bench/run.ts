/**
 * The benchmark's entry: `node dist/bench/run.js [options]` (see README.md).
 * Starts its own berthd on temp roots, adds dockerd/podman when a socket is
 * given or answers at the default path, runs every scenario interleaving the
 * engines round by round, prints the table and writes JSON lines.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BerthDaemon } from './berth-daemon.js';
import { DockerClient, API } from './docker-client.js';
import { ApiDriver } from './driver.js';
import { compareFloorSpec } from './spec-check.js';
import { Floor } from './floor.js';
import { engineRssMiB, socketOwner } from './proc.js';
import { settle, SETTLE_MS } from './settle.js';
import { renderTable, ResultsFile } from './report.js';
import { startPerfRecord } from './perf-record.js';
import { StackFloor } from './stack-floor.js';
import { execScenario } from './scenarios/exec.js';
import { lifecycleScenario } from './scenarios/lifecycle.js';
import { lifecycleBridgeScenario } from './scenarios/lifecycle-bridge.js';
import { volumeLifecycleScenario } from './scenarios/volume-lifecycle.js';
import { listInspectScenario } from './scenarios/list-inspect.js';
import { logsScenario } from './scenarios/logs.js';
import { parallelScenario } from './scenarios/parallel.js';
import { pullScenario } from './scenarios/pull.js';
import { soakScenario } from './scenarios/soak.js';
import { buildScenario } from './scenarios/build.js';
import { eventsScenario } from './scenarios/events.js';
import { healthScenario } from './scenarios/health.js';
import { statsScenario } from './scenarios/stats.js';
import { measureStartup } from './scenarios/startup.js';
import type { RoundResult, Scenario, Target } from './scenarios/types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(here, '../..');
const IMAGE = 'bench-busybox:latest';
const DEFAULT_SOCKETS = { docker: '/var/run/docker.sock', podman: '/run/podman/podman.sock' };
const ALL = [
  'lifecycle',
  'lifecycle-bridge',
  'volume-lifecycle',
  'parallel',
  'list-inspect',
  'logs',
  'logs-rotated',
  'exec',
  'pull',
  'build',
  'events',
  'health',
  'stats',
  'memory',
  'startup',
];

const { values: opt } = parseArgs({
  options: {
    docker: { type: 'string' },
    podman: { type: 'string' },
    'no-default-sockets': { type: 'boolean', default: false },
    rounds: { type: 'string', default: '3' },
    only: { type: 'string' },
    'no-floor': { type: 'boolean', default: false },
    out: { type: 'string' },
    'busybox-tar': { type: 'string' },
    'startup-containers': { type: 'string', default: '1000' },
    'lifecycle-runs': { type: 'string', default: '30' },
    'soak-lifecycles': { type: 'string', default: '5000' },
    'cpu-prof': { type: 'string' },
    'trace-spawns': { type: 'string' },
    'perf-record': { type: 'string' },
    runtime: { type: 'string' },
  },
});

const rounds = Number(opt.rounds);
const only = new Set(opt.only ? opt.only.split(',') : ALL);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));
const outFile = path.resolve(opt.out ?? path.join(os.tmpdir(), `berth-bench-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`));
const results = new ResultsFile(outFile);
const cleanups: Array<() => Promise<void>> = [];
const pids = new Map<string, () => number | undefined>();
let berthDaemon: BerthDaemon | undefined;
const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

async function cleanupAll(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch((err: Error) => log(`cleanup: ${err.message}`));
  fs.rmSync(work, { recursive: true, force: true });
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    log(`${sig}: cleaning up`);
    void cleanupAll().finally(() => process.exit(130));
  });
}

function busyboxTar(): string {
  if (opt['busybox-tar']) return path.resolve(opt['busybox-tar']);
  const tar = path.join(work, 'busybox.tar');
  execFileSync('bash', [path.join(REPO, 'scripts/busybox-rootfs.sh'), tar], { stdio: 'inherit' });
  return tar;
}

async function berthTarget(tar: string, runId: string): Promise<Target> {
  const nodeArgs: string[] = [];
  const env = { ...process.env };
  if (opt['cpu-prof']) nodeArgs.push('--cpu-prof', '--cpu-prof-dir', path.resolve(opt['cpu-prof']));
  if (opt['trace-spawns']) {
    nodeArgs.push('--import', path.join(here, 'spawn-trace.js'));
    env.BERTH_BENCH_SPAWN_LOG = path.resolve(opt['trace-spawns']);
  }
  const daemon = new BerthDaemon({ workDir: path.join(work, 'berth'), nodeArgs, env, berthdArgs: opt.runtime ? ['--runtime', opt.runtime] : [] });
  cleanups.push(() => daemon.cleanup());
  await daemon.start();
  berthDaemon = daemon;
  pids.set('berth', () => daemon.pid);
  const target = await apiTarget('berth', daemon.socket, tar, runId, false);
  return { ...target, loopDelay: () => daemon.loopDelay() };
}

/** An engine behind a socket: pings it, imports the busybox tar as IMAGE, registers cleanup. */
async function apiTarget(name: string, socket: string, tar: string, runId: string, external: boolean): Promise<Target> {
  const client = new DockerClient(socket);
  if (!(await client.ping())) throw new Error(`${name}: no answer to /_ping on ${socket}`);
  const driver = new ApiDriver(name, client, IMAGE, runId);
  cleanups.push(async () => {
    await driver.cleanup();
    if (external) await client.request('DELETE', `${API}/images/${IMAGE}?force=1`).catch(() => undefined);
    client.close();
  });
  const [repo, tag] = IMAGE.split(':');
  await client.importImage(tar, repo, tag);
  if (external) pids.set(name, () => socketOwner(client.socket));
  return { name, driver, client, pid: () => pids.get(name)?.() };
}

async function floorTarget(tar: string, spec: 'berth' | 'minimal'): Promise<Target> {
  const floor = new Floor({
    spec,
    workDir: path.join(work, `floor-${spec}`),
    rootfsTar: tar,
    runcPath: '/usr/sbin/runc',
    conmonPath: '/usr/bin/conmon',
  });
  cleanups.push(() => floor.cleanup());
  await floor.setup();
  return { name: floor.name, driver: floor, floor };
}

/** Fails the run when the fair floor's spec is not the one berthd generates (spec-check.ts). */
async function checkFloorSpec(berth: Target, floor: Target): Promise<void> {
  const diff = await compareFloorSpec(berthDaemon!, berth.driver as ApiDriver, floor.floor!);
  if (diff.length > 0) throw new Error(`the floor's OCI spec differs from berth's at ${diff.join(', ')}`);
  log("floor: its OCI spec is identical to berth's (spec-check.ts)");
}

function otherSockets(): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  for (const name of ['docker', 'podman'] as const) {
    const given = opt[name];
    if (given) found.push([name, given]);
    else if (!opt['no-default-sockets'] && fs.existsSync(DEFAULT_SOCKETS[name])) found.push([name, DEFAULT_SOCKETS[name]]);
  }
  return found;
}

function memory(targets: Target[], when: string): void {
  for (const t of targets) {
    const pid = pids.get(t.name)?.();
    if (pid) results.add({ engine: t.name, scenario: 'memory', round: 0, metric: `RSS ${when} MiB`, value: engineRssMiB(pid) });
  }
}

/**
 * RSS right after the image import, then again once settled (settle.ts: at
 * least SETTLE_MS without requests, and berthd's spawn helper gone; the
 * idle figure is the settled one). With the floor, the stack floor process
 * settles alongside and is read at the same moment.
 */
async function idleMemory(targets: Target[]): Promise<void> {
  memory(targets, 'after import');
  const stack = opt['no-floor'] ? null : new StackFloor();
  if (stack) {
    cleanups.push(() => stack.stop());
    const pid = await stack.start(REPO);
    pids.set('floor', () => pid);
  }
  log(`memory: ${SETTLE_MS / 1000} s idle, then until berthd's spawn helper has exited`);
  if (!(await settle(() => pids.get('berth')?.()))) log("memory: berthd's spawn helper still runs: the idle figure includes it");
  memory(targets, 'idle');
  await stack?.stop();
  pids.delete('floor');
}

/**
 * One round; with `--perf-record DIR`, berthd's rounds run under `perf
 * record` into DIR/<scenario>-round<N>.data (read with `profile-summary.js perf`).
 */
async function recordedRound(s: Scenario, t: Target, r: number): Promise<RoundResult> {
  const dir = opt['perf-record'];
  const pid = t.name === 'berth' && dir ? pids.get('berth')?.() : undefined;
  if (!dir || !pid) return s.round(t, r);
  fs.mkdirSync(dir, { recursive: true });
  const recording = await startPerfRecord(pid, path.resolve(dir, `${s.name}-round${r + 1}.data`));
  try {
    return await s.round(t, r);
  } finally {
    await recording.stop();
  }
}

/** One scenario: setup on every engine, then rounds with the engines interleaved, then teardown. */
async function runScenario(s: Scenario, targets: Target[]): Promise<void> {
  const ts = targets.filter((t) => s.applies(t));
  const failed = new Set<string>();
  for (const t of ts) {
    await s.setup?.(t).catch((err: Error) => {
      failed.add(t.name);
      log(`${s.name} setup on ${t.name}: ${err.message}`);
    });
  }
  for (let r = 0; r < rounds; r++) {
    for (const t of ts.filter((x) => !failed.has(x.name))) {
      log(`${s.name} round ${r + 1}/${rounds}: ${t.name}`);
      try {
        const res = await recordedRound(s, t, r);
        for (const [metric, value] of Object.entries(res.metrics))
          results.add({ engine: t.name, scenario: s.name, round: r, metric, value, ...(res.note ? { note: res.note } : {}) });
        if (res.samples) results.raw({ engine: t.name, scenario: s.name, round: r, samples: res.samples });
      } catch (err) {
        log(`${s.name} round ${r + 1} on ${t.name} failed: ${(err as Error).message}`);
        results.raw({ engine: t.name, scenario: s.name, round: r, error: (err as Error).message });
      }
    }
  }
  for (const t of ts) await s.teardown?.(t).catch((err: Error) => log(`${s.name} teardown on ${t.name}: ${err.message}`));
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the benchmark must run as root (berthd, runc and overlay mounts need it)');
  const tar = busyboxTar();
  const runId = `${process.pid}-${Date.now()}`;
  const targets: Target[] = [await berthTarget(tar, runId)];
  for (const [name, sock] of otherSockets()) {
    try {
      targets.push(await apiTarget(name, sock, tar, runId, true));
    } catch (err) {
      log(`skipping ${name}: ${(err as Error).message}`);
    }
  }
  if (!opt['no-floor']) {
    const floor = await floorTarget(tar, 'berth');
    await checkFloorSpec(targets[0], floor);
    targets.push(floor, await floorTarget(tar, 'minimal'));
  }
  log(`engines: ${targets.map((t) => t.name).join(', ')}; ${rounds} rounds; results → ${outFile}`);
  if (only.has('memory')) await idleMemory(targets);
  const scenarios: Scenario[] = [
    only.has('lifecycle') && lifecycleScenario(Number(opt['lifecycle-runs'])),
    only.has('lifecycle-bridge') && lifecycleBridgeScenario(Number(opt['lifecycle-runs']), () => targets[0].client!),
    only.has('volume-lifecycle') && volumeLifecycleScenario(Number(opt['lifecycle-runs'])),
    only.has('parallel') && parallelScenario(40, 8),
    only.has('list-inspect') && listInspectScenario(300),
    only.has('logs') && logsScenario(),
    only.has('logs-rotated') && logsScenario(undefined, true),
    only.has('exec') && execScenario(30),
    only.has('pull') && pullScenario(),
    only.has('soak') && soakScenario(Number(opt['soak-lifecycles'])),
    only.has('build') && buildScenario(),
    only.has('events') && eventsScenario(10, 8, 10),
    only.has('health') && healthScenario(),
    only.has('stats') && statsScenario(),
  ].filter((s): s is Scenario => Boolean(s));
  for (const s of scenarios) await runScenario(s, targets);
  if (only.has('memory')) memory(targets, 'after runs');
  if (only.has('startup')) {
    const n = Number(opt['startup-containers']);
    log(`startup: berthd with ${n} containers`);
    const res = await measureStartup(work, tar, IMAGE, n, rounds);
    res.emptyMs.forEach((v, r) => results.add({ engine: 'berth', scenario: 'startup', round: r, metric: 'startup empty ms', value: v }));
    res.fullMs.forEach((v, r) => results.add({ engine: 'berth', scenario: 'startup', round: r, metric: `startup ${n} containers ms`, value: v }));
  }
  const names = targets.map((t) => t.name);
  const table = renderTable(results.lines, [...names.filter((n) => !n.startsWith('floor')), ...names.filter((n) => n.startsWith('floor'))]);
  const notes = [...new Set(results.lines.filter((l) => l.note).map((l) => `${l.engine}: ${l.note}`))];
  process.stdout.write(`\n${table}\n${notes.map((n) => `n/s = ${n}\n`).join('')}\nraw results: ${outFile}\n`);
}

try {
  await main();
} catch (err) {
  log(`failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
} finally {
  await cleanupAll();
}
