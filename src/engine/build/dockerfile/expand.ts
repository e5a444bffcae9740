/**
 * Docker's word processing for Dockerfile arguments (the shell lexer of the
 * builder): quotes are removed, escapes applied and variables expanded
 * against a map. Pure.
 *
 * - `'…'`: literal; `"…"`: variables expanded, the escape character only
 *   escapes `"`, `$` and itself; outside quotes the escape character makes
 *   the next character literal.
 * - `$NAME`, `${NAME}`, `${NAME:-word}` (word when unset or empty),
 *   `${NAME-word}` (when unset), `${NAME:+word}` (word when set and
 *   non-empty), `${NAME+word}` (when set), `${NAME:?msg}` / `${NAME?msg}`
 *   (error). A `$` not followed by a name or `{` is kept.
 * - Unset variables expand to ''.
 */
import { invalid } from '../../errors.js';

export type VarLookup = (name: string) => string | undefined;

/** Env list (`K=V`) → lookup; later entries win. */
export function lookupFrom(env: string[], args: Record<string, string> = {}): VarLookup {
  const map = new Map<string, string>(Object.entries(args));
  for (const e of env) {
    const i = e.indexOf('=');
    map.set(i < 0 ? e : e.slice(0, i), i < 0 ? '' : e.slice(i + 1));
  }
  return (name) => map.get(name);
}

class Lexer {
  i = 0;
  constructor(
    readonly s: string,
    readonly escape: string,
    readonly vars: VarLookup,
  ) {}
  peek(): string {
    return this.s[this.i] ?? '';
  }
  next(): string {
    return this.s[this.i++] ?? '';
  }
  done(): boolean {
    return this.i >= this.s.length;
  }
}

/** Expands one word (quotes removed). */
export function expandWord(word: string, vars: VarLookup, escape = '\\'): string {
  return readUntil(new Lexer(word, escape, vars), '');
}

/**
 * Splits on unquoted whitespace and expands each word (expansions never
 * split), as Docker does for COPY/ADD/VOLUME/EXPOSE arguments.
 */
export function expandWords(text: string, vars: VarLookup, escape = '\\'): string[] {
  const lx = new Lexer(text, escape, vars);
  const words: string[] = [];
  for (;;) {
    while (!lx.done() && /\s/.test(lx.peek())) lx.next();
    if (lx.done()) return words;
    words.push(readUntil(lx, 'space'));
  }
}

/** Reads until the end, a closing `}` (stop='}'), or unquoted whitespace (stop='space'). */
function readUntil(lx: Lexer, stop: '' | '}' | 'space'): string {
  let out = '';
  while (!lx.done()) {
    const ch = lx.peek();
    if (stop === '}' && ch === '}') break;
    if (stop === 'space' && /\s/.test(ch)) break;
    lx.next();
    if (ch === lx.escape) out += lx.done() ? ch : lx.next();
    else if (ch === "'") out += readSingle(lx);
    else if (ch === '"') out += readDouble(lx);
    else if (ch === '$') out += readVar(lx);
    else out += ch;
  }
  return out;
}

function readSingle(lx: Lexer): string {
  let out = '';
  while (!lx.done()) {
    const ch = lx.next();
    if (ch === "'") return out;
    out += ch;
  }
  throw invalid('BERTH_BUILD_BAD_WORD', 'unexpected end of statement while looking for matching single-quote');
}

function readDouble(lx: Lexer): string {
  let out = '';
  while (!lx.done()) {
    const ch = lx.next();
    if (ch === '"') return out;
    if (ch === '$') out += readVar(lx);
    else if (ch === lx.escape && ['"', '$', lx.escape].includes(lx.peek())) out += lx.next();
    else out += ch;
  }
  throw invalid('BERTH_BUILD_BAD_WORD', 'unexpected end of statement while looking for matching double-quote');
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

/** After a `$`: the expansion, or a literal `$`. */
function readVar(lx: Lexer): string {
  if (lx.peek() === '{') {
    lx.next();
    return readBraced(lx);
  }
  if (!NAME_START.test(lx.peek())) return '$';
  let name = '';
  while (!lx.done() && NAME_CHAR.test(lx.peek())) name += lx.next();
  return lx.vars(name) ?? '';
}

function readBraced(lx: Lexer): string {
  let name = '';
  while (!lx.done() && NAME_CHAR.test(lx.peek())) name += lx.next();
  if (name === '') throw invalid('BERTH_BUILD_BAD_SUBSTITUTION', `bad substitution: missing variable name`);
  let op = '';
  if (lx.peek() === ':') op += lx.next();
  if (lx.peek() !== '}') {
    const c = lx.next();
    if (!['-', '+', '?'].includes(c)) throw invalid('BERTH_BUILD_BAD_SUBSTITUTION', `unsupported modifier (${op}${c}) in substitution`);
    op += c;
  } else if (op === ':') {
    throw invalid('BERTH_BUILD_BAD_SUBSTITUTION', `bad substitution: \${${name}:}`);
  }
  const word = op ? readUntil(lx, '}') : '';
  if (lx.next() !== '}') throw invalid('BERTH_BUILD_BAD_SUBSTITUTION', `missing '}' in substitution of ${name}`);
  return applyModifier(name, op, word, lx.vars(name));
}

function applyModifier(name: string, op: string, word: string, value: string | undefined): string {
  const set = value !== undefined;
  const nonEmpty = set && value !== '';
  switch (op) {
    case '':
      return value ?? '';
    case ':-':
      return nonEmpty ? value : word;
    case '-':
      return set ? value : word;
    case ':+':
      return nonEmpty ? word : '';
    case '+':
      return set ? word : '';
    default: {
      const ok = op === ':?' ? nonEmpty : set;
      if (!ok) throw invalid('BERTH_BUILD_UNSET_VARIABLE', `${name}: ${word || 'is not allowed to be unset'}`);
      return value!;
    }
  }
}
