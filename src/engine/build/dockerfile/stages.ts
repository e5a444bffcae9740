/**
 * Instructions → build stages, and which stages a target needs. Pure.
 *
 * ARGs before the first FROM are "meta args": they are only visible to the
 * FROM lines (and to an `ARG NAME` without value inside a stage, which
 * takes the meta arg's value). A stage is named by `FROM x AS name` or by
 * its index.
 */
import { invalid } from '../../errors.js';
import { expandWord, type VarLookup } from './expand.js';
import type { Instruction, ParsedDockerfile } from './parser.js';

export interface Stage {
  index: number;
  /** Lower-cased `AS` name, '' when none. */
  name: string;
  /** The FROM instruction. */
  from: Instruction;
  /** The base as written (unexpanded). */
  baseRaw: string;
  instructions: Instruction[];
}

export interface StagePlan {
  metaArgs: Instruction[];
  stages: Stage[];
}

const bad = (message: string) => invalid('BERTH_BUILD_DOCKERFILE_PARSE', message);

export function splitStages(df: ParsedDockerfile): StagePlan {
  const metaArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const ins of df.instructions) {
    if (ins.name === 'from') {
      const words = ins.args.split(/\s+/).filter(Boolean);
      const named = words.length === 3 && words[1].toLowerCase() === 'as';
      if (words.length !== 1 && !named) throw bad(`dockerfile parse error line ${ins.line}: FROM requires either one or three arguments`);
      const name = named ? words[2].toLowerCase() : '';
      if (name && !/^[a-z][a-z0-9-_.]*$/.test(name))
        throw bad(`invalid name for build stage: "${words[2]}", name can't start with a number or contain symbols`);
      if (name && stages.some((s) => s.name === name)) throw bad(`duplicate name ${words[2]}`);
      stages.push({ index: stages.length, name, from: ins, baseRaw: words[0], instructions: [] });
    } else if (stages.length === 0) {
      if (ins.name !== 'arg') throw bad('no build stage in current context');
      metaArgs.push(ins);
    } else {
      stages[stages.length - 1].instructions.push(ins);
    }
  }
  if (stages.length === 0) throw bad('no build stage in current context');
  return { metaArgs, stages };
}

/** The stage `--target` names (by name, case-insensitive); '' = the last. */
export function targetStage(plan: StagePlan, target: string): Stage {
  if (!target) return plan.stages[plan.stages.length - 1];
  const s = plan.stages.find((st) => st.name === target.toLowerCase());
  if (!s) throw invalid('BERTH_BUILD_NO_TARGET', `failed to reach build target ${target} in Dockerfile`);
  return s;
}

/** A stage by the name or index a `FROM`/`COPY --from` gives, among stages before `before`; undefined = an image. */
export function stageByRef(plan: StagePlan, ref: string, before: number): Stage | undefined {
  const lower = ref.toLowerCase();
  const byName = plan.stages.find((s) => s.name !== '' && s.name === lower && s.index < before);
  if (byName) return byName;
  if (/^\d+$/.test(ref)) {
    const i = Number(ref);
    if (i >= before) throw bad(`invalid from flag value ${ref}: refers to current build stage`);
    return plan.stages[i];
  }
  return undefined;
}

/** The expanded base of a stage: meta args only. */
export function stageBase(stage: Stage, meta: VarLookup, escape: string): string {
  const base = expandWord(stage.baseRaw, meta, escape);
  if (!base) throw bad(`base name (${stage.baseRaw}) should not be blank`);
  return base;
}

/**
 * Indices of the stages needed for `target`: itself, its FROM-stage chain
 * and every `COPY --from` stage, transitively. `--from` values are expanded
 * with the meta args only (Docker does the same).
 */
export function neededStages(plan: StagePlan, target: Stage, meta: VarLookup, escape: string): Set<number> {
  const needed = new Set<number>();
  const visit = (s: Stage) => {
    if (needed.has(s.index)) return;
    needed.add(s.index);
    const base = stageByRef(plan, stageBase(s, meta, escape), s.index);
    if (base) visit(base);
    for (const ins of s.instructions) {
      const from = ins.flags.from;
      if ((ins.name === 'copy' || ins.name === 'add') && from) {
        const dep = stageByRef(plan, expandWord(from, meta, escape), s.index);
        if (dep) visit(dep);
      }
    }
  };
  visit(target);
  return needed;
}
