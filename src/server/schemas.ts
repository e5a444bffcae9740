/**
 * Request-validation schemas derived from openapi.yaml (berth's cut of the
 * Docker Engine API v1.41 Swagger 2.0 spec).
 *
 * Contract:
 * - openapi.yaml is read on first use from the package root (the nearest
 *   directory above this file that holds package.json), so the same code
 *   works from dist/src/server and from src/server; the parsed spec is let go
 *   once route registration is over (see `load`).
 * - `routeSchema(opId)` throws for an operationId that is not in the spec, so
 *   a route without a spec entry fails at startup, not at request time.
 * - Query and params schemas are compiled with Fastify 5's default ajv 8
 *   options (coerceTypes 'array', removeAdditional, useDefaults); body schemas
 *   without type coercion (src/server/lazy-validators.ts), because Docker's
 *   Go decoder refuses "64" for an integer. Neither changes what the route
 *   code sees in a wrong way:
 *   * query values stay strings (booleans, integers, filters): the routes
 *     parse them the way dockerd does (`True`, `-1`, `all`, `''`);
 *   * no `default` is emitted, so "not given" stays distinguishable;
 *   * additionalProperties is never false, so nothing is stripped;
 *   * body schemas check JSON types only, as Go's decoder does (no enum,
 *     range, pattern or required checks: berth answers those itself with
 *     Docker's messages); every field accepts null, as Go decoding does
 *     (clients send null for empty slices, maps and pointers); the wire
 *     readers treat null as absent;
 *   * Cmd, Entrypoint and Shell accept a string or an array (Docker's
 *     StrSlice); the wire reader turns a string into one element.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packageRoot } from '../package-root.js';
import type { FastifySchema } from 'fastify';
import { createRequire } from 'node:module';

type JsonSchema = Record<string, unknown>;

interface SwaggerParameter {
  name: string;
  in: 'query' | 'path' | 'body' | 'header' | 'formData';
  type?: string;
  required?: boolean;
  enum?: unknown[];
  items?: { type?: string };
  schema?: JsonSchema;
}

interface SwaggerOperation {
  operationId?: string;
  parameters?: SwaggerParameter[];
}

interface SwaggerSpec {
  paths: Record<string, Record<string, SwaggerOperation | SwaggerParameter[]>>;
  definitions?: Record<string, JsonSchema>;
}

export interface OperationEntry {
  /** Upper-case HTTP method, as Fastify spells it ('GET', 'HEAD', …). */
  method: string;
  /** Docker form, e.g. '/containers/{id}/json' (no version prefix). */
  path: string;
  operationId: string;
}

const HTTP_METHODS = ['get', 'head', 'post', 'put', 'delete', 'patch', 'options'];

/** Query integers dockerd parses as timestamps ("1700000000.5"): no pattern. */
const LOOSE_NUMERIC_QUERY = new Set(['since', 'until']);

/**
 * Scalar body fields that are Go pointers in moby's types (nil = "not set",
 * distinct from the zero value) though the v1.41 spec does not mark them
 * x-nullable: null must reach the route as null, not be coerced to 0/false.
 */
const GO_POINTER_SCALARS = new Set(['MemorySwappiness', 'OomKillDisable', 'PidsLimit', 'Init', 'StopTimeout']);

/** ContainerConfig fields of Go type StrSlice: a JSON string or array of strings. */
const STR_SLICE_FIELDS = new Set(['Cmd', 'Entrypoint', 'Shell']);

/** Absolute path of openapi.yaml at the package root. */
export function openapiPath(): string {
  return join(packageRoot(), 'openapi.yaml');
}

/**
 * The build writes dist/openapi.json from openapi.yaml (scripts/openapi-json.mjs):
 * JSON.parse is two orders of magnitude faster than the YAML parser at startup.
 * Without a current JSON copy the YAML is parsed, so openapi.yaml stays the source.
 */
function readSpec(): SwaggerSpec {
  const yamlPath = openapiPath();
  const jsonPath = join(dirname(yamlPath), 'dist', 'openapi.json');
  if (existsSync(jsonPath) && statSync(jsonPath).mtimeMs >= statSync(yamlPath).mtimeMs) {
    return JSON.parse(readFileSync(jsonPath, 'utf8')) as SwaggerSpec;
  }
  // The YAML parser is loaded only here: with a current JSON copy it would be ~3 MiB of idle memory.
  const yaml = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return yaml.parse(readFileSync(yamlPath, 'utf8')) as SwaggerSpec;
}

