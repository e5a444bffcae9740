/**
 * Answers of the container filesystem routes: the X-Docker-Container-Path-Stat
 * header of archive (docker cp), the changes list of diff, commit's result.
 * Pure.
 */
import type { ContainerChange, ContainerPathStat } from '../../engine/api.js';

/** The header that carries a path's stat on HEAD and GET `…/archive`. */
export const PATH_STAT_HEADER = 'X-Docker-Container-Path-Stat';

/** The X-Docker-Container-Path-Stat value: base64 of Docker's JSON field order. */
export function pathStatHeader(st: ContainerPathStat): string {
  const json = JSON.stringify({ name: st.name, size: st.size, mode: st.mode, mtime: st.mtime, linkTarget: st.linkTarget });
  return Buffer.from(json).toString('base64');
}

/** `GET /containers/{id}/changes`: Docker answers null (not []) when nothing changed. */
export function toChangesResponse(changes: ContainerChange[]): Array<{ Path: string; Kind: number }> | null {
  return changes.length ? changes.map((c) => ({ Path: c.path, Kind: c.kind })) : null;
}

/** `POST /commit` (201): the new image's ID. */
export function toCommitResponse(id: string): { Id: string } {
  return { Id: id };
}
