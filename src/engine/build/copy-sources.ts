/**
 * COPY/ADD sources: which files of the context (or of another stage's root)
 * a source list names, and the checksum that keys the cache.
 *
 * Rules (Docker's classic builder):
 * - a source is cleaned relative to the root; one that climbs out is
 *   "Forbidden path outside the build context";
 * - a source with `*`, `?` or `[` is a pattern (Go's filepath.Match: `*`
 *   never crosses `/`) matched against every path of the root;
 * - a missing or .dockerignore'd source: "file not found in build context
 *   or excluded by .dockerignore: stat <src>: file does not exist";
 * - symlinks on the way to a source are followed inside the root only.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { invalid } from '../errors.js';
import type { SourceTree } from './source-tree.js';

export interface CopySource {
  /** Host path; '' until the tree is on disk (an index source before the context is extracted). */
  abs: string;
  /** Path relative to the root ('/'-separated), as named; '' = the root itself. */
  rel: string;
  isDir: boolean;
  /** The tree the source is in, and its path there with symlinks followed (what `abs` points at). */
  tree: SourceTree;
  at: string;
}

const notFound = (instr: string, src: string) =>
  invalid('BERTH_BUILD_COPY_NOT_FOUND', `${instr} failed: file not found in build context or excluded by .dockerignore: stat ${src}: file does not exist`);

/** `src` relative to the root, cleaned. Throws for a path outside. Pure. */
export function cleanSource(src: string): string {
  const rel = path.posix.normalize(src.replace(/^\/+/, '') || '.');
  if (rel === '..' || rel.startsWith('../')) throw invalid('BERTH_BUILD_OUTSIDE_CONTEXT', `Forbidden path outside the build context: ${src} ()`);
  return rel === '.' ? '' : rel.replace(/\/+$/, '');
}

export const hasGlob = (s: string) => /[*?[]/.test(s);

/** Go filepath.Match as a RegExp over a whole relative path. Pure. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) throw invalid('BERTH_BUILD_BAD_PATTERN', `syntax error in pattern: ${pattern}`);
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = `!${cls.slice(1)}`;
      re += `[${cls.startsWith('!') ? `^${cls.slice(1)}` : cls}]`;
      i = end;
    } else if (ch === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Every path under `rel` of the tree (relative to `rel`, '/'-separated), directories included, sorted, pre-order. */
async function walk(tree: SourceTree, rel = '', sub = ''): Promise<string[]> {
  const out: string[] = [];
  const here = [rel, sub].filter(Boolean).join('/');
  for (const name of await tree.list(here)) {
    const r = sub ? `${sub}/${name}` : name;
    out.push(r);
    if ((await tree.lstat(here ? `${here}/${name}` : name))?.isDir) out.push(...(await walk(tree, rel, r)));
  }
  return out;
}

/**
 * Resolves the source list in `tree` (the context's index or a directory
 * on disk; `root` = its host path when it is on disk). `ignored` (the
 * context's .dockerignore) hides paths; absent for a stage or image root.
 */
export async function resolveSources(
  tree: SourceTree,
  root: string | null,
  srcs: string[],
  instr: string,
  ignored?: (rel: string) => boolean,
): Promise<CopySource[]> {
  const out: CopySource[] = [];
  let all: string[] | undefined;
  for (const src of srcs) {
    const rel = cleanSource(src);
    if (hasGlob(rel)) {
      all ??= await walk(tree);
      const re = globToRegExp(rel);
      const hits = all.filter((p) => re.test(p) && !ignored?.(p));
      for (const h of hits) out.push(await sourceAt(tree, root, h, src, instr));
      continue;
    }
    if (ignored?.(rel)) throw notFound(instr, src);
    out.push(await sourceAt(tree, root, rel, src, instr));
  }
  if (out.length === 0) throw invalid('BERTH_BUILD_COPY_NOT_FOUND', `${instr} failed: no source files were specified`);
  return out;
}

async function sourceAt(tree: SourceTree, root: string | null, rel: string, src: string, instr: string): Promise<CopySource> {
  const at = await tree.resolve(rel);
  const st = at === null ? null : await tree.lstat(at);
  if (at === null || st === null) throw notFound(instr, src);
  return { abs: root === null ? '' : at ? path.join(root, at) : root, rel, isDir: st.isDir, tree, at };
}

/**
 * The content checksum of the sources: names (relative to each source),
 * modes, symlink targets and file bytes, in a fixed order. Equal trees give
 * equal sums; an edited file changes it.
 */
export async function sourcesChecksum(sources: CopySource[], ignored?: (rel: string) => boolean): Promise<string> {
  const h = createHash('sha256');
  for (const s of sources) {
    h.update(`src ${s.rel}\0`);
    const entries = s.isDir ? (await walk(s.tree, s.at)).filter((p) => !ignored?.(s.rel ? `${s.rel}/${p}` : p)) : [''];
    for (const e of entries) {
      const p = [s.at, e].filter(Boolean).join('/');
      const st = await s.tree.lstat(p);
      if (!st) throw invalid('BERTH_BUILD_COPY_NOT_FOUND', `file not found in build context: ${s.rel}/${e}`);
      h.update(`${e}\0${st.mode}\0`);
      // A file counts by the sha256 of its bytes (the index has it from the upload), a symlink by its target.
      if (st.isFile || st.isSymlink) h.update(await s.tree.contentDigest(p));
      h.update('\0');
    }
  }
  return h.digest('hex');
}
