/**
 * The layer rules of src/server (src/server/README.md), checked on the
 * source text:
 *   - from the engine, server code imports only the facade `src/engine/api.js`
 *     (never an engine module behind it), and never SQLite, the database
 *     layer, execa or child_process;
 *   - Docker JSON is built only in src/server/wire: outside it no object
 *     literal has a Docker-style PascalCase key (the route table's
 *     `OperationId: { handler … }` entries excepted).
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
