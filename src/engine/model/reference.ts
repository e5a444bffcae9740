/**
 * Image references, the way Docker's distribution/reference package reads
 * them. Pure functions, no I/O.
 *
 * Normalized form (what berth stores): `docker.io/library/busybox:latest`,
 * `localhost:5000/x:latest`, `docker.io/foo/bar@sha256:<hex>`.
 * Familiar form (what Docker shows): `busybox:latest`, `foo/bar:1`.
 */
import { invalid } from '../errors.js';

const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DOMAIN = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';
const NAME_MAX = 255;

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN_PART = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const NAME = `(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*`;
const REFERENCE_RE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const TAG_RE = new RegExp(`^${TAG}$`);
const FULL_HEX_RE = /^[a-f0-9]{64}$/;
const ID_LIKE_RE = /^(?:sha256:)?[a-f0-9]{1,64}$/;

/** A reference split into its parts; `domain` is always filled in. */
export interface ParsedReference {
  /** e.g. "docker.io" or "localhost:5000". */
  domain: string;
  /** Path below the domain, e.g. "library/busybox". */
  path: string;
  /** '' when absent. */
  tag: string;
  /** '' when absent, else "sha256:<hex>". */
  digest: string;
}

const badFormat = (detail?: string) => invalid('BERTH_IMAGE_BAD_REFERENCE', detail ? `invalid reference format: ${detail}` : 'invalid reference format');

/**
 * Parses `ref` like Docker's ParseNormalizedNamed (no default tag added).
 * Throws invalid-parameter "invalid reference format" (or "…: repository
 * name must be lowercase"), and refuses a bare 64-hex name (that is an ID).
 */
export function parseReference(ref: string): ParsedReference {
  if (FULL_HEX_RE.test(ref)) {
    throw invalid('BERTH_IMAGE_BAD_REFERENCE', `invalid repository name (${ref}), cannot specify 64-byte hexadecimal strings`);
  }
  const m = REFERENCE_RE.exec(ref);
  if (!m) {
    if (ref !== '' && REFERENCE_RE.test(ref.toLowerCase())) throw badFormat('repository name must be lowercase');
    throw badFormat();
  }
  const [, name, tag = '', digest = ''] = m;
  if (name.length > NAME_MAX) throw badFormat('repository name must not be more than 255 characters');
  const { domain, path } = splitDomain(name);
  return { domain, path, tag, digest };
}

/** Docker's splitDockerDomain: a first part with '.', ':' or "localhost" is a registry. */
function splitDomain(name: string): { domain: string; path: string } {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const isDomain = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase());
  let domain = isDomain ? first : DEFAULT_DOMAIN;
  let path = isDomain ? name.slice(slash + 1) : name;
  if (domain === LEGACY_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = OFFICIAL_PREFIX + path;
  return { domain, path };
}

/** Joins parts back into a string; the repository is `domain/path`. */
export function formatReference(p: ParsedReference): string {
  return `${p.domain}/${p.path}${p.tag ? `:${p.tag}` : ''}${p.digest ? `@${p.digest}` : ''}`;
}

/**
 * Fully qualified reference with ":latest" added when there is neither tag
 * nor digest: `busybox` → `docker.io/library/busybox:latest`,
 * `foo/bar:1` → `docker.io/foo/bar:1`, `name@sha256:…` keeps its digest.
 */
export function normalizeReference(ref: string): string {
  const p = parseReference(ref);
  if (!p.tag && !p.digest) p.tag = 'latest';
  return formatReference(p);
}

/**
 * The tag a new image gets from an import or a commit: null when untagged
 * (repo ''), else `repo:tag` normalized. A tag without a repository, or a
 * digest reference, is invalid; `action` words the digest refusal
 * ("import", "commit to").
 */
export function newImageTag(repo: string, tag: string, action: string): string | null {
  if (repo === '') {
    if (tag !== '') throw invalid('BERTH_IMAGE_BAD_REFERENCE', 'tag given without a repository');
    return null;
  }
  if (parseReference(repo).digest) throw invalid('BERTH_IMAGE_BAD_REFERENCE', `cannot ${action} a digest reference`);
  return normalizeRepoTag(repo, tag);
}

/**
 * `repo` (short or qualified, no tag expected) plus `tag` ('' = latest) as a
 * normalized tagged reference. Refuses digests (a tag cannot name a digest)
 * and malformed tags.
 */
export function normalizeRepoTag(repo: string, tag: string): string {
  const p = parseReference(repo);
  if (p.digest) throw invalid('BERTH_IMAGE_BAD_REFERENCE', 'refusing to create a tag with a digest reference');
  if (tag !== '') {
    if (!TAG_RE.test(tag)) throw invalid('BERTH_IMAGE_BAD_TAG', `invalid tag format`);
    p.tag = tag;
  }
  if (!p.tag) p.tag = 'latest';
  return formatReference(p);
}

/** The short form for display: drops "docker.io/" and then "library/" for one-part names. */
export function familiarReference(normalized: string): string {
  const prefix = `${DEFAULT_DOMAIN}/`;
  if (!normalized.startsWith(prefix)) return normalized;
  const rest = normalized.slice(prefix.length);
  if (rest.startsWith(OFFICIAL_PREFIX)) {
    const after = rest.slice(OFFICIAL_PREFIX.length);
    const nameEnd = after.search(/[:@]/);
    const name = nameEnd < 0 ? after : after.slice(0, nameEnd);
    if (!name.includes('/')) return after;
  }
  return rest;
}

/** The repository part of a normalized reference (no tag, no digest). */
export function repositoryOf(normalized: string): string {
  const p = parseReference(normalized);
  return `${p.domain}/${p.path}`;
}

/**
 * True when `s` has the shape of an image ID or ID prefix:
 * `sha256:` + 1–64 lowercase hex, or 1–64 bare lowercase hex. Such a string
 * may still also be a valid repository name ("beef"); callers try tags first.
 */
export function isImageIdLike(s: string): boolean {
  return ID_LIKE_RE.test(s);
}

/** True for a full ID: `sha256:<64 hex>` or bare 64 hex. */
export function isFullImageId(s: string): boolean {
  return FULL_HEX_RE.test(s.startsWith('sha256:') ? s.slice(7) : s);
}

/** Docker's 12-hex short ID, without "sha256:". */
export function shortId(id: string): string {
  return (id.startsWith('sha256:') ? id.slice(7) : id).slice(0, 12);
}

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

/**
 * The reference a pull names, as dockerd reads `fromImage` + `tag`: `tag` may
 * be a tag or a digest ("sha256:…"), or '' (then a tag or digest inside
 * `fromImage` counts, else "latest"). Only sha256 digests are accepted.
 */
export function pullReference(fromImage: string, tag: string): ParsedReference {
  const p = parseReference(fromImage);
  if (tag !== '') {
    if (tag.includes(':')) {
      if (!DIGEST_RE.test(tag)) throw badFormat(`invalid digest ${JSON.stringify(tag)}`);
      p.digest = tag;
      p.tag = '';
    } else {
      if (!TAG_RE.test(tag)) throw invalid('BERTH_IMAGE_BAD_TAG', 'invalid tag format');
      p.tag = tag;
    }
  }
  if (p.digest && !DIGEST_RE.test(p.digest)) throw badFormat(`unsupported digest algorithm in ${JSON.stringify(p.digest)}`);
  if (p.digest) p.tag = '';
  else if (!p.tag) p.tag = 'latest';
  return p;
}

/** "repo@sha256:…" as a RepoDigest, from a repository ("domain/path") and a digest. */
export function digestReference(repository: string, digest: string): string {
  return `${repository}@${digest}`;
}
