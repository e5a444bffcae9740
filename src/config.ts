/**
 * berthd's configuration: dockerd-style flags, optionally a JSON config file
 * (validated with ajv; unknown keys are an error), flags winning over the
 * file. Pure apart from reading the file.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Ajv } from 'ajv';

export interface Config {
  hosts: string[];
  dataRoot: string;
  execRoot: string;
  pidfile: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** runc, crun, or a path to a compatible binary. */
  runtime: string;
  cgroupParent: string;
  logSizeMax: number;
  defaultPidsLimit: number;
  /** dockerd's bip: gateway/prefix of the default bridge network ("172.17.0.1/16"); undefined = pick a free subnet. */
  bip?: string;
  /** dockerd's default-address-pools: where network subnets come from (Docker's defaults when empty). */
  defaultAddressPools: Array<{ base: string; size: number }>;
  /** "host[:port]" or CIDR: registries reached without TLS verification (or over plain http). */
  insecureRegistries: string[];
  /** docker.io mirrors (URLs), tried in order before Docker Hub. */
  registryMirrors: string[];
  /** Docker's certs.d: `<dir>/<host:port>/ca.crt`, client.cert, client.key. Beside the config file, else /etc/berth/certs.d. */
  certsDir: string;
  /** Events kept in the state database for `since` replays: at most this many… */
  eventsRetentionCount: number;
  /** …and none older than this many seconds. */
  eventsRetentionAge: number;
  /** TLS for TCP listeners (dockerd's --tls/--tlsverify); undefined when off. */
  tls?: TlsConfig;
}

/**
 * dockerd's TLS modes: `tls` encrypts and authenticates the server only;
 * `tlsverify` also requires a client certificate signed by `ca` (mutual TLS).
 */
export interface TlsConfig {
  verify: boolean;
  ca?: string;
  cert: string;
  key: string;
}

export const DEFAULTS = {
  hosts: ['unix:///run/berth/berth.sock'],
  dataRoot: '/var/lib/berth',
  execRoot: '/run/berth',
  logLevel: 'info',
  runtime: 'runc',
  cgroupParent: 'berth',
  logSizeMax: 32 * 1024 * 1024,
  defaultPidsLimit: 4096,
  certsDir: '/etc/berth/certs.d',
  eventsRetentionCount: 10_000,
  eventsRetentionAge: 7 * 86_400,
} as const;

/** Keys of the config file: dockerd's daemon.json spelling where dockerd has one. */
const FILE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    hosts: { type: 'array', items: { type: 'string', minLength: 1 } },
    'data-root': { type: 'string', minLength: 1 },
    'exec-root': { type: 'string', minLength: 1 },
    pidfile: { type: 'string', minLength: 1 },
    'log-level': { enum: ['debug', 'info', 'warn', 'error'] },
    runtime: { type: 'string', minLength: 1 },
    'cgroup-parent': { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' },
    'log-size-max': { type: 'integer', minimum: 0 },
    'default-pids-limit': { type: 'integer', minimum: -1 },
    tls: { type: 'boolean' },
    tlsverify: { type: 'boolean' },
    tlscacert: { type: 'string', minLength: 1 },
    tlscert: { type: 'string', minLength: 1 },
    tlskey: { type: 'string', minLength: 1 },
    bip: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+\\.\\d+/\\d+$' },
    'default-address-pools': {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['base', 'size'],
        properties: { base: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+\\.\\d+/\\d+$' }, size: { type: 'integer', minimum: 1, maximum: 30 } },
      },
    },
    'insecure-registries': { type: 'array', items: { type: 'string', minLength: 1 } },
    'registry-mirrors': { type: 'array', items: { type: 'string', pattern: '^https?://' } },
    'events-retention-count': { type: 'integer', minimum: 1 },
    'events-retention-age': { type: 'integer', minimum: 1 },
  },
} as const;

export class ConfigError extends Error {}

