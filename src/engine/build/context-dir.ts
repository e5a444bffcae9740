/**
 * The build context. The uploaded tar is read once: every entry goes into
 * an in-memory index (context-index.ts) with the sha256 of each file, the
 * Dockerfile and `.dockerignore` are kept, and the bytes are spooled. COPY
 * finds and checksums its sources in the index, so a build whose steps all
 * hit the cache never writes the context to disk; the first step that needs
 * the files (a COPY/ADD that misses) extracts it, with the same safe untar
 * as image layers (`..` entries and writes through symlinks refused), into
 * `<dataRoot>/build/ctx-*`, removed after the build. A tar the index cannot
 * model (see context-index.ts) is extracted right away and read from disk,
 * as are its errors. `.dockerignore` is matched with @balena/dockerignore
 * (moby's rules).
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import dockerignore from '@balena/dockerignore';
import type { ReadEntry } from 'tar';
import { invalid } from '../errors.js';
import { decompressed, untarLayer } from '../images/safe-untar.js';
import { ContextIndex, indexPath } from './context-index.js';
import { ContextSpool } from './context-spool.js';
import { diskTree, type SourceTree } from './source-tree.js';

export interface BuildContextDir {
  /** The context's files as COPY finds and checksums them (the index, or the extracted directory). */
  tree: SourceTree;
  /** Extracts the context once (later calls share it); the real path of the extracted root. */
  materialize(): Promise<string>;
  /** The Dockerfile text, or null when the context has none under that name. */
  readSmallFile(rel: string): Promise<string | null>;
  /** True when `rel` (relative, '/'-separated, no leading ./) is excluded by .dockerignore. */
  ignored: (rel: string) => boolean;
  remove: () => Promise<void>;
}

/** Bytes of a Dockerfile berth reads at most. */
const MAX_DOCKERFILE = 4 * 1024 * 1024;

const dockerfileCandidates = (name: string) => (name ? [name] : ['Dockerfile', 'dockerfile']);
const cleanName = (c: string) => path.posix.normalize(c.replace(/^\/+/, ''));

/** Reads the upload; `dockerfile` is the `dockerfile` query value ('' = the default names). */
export async function extractContext(buildRoot: string, source: Readable, dockerfile = ''): Promise<BuildContextDir> {
  await fs.mkdir(buildRoot, { recursive: true, mode: 0o700 });
  const dir = await fs.mkdtemp(path.join(buildRoot, 'ctx-'));
  let extracting: Promise<string> | undefined;
  const remove = async () => {
    await extracting?.catch(() => {});
    await fs.rm(dir, { recursive: true, force: true });
  };
  try {
    const wanted = new Set(['.dockerignore', ...dockerfileCandidates(dockerfile).map((c) => indexPath(cleanName(c)) ?? '')].filter(Boolean));
    const { index, spool, kept } = await receive(source, dir, wanted);
    const materialize = () =>
      (extracting ??= (async () => {
        const root = path.join(dir, 'root');
        await fs.mkdir(root, { mode: 0o700 });
        await untarLayer(spool.read(), root, { whiteouts: false, digest: false });
        spool.release();
        return fs.realpath(root);
      })());
    for (const w of wanted) if (index.node(w) && index.node(w)?.kind !== 'file') index.unsupported ??= `${w} is not a file`;
    const onDisk = index.unsupported === undefined ? null : await materialize();
    const readSmallFile = async (rel: string) => (onDisk === null ? (kept.get(rel)?.toString('utf8') ?? null) : readDiskFile(onDisk, rel));
    const matcher = dockerignore.default().add(
      ((await readSmallFile('.dockerignore')) ?? '')
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#')),
    );
    const tree = onDisk === null ? index : diskTree(onDisk);
    return { tree, materialize, readSmallFile, remove, ignored: (rel) => rel !== '' && rel !== '.' && matcher.ignores(rel) };
  } catch (err) {
    await remove();
    throw err;
  }
}

async function readDiskFile(root: string, rel: string): Promise<string | null> {
  const file = path.join(root, rel);
  const st = await fs.stat(file).catch(() => null);
  if (!st?.isFile()) return null;
  if (st.size > MAX_DOCKERFILE) return tooBig(rel);
  return fs.readFile(file, 'utf8');
}

const tooBig = (name: string): never => {
  throw invalid('BERTH_BUILD_DOCKERFILE_TOO_BIG', `Dockerfile ${name} is larger than ${MAX_DOCKERFILE} bytes`);
};

interface Received {
  index: ContextIndex;
  spool: ContextSpool;
  /** Contents of the `wanted` files (up to MAX_DOCKERFILE + 1 bytes each). */
  kept: Map<string, Buffer>;
}

/** One pass over the upload: spool the bytes, index the entries, hash the files, keep the wanted ones. */
async function receive(source: Readable, dir: string, wanted: Set<string>): Promise<Received> {
  const index = new ContextIndex();
  const spool = new ContextSpool(path.join(dir, 'context.tar'));
  const kept = new Map<string, Buffer>();
  const { Parser } = await import('tar');
  const parser = new Parser({
    strict: false,
    onReadEntry: (entry: ReadEntry) => indexEntry(index, kept, wanted, entry),
    onwarn: (code: string, message: string | Error) => {
      if (code !== 'TAR_ENTRY_INFO') index.unsupported ??= `${code}: ${String(message)}`;
    },
  });
  const closed = new Promise<void>((resolve) => {
    parser.on('close', resolve);
    parser.on('error', (err: Error) => {
      index.unsupported ??= err.message;
      resolve();
    });
  });
  for await (const chunk of decompressed(source)) {
    await spool.write(chunk);
    if (!index.unsupported && !parser.write(chunk)) await Promise.race([once(parser, 'drain'), closed]);
  }
  parser.end();
  await closed;
  await spool.finish();
  return { index, spool, kept };
}

function indexEntry(index: ContextIndex, kept: Map<string, Buffer>, wanted: Set<string>, entry: ReadEntry): void {
  const rel = index.add({ path: entry.path, type: entry.type, mode: entry.mode ?? 0, ...(entry.linkpath ? { linkpath: entry.linkpath } : {}) });
  if (rel === null) {
    entry.resume();
    return;
  }
  const hash = createHash('sha256');
  const keep: Buffer[] | null = wanted.has(rel) ? [] : null;
  let size = 0;
  entry.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    if (keep && size <= MAX_DOCKERFILE) keep.push(chunk);
    size += chunk.length;
  });
  entry.on('end', () => {
    index.setDigest(rel, hash.digest('hex'), size);
    if (keep) kept.set(rel, Buffer.concat(keep));
  });
}

/** The Dockerfile text (`name` relative to the context; '' = "Dockerfile", as Docker also tries "dockerfile"). */
export async function readDockerfile(ctx: BuildContextDir, name: string): Promise<string> {
  for (const c of dockerfileCandidates(name)) {
    const rel = cleanName(c);
    if (rel.startsWith('..')) throw invalid('BERTH_BUILD_DOCKERFILE_OUTSIDE', `Forbidden path outside the build context: ${c}`);
    const text = await ctx.readSmallFile(indexPath(rel) ?? rel);
    if (text === null) continue;
    if (Buffer.byteLength(text) > MAX_DOCKERFILE) tooBig(c);
    return text;
  }
  const shown = name || 'Dockerfile';
  throw invalid('BERTH_BUILD_NO_DOCKERFILE', `Cannot locate specified Dockerfile: ${shown}`);
}
