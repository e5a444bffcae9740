/**
 * Differential test of berthd against dockerd: one scripted scenario of
 * Docker API requests is sent to each daemon (each on its own unix socket),
 * and every difference in status code, JSON shape (keys present or missing,
 * value types) and error message is reported as a table. Values that
 * legitimately differ (IDs, times, sizes) are never compared: only their
 * JSON types. Differences listed in differential-known.ts are marked
 * deliberate, with their reason.
 *
 *   node dist/scripts/differential.js --dockerd /tmp/X/d.sock --berthd /tmp/Y/b.sock [--image busybox] [--json]
 *
 * Both daemons need the image (default `busybox`) with a `sleep` binary.
 * The scenario creates and removes its own objects (names prefixed
 * `difftool-`); exit code 1 when an unexplained difference was found.
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import { deliberateReason, type Difference } from './differential-known.js';
import { scenario, type Step } from './differential-scenario.js';

interface Answer {
  status: number;
  json: unknown;
  text: string;
}

function send(socketPath: string, step: Step, vars: Map<string, string>): Promise<Answer> {
  const fill = (s: string) => s.replace(/\{(\w+)\}/g, (_m, k: string) => vars.get(k) ?? `{${k}}`);
  const body = step.rawBody ?? (step.body === undefined ? undefined : fill(JSON.stringify(step.body)));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        socketPath,
        method: step.method,
        path: `/v1.41${fill(step.path)}`,
        headers: body === undefined ? {} : { 'Content-Type': step.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text.trim() ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, json, text });
        });
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error(`${step.name}: no answer in 60 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** The JSON type of a value as the table shows it. Pure. */
export function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Every key/type difference between two JSON values, as [path, a, b]. Arrays
 * are compared by their first elements (lengths legitimately differ). Pure.
 */
export function shapeDiff(a: unknown, b: unknown, path = '$'): Array<[string, string, string]> {
  const ta = typeOf(a);
  const tb = typeOf(b);
  if (ta !== tb) return [[path, ta, tb]];
  if (ta === 'array') {
    const [x, y] = [(a as unknown[])[0], (b as unknown[])[0]];
    return x === undefined || y === undefined ? [] : shapeDiff(x, y, `${path}[]`);
  }
  if (ta !== 'object') return [];
  const oa = a as Record<string, unknown>;
  const ob = b as Record<string, unknown>;
  const out: Array<[string, string, string]> = [];
  for (const k of new Set([...Object.keys(oa), ...Object.keys(ob)])) {
    const p = `${path}.${k}`;
    if (!(k in oa)) out.push([p, 'absent', typeOf(ob[k])]);
    else if (!(k in ob)) out.push([p, typeOf(oa[k]), 'absent']);
    else out.push(...shapeDiff(oa[k], ob[k], p));
  }
  return out;
}

/** An error text with IDs and the scenario's names made comparable. Pure. */
export function normalizeMessage(s: string): string {
  return s
    .replace(/[0-9a-f]{64}/g, '<id>')
    .replace(/\b[0-9a-f]{12}\b/g, '<id>')
    .trim();
}

/** A string member of a JSON object, '' when absent or not a string. Pure. */
function stringField(json: unknown, key: string): string {
  const v = (json as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : '';
}

/** The differences of one step's two answers. Pure. */
export function compareAnswers(step: Step, d: Answer, b: Answer): Difference[] {
  const out: Difference[] = [];
  if (d.status !== b.status) out.push({ step: step.name, path: 'status', dockerd: String(d.status), berthd: String(b.status) });
  if (step.stream) return out; // a byte stream, not JSON: only its status is compared
  for (const [path, x, y] of shapeDiff(d.json, b.json)) {
    if (step.ignore?.some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`))) continue;
    out.push({ step: step.name, path, dockerd: x, berthd: y });
  }
  const msg = (a: Answer) => (a.status >= 400 && typeOf(a.json) === 'object' ? stringField(a.json, 'message') : undefined);
  const [md, mb] = [msg(d), msg(b)];
  if (md !== undefined && mb !== undefined && normalizeMessage(md) !== normalizeMessage(mb)) {
    out.push({ step: step.name, path: 'message', dockerd: md, berthd: mb });
  }
  return out;
}

async function runScenario(socketPath: string, steps: Step[], image: string): Promise<Answer[]> {
  const vars = new Map<string, string>([['image', image]]);
  const answers: Answer[] = [];
  for (const step of steps) {
    if (step.delayMs) await new Promise((r) => setTimeout(r, step.delayMs));
    const a = await send(socketPath, step, vars);
    if (step.capture && typeOf(a.json) === 'object') vars.set(step.capture, stringField(a.json, 'Id'));
    answers.push(a);
  }
  return answers;
}

/** The same difference seen at several steps (e.g. every inspect) becomes one row listing the steps. Pure. */
export function grouped(diffs: Difference[]): Array<Omit<Difference, 'step'> & { steps: string[] }> {
  const out = new Map<string, Omit<Difference, 'step'> & { steps: string[] }>();
  for (const d of diffs) {
    const key = d.path === 'message' ? `${d.step}\0message` : `${d.path}\0${d.dockerd}\0${d.berthd}`;
    const g = out.get(key) ?? { path: d.path, dockerd: d.dockerd, berthd: d.berthd, reason: d.reason, steps: [] };
    g.steps.push(d.step);
    out.set(key, g);
  }
  return [...out.values()];
}

/** A plain-text table; long cells are cut so it stays readable in a terminal. */
export function table(rows: string[][]): string {
  const cut = (s: string) => (s.length > 70 ? `${s.slice(0, 67)}...` : s);
  const cells = rows.map((r) => r.map((c) => cut(c.replace(/\s+/g, ' '))));
  const widths = cells[0].map((_c, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join(' | ')
      .trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('-+-'), ...cells.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dockerd: { type: 'string' },
      berthd: { type: 'string' },
      image: { type: 'string', default: 'busybox' },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.dockerd || !values.berthd) {
    console.error('usage: differential --dockerd <socket> --berthd <socket> [--image busybox] [--json]');
    process.exit(2);
  }
  const steps = scenario();
  const fromDockerd = await runScenario(values.dockerd, steps, values.image ?? 'busybox');
  const fromBerthd = await runScenario(values.berthd, steps, values.image ?? 'busybox');
  const diffs = steps.flatMap((s, i) => compareAnswers(s, fromDockerd[i], fromBerthd[i])).map((d) => ({ ...d, reason: deliberateReason(d) }));
  if (values.json) console.log(JSON.stringify(diffs, null, 2));
  else if (diffs.length) {
    const rows = grouped(diffs).map((g) => [g.steps.join(', '), g.path, g.dockerd, g.berthd, g.reason ?? 'NO']);
    console.log(table([['step(s)', 'where', 'dockerd', 'berthd', 'deliberate?'], ...rows]));
  }
  const unexplained = diffs.filter((d) => !d.reason).length;
  (values.json ? console.error : console.log)(
    `\n${steps.length} requests to each daemon; ${diffs.length} differences: ${diffs.length - unexplained} deliberate (documented), ${unexplained} unexplained.`,
  );
  process.exitCode = unexplained ? 1 : 0;
}

if (process.argv[1]?.endsWith('differential.js')) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(2);
  });
}
