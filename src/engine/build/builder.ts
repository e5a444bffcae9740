/**
 * `POST /build`: the classic builder's driver. The context is extracted and
 * the Dockerfile parsed before anything is streamed (so those errors are
 * plain API errors); then the needed stages run step by step, each step's
 * image becoming the parent of the next, and the result is tagged.
 *
 * Stream, as dockerd's classic builder writes it:
 *   Step N/M : <instruction>
 *    ---> Using cache | ---> Running in <ctr> … Removing intermediate container <ctr>
 *    ---> <image>
 *   (the image ID: aux)  Successfully built <image>  Successfully tagged <ref>
 * A failure ends the stream with an error message; nothing is tagged; step
 * containers are removed when `forcerm` (a failed one is kept otherwise,
 * as Docker does, for inspection).
 */
import type { BuildApi, BuildMessage, BuildOptions } from '../api.js';
import { isEngineError, invalid } from '../errors.js';
import { goArch } from '../images/image-config.js';
import { familiarReference, parseReference } from '../model/reference.js';
import type { ImageRecord } from '../model/image.js';
import { cacheSourcesOf, DEFAULT_PATH, scratchImage, shortId, type BuildRun, type BuilderDeps, type StageState } from './build-state.js';
import { baseImage, buildPlatform } from './base-image.js';
import { cachePruneSelector } from './cache-prune.js';
import { extractContext, readDockerfile, type BuildContextDir } from './context-dir.js';
import { expandWord, lookupFrom } from './dockerfile/expand.js';
import { parseDockerfile, parseInstruction, type Instruction } from './dockerfile/parser.js';
import { neededStages, splitStages, stageBase, stageByRef, targetStage, type Stage, type StagePlan } from './dockerfile/stages.js';
import { dispatch, removeIntermediate, StepFailure } from './steps.js';
import { PROXY_ARGS } from './build-state.js';

interface Prepared {
  ctx: BuildContextDir;
  plan: StagePlan;
  escape: string;
  target: Stage;
  needed: Set<number>;
  metaArgs: Map<string, string | undefined>;
  tags: Array<{ repo: string; tag: string; ref: string }>;
  total: number;
  platform: string;
}

/** Docker's `t` values → repo/tag pairs; a bad one is invalid-parameter before anything runs. */
function parseTags(tags: string[]): Prepared['tags'] {
  return tags.map((t) => {
    const p = parseReference(t);
    if (p.digest) throw invalid('BERTH_BUILD_BAD_TAG', `invalid reference format: ${t}`);
    const repo = `${p.domain}/${p.path}`;
    return { repo, tag: p.tag || 'latest', ref: `${repo}:${p.tag || 'latest'}` };
  });
}

function metaArgValues(plan: StagePlan, opts: BuildOptions, escape: string): Map<string, string | undefined> {
  const meta = new Map<string, string | undefined>();
  for (const ins of plan.metaArgs) {
    const eq = ins.args.indexOf('=');
    const name = (eq < 0 ? ins.args : ins.args.slice(0, eq)).trim();
    const given = opts.buildArgs[name];
    const vars = lookupFrom([], Object.fromEntries([...meta].filter(([, v]) => v !== undefined)) as Record<string, string>);
    meta.set(name, given !== undefined && given !== null ? given : eq < 0 ? undefined : expandWord(ins.args.slice(eq + 1).trim(), vars, escape));
  }
  return meta;
}

