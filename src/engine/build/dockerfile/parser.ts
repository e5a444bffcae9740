/**
 * Dockerfile text → instructions, as the classic builder's parser does it.
 * Pure.
 *
 * berth's own parser, not an npm one: `dockerfile-ast` is an editor AST
 * (ranges, error recovery, vscode types) that neither reports Docker's parse
 * errors nor knows which forms the builder accepts, and `docker-file-parser`
 * has no escape directive and no flag parsing. What the builder needs is
 * small: directives, continuations, comments, flags, JSON forms.
 *
 * Rules (moby/buildkit frontend/dockerfile/parser, which the classic builder
 * also uses):
 * - parser directives (`# escape=\``, `# syntax=…`) only at the very top,
 *   before any instruction, blank line or other comment;
 * - a line ending (after trailing blanks) in the escape character continues
 *   onto the next; comment lines and blank lines inside a continuation are
 *   dropped;
 * - `--name=value` words right after the instruction are flags;
 * - unknown instruction → "dockerfile parse error line N: unknown instruction: X".
 */
import { invalid } from '../../errors.js';

export const INSTRUCTIONS = new Set([
  'add',
  'arg',
  'cmd',
  'copy',
  'entrypoint',
  'env',
  'expose',
  'from',
  'healthcheck',
  'label',
  'maintainer',
  'onbuild',
  'run',
  'shell',
  'stopsignal',
  'user',
  'volume',
  'workdir',
]);

/** Instructions whose arguments may be a JSON array (exec form). */
const JSON_FORMS = new Set(['add', 'cmd', 'copy', 'entrypoint', 'run', 'shell', 'volume']);

export interface Instruction {
  /** Lower-case name ("run"). */
  name: string;
  /** The instruction as written, continuations joined ("Step N/M : <original>"). */
  original: string;
  /** Arguments after the flags, trimmed, still unexpanded. */
  args: string;
  /** `--name=value` flags (a bare `--name` is "true"). */
  flags: Record<string, string>;
  /** The JSON array when the arguments are one (exec form). */
  json: string[] | null;
  /** 1-based line where the instruction starts. */
  line: number;
}

export interface ParsedDockerfile {
  escape: '\\' | '`';
  instructions: Instruction[];
}

const parseError = (line: number, message: string) => invalid('BERTH_BUILD_DOCKERFILE_PARSE', `dockerfile parse error line ${line}: ${message}`);

/** Parses a whole Dockerfile. Throws invalid-parameter with Docker's wording. */
export function parseDockerfile(text: string): ParsedDockerfile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const { escape, firstLine } = readDirectives(lines);
  const instructions: Instruction[] = [];
  let current = '';
  let start = 0;
  for (let i = firstLine; i < lines.length; i++) {
    const raw = lines[i];
    const trimmed = raw.trimStart();
    if (trimmed.startsWith('#')) continue;
    if (current === '' && trimmed.trim() === '') continue;
    if (current !== '' && trimmed.trim() === '') continue;
    if (current === '') start = i + 1;
    const { text: piece, continues } = splitContinuation(current === '' ? trimmed : raw, escape);
    current += piece;
    if (continues && i < lines.length - 1) continue;
    instructions.push(parseInstruction(current.trim(), start));
    current = '';
  }
  if (current.trim() !== '') instructions.push(parseInstruction(current.trim(), start));
  if (instructions.length === 0) throw invalid('BERTH_BUILD_DOCKERFILE_EMPTY', 'the Dockerfile cannot be empty');
  return { escape, instructions };
}

function readDirectives(lines: string[]): { escape: '\\' | '`'; firstLine: number } {
  let escape: '\\' | '`' = '\\';
  let i = 0;
  for (; i < lines.length; i++) {
    const m = /^\s*#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/.exec(lines[i]);
    if (!m) break;
    const key = m[1].toLowerCase();
    if (key === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`') throw invalid('BERTH_BUILD_DOCKERFILE_PARSE', `invalid escape token '${m[2]}' does not match ` + '` or \\');
      escape = m[2];
    } else if (key !== 'syntax') break;
  }
  return { escape, firstLine: i };
}

/** Removes a trailing escape character (continuation) from one physical line. */
function splitContinuation(line: string, escape: string): { text: string; continues: boolean } {
  const t = line.replace(/[ \t]+$/, '');
  if (t.endsWith(escape)) return { text: t.slice(0, -1), continues: true };
  return { text: line, continues: false };
}

/** One logical line → an Instruction. */
export function parseInstruction(text: string, line: number): Instruction {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(text)!;
  const name = m[1].toLowerCase();
  if (!INSTRUCTIONS.has(name)) throw parseError(line, `unknown instruction: ${m[1].toUpperCase()}`);
  const { flags, rest } = name === 'onbuild' ? { flags: {}, rest: m[2] } : readFlags(m[2]);
  const args = rest.trim();
  const json = JSON_FORMS.has(name) ? jsonArray(args) : null;
  return { name, original: text, args, flags, json, line };
}

function readFlags(s: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {};
  let rest = s;
  for (;;) {
    const m = /^--([a-zA-Z][a-zA-Z0-9-]*)(?:=(\S*))?(?:\s+|$)/.exec(rest);
    if (!m) break;
    flags[m[1].toLowerCase()] = m[2] ?? 'true';
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

/** A JSON array of strings, or null (Docker then takes the shell form). */
export function jsonArray(args: string): string[] | null {
  if (!args.startsWith('[')) return null;
  try {
    const v: unknown = JSON.parse(args);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    // not JSON: shell form
  }
  return null;
}

/** Throws Docker's "Unknown flag" error when `ins` has a flag outside `allowed`. */
export function checkFlags(ins: Instruction, allowed: string[]): void {
  for (const f of Object.keys(ins.flags)) {
    if (!allowed.includes(f)) throw parseError(ins.line, `Unknown flag: ${f}`);
  }
}