export function loadConfig(argv: string[]): Config {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      host: { type: 'string', short: 'H', multiple: true },
      'data-root': { type: 'string' },
      'exec-root': { type: 'string' },
      pidfile: { type: 'string', short: 'p' },
      'log-level': { type: 'string', short: 'l' },
      'config-file': { type: 'string' },
      runtime: { type: 'string' },
      'cgroup-parent': { type: 'string' },
      'log-size-max': { type: 'string' },
      'default-pids-limit': { type: 'string' },
      tls: { type: 'boolean' },
      tlsverify: { type: 'boolean' },
      tlscacert: { type: 'string' },
      tlscert: { type: 'string' },
      tlskey: { type: 'string' },
      bip: { type: 'string' },
      'default-address-pool': { type: 'string', multiple: true },
      'insecure-registry': { type: 'string', multiple: true },
      'registry-mirror': { type: 'string', multiple: true },
      'events-retention-count': { type: 'string' },
      'events-retention-age': { type: 'string' },
    },
  });
  const file = values['config-file'] ? readConfigFile(values['config-file']) : {};
  const merged: Record<string, unknown> = { ...file };
  for (const key of [
    'data-root',
    'exec-root',
    'pidfile',
    'log-level',
    'runtime',
    'cgroup-parent',
    'tls',
    'tlsverify',
    'tlscacert',
    'tlscert',
    'tlskey',
  ] as const) {
    if (values[key] !== undefined) merged[key] = values[key];
  }
  for (const key of ['log-size-max', 'default-pids-limit', 'events-retention-count', 'events-retention-age'] as const) {
    if (values[key] !== undefined) merged[key] = parseInteger(key, values[key]);
  }
  if (values.host) merged.hosts = values.host;
  if (values.bip !== undefined) merged.bip = values.bip;
  if (values['default-address-pool']) merged['default-address-pools'] = values['default-address-pool'].map(parseAddressPool);
  // dockerd: list flags add to the file's lists.
  if (values['insecure-registry']) merged['insecure-registries'] = [...((merged['insecure-registries'] as string[]) ?? []), ...values['insecure-registry']];
  if (values['registry-mirror']) merged['registry-mirrors'] = [...((merged['registry-mirrors'] as string[]) ?? []), ...values['registry-mirror']];
  validate(merged, 'command line');
  const execRoot = path.resolve((merged['exec-root'] as string) ?? DEFAULTS.execRoot);
  const dataRoot = path.resolve((merged['data-root'] as string) ?? DEFAULTS.dataRoot);
  const tls = tlsConfig(merged);
  const hosts = (merged.hosts as string[]) ?? [...DEFAULTS.hosts];
  for (const host of hosts) parseHost(host, tls?.verify === true); // refuse bad or unprotected addresses before anything starts
  return {
    hosts,
    tls,
    dataRoot,
    execRoot,
    pidfile: path.resolve((merged.pidfile as string) ?? path.join(execRoot, 'berthd.pid')),
    logLevel: (merged['log-level'] as Config['logLevel']) ?? DEFAULTS.logLevel,
    runtime: (merged.runtime as string) ?? DEFAULTS.runtime,
    cgroupParent: (merged['cgroup-parent'] as string) ?? defaultCgroupParent(dataRoot),
    logSizeMax: (merged['log-size-max'] as number) ?? DEFAULTS.logSizeMax,
    defaultPidsLimit: (merged['default-pids-limit'] as number) ?? DEFAULTS.defaultPidsLimit,
    bip: merged.bip as string | undefined,
    defaultAddressPools: (merged['default-address-pools'] as Config['defaultAddressPools']) ?? [],
    insecureRegistries: (merged['insecure-registries'] as string[]) ?? [],
    registryMirrors: (merged['registry-mirrors'] as string[]) ?? [],
    certsDir: values['config-file'] ? path.join(path.dirname(path.resolve(values['config-file'])), 'certs.d') : DEFAULTS.certsDir,
    eventsRetentionCount: (merged['events-retention-count'] as number) ?? DEFAULTS.eventsRetentionCount,
    eventsRetentionAge: (merged['events-retention-age'] as number) ?? DEFAULTS.eventsRetentionAge,
  };
}

