/**
 * openapi.yaml → request schemas: every operation compiles under Fastify's
 * own ajv (strict mode, no warnings), and real client bodies and queries
 * pass while wrong types answer 400 naming the field.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fastify, type FastifyInstance } from 'fastify';
import { listOperations, routeSchema } from '../../src/server/schemas.js';

/** Docker form → Fastify form: /containers/{id}/json → /containers/:id/json. */
function fastifyUrl(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ':$1');
}

let app: FastifyInstance;
const warnings: unknown[][] = [];
const originalWarn = console.warn;

before(async () => {
  // ajv reports strict-mode problems (unknown keywords, missing types) through console.warn.
  console.warn = (...args: unknown[]) => {
    warnings.push(args);
  };
  app = fastify({ exposeHeadRoutes: false });
  for (const op of listOperations()) {
    app.route({
      method: op.method,
      url: fastifyUrl(op.path),
      schema: routeSchema(op.operationId),
      handler: async (req) => ({ operationId: op.operationId, query: req.query, body: req.body ?? null }),
    });
  }
  try {
    await app.ready();
  } finally {
    console.warn = originalWarn;
  }
});

after(async () => {
  await app?.close();
});

async function post(url: string, body: unknown): Promise<{ status: number; json: Record<string, any> }> {
  const res = await app.inject({ method: 'POST', url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: res.statusCode, json: res.json() };
}

async function get(url: string, method: 'GET' | 'POST' = 'GET'): Promise<{ status: number; json: Record<string, any> }> {
  const res = await app.inject({ method, url });
  return { status: res.statusCode, json: res.json() };
}

test('the spec lists the operations berth serves, each once', () => {
  const ops = listOperations();
  assert.ok(ops.length >= 26, `only ${ops.length} operations`);
  assert.equal(new Set(ops.map((o) => o.operationId)).size, ops.length);
  assert.deepEqual(
    ops.find((o) => o.operationId === 'ContainerInspect'),
    { method: 'GET', path: '/containers/{id}/json', operationId: 'ContainerInspect' },
  );
  const ping = ops.filter((o) => o.path === '/_ping').map((o) => o.method);
  assert.deepEqual(ping, ['HEAD', 'GET'], 'HEAD must come first so Fastify can register it next to GET');
});

test('every operation compiles with Fastify ajv without strict-mode warnings', () => {
  assert.deepEqual(warnings, []);
  for (const op of listOperations()) {
    assert.ok(app.hasRoute({ method: op.method, url: fastifyUrl(op.path) }), `${op.method} ${op.path}`);
  }
});

test('routeSchema throws for an unknown operationId and returns fresh copies', () => {
  assert.throws(() => routeSchema('ContainerFly'), /ContainerFly/);
  const a = routeSchema('ContainerCreate');
  (a.body as Record<string, unknown>).mutated = true;
  assert.equal((routeSchema('ContainerCreate').body as Record<string, unknown>).mutated, undefined);
});

/** What docker CLI 28 sends (API 1.41) for `docker run --rm busybox echo hi`. */
const cliRunBody = {
  Hostname: '',
  Domainname: '',
  User: '',
  AttachStdin: false,
  AttachStdout: true,
  AttachStderr: true,
  Tty: false,
  OpenStdin: false,
  StdinOnce: false,
  Env: [],
  Cmd: ['echo', 'hi'],
  Image: 'busybox',
  Volumes: {},
  WorkingDir: '',
  Entrypoint: null,
  OnBuild: null,
  Labels: {},
  HostConfig: {
    Binds: null,
    ContainerIDFile: '',
    LogConfig: { Type: '', Config: {} },
    NetworkMode: 'default',
    PortBindings: {},
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    AutoRemove: true,
    VolumeDriver: '',
    VolumesFrom: null,
    ConsoleSize: [0, 0],
    CapAdd: null,
    CapDrop: null,
    CgroupnsMode: '',
    Dns: [],
    DnsOptions: [],
    DnsSearch: [],
    ExtraHosts: null,
    GroupAdd: null,
    IpcMode: '',
    Cgroup: '',
    Links: null,
    OomScoreAdj: 0,
    PidMode: '',
    Privileged: false,
    PublishAllPorts: false,
    ReadonlyRootfs: false,
    SecurityOpt: null,
    UTSMode: '',
    UsernsMode: '',
    ShmSize: 0,
    Isolation: '',
    CpuShares: 0,
    Memory: 0,
    NanoCpus: 0,
    CgroupParent: '',
    BlkioWeight: 0,
    BlkioWeightDevice: [],
    BlkioDeviceReadBps: [],
    BlkioDeviceWriteBps: [],
    BlkioDeviceReadIOps: [],
    BlkioDeviceWriteIOps: [],
    CpuPeriod: 0,
    CpuQuota: 0,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: '',
    CpusetMems: '',
    Devices: [],
    DeviceCgroupRules: null,
    DeviceRequests: null,
    MemoryReservation: 0,
    MemorySwap: 0,
    MemorySwappiness: null,
    OomKillDisable: false,
    PidsLimit: null,
    Ulimits: [],
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    MaskedPaths: null,
    ReadonlyPaths: null,
  },
  NetworkingConfig: {
    EndpointsConfig: {
      default: {
        IPAMConfig: null,
        Links: null,
        Aliases: null,
        MacAddress: '',
        DriverOpts: null,
        GwPriority: 0,
        NetworkID: '',
        EndpointID: '',
        Gateway: '',
        IPAddress: '',
        IPPrefixLen: 0,
        IPv6Gateway: '',
        GlobalIPv6Address: '',
        GlobalIPv6PrefixLen: 0,
        DNSNames: null,
      },
    },
  },
};

test('ContainerCreate accepts the docker CLI 28 body unchanged', async () => {
  const { status, json } = await post('/containers/create', cliRunBody);
  assert.equal(status, 200, JSON.stringify(json));
  // Nothing stripped (GwPriority and DNSNames are newer than v1.41), nothing coerced.
  assert.deepEqual(json.body, cliRunBody);
});

test('ContainerCreate keeps null for Go pointer fields and -1 swappiness', async () => {
  const body = { ...cliRunBody, HostConfig: { ...cliRunBody.HostConfig, MemorySwappiness: -1, OomKillDisable: null, Init: null } };
  const { status, json } = await post('/containers/create?name=web', body);
  assert.equal(status, 200, JSON.stringify(json));
  assert.equal(json.body.HostConfig.MemorySwappiness, -1);
  assert.equal(json.body.HostConfig.OomKillDisable, null);
  assert.equal(json.body.HostConfig.Init, null);
  assert.equal(json.query.name, 'web');
});

test('ContainerCreate accepts a docker-py body, and a string Cmd becomes a one-element list', async () => {
  const body = {
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Env: ['A=1'],
    Cmd: 'echo hi',
    Entrypoint: '/bin/sh -c',
    Image: 'busybox',
    NetworkDisabled: false,
    Labels: { x: 'y' },
    ExposedPorts: { '80/tcp': {} },
    HostConfig: { NetworkMode: 'default', Memory: 67108864, PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '' }] } },
  };
  const { status, json } = await post('/containers/create', body);
  assert.equal(status, 200, JSON.stringify(json));
  assert.deepEqual(json.body.Cmd, ['echo hi']);
  assert.deepEqual(json.body.Entrypoint, ['/bin/sh -c']);
  assert.deepEqual(json.body.HostConfig.PortBindings, body.HostConfig.PortBindings);
  assert.deepEqual(json.body.ExposedPorts, { '80/tcp': {} });
});

