/**
 * Runs `berthd check` against a test daemon's roots (the same bundle users
 * run) and returns its exit code, report and parsed findings.
 */
import { execFile } from 'node:child_process';
import { berthdMain, type TestDaemon } from './daemon.js';

export interface CheckRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function berthdCheck(d: TestDaemon, extra: string[] = []): Promise<CheckRun> {
  const args = [berthdMain, 'check', '--data-root', d.dataRoot, '--exec-root', d.execRoot, '--cgroup-parent', d.cgroupParent, ...extra];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `berthd check --json` → the kinds of its findings (asserting it ran). */
export async function checkKinds(d: TestDaemon): Promise<string[]> {
  const r = await berthdCheck(d, ['--json']);
  if (r.code !== 0 && r.code !== 1) throw new Error(`berthd check exited ${r.code}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { findings: { kind: string }[] }).findings.map((f) => f.kind);
}