/** dockerd's `--default-address-pool base=10.10.0.0/16,size=24`. */
function parseAddressPool(text: string): { base: string; size: number } {
  const fields = Object.fromEntries(text.split(',').map((kv) => kv.split('=', 2) as [string, string]));
  const size = Number(fields.size);
  if (!fields.base || !Number.isInteger(size)) throw new ConfigError(`invalid --default-address-pool ${text}: expected base=CIDR,size=N`);
  return { base: fields.base, size };
}

/**
 * The TLS settings, or undefined when neither `tls` nor `tlsverify` is set.
 * As dockerd: `tlsverify` implies `tls`; unlike dockerd there are no default
 * paths under ~/.docker, so certificate and key (and the CA when verifying)
 * must be named.
 */
function tlsConfig(merged: Record<string, unknown>): TlsConfig | undefined {
  const verify = merged.tlsverify === true;
  if (!verify && merged.tls !== true) {
    if (merged.tlscacert ?? merged.tlscert ?? merged.tlskey) throw new ConfigError('--tlscacert, --tlscert and --tlskey need --tls or --tlsverify');
    return undefined;
  }
  const [ca, cert, key] = [merged.tlscacert, merged.tlscert, merged.tlskey] as (string | undefined)[];
  if (!cert || !key) throw new ConfigError('--tls and --tlsverify need --tlscert and --tlskey');
  if (verify && !ca) throw new ConfigError('--tlsverify needs --tlscacert (the CA that signs client certificates)');
  return { verify, ca: ca && path.resolve(ca), cert: path.resolve(cert), key: path.resolve(key) };
}

/**
 * Two daemons on different data roots must not share a cgroup parent: the
 * default data root gets "berth", any other "berth-<8 hex of its path>".
 */
export function defaultCgroupParent(dataRoot: string): string {
  if (dataRoot === DEFAULTS.dataRoot) return DEFAULTS.cgroupParent;
  return `${DEFAULTS.cgroupParent}-${createHash('sha256').update(dataRoot).digest('hex').slice(0, 8)}`;
}

function readConfigFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  validate(parsed, `config file ${file}`);
  return parsed as Record<string, unknown>;
}

const validator = new Ajv({ allErrors: true }).compile(FILE_SCHEMA);

function validate(value: unknown, where: string): void {
  if (validator(value)) return;
  const problems = (validator.errors ?? []).map((e) =>
    e.keyword === 'additionalProperties'
      ? `unknown key "${(e.params as { additionalProperty: string }).additionalProperty}"`
      : `${e.instancePath || 'value'} ${e.message}`,
  );
  throw new ConfigError(`invalid ${where}: ${problems.join('; ')}`);
}

function parseInteger(flag: string, text: string): number {
  if (!/^-?\d+$/.test(text)) throw new ConfigError(`invalid --${flag}: ${text} is not an integer`);
  return Number(text);
}

/** A listen address: a unix socket path, a TCP address (any address with TLS, else loopback only), or a systemd socket. */
export type ListenAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number } | { kind: 'fd'; fd: number };

/**
 * Parses one --host. TCP off loopback needs mutual TLS (`mutualTls`): anyone
 * who can reach the port and is not authenticated would be root on the host.
 */
export function parseHost(host: string, mutualTls = false): ListenAddress {
  if (host.startsWith('unix://')) return { kind: 'unix', path: host.slice('unix://'.length) };
  if (host.startsWith('fd://')) return { kind: 'fd', fd: Number(host.slice(5) || 3) };
  const tcp = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)$/.exec(host);
  if (tcp) {
    const hostname = tcp[1].replace(/^\[|\]$/g, '');
    if (!mutualTls && !['127.0.0.1', 'localhost', '::1'].includes(hostname)) {
      throw new ConfigError(
        `refusing to listen on ${host}: TCP without client certificates is allowed only on loopback; use --tlsverify with --tlscacert, --tlscert and --tlskey`,
      );
    }
    return { kind: 'tcp', host: hostname, port: Number(tcp[2]) };
  }
  throw new ConfigError(`invalid --host ${host}: expected unix:///path, fd:// or tcp://127.0.0.1:PORT`);
}
