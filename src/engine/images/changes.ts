/**
 * `--change` for import and commit: a few Dockerfile instructions applied to
 * an image's runtime config. Pure: the input config is never mutated.
 *
 * Accepted (case-insensitive): CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL,
 * EXPOSE, VOLUME, STOPSIGNAL; ONBUILD is accepted and ignored (berth does
 * not record triggers). Anything else: invalid-parameter
 * "<instr> is not a valid change command" (Docker's text, lowercased
 * instruction). Each entry holds one instruction; blank entries are skipped.
 * No variable substitution is done.
 */
import type { ImageRuntimeConfig } from '../model/image.js';
import { invalid } from '../errors.js';

type Handler = (config: ImageRuntimeConfig, args: string) => void;

const bad = (message: string) => invalid('BERTH_IMAGE_BAD_CHANGE', message);

/** Returns a new config with every change applied in order. */
export function applyChanges(config: ImageRuntimeConfig, changes: string[]): ImageRuntimeConfig {
  const out = cloneConfig(config);
  for (const raw of changes) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+)\s*([\s\S]*)$/.exec(line)!;
    const instr = m[1].toLowerCase();
    const handler = HANDLERS[instr];
    if (!handler) throw bad(`${instr} is not a valid change command`);
    handler(out, m[2].trim());
  }
  return out;
}

/** An empty runtime config (what an imported image starts from). */
export function emptyRuntimeConfig(): ImageRuntimeConfig {
  return { cmd: null, entrypoint: null, env: [], workingDir: '', user: '', labels: {}, exposedPorts: [], stopSignal: '', volumes: [] };
}

function cloneConfig(c: ImageRuntimeConfig): ImageRuntimeConfig {
  return {
    ...c,
    cmd: c.cmd ? [...c.cmd] : null,
    entrypoint: c.entrypoint ? [...c.entrypoint] : null,
    env: [...c.env],
    labels: { ...c.labels },
    exposedPorts: [...c.exposedPorts],
    volumes: [...c.volumes],
    ...(c.onBuild ? { onBuild: [...c.onBuild] } : {}),
    ...(c.shell ? { shell: [...c.shell] } : {}),
  };
}

const HANDLERS: Record<string, Handler> = {
  cmd: (c, args) => {
    c.cmd = commandForm(args, 'CMD');
  },
  entrypoint: (c, args) => {
    c.entrypoint = commandForm(args, 'ENTRYPOINT');
  },
  env: (c, args) => {
    for (const [k, v] of nameValuePairs(args, 'ENV')) setEnv(c.env, k, v);
  },
  label: (c, args) => {
    for (const [k, v] of nameValuePairs(args, 'LABEL')) c.labels[k] = v;
  },
  workdir: (c, args) => {
    c.workingDir = joinWorkdir(c.workingDir, requireOne(args, 'WORKDIR'));
  },
  user: (c, args) => {
    c.user = requireOne(args, 'USER');
  },
  stopsignal: (c, args) => {
    c.stopSignal = requireOne(args, 'STOPSIGNAL');
  },
  expose: (c, args) => {
    for (const p of listForm(args, 'EXPOSE').flatMap(parsePortSpec)) addUnique(c.exposedPorts, p);
  },
  volume: (c, args) => {
    for (const v of listForm(args, 'VOLUME')) addUnique(c.volumes, v);
  },
  onbuild: () => {},
};

/** JSON array form (exec) or shell form → ["/bin/sh", "-c", text]. */
function commandForm(args: string, instr: string): string[] {
  const json = jsonArray(args);
  if (json) return json;
  if (args === '') throw bad(`${instr} requires at least one argument`);
  return ['/bin/sh', '-c', args];
}

/** A JSON array of strings, or null when `args` is not one. */
function jsonArray(args: string): string[] | null {
  if (!args.startsWith('[')) return null;
  try {
    const v: unknown = JSON.parse(args);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    // Docker falls back to the shell form when the JSON does not parse.
  }
  return null;
}

/** VOLUME/EXPOSE: a JSON array or whitespace-separated words. */
function listForm(args: string, instr: string): string[] {
  const items = jsonArray(args) ?? splitWords(args).map(unquote);
  const clean = items.map((s) => s.trim()).filter((s) => s !== '');
  if (clean.length === 0) throw bad(`${instr} requires at least one argument`);
  return clean;
}

function requireOne(args: string, instr: string): string {
  const words = splitWords(args);
  if (words.length !== 1) throw bad(`${instr} requires exactly one argument`);
  return unquote(words[0]);
}

/**
 * `K=V K2="v 2"` pairs, or the legacy `K rest of line` form (one pair, the
 * value is the rest of the line with quotes removed).
 */
export function nameValuePairs(args: string, instr: string): Array<[string, string]> {
  const words = splitWords(args);
  if (words.length === 0) throw bad(`${instr} requires at least one argument`);
  if (!words[0].includes('=')) {
    if (words.length < 2) throw bad(`${instr} must have two arguments`);
    const rest = args.slice(args.indexOf(words[0]) + words[0].length).trim();
    return [[unquote(words[0]), unquote(rest)]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq < 0) throw bad(`Syntax error - can't find = in "${w}". Must be of the form: name=value`);
    const key = unquote(w.slice(0, eq));
    if (key === '') throw bad(`${instr} names can not be blank`);
    return [key, unquote(w.slice(eq + 1))] as [string, string];
  });
}

/** Splits on whitespace outside quotes; quotes and escapes are kept for unquote(). */
export function splitWords(s: string): string[] {
  const words: string[] = [];
  let cur = '';
  let quote = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quote === '' && /\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    inWord = true;
    cur += ch;
    if (ch === '\\' && quote !== "'" && i + 1 < s.length) cur += s[++i];
    else if (quote === '' && (ch === '"' || ch === "'")) quote = ch;
    else if (ch === quote) quote = '';
  }
  if (quote !== '') throw bad(`unexpected end of statement while looking for matching ${quote}`);
  if (inWord) words.push(cur);
  return words;
}

/** Removes shell quotes: '…' literal, "…" with \-escapes, bare \x → x. */
export function unquote(s: string): string {
  let out = '';
  let quote = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\' && quote !== "'" && i + 1 < s.length) out += s[++i];
    else if (quote === '' && (ch === '"' || ch === "'")) quote = ch;
    else if (ch === quote) quote = '';
    else out += ch;
  }
  return out;
}

function setEnv(env: string[], key: string, value: string): void {
  const entry = `${key}=${value}`;
  const i = env.findIndex((e) => e === key || e.startsWith(`${key}=`));
  if (i >= 0) env[i] = entry;
  else env.push(entry);
}

function joinWorkdir(current: string, next: string): string {
  if (next.startsWith('/')) return next;
  return `${current.replace(/\/+$/, '') || ''}/${next}`;
}

function addUnique(list: string[], v: string): void {
  if (!list.includes(v)) list.push(v);
}

const MAX_PORT_RANGE = 65535;

/** `80`, `80/tcp`, `53/UDP`, `8000-8002/tcp` → ["8000/tcp", …]. */
export function parsePortSpec(spec: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/([a-zA-Z]+))?$/.exec(spec);
  if (!m) throw bad(`Invalid containerPort: ${spec}`);
  const proto = (m[3] ?? 'tcp').toLowerCase();
  if (!['tcp', 'udp', 'sctp'].includes(proto)) throw bad(`Invalid proto: ${m[3]}`);
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (start < 1 || end > MAX_PORT_RANGE || end < start) throw bad(`Invalid containerPort: ${spec}`);
  const out: string[] = [];
  for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
  return out;
}
