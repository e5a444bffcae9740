/**
 * Answers of the container verbs that are not a container's own JSON:
 * create, top, prune and wait. Pure.
 */
import type { PruneResult, TopResult, WaitResult } from '../../engine/api.js';

/** `POST /containers/create` (201). */
export function toCreateResponse(id: string, warnings: string[]): { Id: string; Warnings: string[] } {
  return { Id: id, Warnings: warnings };
}

/** `GET /containers/{id}/top`. */
export function toTopResponse(top: TopResult): { Titles: string[]; Processes: string[][] } {
  return { Titles: top.titles, Processes: top.processes };
}

/** `POST /containers/prune`: ContainersDeleted is null (not []) when nothing went. */
export function toContainerPruneResponse(res: PruneResult): { ContainersDeleted: string[] | null; SpaceReclaimed: number } {
  return { ContainersDeleted: res.deleted.length ? res.deleted : null, SpaceReclaimed: res.spaceReclaimed };
}

type WaitResponse = {
  StatusCode: number;
  Error: { Message: string } | null;
};

/** `POST /containers/{id}/wait`: Error is null unless waiting failed. */
export function toWaitResponse(r: WaitResult): WaitResponse {
  return { StatusCode: r.exitCode, Error: r.error ? { Message: r.error } : null };
}

/** The wait answer when waiting failed after the 200 headers went out. */
export function toWaitError(message: string): WaitResponse {
  return { StatusCode: -1, Error: { Message: message } };
}
