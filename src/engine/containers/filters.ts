/**
 * Docker's container list filters: id (prefix), name (regex on "/name"),
 * label (key or key=value), status, ancestor (image ref or id), exited,
 * before and since (containers by creation order). OR within a key (but
 * every label must match, as in Docker), AND across keys. Unknown keys are Docker's 400 "Invalid filter 'x'".
 */
import type { Filters } from '../api.js';
import { invalid } from '../errors.js';
import type { ContainerContext, Row } from './context.js';
import { findContainer } from './resolve.js';
import { publicStatus } from './status.js';

const KNOWN = new Set(['id', 'name', 'label', 'status', 'ancestor', 'exited', 'before', 'since', 'health', 'network', 'volume', 'is-task', 'publish', 'expose', 'isolation']);
const STATUSES = new Set(['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead']);

export type RowPredicate = (row: Row) => boolean;

export function buildContainerFilter(ctx: ContainerContext, filters: Filters): RowPredicate {
  const tests: RowPredicate[] = [];
  for (const [key, values] of filters) {
    if (!KNOWN.has(key)) throw invalid('BERTH_FILTER_UNKNOWN', `Invalid filter '${key}'`);
    if (values.length === 0) continue;
    const preds = values.map((v) => predicateFor(ctx, key, v));
    // Docker: several labels must all match; other keys match any of their values.
    tests.push(key === 'label' ? allOf(preds) : anyOf(preds));
  }
  return (row) => tests.every((t) => t(row));
}

function anyOf(preds: RowPredicate[]): RowPredicate {
  return (row) => preds.some((p) => p(row));
}

function allOf(preds: RowPredicate[]): RowPredicate {
  return (row) => preds.every((p) => p(row));
}

function predicateFor(ctx: ContainerContext, key: string, value: string): RowPredicate {
  switch (key) {
    case 'id':
      return (row) => row.id.startsWith(value);
    case 'name':
      return nameFilter(value);
    case 'label':
      return labelFilter(value);
    case 'status':
      if (!STATUSES.has(value)) throw invalid('BERTH_FILTER_BAD_STATUS', `Invalid filter 'status=${value}'`);
      return (row) => publicStatus(row.state) === value;
    case 'ancestor':
      return ancestorFilter(ctx, value);
    case 'exited': {
      const code = Number(value);
      if (!Number.isInteger(code)) throw invalid('BERTH_FILTER_BAD_EXITED', `Invalid filter 'exited=${value}'`);
      return (row) => row.state.status === 'exited' && row.state.hasBeenStarted && row.state.exitCode === code;
    }
    case 'before': {
      const seq = findContainer(ctx, value).seq;
      return (row) => row.seq < seq;
    }
    case 'since': {
      const seq = findContainer(ctx, value).seq;
      return (row) => row.seq > seq;
    }
    default:
      // Known to Docker but meaningless here (no networks, volumes, health yet): matches nothing.
      return () => false;
  }
}

function nameFilter(pattern: string): RowPredicate {
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch {
    throw invalid('BERTH_FILTER_BAD_NAME', `Invalid filter 'name=${pattern}': not a valid regular expression`);
  }
  return (row) => re.test(`/${row.name}`);
}

export function labelFilter(spec: string): (row: { spec: { labels: Record<string, string> } }) => boolean {
  const eq = spec.indexOf('=');
  if (eq < 0) return (row) => spec in row.spec.labels;
  const key = spec.slice(0, eq);
  const value = spec.slice(eq + 1);
  return (row) => row.spec.labels[key] === value;
}

function ancestorFilter(ctx: ContainerContext, ref: string): RowPredicate {
  let imageId: string | undefined;
  try {
    imageId = ctx.images.resolve(ref).id;
  } catch {
    imageId = undefined;
  }
  return (row) => row.spec.imageId === imageId || row.spec.image === ref;
}
