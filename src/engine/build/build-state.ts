/**
 * The state of a build in progress and the one way a step turns into an
 * image: through the cache (parent image + instruction text + content
 * checksum → image) or through a commit on the same path as `docker commit`.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type pino from 'pino';
import type { BuildCacheRepo } from '../../db/build-cache-repo.js';
import type { BuildMessage, BuildOptions, PullOptions } from '../api.js';
import type { ImageService } from '../images/service.js';
import type { ImageRecord, ImageRuntimeConfig } from '../model/image.js';
import type { BuildContextDir } from './context-dir.js';
import type { StepContainerDeps } from './step-containers.js';

export interface BuilderDeps extends StepContainerDeps {
  images: ImageService;
  cache: BuildCacheRepo;
  /** `<dataRoot>/build`: contexts are extracted under it. */
  buildRoot: string;
  log: pino.Logger;
  /** The registry's pull (FROM images missing locally, or all with `pull`). */
  pull(opts: PullOptions): Promise<void>;
}

/** Per stage: the image so far, its config, and the ARGs declared in it. */
export interface StageState {
  image: ImageRecord;
  config: ImageRuntimeConfig;
  /** Declared ARG → value (undefined = declared without a value). */
  args: Map<string, string | undefined>;
  author: string;
}

export interface BuildRun {
  deps: BuilderDeps;
  opts: BuildOptions;
  ctx: BuildContextDir;
  escape: string;
  emit(msg: BuildMessage): void;
  /** Emits even in quiet mode (the result line; an error also releases what quiet mode held). */
  emitFinal(msg: BuildMessage): void;
  /** Final image of each built stage, by index. */
  stageImages: Map<number, ImageRecord>;
  /** Build args some ARG declared (for the "not consumed" warning). */
  consumed: Set<string>;
  /** Step containers still to remove when the build fails (forcerm). */
  pendingContainers: Set<string>;
  /** Meta ARGs (before the first FROM) with their values. */
  metaArgs: Map<string, string | undefined>;
  /** Set when the client left: no further step starts. */
  cancelled: boolean;
  /** The image a `COPY --from` value names: a built stage, else an image (pulled when missing). */
  fromSource(ref: string): Promise<ImageRecord>;
  /** "os/arch[/variant]" for pulls, '' = the host's (validated `platform`). */
  platform: string;
  /** With `cacheFrom`: the only images a cache hit may be (those images and their parents), by ID; null = any. */
  cacheSources: Map<string, ImageRecord> | null;
  /** Pulls in flight, aborted when the client goes away. */
  aborts: Set<AbortController>;
}

export const shortId = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

/** An image with no layer and an empty config: the parent of `FROM scratch`. */
export function scratchImage(architecture: string): ImageRecord {
  return {
    id: '',
    tags: [],
    repoDigests: [],
    created: new Date(0).toISOString(),
    architecture,
    os: 'linux',
    author: '',
    comment: '',
    config: { cmd: null, entrypoint: null, env: [], workingDir: '', user: '', labels: {}, exposedPorts: [], stopSignal: '', volumes: [] },
    diffIds: [],
    layerIds: [],
    history: [],
    size: 0,
    parent: '',
  };
}

/** The cache key of a step. Pure. */
export function cacheKey(parentId: string, createdBy: string, extra = ''): string {
  return createHash('sha256').update(`${parentId}\0${createdBy}\0${extra}`).digest('hex');
}

/**
 * A cached child of the stage's image for this step, or undefined. Emits
 * " ---> Using cache" on a hit. With `cacheFrom`, a link is a hit only when
 * it leads into the cache sources; failing that, a source image whose
 * parent is the stage's image and whose newest history entry is this step
 * is one (so a named image is found even when a later build replaced the link).
 */
export function probeCache(run: BuildRun, st: StageState, key: string, createdBy: string): boolean {
  if (run.opts.noCache || st.image.id === '') return false;
  const image = cachedImage(run, st, key, createdBy);
  if (!image) return false;
  run.emit({ stream: ' ---> Using cache\n' });
  st.image = image;
  st.config = image.config;
  return true;
}

function cachedImage(run: BuildRun, st: StageState, key: string, createdBy: string): ImageRecord | undefined {
  const sources = run.cacheSources;
  const id = run.deps.cache.get(key);
  if (id && (!sources || sources.has(id))) {
    try {
      return run.deps.images.resolve(id);
    } catch {
      // The image went away after the lookup.
    }
  }
  if (!sources) return undefined;
  for (const img of sources.values()) if (img.parent === st.image.id && img.history.at(-1)?.createdBy === createdBy) return img;
  return undefined;
}

/**
 * `cacheFrom` → the images a cache hit may be, by ID: each named image and
 * its parent chain (dockerd's classic builder: only those are cache sources).
 * A name that does not resolve is skipped, as dockerd skips it. Empty → null.
 */
export function cacheSourcesOf(images: Pick<ImageService, 'resolve'>, cacheFrom: string[], log: pino.Logger): Map<string, ImageRecord> | null {
  if (cacheFrom.length === 0) return null;
  const ids = new Map<string, ImageRecord>();
  for (const ref of cacheFrom) {
    let image: ImageRecord | undefined;
    try {
      image = images.resolve(ref);
    } catch {
      log.warn({ ref }, 'cache-from image not found; skipped');
    }
    while (image && !ids.has(image.id)) {
      ids.set(image.id, image);
      try {
        image = image.parent ? images.resolve(image.parent) : undefined;
      } catch {
        image = undefined;
      }
    }
  }
  return ids;
}

export interface StepCommit {
  key: string;
  createdBy: string;
  config: ImageRuntimeConfig;
  /** null = config only (empty_layer). */
  layer: Readable | null;
}

/** Commits a step's result as the stage's new image and records the cache link. */
export async function commitStep(run: BuildRun, st: StageState, c: StepCommit): Promise<void> {
  const { id } = await run.deps.images.commit({
    parent: st.image,
    layer: c.layer,
    emptyIfUnchanged: true,
    config: c.config,
    comment: '',
    author: st.author,
    createdBy: c.createdBy,
    tag: null,
  });
  run.deps.cache.put(c.key, id);
  st.image = run.deps.images.resolve(id);
  st.config = st.image.config;
}

/** The default PATH Docker's builder adds when the base image has none. */
export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Build args any stage may use without an ARG (and that never enter history). */
export const PROXY_ARGS = new Set([
  'HTTP_PROXY',
  'http_proxy',
  'HTTPS_PROXY',
  'https_proxy',
  'FTP_PROXY',
  'ftp_proxy',
  'NO_PROXY',
  'no_proxy',
  'ALL_PROXY',
  'all_proxy',
]);
