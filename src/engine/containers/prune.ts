/** Prune: remove every stopped container matching the filters (label, label!, until). */
import type { Filters, PruneResult } from '../api.js';
import { invalid, isEngineError } from '../errors.js';
import type { ContainerContext, Row } from './context.js';
import { labelFilter } from './filters.js';
import { canTransition } from './lifecycle.js';
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

function pruneFilter(filters: Filters): (row: Row) => boolean {
  const tests: Array<(row: Row) => boolean> = [];
  for (const [key, values] of filters) {
    if (key === 'label') tests.push((row) => values.every((v) => labelFilter(v)(row)));
    else if (key === 'label!') tests.push((row) => values.every((v) => !labelFilter(v)(row)));
    else if (key === 'until') tests.push((row) => values.every((v) => Date.parse(row.created) < untilMs(v)));
    else throw invalid('BERTH_FILTER_UNKNOWN', `Invalid filter '${key}'`);
  }
  return (row) => tests.every((t) => t(row));
}

/** until: a unix timestamp, an RFC 3339 time, or a Go duration like "10m" or "24h" before now. */
function untilMs(value: string): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const duration = /^(\d+)(s|m|h)$/.exec(value);
  if (duration) return Date.now() - Number(duration[1]) * { s: 1e3, m: 6e4, h: 3.6e6 }[duration[2] as 's' | 'm' | 'h'];
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw invalid('BERTH_FILTER_BAD_UNTIL', `Invalid filter 'until=${value}'`);
  return parsed;
}
