/**
 * The one table of allowed transitions. Every verb checks its current
 * status here before it acts; "already there" is answered with not-modified
 * (304) by the callers that Docker treats as idempotent (start, stop).
 */
import type { ContainerStatus } from './types.js';
import { conflict } from '../errors.js';

export type Operation = 'start' | 'stop' | 'kill' | 'pause' | 'unpause' | 'restart' | 'remove' | 'exit' | 'rename' | 'attach' | 'top' | 'resize';

const ALLOWED: Record<Operation, ReadonlySet<ContainerStatus>> = {
  start: new Set(['created', 'initialized', 'exited', 'restarting']),
  stop: new Set(['running', 'paused', 'restarting', 'initialized']),
  kill: new Set(['running', 'paused']),
  pause: new Set(['running']),
  unpause: new Set(['paused']),
  restart: new Set(['created', 'initialized', 'running', 'paused', 'exited', 'restarting']),
  remove: new Set(['created', 'initialized', 'running', 'paused', 'restarting', 'exited', 'dead', 'removing']),
  exit: new Set(['running', 'paused', 'initialized']),
  rename: new Set(['created', 'initialized', 'running', 'paused', 'restarting', 'exited', 'dead']),
  attach: new Set(['created', 'initialized', 'running', 'restarting', 'exited']),
  top: new Set(['running', 'paused']),
  resize: new Set(['running', 'initialized']),
};

export function canTransition(op: Operation, from: ContainerStatus): boolean {
  return ALLOWED[op].has(from);
}

/** Statuses in which a container has a live process (conmon supervises it). */
export function isActive(status: ContainerStatus): boolean {
  return status === 'running' || status === 'paused' || status === 'initialized';
}

/** Throws Docker's conflict for an operation the status does not allow. */
export function ensureTransition(op: Operation, from: ContainerStatus, id: string): void {
  if (canTransition(op, from)) return;
  const short = id.slice(0, 12);
  const messages: Partial<Record<Operation, string>> = {
    kill: `Container ${short} is not running`,
    pause: from === 'paused' ? `Container ${short} is already paused` : `Container ${short} is not running`,
    unpause: `Container ${short} is not paused`,
    top: `Container ${short} is not running`,
    resize: `Container ${short} is not running`,
    start: from === 'paused' ? `cannot start a paused container, try unpause instead` : `cannot start container ${short} in state ${from}`,
    attach: from === 'paused' ? `You cannot attach to a paused container, unpause it first` : `cannot attach to container ${short} in state ${from}`,
    rename: `cannot rename container ${short} in state ${from}`,
  };
  throw conflict(`BERTH_CONTAINER_${op.toUpperCase() as Uppercase<Operation>}_CONFLICT`, messages[op] ?? `cannot ${op} container ${short} in state ${from}`);
}
