/**
 * Docker's container list filters, on top of the shared filters module:
 * id (prefix), name (exact or regex on "/name" or "name"), label (key or
 * key=value, all must match), status, ancestor (image ref or id), exited,
 * before and since (containers by creation order). OR within a key (except
 * label), AND across keys. Keys Docker knows but berth has nothing for yet
 * (network, volume, …) match no container. health: starting, healthy,
 * unhealthy, or none (no health check).
 */
import type { Filters } from '../filters/index.js';
import { invalid } from '../errors.js';
import { invalidFilter, parseFilters, type FilterArgs } from '../filters/index.js';
import type { ContainerContext, Row } from './context.js';
import { findContainer } from './resolve.js';
import { publicStatus } from '../model/status.js';

export type RowPredicate = (row: Row) => boolean;

const STATUSES = new Set(['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead']);

type Builder = (ctx: ContainerContext, args: FilterArgs) => RowPredicate;

const BUILDERS: Record<string, Builder> = {
  id: (_ctx, args) => (row) => args.matchPrefix('id', row.id),
  name: (_ctx, args) => (row) => args.matchRegexp('name', `/${row.name}`) || args.matchRegexp('name', row.name),
  label: (_ctx, args) => (row) => args.matchLabels('label', row.spec.labels),
  status: statusFilter,
  ancestor: ancestorFilter,
  exited: exitedFilter,
  before: (ctx, args) => {
    const seqs = args.values('before').map((v) => findContainer(ctx, v).seq);
    return (row) => seqs.some((seq) => row.seq < seq);
  },
  health: healthFilter,
  since: (ctx, args) => {
    const seqs = args.values('since').map((v) => findContainer(ctx, v).seq);
    return (row) => seqs.some((seq) => row.seq > seq);
  },
};

/** Known to Docker, nothing to match in berth yet: such a filter selects no container. */
const UNMATCHED = ['network', 'volume', 'is-task', 'publish', 'expose', 'isolation'];

const LIST_KEYS = new Set([...Object.keys(BUILDERS), ...UNMATCHED]);

export function buildContainerFilter(ctx: ContainerContext, filters: Filters): RowPredicate {
  const args = parseFilters(filters, LIST_KEYS);
  const tests = args.keys().map((key) => BUILDERS[key]?.(ctx, args) ?? (() => false));
  return (row) => tests.every((t) => t(row));
}

function statusFilter(_ctx: ContainerContext, args: FilterArgs): RowPredicate {
  for (const v of args.values('status')) if (!STATUSES.has(v)) throw invalidFilter(`status=${v}`);
  return (row) => args.matchExact('status', publicStatus(row.state));
}

const HEALTH_VALUES = new Set(['starting', 'healthy', 'unhealthy', 'none']);

function healthFilter(_ctx: ContainerContext, args: FilterArgs): RowPredicate {
  for (const v of args.values('health')) {
    if (!HEALTH_VALUES.has(v)) throw invalid('BERTH_FILTER_INVALID', `Unrecognised filter value for health: ${v}`);
  }
  return (row) => args.matchExact('health', row.state.health?.status ?? 'none');
}

function exitedFilter(_ctx: ContainerContext, args: FilterArgs): RowPredicate {
  const codes = args.values('exited').map((v) => {
    const code = Number(v);
    if (v.trim() === '' || !Number.isInteger(code)) throw invalidFilter(`exited=${v}`);
    return code;
  });
  return (row) => publicStatus(row.state) === 'exited' && codes.includes(row.state.exitCode);
}

function ancestorFilter(ctx: ContainerContext, args: FilterArgs): RowPredicate {
  const refs = args.values('ancestor');
  const imageIds = refs.map((ref) => {
    try {
      return ctx.images.resolve(ref).id;
    } catch {
      return undefined;
    }
  });
  return (row) => imageIds.includes(row.spec.imageId) || refs.includes(row.spec.image);
}
