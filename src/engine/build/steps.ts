/**
 * One Dockerfile instruction of a stage (after FROM) → cache probe, then
 * the work: RUN in a container, COPY/ADD and WORKDIR into a rootfs
 * container, everything else a config change with an empty layer.
 * History texts are the classic builder's (`<shell> #(nop)  CMD [...]`,
 * `|1 V=2 /bin/sh -c …`, `#(nop) COPY file:<sum> in /dst `).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { invalid } from '../errors.js';
import { resolveUser } from '../container-root/user.js';
import { splitWords } from '../images/changes.js';
import { applyConfigStep, commandOf } from './config-steps.js';
import { copyInto, destinationOf, mkdirInRoot } from './copy-into.js';
import { resolveSources, sourcesChecksum, type CopySource } from './copy-sources.js';
import { expandWord, expandWords, lookupFrom, type VarLookup } from './dockerfile/expand.js';
import { checkFlags, type Instruction } from './dockerfile/parser.js';
import { fetchUrlSource, isUrl } from './remote-source.js';
import { diskTree } from './source-tree.js';
import { cacheKey, commitStep, probeCache, PROXY_ARGS, shortId, type BuildRun, type StageState } from './build-state.js';
import { removeStepContainer, runSettings, runToExit, stepContainerOptions, withRootfs } from './step-containers.js';

const shellOf = (st: StageState) => (st.config.shell?.length ? st.config.shell : ['/bin/sh', '-c']);

/** Variables for word expansion: declared ARGs with values, then ENV (ENV wins). */
export function stageVars(st: StageState): VarLookup {
  const args: Record<string, string> = {};
  for (const [k, v] of st.args) if (v !== undefined) args[k] = v;
  return lookupFrom(st.config.env, args);
}

/** `K=V` of build args a RUN sees: declared with a value and not shadowed by ENV, sorted; plus given proxy args. */
function runArgs(run: BuildRun, st: StageState): { history: string[]; env: string[] } {
  const envKeys = new Set(st.config.env.map((e) => e.split('=')[0]));
  const history = [...st.args]
    .filter(([k, v]) => v !== undefined && !envKeys.has(k))
    .map(([k, v]) => `${k}=${v}`)
    .sort();
  const proxies = Object.entries(run.opts.buildArgs)
    .filter(([k, v]) => PROXY_ARGS.has(k) && v !== null && !st.args.has(k))
    .map(([k, v]) => `${k}=${v}`);
  return { history, env: [...history, ...proxies] };
}

export async function dispatch(run: BuildRun, st: StageState, ins: Instruction): Promise<void> {
  switch (ins.name) {
    case 'run':
      return runStep(run, st, ins);
    case 'copy':
    case 'add':
      return copyStep(run, st, ins);
    case 'workdir':
      return workdirStep(run, st, ins);
    case 'arg':
      return argStep(run, st, ins);
    default:
      return configStep(run, st, ins);
  }
}

async function configStep(run: BuildRun, st: StageState, ins: Instruction): Promise<void> {
  const step = applyConfigStep(ins, st.config, stageVars(st), run.escape);
  const createdBy = `${shellOf({ ...st, config: step.config }).join(' ')} #(nop)  ${step.text}`;
  const key = cacheKey(st.image.id, createdBy, JSON.stringify(step.config));
  if (step.author !== undefined) st.author = step.author;
  if (probeCache(run, st, key, createdBy)) return;
  await commitStep(run, st, { key, createdBy, config: step.config, layer: null });
}