type Loaded = {
  spec: SwaggerSpec;
  ops: Map<string, OperationEntry & { params: SwaggerParameter[] }>;
  /** Built route schemas by operationId (each call hands out a copy). */
  schemas: Map<string, FastifySchema>;
};

/**
 * The parsed spec is needed only while the routes are registered (one
 * synchronous loop in buildApp), yet as a live object graph it weighs about
 * half a MiB, which an idle daemon would carry for good. A WeakRef keeps it
 * for that loop (V8 holds a WeakRef's target at least until the current job
 * ends) and lets the collector take it afterwards; a later call parses the
 * file again and gets the same answers.
 */
let loaded: WeakRef<Loaded> | undefined;

function load(): Loaded {
  const live = loaded?.deref();
  if (live) return live;
  const spec = readSpec();
  const ops = new Map<string, OperationEntry & { params: SwaggerParameter[] }>();
  for (const [path, item] of Object.entries(spec.paths ?? {})) {
    const shared = (item.parameters as SwaggerParameter[] | undefined) ?? [];
    for (const [method, value] of Object.entries(item)) {
      if (!HTTP_METHODS.includes(method)) continue;
      const op = value as SwaggerOperation;
      if (!op.operationId) throw new Error(`openapi.yaml: ${method.toUpperCase()} ${path} has no operationId`);
      if (ops.has(op.operationId)) throw new Error(`openapi.yaml: duplicate operationId ${op.operationId}`);
      const params = [...shared.filter((s) => !op.parameters?.some((p) => p.name === s.name && p.in === s.in)), ...(op.parameters ?? [])];
      ops.set(op.operationId, { method: method.toUpperCase(), path, operationId: op.operationId, params });
    }
  }
  const fresh: Loaded = { spec, ops, schemas: new Map() };
  loaded = new WeakRef(fresh);
  return fresh;
}

/** Every operation in openapi.yaml, in file order (HEAD /_ping before GET /_ping, as Fastify needs). */
export function listOperations(): Array<{ method: string; path: string; operationId: string }> {
  return [...load().ops.values()].map(({ method, path, operationId }) => ({ method, path, operationId }));
}

/**
 * Fastify route schema (params, querystring, body; only the parts the
 * operation has) for `operationId`. Returns a fresh copy on every call, since
 * Fastify may annotate the objects it is given.
 * @throws Error when the operationId is not in openapi.yaml.
 */
export function routeSchema(operationId: string): FastifySchema {
  const { spec, ops, schemas } = load();
  let schema = schemas.get(operationId);
  if (!schema) {
    const op = ops.get(operationId);
    if (!op) throw new Error(`openapi.yaml has no operation "${operationId}"`);
    schema = buildRouteSchema(op.params, spec.definitions ?? {});
    schemas.set(operationId, schema);
  }
  return structuredClone(schema);
}

function buildRouteSchema(params: SwaggerParameter[], definitions: Record<string, JsonSchema>): FastifySchema {
  const out: FastifySchema = {};
  const path = params.filter((p) => p.in === 'path');
  const query = params.filter((p) => p.in === 'query');
  // Not required: a route may match an image name with slashes by a wildcard instead.
  if (path.length > 0) out.params = objectOf(path, () => ({ type: 'string' }));
  if (query.length > 0) out.querystring = objectOf(query, queryParamSchema);
  const body = params.find((p) => p.in === 'body');
  if (body?.schema) {
    const converted = new BodyConverter(definitions).convert(body.schema);
    // A string body is a raw upload (tar, text): streamed, never validated.
    if (converted.type !== 'string') out.body = converted;
  }
  return out;
}

function objectOf(params: SwaggerParameter[], conv: (p: SwaggerParameter) => JsonSchema): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const p of params) properties[p.name] = conv(p);
  const required = params.filter((p) => p.required).map((p) => p.name);
  return required.length > 0 ? { type: 'object', properties, required } : { type: 'object', properties };
}

