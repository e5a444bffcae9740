/**
 * The exec conmons of one test daemon, told apart: those of exec sessions
 * (their -u id is an exec the API knows) and spares (engine/exec/spare-conmons.ts:
 * conmons kept ready for a container's next plain exec, owned by no session yet).
 */
import type { TestDaemon } from './daemon.js';
import { processesMentioning } from './leaks.js';

export interface ExecConmon {
  pid: number;
  /** The session id conmon was given (-u). */
  id: string;
  /** The container id conmon was given (-c). */
  containerId: string;
}

/** A conmon's argument after `flag` in its space-joined command line. */
function argAfter(cmdline: string, flag: string): string {
  const words = cmdline.split(' ');
  return words[words.indexOf(flag) + 1] ?? '';
}

/**
 * Every exec conmon of the daemon, one per session id (a conmon whose
 * runtime has not started yet is two processes: conmon and its child
 * waiting for the second start byte, with the same command line), split
 * into session conmons and spares.
 */
export async function execConmons(d: TestDaemon): Promise<{ sessions: ExecConmon[]; spares: ExecConmon[] }> {
  const byId = new Map<string, ExecConmon>();
  for (const p of processesMentioning(d.root).filter((p) => p.cmdline.includes('--exec-attach'))) {
    const id = argAfter(p.cmdline, '-u');
    if (!byId.has(id) || byId.get(id)!.pid > p.pid) byId.set(id, { pid: p.pid, id, containerId: argAfter(p.cmdline, '-c') });
  }
  const sessions: ExecConmon[] = [];
  const spares: ExecConmon[] = [];
  for (const c of byId.values()) ((await d.request('GET', `/exec/${c.id}/json`)).status === 200 ? sessions : spares).push(c);
  return { sessions, spares };
}