async function prepare(deps: BuilderDeps, opts: BuildOptions): Promise<Prepared> {
  const tags = parseTags(opts.tags);
  const platform = buildPlatform(opts.platform);
  const ctx = await extractContext(deps.buildRoot, opts.context, opts.dockerfile);
  // Without the cache every COPY writes its files: extract while the first steps run.
  if (opts.noCache) ctx.materialize().catch(() => {});
  try {
    const df = parseDockerfile(await readDockerfile(ctx, opts.dockerfile));
    const labels = Object.entries(opts.labels);
    if (labels.length) {
      // Docker appends the --label values as one more LABEL instruction.
      const text = `LABEL ${labels.map(([k, v]) => `${JSON.stringify(k)}='${v}'`).join(' ')}`;
      df.instructions.push(parseInstruction(text, df.instructions.length + 1));
    }
    const plan = splitStages(df);
    const target = targetStage(plan, opts.target);
    const metaArgs = metaArgValues(plan, opts, df.escape);
    const metaLookup = lookupFrom([], Object.fromEntries([...metaArgs].filter(([, v]) => v !== undefined)) as Record<string, string>);
    const needed = neededStages(plan, target, metaLookup, df.escape);
    return { ctx, plan, escape: df.escape, target, needed, metaArgs, tags, total: df.instructions.length, platform };
  } catch (err) {
    await ctx.remove();
    throw err;
  }
}

export function createBuildApi(deps: BuilderDeps): BuildApi {
  return {
    async build(opts) {
      const prepared = await prepare(deps, opts);
      return { messages: runBuild(deps, opts, prepared) };
    },
    async prune(opts) {
      const selected = cachePruneSelector(opts, Date.now());
      const keys = deps.cache
        .list()
        .filter(selected)
        .map((l) => l.key);
      deps.cache.forget(keys);
      deps.log.info({ links: keys.length }, 'build cache links removed');
      // Links take no bytes of their own: their images are reclaimed by image prune.
      return { cachesDeleted: keys, spaceReclaimed: 0 };
    },
  };
}

/** The build as a stream of messages; the context dir is removed when it ends (or is abandoned). */
async function* runBuild(deps: BuilderDeps, opts: BuildOptions, p: Prepared): AsyncGenerator<BuildMessage> {
  const queue: BuildMessage[] = [];
  let wake: (() => void) | null = null;
  // Quiet (q=1): dockerd holds the progress back and shows it only when the build fails.
  const held: BuildMessage[] = [];
  const emitFinal = (m: BuildMessage) => {
    if ('error' in m) queue.push(...held.splice(0));
    queue.push(m);
    wake?.();
  };
  const emit = (m: BuildMessage) => {
    if (opts.quiet && !('error' in m)) held.push(m);
    else emitFinal(m);
  };
  const run: BuildRun = {
    deps,
    opts,
    ctx: p.ctx,
    escape: p.escape,
    emit,
    emitFinal,
    stageImages: new Map(),
    consumed: new Set(),
    pendingContainers: new Set(),
    metaArgs: p.metaArgs,
    fromSource: (ref) => fromSource(run, p.plan, ref),
    cancelled: false,
    platform: p.platform,
    cacheSources: cacheSourcesOf(deps.images, opts.cacheFrom, deps.log),
    aborts: new Set(),
  };
  let finished = false;
  const work = executeStages(run, p).finally(() => {
    finished = true;
    wake?.();
  });
  try {
    for (;;) {
      while (queue.length) yield queue.shift()!;
      if (finished) break;
      await new Promise<void>((r) => {
        wake = r;
      });
      wake = null;
    }
    await work;
    while (queue.length) yield queue.shift()!;
  } finally {
    if (!finished) {
      // The client went away: no further step starts, and a running RUN is killed.
      run.cancelled = true;
      for (const a of run.aborts) a.abort();
      for (const id of run.pendingContainers) await deps.containers.kill(id, 'KILL').catch(() => {});
    }
    await work.catch(() => {});
    await cleanupContainers(run);
    await p.ctx.remove();
  }
}

async function cleanupContainers(run: BuildRun): Promise<void> {
  if (!run.opts.forceRm && !(run.opts.rm && run.cancelled)) return;
  for (const id of [...run.pendingContainers]) {
    // rm alone keeps a failed step's container (Docker: for inspection); forcerm, or a cancelled build, removes it.
    await removeIntermediate(run, id).catch((err: unknown) => run.deps.log.warn({ err, id }, 'removing a build container failed'));
  }
}

async function fromSource(run: BuildRun, plan: StagePlan, ref: string): Promise<ImageRecord> {
  const current = Math.max(-1, ...run.stageImages.keys()) + 1;
  const stage = stageByRef(plan, ref, plan.stages.length);
  if (stage) {
    const img = run.stageImages.get(stage.index);
    if (!img) throw invalid('BERTH_BUILD_BAD_FROM', `invalid from flag value ${ref}: stage not built (${current})`);
    return img;
  }
  return baseImage(run, ref);
}

