/**
 * Legacy links (HostConfig.Links), as dockerd gives them on its default
 * bridge: each linked container is reachable from the linking one under its
 * alias, its hostname and its name through /etc/hosts. The target must exist
 * at create and run at start; its address is read at start (a later restart
 * of the target does not update the entry, as with Docker). Link environment
 * variables are not set.
 */
import { invalid, isEngineError, notFound, systemError } from '../errors.js';
import type { Attachment } from '../networks/netavark.js';
import type { ContainerContext, Row } from './context.js';
import { isRunning } from '../model/lifecycle.js';
import { findContainer } from './resolve.js';
import type { ContainerLink } from '../model/container.js';

/** At create: each link's target resolved to its full ID, with dockerd's texts for a missing target or host networking. */
export function resolveLinks(ctx: ContainerContext, links: readonly ContainerLink[], networkMode: string): ContainerLink[] {
  if (links.length > 0 && networkMode === 'host') {
    throw invalid('BERTH_LINK_HOST_NETWORK', "conflicting options: host type networking can't be used with links. This would result in undefined behavior");
  }
  return links.map((link) => {
    const target = findLinkTarget(ctx, link.name);
    return { name: target.name, alias: link.alias, id: target.id };
  });
}

function findLinkTarget(ctx: ContainerContext, name: string): Row {
  try {
    return findContainer(ctx, name);
  } catch (err) {
    if (isEngineError(err, 'not-found')) throw notFound('BERTH_LINK_TARGET_MISSING', `could not get container for ${name}: ${err.message}`, err);
    throw err;
  }
}

/**
 * At start: one /etc/hosts line per link, "<ip>\t<alias> <hostname> [<name>]",
 * the target's address on a network both share, else its first address.
 */
export function linkHostEntries(ctx: ContainerContext, row: Row, own: readonly Attachment[]): string[] {
  const shared = new Set(own.map((a) => a.network.id));
  return (row.spec.links ?? []).map((link) => {
    const target = link.id ? ctx.repo.get(link.id) : undefined;
    if (!target || !isRunning(target.state.status)) {
      throw systemError('BERTH_LINK_TARGET_STOPPED', `Cannot link to a non running container: /${link.name} AS /${row.name}/${link.alias}`);
    }
    const endpoints = ctx.networks.view(target.id).endpoints;
    const ip = (endpoints.find((e) => shared.has(e.network.id)) ?? endpoints[0])?.endpoint.ip ?? '';
    if (!ip) throw systemError('BERTH_LINK_TARGET_STOPPED', `Cannot link to /${link.name}: it has no network address`);
    const names = [link.alias, target.spec.hostname, ...(link.alias === target.name ? [] : [target.name])];
    return `${ip}\t${names.join(' ')}`;
  });
}