test('ContainerCreate rejects a wrong type with 400 naming the field', async () => {
  const bad = { ...cliRunBody, HostConfig: { ...cliRunBody.HostConfig, Memory: 'lots' } };
  const { status, json } = await post('/containers/create', bad);
  assert.equal(status, 400);
  assert.match(json.message, /HostConfig\/Memory/);
  const badEnv = await post('/containers/create', { Image: 'busybox', Labels: { a: { b: 1 } } });
  assert.equal(badEnv.status, 400);
  assert.match(badEnv.json.message, /Labels/);
});

test('query booleans and integers take what clients send', async () => {
  let r = await get('/containers/json?all=True&limit=-1&size=False&filters=%7B%22label%22%3A%5B%22a%22%5D%7D');
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.deepEqual(r.json.query, { all: 'True', limit: '-1', size: 'False', filters: '{"label":["a"]}' });
  r = await get('/containers/abc/logs?stdout=1&stderr=1&tail=all&since=1700000000.123456789&follow=yes');
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.query.tail, 'all');
  r = await get('/containers/abc/stop?t=', 'POST');
  assert.equal(r.status, 200, JSON.stringify(r.json));
  r = await get('/containers/abc/resize?h=%2B24&w=80', 'POST');
  assert.equal(r.status, 200, JSON.stringify(r.json));
  r = await get('/containers/abc/wait?condition=next-exit', 'POST');
  assert.equal(r.status, 200, JSON.stringify(r.json));
  r = await get('/images/create?fromSrc=-&repo=x&changes=CMD%20sh', 'POST');
  assert.deepEqual(r.json.query.changes, ['CMD sh']);
});

test('bad query integers and missing required queries answer 400 naming the field', async () => {
  let r = await get('/containers/abc/stop?t=soon', 'POST');
  assert.equal(r.status, 400);
  assert.match(r.json.message, /querystring\/t/);
  r = await get('/containers/abc/resize?h=10', 'POST');
  assert.equal(r.status, 400);
  assert.match(r.json.message, /'w'/);
  // rename's `name` is checked by its handler, to answer with dockerd's text (test/integration/dockerd-fidelity).
  r = await get('/containers/abc/rename', 'POST');
  assert.equal(r.status, 200);
  r = await get('/containers/abc/wait?condition=whenever', 'POST');
  assert.equal(r.status, 400);
  assert.match(r.json.message, /condition/);
});
