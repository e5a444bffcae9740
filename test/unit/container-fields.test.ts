/**
 * No silently ignored create field: every field of the API spec's
 * ContainerConfig and HostConfig (openapi.yaml, cut from Docker's v1.41
 * spec) is in the one table (src/server/wire/container-fields.ts), the
 * create parser reads every honoured field and refuses every refused one
 * with a 400 naming it, and docs/container-fields.md is the table's.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { CONFIG_FIELDS, HOST_CONFIG_FIELDS, renderFieldTable } from '../../src/server/wire/container-fields.js';
import { toCreateOptions } from '../../src/server/wire/create-body.js';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../../src/engine/errors.js';
import { findPackageRoot } from '../../src/package-root.js';

const repoRoot = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

type Schema = { properties?: Record<string, { type?: string }>; allOf?: Array<Schema & { $ref?: string }> };

const definitions = (parse(fs.readFileSync(path.join(repoRoot, 'openapi.yaml'), 'utf8')) as { definitions: Record<string, Schema> }).definitions;

/** The properties of a definition, following allOf and $ref. */
function properties(name: string): Record<string, { type?: string }> {
  const def = definitions[name];
  assert.ok(def, `openapi.yaml has no definition ${name}`);
  const fromAll = (def.allOf ?? []).map((part) => (part.$ref ? properties(part.$ref.split('/').pop()!) : (part.properties ?? {})));
  return Object.assign({}, ...fromAll, def.properties ?? {});
}

const sections = [
  { name: 'ContainerConfig', table: CONFIG_FIELDS, prefix: '' },
  { name: 'HostConfig', table: HOST_CONFIG_FIELDS, prefix: 'HostConfig.' },
] as const;

test('every field of ContainerConfig and HostConfig in the API spec is honoured, partial or refused in the table', () => {
  for (const { name, table } of sections) {
    const spec = Object.keys(properties(name));
    assert.ok(spec.length > 20, `${name} has its fields`);
    const missing = spec.filter((f) => !table[f]);
    assert.deepEqual(missing, [], `${name} fields neither honoured nor refused: add them to src/server/wire/container-fields.ts`);
    const stale = Object.keys(table).filter((f) => !spec.includes(f));
    assert.deepEqual(stale, [], `${name} table rows for fields the spec does not have`);
    for (const [field, rule] of Object.entries(table)) {
      assert.ok(['honoured', 'partial', 'refused'].includes(rule.status), `${field}: ${rule.status}`);
      assert.ok(rule.note.length > 3, `${field} says what berth does`);
    }
  }
});

/** A value that is not Go's zero value, of the field's type in the spec. */
function nonZero(type: string | undefined): unknown {
  if (type === 'integer' || type === 'number') return 1;
  if (type === 'boolean') return true;
  if (type === 'array') return ['x'];
  if (type === 'object') return { a: 'b' };
  return 'x';
}

test('a refused field set to anything but its zero value is a 400 naming the field; its zero value is accepted', () => {
  for (const { name, table, prefix } of sections) {
    const props = properties(name);
    for (const [field, rule] of Object.entries(table)) {
      if (rule.status !== 'refused') continue;
      const set = { [field]: nonZero(props[field]?.type) };
      const body = prefix ? { Image: 'busybox', HostConfig: set } : { Image: 'busybox', ...set };
      assert.throws(
        () => toCreateOptions(body, undefined),
        (err: unknown) =>
          err instanceof EngineError && err.kind === 'invalid-parameter' && err.message.startsWith(`${prefix}${field} is not supported by berth`),
        field,
      );
      const zero = prefix ? { Image: 'busybox', HostConfig: { [field]: null } } : { Image: 'busybox', [field]: null };
      assert.doesNotThrow(() => toCreateOptions(zero, undefined), field);
    }
  }
});

/** A body whose reads are recorded: which fields the parser looked at. */
function recording(target: Record<string, unknown>, seen: Set<string>): Record<string, unknown> {
  return new Proxy(target, {
    get(obj, key, receiver) {
      if (typeof key === 'string') seen.add(key);
      return Reflect.get(obj, key, receiver) as unknown;
    },
  });
}

test('the create parser reads every honoured and partial field (none is dropped unread)', () => {
  const cfgSeen = new Set<string>();
  const hcSeen = new Set<string>();
  const body = recording({ Image: 'busybox', HostConfig: recording({}, hcSeen) }, cfgSeen);
  toCreateOptions(body, undefined);
  for (const [seen, table, label] of [
    [cfgSeen, CONFIG_FIELDS, 'Config'],
    [hcSeen, HOST_CONFIG_FIELDS, 'HostConfig'],
  ] as const) {
    const unread = Object.entries(table)
      .filter(([field, rule]) => rule.status !== 'refused' && !seen.has(field))
      .map(([field]) => field);
    assert.deepEqual(unread, [], `${label} fields marked honoured that the parser never reads`);
  }
});

test('docs/container-fields.md is the table (BERTH_WRITE_DOCS=1 rewrites it)', () => {
  const file = path.join(repoRoot, 'docs', 'container-fields.md');
  const want = renderFieldTable();
  if (process.env.BERTH_WRITE_DOCS === '1') fs.writeFileSync(file, want);
  assert.equal(
    fs.readFileSync(file, 'utf8'),
    want,
    'docs/container-fields.md is stale: BERTH_WRITE_DOCS=1 node --test dist/test/unit/container-fields.test.js',
  );
});