async function executeStages(run: BuildRun, p: Prepared): Promise<void> {
  try {
    let step = 0;
    const say = (ins: Instruction) => run.emit({ stream: `Step ${++step}/${p.total} : ${ins.original}\n` });
    for (const ins of p.plan.metaArgs) say(ins);
    let last: ImageRecord | undefined;
    for (const stage of p.plan.stages) {
      if (!p.needed.has(stage.index) || stage.index > p.target.index) {
        step += 1 + stage.instructions.length;
        continue;
      }
      say(stage.from);
      const st = await startStage(run, p, stage);
      run.emit({ stream: ` ---> ${st.image.id ? shortId(st.image.id) : 'scratch'}\n`.replace(' ---> scratch\n', ' ---> \n') });
      await runTriggers(run, st);
      for (const ins of stage.instructions) {
        if (run.cancelled) throw invalid('BERTH_BUILD_CANCELLED', 'the build was cancelled');
        say(ins);
        await dispatch(run, st, ins);
        run.emit({ stream: ` ---> ${shortId(st.image.id)}\n` });
      }
      run.stageImages.set(stage.index, st.image);
      last = st.image;
      if (stage.index === p.target.index) break;
    }
    if (!last?.id) throw invalid('BERTH_BUILD_NO_IMAGE', 'No image was generated. Is your Dockerfile empty?');
    await finish(run, p, last);
  } catch (err) {
    const code = err instanceof StepFailure ? err.code : 0;
    const message = isEngineError(err) || err instanceof StepFailure ? err.message : `berth: ${(err as Error).message}`;
    if (!isEngineError(err) && !(err instanceof StepFailure)) run.deps.log.error({ err }, 'build failed');
    await cleanupContainers(run);
    run.emit({ error: message, code });
  }
}

async function startStage(run: BuildRun, p: Prepared, stage: Stage): Promise<StageState> {
  const meta = lookupFrom([], Object.fromEntries([...p.metaArgs].filter(([, v]) => v !== undefined)) as Record<string, string>);
  const base = stageBase(stage, meta, p.escape);
  const fromStage = stageByRef(p.plan, base, stage.index);
  let image: ImageRecord;
  if (fromStage) image = run.stageImages.get(fromStage.index)!;
  else if (base.toLowerCase() === 'scratch') image = scratchImage(goArch());
  else image = await baseImage(run, base);
  const config = { ...image.config, env: [...image.config.env] };
  if (!config.env.some((e) => e.startsWith('PATH='))) config.env.unshift(DEFAULT_PATH);
  for (const name of p.metaArgs.keys()) run.consumed.add(name);
  return { image, config, args: new Map(), author: '' };
}

/** ONBUILD triggers of the base run right after FROM, then are dropped from the config. */
async function runTriggers(run: BuildRun, st: StageState): Promise<void> {
  const triggers = st.config.onBuild ?? [];
  st.config = { ...st.config, onBuild: [] };
  if (triggers.length === 0) return;
  run.emit({ stream: `# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}\n` });
  for (const t of triggers) await dispatch(run, st, parseInstruction(t, 0));
}

async function finish(run: BuildRun, p: Prepared, image: ImageRecord): Promise<void> {
  const unused = Object.keys(run.opts.buildArgs)
    .filter((k) => !run.consumed.has(k) && !PROXY_ARGS.has(k))
    .sort();
  if (unused.length) run.emit({ stream: `[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n` });
  for (const t of p.tags) await run.deps.images.tag(image.id, t.repo, t.tag);
  if (run.opts.quiet) {
    run.emitFinal({ stream: `${image.id}\n` });
    return;
  }
  run.emit({ imageId: image.id });
  run.emit({ stream: `Successfully built ${shortId(image.id)}\n` });
  for (const t of p.tags) run.emit({ stream: `Successfully tagged ${familiarReference(t.ref)}\n` });
}
