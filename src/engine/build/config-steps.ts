/**
 * Instructions that change only the image config (ENV, LABEL, CMD, …):
 * each returns the new config and the history text the classic builder
 * writes (`<shell> #(nop)  <TEXT>`). Pure.
 */
import { invalid } from '../errors.js';
import { parsePortSpec, splitWords } from '../images/changes.js';
import type { HealthConfig as HealthcheckConfig } from '../model/container.js';
import type { ImageRuntimeConfig } from '../model/image.js';
import { expandWord, expandWords, type VarLookup } from './dockerfile/expand.js';
import { checkFlags, type Instruction } from './dockerfile/parser.js';

export interface ConfigStep {
  config: ImageRuntimeConfig;
  /** What follows `#(nop)  ` in CreatedBy. */
  text: string;
  /** MAINTAINER sets the image's author. */
  author?: string;
}

const bad = (message: string) => invalid('BERTH_BUILD_BAD_INSTRUCTION', message);

/** Go's %q of a []string: `["a" "b"]`. */
export const goQuotedList = (l: string[]) => `[${l.map((s) => JSON.stringify(s)).join(' ')}]`;

/** ["/bin/sh","-c","x"] for the shell form, the array for the exec form. */
export function commandOf(ins: Instruction, shell: string[]): string[] {
  return ins.json ?? [...shell, ins.args];
}

/** Key/value pairs of ENV/LABEL, expanded (Docker expands both sides). */
export function expandedPairs(ins: Instruction, vars: VarLookup, escape: string): Array<[string, string]> {
  const name = ins.name.toUpperCase();
  const words = splitWords(ins.args);
  if (words.length === 0) throw bad(`${name} requires at least one argument`);
  if (!words[0].includes('=')) {
    // Legacy `ENV KEY rest of the line`.
    if (words.length < 2) throw bad(`${name} must have two arguments`);
    const rest = ins.args.slice(ins.args.indexOf(words[0]) + words[0].length).trim();
    return [[expandWord(words[0], vars, escape), expandWord(rest, vars, escape)]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq < 0) throw bad(`Syntax error - can't find = in "${w}". Must be of the form: name=value`);
    return [expandWord(w.slice(0, eq), vars, escape), expandWord(w.slice(eq + 1), vars, escape)];
  });
}

function setEnv(env: string[], key: string, value: string): void {
  const i = env.findIndex((e) => e === key || e.startsWith(`${key}=`));
  if (i >= 0) env[i] = `${key}=${value}`;
  else env.push(`${key}=${value}`);
}

