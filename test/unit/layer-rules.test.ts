/**
 * The layer rules of src/server (src/server/README.md), checked on the
 * source text:
 *   - from the engine, server code imports only the facade `src/engine/api.js`
 *     (never an engine module behind it), and never SQLite, the database
 *     layer, execa or child_process;
 *   - Docker JSON is built only in src/server/wire: outside it no object
 *     literal has a Docker-style PascalCase key (the route table's
 *     `OperationId: { handler … }` entries excepted).
 * and, for the whole of src/:
 *   - no import cycle in src/, scripts/ or bench/ (static, type-only and dynamic imports all count);
 *   - no import cycle among the folders of src/engine either (a folder is
 *     src/engine/<dir>/, a top-level file such as api.ts is one on its own):
 *     the folders import each other one way only (src/engine/README.md);
 *   - no engine module compares a container status outside
 *     model/lifecycle.ts, the table that decides "may this happen now?"
 *     (model/status.ts, the map to the public status word, is the one
 *     switch over statuses; src/server/wire turns statuses into text).
 * Each checker is also run on a small bad sample, so a rule that stops
 * matching anything fails here too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPackageRoot } from '../../src/package-root.js';

const ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));
const SERVER = path.join(ROOT, 'src/server');
const ENGINE = path.join(ROOT, 'src/engine');
const FACADE = path.join(ENGINE, 'api.ts');
const FORBIDDEN_PACKAGES = new Set(['better-sqlite3', 'execa', 'child_process', 'node:child_process']);

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Module specifiers of static imports/re-exports and dynamic import() calls. */
export function importSpecifiers(source: string): string[] {
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;
  return [...source.matchAll(re)].map((m) => m[1]);
}

/** Why `spec`, imported by `file`, breaks the server's import rule; null when it is fine. */
export function importViolation(file: string, spec: string): string | null {
  if (FORBIDDEN_PACKAGES.has(spec)) return `imports ${spec}`;
  if (!spec.startsWith('.')) return null;
  const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts');
  if (target.startsWith(`${path.join(ROOT, 'src/db')}${path.sep}`)) return `imports the database layer (${spec})`;
  if (target.startsWith(`${ENGINE}${path.sep}`) && target !== FACADE) return `imports ${spec}, an engine module behind the facade (only src/engine/api.js)`;
  return null;
}

/** Comments removed (a rough cut: enough for the checks below). */
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

/** PascalCase object-literal keys (Docker JSON), except route-table entries `Name: { handler`. */
export function dockerJsonKeys(source: string): string[] {
  const re = /(?:^|[{,(])\s*([A-Z][A-Za-z0-9]*)\s*:(?!\s*\{\s*handler\b)/gm;
  return [...stripComments(source).matchAll(re)].map((m) => m[1]);
}

/** Relative imports of every .ts file under `dir`, as a graph of absolute .ts paths. */
function importGraph(dir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of tsFiles(dir)) {
    const targets = importSpecifiers(fs.readFileSync(file, 'utf8'))
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts'));
    graph.set(file, targets);
  }
  return graph;
}

/** Every import cycle of `graph`, each as the files along it (depth-first; one entry per back edge). */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const visit = (node: string): void => {
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (onStack.has(next)) cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!done.has(next) && graph.has(next)) visit(next);
    }
    stack.pop();
    onStack.delete(node);
    done.add(node);
  };
  for (const node of graph.keys()) if (!done.has(node)) visit(node);
  return cycles;
}

/** The folder of an engine module, from its path in src/engine: `containers/` for containers/x.ts; a top-level file (`api.ts`) is its own. */
function engineFolder(file: string): string {
  const [first, ...rest] = file.split(path.sep);
  return rest.length > 0 ? `${first}/` : first;
}

/**
 * `graph` (file → files it imports) collapsed to folders by `folderOf`: an
 * edge between two folders for every import across them, with the imports
 * behind it ("from → to") in `because`. Imports within a folder draw no edge.
 */
export function folderGraph(
  graph: ReadonlyMap<string, readonly string[]>,
  folderOf: (file: string) => string,
): { edges: Map<string, string[]>; because: Map<string, string[]> } {
  const edges = new Map<string, string[]>();
  const because = new Map<string, string[]>();
  for (const [from, targets] of graph) {
    const a = folderOf(from);
    if (!edges.has(a)) edges.set(a, []);
    for (const to of targets.filter((t) => graph.has(t))) {
      const b = folderOf(to);
      if (a === b) continue;
      const key = `${a} → ${b}`;
      if (!because.has(key)) {
        because.set(key, []);
        edges.get(a)?.push(b);
      }
      const why = `${from} → ${to}`;
      if (!because.get(key)?.includes(why)) because.get(key)?.push(why);
    }
  }
  return { edges, because };
}

/** Each folder cycle as text: the folders along it, then for every step the file imports that make it. */
export function folderCycles(graph: ReadonlyMap<string, readonly string[]>, folderOf: (file: string) => string): string[] {
  const { edges, because } = folderGraph(graph, folderOf);
  return importCycles(edges).map((cycle) => {
    const steps = cycle.slice(1).map((to, i) => `${cycle[i]} → ${to}`);
    return `${cycle.join(' → ')}: ${steps.map((s) => `${s} (${because.get(s)?.join(', ')})`).join('; ')}`;
  });
}

