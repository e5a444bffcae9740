/**
 * `perf record` of one process while a scenario round runs (`--perf-record
 * DIR`): cpu-clock samples with call chains, of the process's own threads
 * only (--no-inherit: conmon, runc and the other children it starts are
 * not the daemon's CPU). Read with `profile-summary.js perf`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';

/** Samples per second of CPU: about one per millisecond. */
const FREQUENCY = 999;
/** How long perf gets to attach to every thread before the round starts (it says nothing when it has). */
const ATTACH_MS = 1_000;

/** A running recording; `stop` ends it and resolves once perf has written `file`. */
export interface PerfRecording {
  stop(): Promise<void>;
}

/** Starts recording `pid` into `file`; resolves once perf has had time to attach. Throws when perf cannot start. */
export async function startPerfRecord(pid: number, file: string): Promise<PerfRecording> {
  fs.rmSync(file, { force: true });
  const perf = spawn('perf', ['record', '-e', 'cpu-clock', '-F', String(FREQUENCY), '-g', '--no-inherit', '-q', '-p', String(pid), '-o', file], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ATTACH_MS);
    perf.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    perf.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`perf record exited with status ${String(code)} before the round began`));
    });
  });
  return {
    async stop() {
      if (perf.exitCode !== null || perf.signalCode !== null) return;
      const exited = once(perf, 'exit');
      perf.kill('SIGINT');
      await exited;
    },
  };
}