/** Applies a config-only instruction. Unknown names throw (the caller dispatches the others). */
export function applyConfigStep(ins: Instruction, base: ImageRuntimeConfig, vars: VarLookup, escape: string): ConfigStep {
  const c: ImageRuntimeConfig = { ...base, env: [...base.env], labels: { ...base.labels }, exposedPorts: [...base.exposedPorts], volumes: [...base.volumes] };
  const shell = c.shell?.length ? c.shell : ['/bin/sh', '-c'];
  const one = () => {
    const w = expandWords(ins.args, vars, escape);
    if (w.length !== 1) throw bad(`${ins.name.toUpperCase()} requires exactly one argument`);
    return w[0];
  };
  if (ins.name !== 'healthcheck') checkFlags(ins, []);
  switch (ins.name) {
    case 'env': {
      const pairs = expandedPairs(ins, vars, escape);
      for (const [k, v] of pairs) setEnv(c.env, k, v);
      return { config: c, text: `ENV ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}` };
    }
    case 'label': {
      const pairs = expandedPairs(ins, vars, escape);
      for (const [k, v] of pairs) c.labels[k] = v;
      return { config: c, text: `LABEL ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}` };
    }
    case 'cmd':
      c.cmd = commandOf(ins, shell);
      return { config: c, text: `CMD ${goQuotedList(c.cmd)}` };
    case 'entrypoint':
      c.entrypoint = ins.json ?? (ins.args === '' ? null : [...shell, ins.args]);
      // Docker: a new ENTRYPOINT resets a CMD inherited from the base image.
      c.cmd = null;
      return { config: c, text: `ENTRYPOINT ${goQuotedList(c.entrypoint ?? [])}` };
    case 'user':
      c.user = one();
      return { config: c, text: `USER ${c.user}` };
    case 'stopsignal':
      c.stopSignal = one();
      return { config: c, text: `STOPSIGNAL ${c.stopSignal}` };
    case 'expose': {
      const ports = expandWords(ins.args, vars, escape);
      if (ports.length === 0) throw bad('EXPOSE requires at least one argument');
      for (const p of ports.flatMap(parsePortSpec)) if (!c.exposedPorts.includes(p)) c.exposedPorts.push(p);
      return { config: c, text: `EXPOSE ${[...ports].sort().join(' ')}` };
    }
    case 'volume': {
      const vols = (ins.json ?? expandWords(ins.args, vars, escape)).map((v) => v.trim()).filter(Boolean);
      if (vols.length === 0) throw bad('VOLUME requires at least one argument');
      for (const v of vols) if (!c.volumes.includes(v)) c.volumes.push(v);
      return { config: c, text: `VOLUME [${vols.join(' ')}]` };
    }
    case 'shell':
      if (!ins.json || ins.json.length === 0) throw bad('SHELL requires the arguments to be in JSON form');
      c.shell = ins.json;
      return { config: c, text: `SHELL [${ins.json.join(' ')}]` };
    case 'onbuild': {
      const trigger = ins.args.trim();
      const first = trigger.split(/\s+/)[0]?.toUpperCase() ?? '';
      if (first === 'ONBUILD') throw bad("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
      if (first === 'FROM' || first === 'MAINTAINER') throw bad(`${first} isn't allowed as an ONBUILD trigger`);
      c.onBuild = [...(c.onBuild ?? []), trigger];
      return { config: c, text: `ONBUILD ${trigger}` };
    }
    case 'healthcheck':
      return healthcheckStep(ins, c);
    case 'maintainer':
      return { config: c, text: `MAINTAINER ${ins.args}`, author: ins.args };
    default:
      throw bad(`not a config instruction: ${ins.name}`);
  }
}

function healthcheckStep(ins: Instruction, c: ImageRuntimeConfig): ConfigStep {
  checkFlags(ins, ['interval', 'timeout', 'start-period', 'retries']);
  const m = /^(\S+)\s*([\s\S]*)$/.exec(ins.args);
  const kind = m?.[1].toUpperCase() ?? '';
  let test: string[];
  if (kind === 'NONE') {
    if (m?.[2].trim()) throw bad('HEALTHCHECK NONE takes no arguments');
    test = ['NONE'];
  } else if (kind === 'CMD') {
    const rest = m![2].trim();
    const json = rest.startsWith('[') ? tryJson(rest) : null;
    if (!json && rest === '') throw bad('Missing command after HEALTHCHECK CMD');
    test = json ? ['CMD', ...json] : ['CMD-SHELL', rest];
  } else {
    throw bad(`Unknown type "${kind}" in HEALTHCHECK (try CMD)`);
  }
  const hc: HealthcheckConfig = {
    test,
    interval: duration(ins.flags.interval, 'interval'),
    timeout: duration(ins.flags.timeout, 'timeout'),
    startPeriod: duration(ins.flags['start-period'], 'start-period'),
    retries: ins.flags.retries === undefined ? 0 : Number(ins.flags.retries),
  };
  if (!Number.isInteger(hc.retries) || hc.retries < 0) throw bad('--retries must be at least 0');
  c.healthcheck = hc;
  const text = `HEALTHCHECK &{${goQuotedList(test)} "${goDuration(hc.interval)}" "${goDuration(hc.timeout)}" "${goDuration(hc.startPeriod)}" '\\x${hc.retries.toString(16).padStart(2, '0')}'}`;
  return { config: c, text };
}

function tryJson(s: string): string[] | null {
  try {
    const v: unknown = JSON.parse(s);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : null;
  } catch {
    return null;
  }
}

const UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go duration text ("1m30s", "500ms") → nanoseconds; absent = 0. */
export function duration(text: string | undefined, flag: string): number {
  if (text === undefined || text === '' || text === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|\u00b5s|ms|s|m|h)/gy; // µ as an escape: the bundle must be ASCII
  let total = 0;
  let end = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNITS[m[2]];
    end = re.lastIndex;
  }
  if (end !== text.length || end === 0) throw bad(`time: invalid duration "${text}" for --${flag}`);
  return Math.round(total);
}

/** Nanoseconds → Go's Duration.String() for whole units ("5s", "1m30s", "0s", "500ms"). */
export function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  if (ns < 1e9) return ns % 1e6 === 0 ? `${ns / 1e6}ms` : `${ns / 1e3}µs`;
  let s = ns / 1e9;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const sec = Number.isInteger(s) ? `${s}s` : `${Number(s.toFixed(9))}s`;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${sec}`;
}
