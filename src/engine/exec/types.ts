/** An exec session as berthd keeps it in memory. */
import type { ExecCreateOptions } from '../api/exec.js';
import type { AttachSocket } from '../runtime/attach-socket.js';
import type { ExecConmon } from '../runtime/conmon-exec.js';
import type { PreparedConmon } from './prepared-conmon.js';

export type ExecState = 'created' | 'running' | 'exited';

export interface ExecSession {
  id: string;
  containerId: string;
  opts: ExecCreateOptions;
  state: ExecState;
  /** Host pid while running, else 0. */
  pid: number;
  /** Set once the process ended (or could not start). */
  exitCode: number | null;
  /** `<container bundle>/exec/<id>`; removed when the session ends. */
  bundleDir: string;
  /** The running session's conmon (from `prepared` or spawned by the start). */
  conmon: ExecConmon | null;
  /** A conmon started at create for this session's start; taken by the start, discarded when unused (service.ts). */
  prepared: PreparedConmon | null;
  socket: AttachSocket | null;
  /** Forgets the ended session (Docker keeps exec results inspectable for a while). */
  expiry: NodeJS.Timeout | null;
}