const STATUS_WORD = "'(?:created|initialized|running|paused|restarting|removing|exited|dead)'";
const STATUS_COMPARISON = new RegExp(
  `\\bstatus\\s*[!=]==?\\s*${STATUS_WORD}|${STATUS_WORD}\\s*[!=]==?\\s*[\\w.?]*\\bstatus\\b|\\bcase\\s+${STATUS_WORD}\\s*:`,
  'g',
);

/** Comparisons of a status with a container status word, in `source`. */
export function statusComparisons(source: string): string[] {
  return [...stripComments(source).matchAll(STATUS_COMPARISON)].map((m) => m[0]);
}

test('the checkers catch what they are meant to catch', () => {
  const file = path.join(SERVER, 'routes/x.ts');
  const sample = "import { a } from '../../engine/images/reference.js';\nexport { b } from '../../engine/api.js';\nconst m = await import('execa');\n";
  assert.deepEqual(importSpecifiers(sample), ['../../engine/images/reference.js', '../../engine/api.js', 'execa']);
  assert.match(importViolation(file, '../../engine/images/reference.js') ?? '', /behind the facade/);
  assert.equal(importViolation(file, '../../engine/api.js'), null);
  assert.match(importViolation(file, '../../db/database.js') ?? '', /database layer/);
  assert.match(importViolation(file, 'execa') ?? '', /execa/);
  assert.equal(importViolation(file, 'fastify'), null);
  assert.equal(importViolation(file, '../wire/images.js'), null);
  assert.deepEqual(dockerJsonKeys('return { Id: id, Warnings: [] };'), ['Id', 'Warnings']);
  assert.deepEqual(dockerJsonKeys('return {\n  Titles: t,\n};'), ['Titles']);
  assert.deepEqual(dockerJsonKeys('ContainerList: { handler: list },\n/** Docker: note */\nconst x = { a: 1 };'), []);
  const graph = new Map([
    ['a', ['b']],
    ['b', ['c', 'x']],
    ['c', ['a']],
    ['d', ['d']],
    ['e', ['a']],
  ]);
  assert.deepEqual(importCycles(graph), [
    ['a', 'b', 'c', 'a'],
    ['d', 'd'],
  ]);
  assert.deepEqual(
    importCycles(
      new Map([
        ['a', ['b']],
        ['b', []],
      ]),
    ),
    [],
  );
  const files = new Map([
    ['a/x', ['a/y', 'b/x', 'b/x']],
    ['a/y', []],
    ['b/x', ['c']],
    ['c', ['a/y']],
    ['d/x', ['a/x']],
  ]);
  const folderOf = (f: string) => (f.includes('/') ? `${f.split('/')[0]}/` : f);
  assert.deepEqual(folderCycles(files, folderOf), ['a/ → b/ → c → a/: a/ → b/ (a/x → b/x); b/ → c (b/x → c); c → a/ (c → a/y)']);
  assert.deepEqual(folderCycles(new Map([...files, ['c', []]]), folderOf), []);
  assert.deepEqual(statusComparisons("if (row.state.status === 'running') x();\nif ('paused' !== status) y();\ncase 'exited':"), [
    "status === 'running'",
    "'paused' !== status",
    "case 'exited':",
  ]);
  assert.deepEqual(statusComparisons("if (session.state === 'running') x();\nif (h.status === 'starting') y();\n// status === 'dead'"), []);
});

test('src/server imports from the engine only src/engine/api.js, and nothing of the db or the runtime', () => {
  const bad: string[] = [];
  for (const file of tsFiles(SERVER)) {
    for (const spec of importSpecifiers(fs.readFileSync(file, 'utf8'))) {
      const why = importViolation(file, spec);
      if (why) bad.push(`${path.relative(ROOT, file)} ${why}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('Docker JSON is built only in src/server/wire', () => {
  const wire = path.join(SERVER, 'wire') + path.sep;
  const bad = tsFiles(SERVER)
    .filter((f) => !f.startsWith(wire))
    .flatMap((f) => dockerJsonKeys(fs.readFileSync(f, 'utf8')).map((k) => `${path.relative(ROOT, f)}: ${k}`));
  assert.deepEqual(bad, []);
});

test('no import cycle among the modules of src/, scripts/ and bench/', () => {
  for (const [dir, atLeast] of [
    ['src', 200],
    ['scripts', 2],
    ['bench', 20],
  ] as const) {
    const graph = importGraph(path.join(ROOT, dir));
    assert.ok(graph.size > atLeast, `only ${graph.size} files read in ${dir}/`);
    const cycles = importCycles(graph).map((c) => c.map((f) => path.relative(ROOT, f)).join(' → '));
    assert.deepEqual(cycles, [], `import cycles in ${dir}/`);
  }
});

test('the folders of src/engine import each other one way only (no folder-level import cycle)', () => {
  const rel = (f: string) => path.relative(ENGINE, f);
  const graph = new Map([...importGraph(ENGINE)].map(([file, targets]) => [rel(file), targets.map(rel)]));
  assert.ok(new Set([...graph.keys()].map(engineFolder)).size > 20, 'only a few engine folders read');
  assert.deepEqual(folderCycles(graph, engineFolder), [], 'folder import cycles in src/engine (move the shared piece below both folders)');
});

test('the engine compares container statuses only in model/lifecycle.ts', () => {
  const allowed = new Set(['model/lifecycle.ts', 'model/status.ts'].map((f) => path.join(ENGINE, f)));
  const bad = tsFiles(ENGINE)
    .filter((f) => !allowed.has(f))
    .flatMap((f) => statusComparisons(fs.readFileSync(f, 'utf8')).map((c) => `${path.relative(ROOT, f)}: ${c}`));
  assert.deepEqual(bad, []);
});
