/**
 * The state of a build in progress and the one way a step turns into an
 * image: through the cache (parent image + instruction text + content
 * checksum → image) or through a commit on the same path as `docker commit`.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type pino from 'pino';
import type { BuildCacheRepo } from '../../db/build-cache-repo.js';
import type { BuildMessage, BuildOptions } from '../api.js';
import type { ImageService } from '../images/service.js';
import type { ImageRecord, ImageRuntimeConfig } from '../images/types.js';
import type { BuildContextDir } from './context-dir.js';
import type { StepContainerDeps } from './step-containers.js';

export interface BuilderDeps extends StepContainerDeps {
  images: ImageService;
  cache: BuildCacheRepo;
  /** `<dataRoot>/build`: contexts are extracted under it. */
  buildRoot: string;
  log: pino.Logger;
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
  /** The image a `COPY --from` value names: a built stage, else a local image. */
  fromSource(ref: string): ImageRecord;
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

/** A cached child of the stage's image for this step, or undefined. Emits " ---> Using cache" on a hit. */
export function probeCache(run: BuildRun, st: StageState, key: string): boolean {
  if (run.opts.noCache || st.image.id === '') return false;
  const id = run.deps.cache.get(key);
  if (!id) return false;
  let image: ImageRecord;
  try {
    image = run.deps.images.resolve(id);
  } catch {
    return false;
  }
  run.emit({ stream: ' ---> Using cache\n' });
  st.image = image;
  st.config = image.config;
  return true;
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
