/**
 * The one table of allowed transitions, and the only place that decides
 * "may this happen now?" from a container's status. Every verb checks its
 * row here before it acts (ensureTransition); code that only needs a yes or
 * no asks canTransition or one of the named predicates below, which are
 * defined by the table too. No other engine file compares statuses.
 *
 * "Already there" (start a running container, stop a stopped one) is its
 * own answer, not-modified (304), for the verbs Docker treats as
 * idempotent; anything else the row does not allow is a conflict (409)
 * with Docker's wording.
 */
import type { ContainerState, ContainerStatus } from './container.js';
import { conflict, notModified } from '../errors.js';
import type { CodeOfKind } from '../error-codes.js';

export type Operation =
  | 'start'
  | 'stop'
  | 'kill'
  | 'pause'
  | 'unpause'
  | 'restart'
  | 'remove'
  | 'remove-forced'
  | 'exit'
  | 'rename'
  | 'attach'
  | 'top'
  | 'resize'
  | 'resize-before-start'
  | 'exec'
  | 'init'
  | 'attach-stdin'
  | 'uninit'
  | 'restart-by-policy'
  | 'prune'
  | 'update';

const ALL: ContainerStatus[] = ['created', 'initialized', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'];

const ALLOWED: Record<Operation, ReadonlySet<ContainerStatus>> = {
  /** The verbs of the API. */
  start: new Set(['created', 'initialized', 'exited', 'restarting']),
  /** An initialized container never ran its command: Docker sees it as created, so stopping it is not-modified (ALREADY). */
  stop: new Set(['running', 'paused', 'restarting']),
  kill: new Set(['running', 'paused']),
  pause: new Set(['running']),
  unpause: new Set(['paused']),
  restart: new Set(['created', 'initialized', 'running', 'paused', 'exited', 'restarting']),
  /**
   * Without force: an initialized container never ran its command (Docker shows it as created); one
   * waiting out its restart backoff is refused, as dockerd refuses a restarting one.
   */
  remove: new Set(['created', 'initialized', 'exited', 'dead', 'removing']),
  'remove-forced': new Set(ALL),
  rename: new Set(['created', 'initialized', 'running', 'paused', 'restarting', 'exited', 'dead']),
  attach: new Set(['created', 'initialized', 'running', 'restarting', 'exited']),
  top: new Set(['running', 'paused']),
  resize: new Set(['running', 'initialized']),
  /** A TTY size sent before start is remembered and applied right after the runtime's create. */
  'resize-before-start': new Set(['created']),
  exec: new Set(['running']),
  /** docker update: anything not being removed (a running or paused one also gets the limits live). */
  update: new Set(['created', 'initialized', 'running', 'paused', 'restarting', 'exited']),
  /** prune removes only what `remove` without force would, minus removing ones. */
  prune: new Set(['created', 'exited', 'dead']),

  /** Internal steps. An exit is recorded only for a container with a process. */
  exit: new Set(['running', 'paused', 'initialized']),
  /** An attach with stdin has the runtime create a container that has no process yet… */
  init: new Set(['created', 'exited']),
  /** …and wires stdin to a container whose process exists. */
  'attach-stdin': new Set(['running', 'initialized']),
  /** A container an abandoned attach initialized goes back (see statusAfterUninit). */
  uninit: new Set(['initialized']),
  /** The restart timer fires only for a container still waiting out its backoff. */
  'restart-by-policy': new Set(['restarting']),
};

/** Statuses in which an operation is already done: not-modified rather than conflict. */
const ALREADY: Partial<Record<Operation, { statuses: ReadonlySet<ContainerStatus>; code: CodeOfKind<'not-modified'>; message: string }>> = {
  start: { statuses: new Set(['running']), code: 'BERTH_CONTAINER_ALREADY_RUNNING', message: 'Container already started' },
  stop: {
    statuses: new Set(['created', 'initialized', 'exited', 'dead', 'removing']),
    code: 'BERTH_CONTAINER_NOT_RUNNING',
    message: 'Container already stopped',
  },
};

export function canTransition(op: Operation, from: ContainerStatus): boolean {
  return ALLOWED[op].has(from);
}

/** A process exists (conmon supervises it): initialized, running or paused. */
export function isActive(status: ContainerStatus): boolean {
  return canTransition('exit', status);
}

/** The active statuses, for queries that select by status in SQL (src/db knows no lifecycle rule). */
export const ACTIVE_STATUSES: readonly ContainerStatus[] = ALL.filter(isActive);

/** Active, or waiting out a restart backoff: wait, logs --follow and reconciliation treat it as not yet stopped. */
export function isUp(status: ContainerStatus): boolean {
  return isActive(status) || canTransition('restart-by-policy', status);
}

/** Waiting out a restart policy's backoff: Docker counts it as running, though no process exists. */
export function isAwaitingRestart(status: ContainerStatus): boolean {
  return canTransition('restart-by-policy', status);
}

/** The command runs (paused or not): what kill and top need. */
export function isRunning(status: ContainerStatus): boolean {
  return canTransition('top', status);
}

/** The runtime created it already (an attach before start): starting it needs only the runtime's start. */
export function isInitialized(status: ContainerStatus): boolean {
  return canTransition('uninit', status);
}

/** Docker's State.Running: what `docker ps` lists without --all (an initialized container reads as created). */
export function isListedByDefault(status: ContainerStatus): boolean {
  return isRunning(status) || canTransition('restart-by-policy', status);
}

/**
 * The bucket `GET /info` counts a container in (ContainersRunning, Paused,
 * Stopped), as moby's setStateCounter by State.StateString: only "running"
 * and "paused" are their own buckets; everything else, a container waiting
 * out its restart backoff ("restarting") too, is stopped. Every status is in
 * exactly one bucket, so the three add up to Containers.
 */
export function infoCounter(status: ContainerStatus): 'running' | 'paused' | 'stopped' {
  if (canTransition('unpause', status)) return 'paused';
  return isRunning(status) ? 'running' : 'stopped';
}

/** The runtime may still hold state: everything but never launched (created) and torn down at its exit (exited). */
export function mayHoldRuntime(status: ContainerStatus): boolean {
  return status !== 'created' && status !== 'exited';
}

/** A removal was cut short (by a crash): startup reconciliation finishes it. */
export function isRemovalPending(status: ContainerStatus): boolean {
  return status === 'removing';
}

/** Where a failed start leaves a container: where it was, an initialized one back at created, a restarting one exited. */
export function statusAfterFailedStart(from: ContainerStatus): ContainerStatus {
  if (from === 'restarting') return 'exited';
  if (from === 'initialized') return 'created';
  return from;
}

/** Where an initialized container that never started goes back to. */
export function statusAfterUninit(state: ContainerState): ContainerStatus {
  return state.hasBeenStarted ? 'exited' : 'created';
}

interface Refusal {
  code?: CodeOfKind<'conflict'>;
  message: string;
}

/** 'resize-before-start' → 'resize_before_start', as the type of a code built from an operation. */
type Underscored<S extends string> = S extends `${infer A}-${infer B}` ? `${A}_${Underscored<B>}` : S;
/** The code of a refused operation without a code of its own; each must be in the catalogue (error-codes.ts). */
type TransitionConflictCode = `BERTH_CONTAINER_${Uppercase<Underscored<Operation>>}_CONFLICT`;

function refusal(op: Operation, from: ContainerStatus, id: string, ref: string): Refusal {
  const short = id.slice(0, 12);
  switch (op) {
    // dockerd names the container by its full ID in these.
    case 'kill':
    case 'top':
    case 'resize':
      return { message: `Container ${id} is not running` };
    case 'pause':
      return { message: from === 'paused' ? `Container ${id} is already paused` : `Container ${id} is not running` };
    case 'unpause':
      return { message: `Container ${id} is not paused` };
    case 'start':
      return { message: from === 'paused' ? `cannot start a paused container, try unpause instead` : `cannot start container ${short} in state ${from}` };
    case 'attach':
      return {
        message: from === 'paused' ? `You cannot attach to a paused container, unpause it first` : `cannot attach to container ${short} in state ${from}`,
      };
    case 'rename':
      return { message: `cannot rename container ${short} in state ${from}` };
    case 'remove':
      return {
        code: 'BERTH_CONTAINER_RUNNING',
        message:
          from === 'paused'
            ? `You cannot remove a paused container ${id}. Unpause and then stop the container before attempting removal or force remove`
            : `You cannot remove a ${from === 'restarting' ? 'restarting' : 'running'} container ${id}. Stop the container before attempting removal or force remove`,
      };
    case 'update':
      return { message: `Cannot update container ${id}: container is marked for removal and cannot be "update"` };
    case 'exec':
      return from === 'paused'
        ? { code: 'BERTH_EXEC_PAUSED', message: `Container ${ref} is paused, unpause the container before exec` }
        : { code: 'BERTH_EXEC_NOT_RUNNING', message: `Container ${id} is not running` };
    default:
      return { message: `cannot ${op} container ${short} in state ${from}` };
  }
}

/**
 * Throws not-modified when the operation is already done, Docker's conflict
 * when the status does not allow it. `ref`: the container as the client
 * named it, for the one text dockerd words with it (exec into a paused one).
 */
export function ensureTransition(op: Operation, from: ContainerStatus, id: string, ref = id): void {
  const already = ALREADY[op];
  if (already?.statuses.has(from)) throw notModified(already.code, already.message);
  if (canTransition(op, from)) return;
  const { code, message } = refusal(op, from, id, ref);
  throw conflict(code ?? (`BERTH_CONTAINER_${op.toUpperCase().replace(/-/g, '_')}_CONFLICT` as TransitionConflictCode), message);
}