async function argStep(run: BuildRun, st: StageState, ins: Instruction): Promise<void> {
  checkFlags(ins, []);
  const vars = stageVars(st);
  for (const word of splitWords(ins.args)) {
    const eq = word.indexOf('=');
    const name = eq < 0 ? word : word.slice(0, eq);
    const dflt = eq < 0 ? undefined : expandWord(word.slice(eq + 1), vars, run.escape);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw invalid('BERTH_BUILD_BAD_INSTRUCTION', `invalid ARG name: ${name}`);
    const given = run.opts.buildArgs[name];
    run.consumed.add(name);
    st.args.set(name, given !== undefined && given !== null ? given : (dflt ?? run.metaArgs.get(name)));
  }
  if (!ins.args.trim()) throw invalid('BERTH_BUILD_BAD_INSTRUCTION', 'ARG requires exactly one argument');
  const createdBy = `${shellOf(st).join(' ')} #(nop)  ARG ${ins.args}`;
  const key = cacheKey(st.image.id, createdBy);
  if (probeCache(run, st, key, createdBy)) return;
  await commitStep(run, st, { key, createdBy, config: st.config, layer: null });
}

async function runStep(run: BuildRun, st: StageState, ins: Instruction): Promise<void> {
  checkFlags(ins, []);
  const cmd = commandOf(ins, shellOf(st));
  const args = runArgs(run, st);
  const createdBy = `${args.history.length ? `|${args.history.length} ${args.history.join(' ')} ` : ''}${cmd.join(' ')}`;
  const key = cacheKey(st.image.id, createdBy);
  if (probeCache(run, st, key, createdBy)) return;
  const env = [...st.config.env, ...args.env];
  const { id } = await run.deps.containers.create(stepContainerOptions(st.image.id, st.config, cmd, env, runSettings(run.opts)));
  run.pendingContainers.add(id);
  run.emit({ stream: ` ---> Running in ${shortId(id)}\n` });
  const code = await runToExit(run.deps, id, (text) => run.emit({ stream: text }));
  if (code !== 0) {
    throw new StepFailure(`The command '${cmd.join(' ')}' returned a non-zero code: ${code}`, code);
  }
  await commitStep(run, st, { key, createdBy, config: st.config, layer: await run.deps.containerLayer(id) });
  if (run.opts.rm) await removeIntermediate(run, id);
}

/** Removes a finished step container with Docker's message. */
export async function removeIntermediate(run: BuildRun, id: string): Promise<void> {
  run.emit({ stream: `Removing intermediate container ${shortId(id)}\n` });
  await removeStepContainer(run.deps, id);
  run.pendingContainers.delete(id);
}

