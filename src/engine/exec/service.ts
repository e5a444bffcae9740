/**
 * The exec part of the engine facade. Sessions live in memory only: a
 * session that ended stays inspectable for EXEC_RETENTION_MS (Docker keeps
 * exec results about as long), then it is forgotten; its conmon and
 * directory are gone as soon as the process ended. Removing a container
 * forgets its sessions at once. After a daemon restart sessions are gone
 * (their processes, if any, end with the container).
 *
 * An exec without stdin gets its conmon at create (prepared-conmon.ts), so
 * that conmon starts up while the client sends the start; one that is not
 * started within PREPARED_IDLE_MS, or whose container stops or goes, has
 * it discarded (a later start spawns another). An exec with stdin is
 * interactive, and its conmon's -i depends on the start's Detach: it gets
 * its conmon at start. A plain exec (no TTY, no stdin) takes its
 * container's spare conmon when there is one, already listening, and its
 * start spawns the next spare (spare-conmons.ts).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { AttachSession } from '../api/containers.js';
import type { ExecApi, ExecCreateOptions, ExecStartOptions, ExecView } from '../api/exec.js';
import type { ContainerContext, Row } from '../containers/context.js';
import { findContainer } from '../containers/resolve.js';
import { ensureTransition } from '../model/lifecycle.js';
import { parseDetachKeys } from '../attach/detach-keys.js';
import { conflict, invalid, notFound } from '../errors.js';
import { resizeSession, runSession } from './run-session.js';
import { prepareConmon, type PreparedConmon } from './prepared-conmon.js';
import { fitsSpare, SpareConmons } from './spare-conmons.js';
import type { ExecSession } from './types.js';
import { emitExecDie } from '../containers/verb-events.js';
import { faultPoint } from '../fault.js';

export const EXEC_RETENTION_MS = 5 * 60_000;
/** How long a created exec keeps the conmon prepared for its start. */
export const PREPARED_IDLE_MS = 30_000;
const MAX_DIMENSION = 65535;

export interface ExecService extends ExecApi {
  /** Session ids of one container (for inspect's ExecIDs). */
  idsOf(containerId: string): string[];
  /** Stops listening for container removals and forgets every session. */
  close(): void;
  /** Forgets one session now (health probes: nothing to inspect afterwards). Unknown ids are ignored. */
  forget(id: string): void;
}

/** Docker's conflicts for exec in a container that is not running; `ref` is the container as the client named it. */
export function ensureExecAllowed(row: Row, ref = row.id): void {
  ensureTransition('exec', row.state.status, row.id, ref);
}

