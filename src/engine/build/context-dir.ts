/**
 * The build context on disk: the uploaded tar extracted (with the same safe
 * untar as image layers: `..` entries and writes through symlinks refused)
 * into `<dataRoot>/build/ctx-*`, removed after the build; its Dockerfile;
 * and its `.dockerignore` matcher (@balena/dockerignore, moby's rules).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import dockerignore from '@balena/dockerignore';
import { invalid } from '../errors.js';
import { untarLayer } from '../images/safe-untar.js';

export interface BuildContextDir {
  /** Real path of the extracted context. */
  root: string;
  /** True when `rel` (relative, '/'-separated, no leading ./) is excluded by .dockerignore. */
  ignored: (rel: string) => boolean;
  remove: () => Promise<void>;
}

/** Bytes of a Dockerfile berth reads at most. */
const MAX_DOCKERFILE = 4 * 1024 * 1024;

export async function extractContext(buildRoot: string, source: Readable): Promise<BuildContextDir> {
  await fs.mkdir(buildRoot, { recursive: true, mode: 0o700 });
  const dir = await fs.mkdtemp(path.join(buildRoot, 'ctx-'));
  const remove = () => fs.rm(dir, { recursive: true, force: true });
  try {
    await untarLayer(source, dir, { whiteouts: false, digest: false });
    const root = await fs.realpath(dir);
    const patterns = await fs.readFile(path.join(root, '.dockerignore'), 'utf8').catch(() => '');
    const matcher = dockerignore.default().add(
      patterns
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#')),
    );
    return { root, remove, ignored: (rel) => rel !== '' && rel !== '.' && matcher.ignores(rel) };
  } catch (err) {
    await remove();
    throw err;
  }
}

/** The Dockerfile text (`name` relative to the context; '' = "Dockerfile", as Docker also tries "dockerfile"). */
export async function readDockerfile(ctx: BuildContextDir, name: string): Promise<string> {
  const candidates = name ? [name] : ['Dockerfile', 'dockerfile'];
  for (const c of candidates) {
    const rel = path.posix.normalize(c.replace(/^\/+/, ''));
    if (rel.startsWith('..')) throw invalid('BERTH_BUILD_DOCKERFILE_OUTSIDE', `Forbidden path outside the build context: ${c}`);
    const file = path.join(ctx.root, rel);
    const st = await fs.stat(file).catch(() => null);
    if (!st?.isFile()) continue;
    if (st.size > MAX_DOCKERFILE) throw invalid('BERTH_BUILD_DOCKERFILE_TOO_BIG', `Dockerfile ${c} is larger than ${MAX_DOCKERFILE} bytes`);
    return fs.readFile(file, 'utf8');
  }
  const shown = name || 'Dockerfile';
  throw invalid('BERTH_BUILD_NO_DOCKERFILE', `Cannot locate specified Dockerfile: ${shown}`);
}
