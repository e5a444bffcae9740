/**
 * Summaries for the lifecycle profile (see README "Profiling"):
 *   node dist/bench/profile-summary.js cpu FILE.cpuprofile [top]   self time by function and by package
 *   node dist/bench/profile-summary.js spawns FILE.jsonl LIFECYCLES  binary invocations per lifecycle
 *   node dist/bench/profile-summary.js perf FILE.data LIFECYCLES     berthd's CPU by thread and kind of work (perf-tally.ts)
 * Reads files only (perf mode runs `perf script` on the file).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { PerfTally } from './perf-tally.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function where(url: string): string {
  if (!url) return '(native/vm)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return `npm:${nm[1]}`;
  if (url.startsWith('node:')) return url;
  const m = /\/dist\/(.*)$/.exec(url);
  return m ? m[1] : path.basename(url);
}

function cpu(file: string, top: number): void {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fnTime = new Map<string, number>();
  const pkgTime = new Map<string, number>();
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    const fn = `${f.functionName || '(anonymous)'} ${where(f.url)}:${f.lineNumber + 1}`;
    fnTime.set(fn, (fnTime.get(fn) ?? 0) + us);
    const pkg = f.functionName === '(idle)' ? '(idle)' : f.functionName === '(garbage collector)' ? '(gc)' : where(f.url);
    pkgTime.set(pkg, (pkgTime.get(pkg) ?? 0) + us);
  }
  const show = (title: string, m: Map<string, number>) => {
    console.log(`\n${title} (of ${(total / 1000).toFixed(0)} ms sampled)`);
    for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
      console.log(`${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
  };
  show('self time by package/file', pkgTime);
  show('self time by function', fnTime);
}

function spawns(file: string, lifecycles: number): void {
  const counts = new Map<string, number>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const e = JSON.parse(line) as { cmd: string; args: string[]; via: string };
    const bin = path.basename(e.cmd.split(' ')[0]);
    // runc's verb is the first argument that is neither a flag nor a flag's value.
    const verb =
      bin === 'runc' || bin.startsWith('runc')
        ? (e.args.filter((a, i) => !a.startsWith('-') && !(e.args[i - 1] ?? '').match(/^--(root|log|log-format)$/))[0] ?? '')
        : bin === 'mount' || bin === 'umount'
          ? ''
          : (e.args[0] ?? '');
    const key = `${bin} ${bin === 'conmon' ? '' : verb}`.trim() + ` (${e.via})`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  console.log(`binary invocations by berthd over ${lifecycles} lifecycles:`);
  for (const [k, n] of [...counts].sort((a, b) => b[1] - a[1]))
    console.log(`${String(n).padStart(6)}  ${(n / lifecycles).toFixed(2).padStart(6)}/lifecycle  ${k}`);
}

async function perf(file: string, lifecycles: number): Promise<void> {
  const script = spawn('perf', ['script', '-i', file, '-F', 'pid,tid,period,ip,sym,dso'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(script, 'exit'); // rejects when perf cannot be started
  const tally = new PerfTally();
  for await (const line of readline.createInterface({ input: script.stdout })) tally.add(line);
  const [code] = (await exited) as [number | null];
  if (code !== 0) throw new Error(`perf script -i ${file} exited with status ${String(code)}`);
  const { main, others } = tally.finish();
  const perLifecycle = (ns: number) => ns / 1e6 / lifecycles;
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  console.log(`berthd's CPU over ${lifecycles} lifecycles (perf cpu-clock samples), ms per lifecycle:`);
  for (const [title, m] of [
    ['main thread', main],
    ['other threads (libuv thread pool, V8 helpers)', others],
  ] as const) {
    const total = sum(m);
    console.log(`\n${perLifecycle(total).toFixed(2).padStart(7)}  ${title}`);
    for (const [k, ns] of [...m].sort((a, b) => b[1] - a[1]).filter(([, ns]) => ns / total >= 0.005))
      console.log(`${perLifecycle(ns).toFixed(2).padStart(7)} ${((100 * ns) / total).toFixed(1).padStart(5)}%  ${k}`);
  }
}

const [mode, file, arg] = process.argv.slice(2);
if (mode === 'cpu' && file) cpu(file, Number(arg ?? 25));
else if (mode === 'spawns' && file && arg) spawns(file, Number(arg));
else if (mode === 'perf' && file && arg) await perf(file, Number(arg));
else {
  console.error('usage: profile-summary.js cpu FILE.cpuprofile [top] | spawns FILE.jsonl LIFECYCLES | perf FILE.data LIFECYCLES');
  process.exitCode = 2;
}
