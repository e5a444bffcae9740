/**
 * A repository's tags (`GET /v2/<name>/tags/list`, following `Link`
 * pagination) for `docker pull --all-tags`.
 */
import type { RegistryCredentials } from '../api/registry.js';
import { invalid } from '../errors.js';
import type { ParsedReference } from '../model/reference.js';
import { RepoSession, registryError, type RegistryContext } from './client.js';
import { endpointsFor, type RegistrySettings } from './hosts.js';
import { readBody } from './http.js';

const MAX_PAGES = 100;
const PAGE_LIMIT = 1 << 20;

export async function listTags(
  ref: ParsedReference,
  deps: { ctx: RegistryContext; settings: RegistrySettings },
  credentials: RegistryCredentials | null,
  signal?: AbortSignal,
): Promise<string[]> {
  const endpoint = endpointsFor(ref.domain, deps.settings).at(-1)!;
  const session = await RepoSession.open(deps.ctx, endpoint, { path: ref.path, actions: 'pull', credentials, signal });
  const tags: string[] = [];
  let url: URL | undefined = session.url('tags/list');
  for (let page = 0; url && page < MAX_PAGES; page++) {
    const res = await session.send('GET', url);
    if (res.status !== 200) throw await registryError(res, `listing tags of ${ref.domain}/${ref.path}`);
    const doc = JSON.parse((await readBody(res, PAGE_LIMIT)).toString('utf8')) as { tags?: unknown };
    if (Array.isArray(doc.tags)) tags.push(...doc.tags.filter((t): t is string => typeof t === 'string'));
    const next = /<([^>]+)>;\s*rel="?next"?/.exec(String(res.headers.link ?? ''))?.[1];
    url = next ? new URL(next, session.endpoint.base) : undefined;
  }
  if (tags.length === 0) throw invalid('BERTH_REGISTRY_NO_TAGS', `${ref.domain}/${ref.path} has no tags`);
  return tags.sort();
}