/** A failed step: `code` is the command's exit code (errorDetail.code). */
export class StepFailure extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/** `COPY <srcs…> <dest>` words, from the JSON or the shell form. */
function copyWords(run: BuildRun, st: StageState, ins: Instruction): { srcs: string[]; dest: string } {
  const vars = stageVars(st);
  const words = ins.json
    ? ins.json.map((w) =>
        expandWord(
          w.replace(/["'\\`]/g, (c) => run.escape + c),
          vars,
          run.escape,
        ),
      )
    : expandWords(ins.args, vars, run.escape);
  if (words.length < 2)
    throw invalid(
      'BERTH_BUILD_BAD_INSTRUCTION',
      `${ins.name.toUpperCase()} requires at least two arguments, but only one was provided. Destination could not be determined.`,
    );
  return { srcs: words.slice(0, -1), dest: words[words.length - 1] };
}

async function copyStep(run: BuildRun, st: StageState, ins: Instruction): Promise<void> {
  if (ins.flags.chmod !== undefined)
    throw invalid(
      'BERTH_BUILD_CHMOD',
      'the --chmod option requires BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit enabled',
    );
  checkFlags(ins, ins.name === 'copy' ? ['chown', 'from'] : ['chown']);
  const instr = ins.name.toUpperCase();
  const { srcs, dest } = copyWords(run, st, ins);
  const from = ins.flags.from ? await run.fromSource(expandWord(ins.flags.from, stageVars(st), run.escape)) : null;
  const isAdd = ins.name === 'add';
  const local = srcs.filter((s) => !(isAdd && isUrl(s)));
  const remote = isAdd ? srcs.filter(isUrl) : [];
  const temps: string[] = [];
  try {
    const sources: CopySource[] = [];
    const ignored = from ? undefined : run.ctx.ignored;
    if (local.length) {
      if (from) sources.push(...(await withRootfs(run.deps, from.id, from.config, (root) => readFromRoot(run, root, local, instr, temps))));
      else sources.push(...(await resolveSources(run.ctx.tree, null, local, instr, ignored)));
    }
    if (remote.length) temps.push(await fs.mkdtemp(path.join(run.deps.buildRoot, 'url-')));
    for (const url of remote) sources.push(await fetchUrlSource(url, temps[temps.length - 1]));
    const sum = await sourcesChecksum(sources, ignored);
    const kind = sources.length > 1 ? 'multi' : sources[0].isDir ? 'dir' : 'file';
    const destination = destinationOf(dest, st.config.workingDir);
    const createdBy = `${shellOf(st).join(' ')} #(nop) ${instr} ${kind}:${sum} in ${dest} `;
    const key = cacheKey(st.image.id, createdBy, `${ins.flags.chown ?? ''}|${ins.flags.from ?? ''}|${destination.path}`);
    if (probeCache(run, st, key, createdBy)) return;
    const onDisk = await sourcesOnDisk(run, sources);
    await withRootfs(run.deps, st.image.id, st.config, async (root, id) => {
      const owner = ins.flags.chown ? await resolveUser(root, expandWord(ins.flags.chown, stageVars(st), run.escape)) : { uid: 0, gid: 0 };
      await copyInto(root, onDisk, destination, { owner, extractArchives: isAdd, ...(ignored ? { ignored } : {}) });
      await commitStep(run, st, { key, createdBy, config: st.config, layer: await run.deps.containerLayer(id) });
    });
  } finally {
    for (const t of temps) await fs.rm(t, { recursive: true, force: true });
  }
}

/** Context sources found in the index get their host paths: the context is extracted now (once per build). */
async function sourcesOnDisk(run: BuildRun, sources: CopySource[]): Promise<CopySource[]> {
  if (sources.every((s) => s.abs)) return sources;
  const root = await run.ctx.materialize();
  return sources.map((s) => (s.abs ? s : { ...s, abs: s.at ? path.join(root, s.at) : root }));
}

/**
 * `COPY --from` sources are copied out of the other root into a temp dir
 * first: the helper container of that image is gone before the copy.
 */
async function readFromRoot(run: BuildRun, root: string, srcs: string[], instr: string, temps: string[]): Promise<CopySource[]> {
  const found = await resolveSources(diskTree(root), root, srcs, instr);
  const tmp = await fs.mkdtemp(path.join(run.deps.buildRoot, 'from-'));
  temps.push(tmp);
  return Promise.all(
    found.map(async (s, i) => {
      const to = path.join(tmp, String(i), path.posix.basename(s.rel || 'root'));
      await fs.mkdir(path.dirname(to), { recursive: true });
      await fs.cp(s.abs, to, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
      return { abs: to, rel: s.rel, isDir: s.isDir, tree: diskTree(path.dirname(to)), at: path.basename(to) };
    }),
  );
}

async function workdirStep(run: BuildRun, st: StageState, ins: Instruction): Promise<void> {
  checkFlags(ins, []);
  const words = expandWords(ins.args, stageVars(st), run.escape);
  if (words.length !== 1) throw invalid('BERTH_BUILD_BAD_INSTRUCTION', 'WORKDIR requires exactly one argument');
  const dir = destinationOf(words[0], st.config.workingDir).path;
  const config = { ...st.config, workingDir: dir };
  const createdBy = `${shellOf(st).join(' ')} #(nop) WORKDIR ${dir}`;
  const key = cacheKey(st.image.id, createdBy);
  if (probeCache(run, st, key, createdBy)) return;
  if (st.image.id === '') {
    await commitStep(run, st, { key, createdBy, config, layer: null });
    return;
  }
  await withRootfs(run.deps, st.image.id, st.config, async (root, id) => {
    await mkdirInRoot(root, dir, { uid: 0, gid: 0 });
    await commitStep(run, st, { key, createdBy, config, layer: await run.deps.containerLayer(id) });
  });
}
