/**
 * The error-code catalogue (src/engine/error-codes.ts) against the code that
 * throws: every `BERTH_*` code written in src/ is catalogued, every call site
 * throws it with its catalogued kind, and no catalogued code is unused. The
 * typecheck already refuses an uncatalogued code or a wrong kind where the
 * code is a literal argument; this also covers codes built in templates and
 * keeps the catalogue free of dead entries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ERROR_CODE_AREAS, ERROR_CODES, type ErrorCode, type ErrorKind } from '../../src/engine/error-codes.js';
import { packageRoot } from '../../src/package-root.js';

const KINDS: readonly ErrorKind[] = [
  'not-found',
  'invalid-parameter',
  'conflict',
  'not-modified',
  'unavailable',
  'forbidden',
  'unauthorized',
  'not-implemented',
  'system',
];

/** The kind each helper of src/engine/errors.ts throws. */
const HELPER_KINDS: Record<string, ErrorKind> = {
  notFound: 'not-found',
  invalid: 'invalid-parameter',
  conflict: 'conflict',
  notModified: 'not-modified',
  systemError: 'system',
  forbidden: 'forbidden',
  notImplemented: 'not-implemented',
};

interface Source {
  file: string;
  text: string;
}

function sources(dir: string): Source[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.join(e.parentPath, e.name))
    .filter((file) => !file.endsWith(`${path.sep}error-codes.ts`))
    .map((file) => ({ file: path.relative(packageRoot(), file), text: fs.readFileSync(file, 'utf8') }));
}

const src = sources(path.join(packageRoot(), 'src'));
const isCatalogued = (code: string): code is ErrorCode => Object.hasOwn(ERROR_CODES, code);

/** Quoted codes ('BERTH_X', "BERTH_X", `BERTH_X`) by file; environment variable names are not quoted. */
function quotedCodes(): Array<{ code: string; file: string }> {
  return src.flatMap(({ file, text }) => [...text.matchAll(/['"`](BERTH_[A-Z0-9_]+)['"`]/g)].map((m) => ({ code: m[1], file })));
}

/** (code, kind) at every site that throws a literal code: the helpers, `new EngineError(kind, code)` and `super(kind, code)`. */
function throwSites(): Array<{ code: string; kind: string; file: string }> {
  return src.flatMap(({ file, text }) => [
    ...[...text.matchAll(/\b(notFound|invalid|conflict|notModified|systemError|forbidden|notImplemented)\(\s*'(BERTH_[A-Z0-9_]+)'/g)].map((m) => ({
      code: m[2],
      kind: HELPER_KINDS[m[1]],
      file,
    })),
    ...[...text.matchAll(/(?:new EngineError|super)\(\s*'([a-z-]+)',\s*'(BERTH_[A-Z0-9_]+)'/g)].map((m) => ({ code: m[2], kind: m[1], file })),
  ]);
}

/**
 * Codes made by ensureTransition's template (`BERTH_CONTAINER_${op…}_CONFLICT`):
 * one per Operation of model/lifecycle.ts, a '-' in the name read as '_'.
 */
function transitionCodes(): string[] {
  const lifecycle = src.find((s) => s.file === path.join('src', 'engine', 'model', 'lifecycle.ts'));
  assert.ok(lifecycle, 'model/lifecycle.ts is where the transition conflicts are thrown');
  assert.ok(lifecycle.text.includes('`BERTH_CONTAINER_${op.'), 'lifecycle.ts builds the conflict code from the operation');
  const union = /export type Operation =([^;]+);/.exec(lifecycle.text);
  assert.ok(union, 'lifecycle.ts declares `export type Operation = ...;`');
  return [...union[1].matchAll(/'([a-z-]+)'/g)].map((m) => `BERTH_CONTAINER_${m[1].toUpperCase().replace(/-/g, '_')}_CONFLICT`);
}

test('each catalogue entry is well formed, and no code is in two areas', () => {
  const seen = new Map<string, string>();
  for (const [area, block] of Object.entries(ERROR_CODE_AREAS)) {
    for (const [code, info] of Object.entries(block) as Array<[string, { kind: ErrorKind; description: string }]>) {
      assert.match(code, /^BERTH_[A-Z0-9]+(_[A-Z0-9]+)+$/, code);
      assert.ok(KINDS.includes(info.kind), `${code}: kind ${info.kind}`);
      assert.match(info.description, /^\S[^\n]*\.$/, `${code}: one line, ending with a period`);
      assert.equal(seen.get(code), undefined, `${code} is in ${seen.get(code)} and ${area}`);
      seen.set(code, area);
    }
  }
  assert.equal(seen.size, Object.keys(ERROR_CODES).length);
});

test('every code written in src/ is catalogued', () => {
  const missing = quotedCodes().filter(({ code }) => !isCatalogued(code));
  assert.deepEqual(missing, [], 'add these to src/engine/error-codes.ts');
});

test('every call site throws its code with the catalogued kind', () => {
  const sites = throwSites();
  assert.ok(sites.length > 50, `found ${sites.length} throw sites: the patterns still match the code`);
  const wrong = sites.filter(({ code, kind }) => !isCatalogued(code) || ERROR_CODES[code].kind !== kind);
  assert.deepEqual(wrong, [], 'a code is thrown with a kind other than its catalogue entry');
});

test('every catalogued code is used in src/', () => {
  const used = new Set([...quotedCodes().map((q) => q.code), ...transitionCodes()]);
  const unused = Object.keys(ERROR_CODES).filter((code) => !used.has(code));
  assert.deepEqual(unused, [], 'remove these from src/engine/error-codes.ts, or use them');
});

test('the transition conflicts are catalogued as conflicts, one per lifecycle operation', () => {
  const codes = transitionCodes();
  assert.ok(codes.length >= 8, `${codes.length} operations`);
  for (const code of codes) assert.equal(isCatalogued(code) && ERROR_CODES[code].kind, 'conflict', code);
});
