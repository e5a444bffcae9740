/** Prune: remove every stopped container matching the filters (label, label!, until). */
import type { Filters } from '../filters/index.js';
import type { PruneResult } from '../api/containers.js';
import { isEngineError } from '../errors.js';
import { parseFilters } from '../filters/index.js';
import type { ContainerContext, Row } from './context.js';
import { canTransition } from '../model/lifecycle.js';
import { removeContainer } from './remove.js';
import { diskUsage } from './view.js';

export async function pruneContainers(ctx: ContainerContext, filters: Filters): Promise<PruneResult> {
  const keep = pruneFilter(filters);
  const candidates = ctx.repo.all().filter((row) => canTransition('prune', row.state.status) && keep(row));
  const deleted: string[] = [];
  let spaceReclaimed = 0;
  for (const row of candidates) {
    const size = await diskUsage(ctx.paths.containerDir(row.id) + '/upper');
    try {
      await removeContainer(ctx, row.id, { force: false, volumes: false });
      deleted.push(row.id);
      spaceReclaimed += size;
    } catch (err) {
      // Started or removed by someone else meanwhile: not ours to prune.
      if (!isEngineError(err, 'conflict') && !isEngineError(err, 'not-found')) throw err;
    }
  }
  return { deleted, spaceReclaimed };
}

const PRUNE_KEYS = new Set(['label', 'label!', 'until']);

/** Docker's container prune filters: label / label! (shared rule) and until (created at or before). */
function pruneFilter(filters: Filters, now = Date.now()): (row: Row) => boolean {
  const args = parseFilters(filters, PRUNE_KEYS);
  const createdUntil = args.createdUntil(now);
  return (row) => args.matchLabelFilters(row.spec.labels) && createdUntil(row.created);
}