/**
 * One query parameter. Booleans and integers stay strings (dockerd accepts
 * 1/0/true/True/yes/no/'' and negative numbers); integers get a pattern so a
 * bad value answers 400 naming the field (signs allowed, as strconv.Atoi).
 * An optional integer may be empty, as dockerd treats `t=` as "not given".
 * A key repeated in the URL arrives as an array and answers 400 (no client
 * repeats a scalar key; `changes`, typed array, takes repeats).
 */
function queryParamSchema(p: SwaggerParameter): JsonSchema {
  switch (p.type) {
    case 'integer':
    case 'number':
      if (LOOSE_NUMERIC_QUERY.has(p.name)) return { type: 'string' };
      return { type: 'string', pattern: p.required ? '^[+-]?[0-9]+$' : '^([+-]?[0-9]+)?$' };
    case 'array':
      return { type: 'array', items: { type: 'string' } };
    case 'string':
      // An empty value means "default" to dockerd, so it stays allowed.
      return p.enum ? { type: 'string', enum: [...new Set(['', ...p.enum.map(String)])] } : { type: 'string' };
    default:
      return { type: 'string' };
  }
}

/** Converts Swagger 2.0 body schemas to ajv-8 JSON Schema (see file header). */
class BodyConverter {
  private readonly resolving = new Set<string>();

  constructor(private readonly definitions: Record<string, JsonSchema>) {}

  convert(node: JsonSchema): JsonSchema {
    const base = this.structure(node);
    // Go's decoder takes null for any field and leaves its zero value; the wire readers treat null as absent.
    return allowNull(base);
  }

  /** The schema without nullability: $ref inlined, allOf flattened. */
  private structure(node: JsonSchema): JsonSchema {
    if (typeof node.$ref === 'string') return this.ref(node.$ref);
    if (Array.isArray(node.allOf)) return this.allOf(node.allOf as JsonSchema[]);
    const out: JsonSchema = {};
    const type = node.type ?? (node.properties ? 'object' : node.items ? 'array' : undefined);
    if (type !== undefined) out.type = type;
    if (node.properties) out.properties = this.properties(node.properties as Record<string, JsonSchema>);
    if (node.items) out.items = this.convert(node.items as JsonSchema);
    if (node.additionalProperties && typeof node.additionalProperties === 'object') {
      out.additionalProperties = this.convert(node.additionalProperties as JsonSchema);
    }
    return out;
  }

  private properties(props: Record<string, JsonSchema>): Record<string, JsonSchema> {
    const out: Record<string, JsonSchema> = {};
    for (const [name, prop] of Object.entries(props)) {
      const converted = GO_POINTER_SCALARS.has(name) ? this.convert({ ...prop, 'x-nullable': true }) : this.convert(prop);
      // Array branch first: under coerceTypes 'array' a string becomes [string], like StrSlice.
      out[name] = STR_SLICE_FIELDS.has(name) && converted.type === 'array' ? { anyOf: [converted, { type: 'string' }] } : converted;
    }
    return out;
  }

  private ref(ref: string): JsonSchema {
    const name = ref.replace(/^#\/definitions\//, '');
    const def = this.definitions[name];
    if (!def) throw new Error(`openapi.yaml: unknown $ref ${ref}`);
    if (this.resolving.has(name)) throw new Error(`openapi.yaml: recursive $ref ${ref} in a request body`);
    this.resolving.add(name);
    try {
      return this.structure(def);
    } finally {
      this.resolving.delete(name);
    }
  }

  /** Object members are merged into one object (clearer error paths); anything else stays allOf. */
  private allOf(members: JsonSchema[]): JsonSchema {
    if (members.length === 1) return this.structure(members[0]);
    const parts = members.map((m) => this.structure(m));
    if (!parts.every((p) => p.type === 'object' && !p.additionalProperties)) return { allOf: parts };
    const properties: Record<string, JsonSchema> = {};
    for (const p of parts) Object.assign(properties, p.properties ?? {});
    return { type: 'object', properties };
  }
}

/** ajv's `nullable` needs a sibling `type`; for a typeless schema use anyOf. */
function allowNull(schema: JsonSchema): JsonSchema {
  if (typeof schema.type === 'string') return { ...schema, nullable: true };
  return { anyOf: [schema, { type: 'null' }] };
}
