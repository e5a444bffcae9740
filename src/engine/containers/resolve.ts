/**
 * Container lookup as dockerd does it: exact full ID, then exact name (with
 * or without the leading slash), then a unique ID prefix. Names follow
 * Docker's rule: at least two characters of [a-zA-Z0-9_.-], the first
 * alphanumeric.
 */
import { invalid, noSuchContainer } from '../errors.js';
import type { ContainerContext, Row } from './context.js';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const HEX = /^[0-9a-f]+$/;

export function findContainer(ctx: ContainerContext, ref: string): Row {
  const found = lookup(ctx, ref);
  if (!found) throw noSuchContainer(ref);
  return found;
}

function lookup(ctx: ContainerContext, ref: string): Row | undefined {
  if (ref.length === 64 && HEX.test(ref)) {
    const byId = ctx.repo.get(ref);
    if (byId) return byId;
  }
  const name = ref.startsWith('/') ? ref.slice(1) : ref;
  const byName = name ? ctx.repo.getByName(name) : undefined;
  if (byName) return byName;
  if (!ref || !HEX.test(ref)) return undefined;
  const matches = ctx.repo.findByPrefix(ref);
  if (matches.length > 1) throw invalid('BERTH_CONTAINER_AMBIGUOUS', `multiple IDs found with provided prefix: ${ref}`);
  return matches[0];
}

/** Strips one leading slash and checks Docker's name rule. */
export function validateName(name: string): string {
  const bare = name.startsWith('/') ? name.slice(1) : name;
  if (!NAME.test(bare)) {
    throw invalid('BERTH_CONTAINER_BAD_NAME', `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return bare;
}