export function createExecService(ctx: ContainerContext, retentionMs = EXEC_RETENTION_MS): ExecService {
  const sessions = new Map<string, ExecSession>();
  const spares = new SpareConmons(ctx);
  const dropPrepared = (session: ExecSession) => {
    session.prepared?.discard();
    session.prepared = null;
  };
  const forget = (session: ExecSession) => {
    if (session.expiry) clearTimeout(session.expiry);
    dropPrepared(session);
    session.conmon?.close();
    session.socket?.close();
    sessions.delete(session.id);
  };
  const unsubscribe = ctx.events.subscribe((event) => {
    if (event.type !== 'container' || (event.action !== 'destroy' && event.action !== 'die')) return;
    // A stopped container's created sessions stay (a later start may find it running again); their conmons go.
    const end = event.action === 'die' ? dropPrepared : forget;
    for (const s of sessions.values()) if (s.containerId === event.id) end(s);
    spares.drop(event.id);
  });
  const onEnded = (session: ExecSession) => {
    if (!sessions.has(session.id)) return;
    const { containerId, id, exitCode } = session;
    // As dockerd: the attached stream ends first (its end is handed to the socket in this tick), then
    // exec_die; still before berthd reads the client's next request.
    setImmediate(() => emitExecDie(ctx, containerId, id, exitCode ?? -1));
    session.expiry = setTimeout(() => forget(session), retentionMs);
    session.expiry.unref();
  };
  /** Gives a created session its conmon, discarded if the session is not started within PREPARED_IDLE_MS. */
  const keepPrepared = (session: ExecSession, prepared: PreparedConmon) => {
    session.prepared = prepared;
    session.expiry = setTimeout(() => dropPrepared(session), PREPARED_IDLE_MS);
    session.expiry.unref();
  };
  /** Best effort: a conmon that cannot be spawned now is spawned (and its failure reported) by the start. */
  const prepareFor = (session: ExecSession) => {
    const { id, containerId, bundleDir, opts } = session;
    try {
      keepPrepared(session, prepareConmon(ctx, { containerId, sessionId: id, bundleDir, terminal: opts.tty, stdin: false }));
    } catch (err) {
      ctx.log.debug({ exec: id, err }, 'exec: conmon not prepared at create');
    }
  };
  const get = (id: string) => {
    const session = sessions.get(id);
    if (!session) throw notFound('BERTH_EXEC_NOT_FOUND', `No such exec instance: ${id}`);
    return session;
  };

  return {
    async create(ref: string, opts: ExecCreateOptions) {
      if (opts.cmd.length === 0) throw invalid('BERTH_EXEC_NO_CMD', 'No exec command specified');
      // Bad detach keys are a 400 here, never a surprise after the hijack.
      parseDetachKeys(opts.detachKeys);
      const row = findContainer(ctx, ref);
      ensureExecAllowed(row, ref);
      const spare = fitsSpare(opts) ? spares.take(row.id) : null;
      const id = spare?.id ?? randomBytes(32).toString('hex');
      const bundleDir = spare?.bundleDir ?? path.join(ctx.paths.execSessionsDir(row.id), id);
      const session: ExecSession = {
        id,
        containerId: row.id,
        opts,
        state: 'created',
        pid: 0,
        exitCode: null,
        bundleDir,
        conmon: null,
        prepared: null,
        socket: null,
        expiry: null,
      };
      sessions.set(id, session);
      if (spare) keepPrepared(session, spare.prepared);
      else if (!opts.attachStdin) {
        // After this tick: the create answer goes out first, conmon starts up while it travels.
        setImmediate(() => {
          if (session.state === 'created' && !session.prepared && sessions.has(id)) prepareFor(session);
        });
      }
      faultPoint('exec.after-create');
      return { id };
    },
    async start(id: string, opts: ExecStartOptions): Promise<AttachSession | null> {
      const session = get(id);
      if (session.state === 'running') throw conflict('BERTH_EXEC_RUNNING', `Error: Exec command ${id} is already running`);
      if (session.state === 'exited') throw conflict('BERTH_EXEC_DONE', `Error: Exec command ${id} has already run`);
      const row = findContainer(ctx, session.containerId);
      ensureExecAllowed(row);
      session.state = 'running';
      if (session.expiry) clearTimeout(session.expiry);
      session.expiry = null;
      // Before the process exists, so a client has read the headers before any output comes.
      if (!opts.detach) opts.onAccepted?.({ tty: session.opts.tty });
      // The next plain exec's conmon starts up while this one's runtime runs.
      const onReleased = fitsSpare(session.opts) ? () => spares.replenish(row.id) : undefined;
      return runSession(ctx, row, session, opts, onEnded, onReleased);
    },
    async inspect(id: string): Promise<ExecView> {
      return toView(get(id));
    },
    async resize(id: string, height: number, width: number) {
      if (![height, width].every((n) => Number.isInteger(n) && n >= 0 && n <= MAX_DIMENSION)) {
        throw invalid('BERTH_RESIZE_BAD_SIZE', `invalid terminal size ${height}x${width}`);
      }
      const session = get(id);
      // A session that has not started, already ended or has no tty has nothing to size (Docker answers OK too).
      if (session.state !== 'running' || !session.opts.tty || session.pid === 0) return;
      await resizeSession(session, height, width);
    },
    forget(id) {
      const session = sessions.get(id);
      if (session) forget(session);
    },
    idsOf: (containerId) => [...sessions.values()].filter((s) => s.containerId === containerId).map((s) => s.id),
    close() {
      unsubscribe();
      for (const s of sessions.values()) forget(s);
      spares.close();
    },
  };
}

export function toView(s: ExecSession): ExecView {
  return {
    id: s.id,
    containerId: s.containerId,
    running: s.state === 'running',
    exitCode: s.exitCode,
    pid: s.pid,
    openStdin: s.opts.attachStdin,
    openStdout: s.opts.attachStdout,
    openStderr: s.opts.attachStderr,
    detachKeys: s.opts.detachKeys,
    tty: s.opts.tty,
    privileged: s.opts.privileged,
    user: s.opts.user,
    cmd: [...s.opts.cmd],
  };
}
