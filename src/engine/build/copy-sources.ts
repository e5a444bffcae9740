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
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { invalid } from '../errors.js';
import { resolveInRoot } from '../containers/user.js';

export interface CopySource {
  /** Host path. */
  abs: string;
  /** Path relative to the root ('/'-separated); '' = the root itself. */
  rel: string;
  isDir: boolean;
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

/** Every path under `root` (relative, '/'-separated), directories included, sorted. */
async function walk(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  const entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    out.push(r);
    if (e.isDirectory()) out.push(...(await walk(root, r)));
  }
  return out;
}

/**
 * Resolves the source list against `root`. `ignored` (the context's
 * .dockerignore) hides paths; absent for a stage or image root.
 */
export async function resolveSources(root: string, srcs: string[], instr: string, ignored?: (rel: string) => boolean): Promise<CopySource[]> {
  const out: CopySource[] = [];
  let all: string[] | undefined;
  for (const src of srcs) {
    const rel = cleanSource(src);
    if (hasGlob(rel)) {
      all ??= await walk(root);
      const re = globToRegExp(rel);
      const hits = all.filter((p) => re.test(p) && !ignored?.(p));
      for (const h of hits) out.push(await sourceAt(root, h, src, instr));
      continue;
    }
    if (ignored?.(rel)) throw notFound(instr, src);
    out.push(await sourceAt(root, rel, src, instr));
  }
  if (out.length === 0) throw invalid('BERTH_BUILD_COPY_NOT_FOUND', `${instr} failed: no source files were specified`);
  return out;
}

async function sourceAt(root: string, rel: string, src: string, instr: string): Promise<CopySource> {
  const abs = rel === '' ? root : await resolveInRoot(root, rel);
  const st = abs === null ? null : await fs.stat(abs).catch(() => null);
  if (abs === null || st === null) throw notFound(instr, src);
  return { abs, rel, isDir: st.isDirectory() };
}

/** Files up to this size are hashed from one read; larger ones are streamed. */
const WHOLE_READ_MAX = 4 << 20;

/**
 * The content checksum of the sources: names (relative to each source),
 * modes, symlink targets and file bytes, in a fixed order. Equal trees give
 * equal sums; an edited file changes it.
 */
export async function sourcesChecksum(sources: CopySource[], ignored?: (rel: string) => boolean): Promise<string> {
  const h = createHash('sha256');
  for (const s of sources) {
    h.update(`src ${s.rel}\0`);
    const entries = s.isDir ? (await walk(s.abs)).filter((p) => !ignored?.(s.rel ? `${s.rel}/${p}` : p)) : [''];
    for (const e of entries) {
      const p = e ? path.join(s.abs, e) : s.abs;
      const st = await fs.lstat(p);
      h.update(`${e}\0${st.mode}\0`);
      if (st.isSymbolicLink()) h.update(await fs.readlink(p));
      // Small files in one read (most of a context); large ones streamed.
      else if (st.isFile() && st.size <= WHOLE_READ_MAX) h.update(await fs.readFile(p));
      else if (st.isFile()) for await (const chunk of createReadStream(p, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
      h.update('\0');
    }
  }
  return h.digest('hex');
}
