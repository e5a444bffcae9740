/** Pure conversions of src/server/wire and src/server/streams/stdcopy. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isEngineError } from '../../src/engine/api.js';
import { frame, frameHeader, parseFrames } from '../../src/server/streams/stdcopy.js';
import { queryBool, queryInt } from '../../src/server/query.js';
import { commandLine, toContainerInspect, toContainerListItem } from '../../src/server/wire/containers.js';
import { toCreateOptions } from '../../src/server/wire/create-body.js';
import { loadMessages, toHistoryItem, toImageDeleteResponse, toImageInspect, toImageListItem, toImagePruneResponse } from '../../src/server/wire/images.js';
import { toChangesResponse } from '../../src/server/wire/container-files.js';
import { toContainerPruneResponse, toTopResponse, toWaitError, toWaitResponse } from '../../src/server/wire/container-results.js';
import { humanDuration, statusText } from '../../src/server/wire/status-text.js';
import { toDiskUsage } from '../../src/server/wire/disk-usage.js';
import { sampleContainer, sampleImage } from './fake-engine.js';

/** Asserts fn throws a 400 (invalid-parameter) whose message matches re. */
function throws400(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (err: unknown) => isEngineError(err, 'invalid-parameter') && re.test(err.message));
}

test('humanDuration follows go-units', () => {
  const s = 1000;
  const cases: Array<[number, string]> = [
    [0, 'Less than a second'],
    [999, 'Less than a second'],
    [s, '1 second'],
    [59 * s, '59 seconds'],
    [60 * s, 'About a minute'],
    [119 * s, 'About a minute'],
    [120 * s, '2 minutes'],
    [59 * 60 * s, '59 minutes'],
    [60 * 60 * s, 'About an hour'],
    [89 * 60 * s, 'About an hour'],
    [90 * 60 * s, '2 hours'],
    [47 * 3600 * s, '47 hours'],
    [48 * 3600 * s, '2 days'],
    [13 * 86400 * s, '13 days'],
    [14 * 86400 * s, '2 weeks'],
    [59 * 86400 * s, '8 weeks'],
    [60 * 86400 * s, '2 months'],
    [729 * 86400 * s, '24 months'],
    [730 * 86400 * s, '2 years'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms}`);
});

test('statusText for every state', () => {
  const base = sampleContainer().state;
  const now = Date.parse('2026-11-28T10:05:01Z');
  assert.equal(statusText({ ...base, status: 'running' }, now), 'Up 5 minutes');
  assert.equal(statusText({ ...base, status: 'paused' }, now), 'Up 5 minutes (Paused)');
  const fin = '2026-11-28T10:04:58.5Z';
  assert.equal(statusText({ ...base, status: 'exited', exitCode: 137, finishedAt: fin }, now), 'Exited (137) 2 seconds ago');
  assert.equal(statusText({ ...base, status: 'restarting', exitCode: 1, finishedAt: fin }, now), 'Restarting (1) 2 seconds ago');
  assert.equal(statusText({ ...base, status: 'created', startedAt: '' }, now), 'Created');
  assert.equal(statusText({ ...base, status: 'initialized', startedAt: '' }, now), 'Created');
  assert.equal(statusText({ ...base, status: 'exited', startedAt: '' }, now), 'Created');
  assert.equal(statusText({ ...base, status: 'removing' }, now), 'Removal In Progress');
  assert.equal(statusText({ ...base, status: 'dead' }, now), 'Dead');
});

test('query booleans and integers follow Docker', () => {
  for (const f of ['', '0', 'no', 'False', 'NONE', 'false']) assert.equal(queryBool(f, true), false, f);
  for (const t of ['1', 'true', 'True', 'yes', 'x']) assert.equal(queryBool(t), true, t);
  assert.equal(queryBool(undefined, true), true);
  assert.equal(queryInt('-1', 'limit', 0), -1);
  assert.equal(queryInt(undefined, 't', null), null);
  throws400(() => queryInt('1.5', 'tail', 0), /tail/);
});

const create = (body: Record<string, unknown>, name?: string) => toCreateOptions({ Image: 'busybox', ...body }, name);
const hc = (HostConfig: Record<string, unknown>) => create({ HostConfig });

test('create: Cmd/Entrypoint string, list, null and clearing', () => {
  assert.deepEqual(create({ Cmd: 'echo' }).options.cmd, ['echo']);
  assert.deepEqual(create({ Cmd: ['a', 'b'] }).options.cmd, ['a', 'b']);
  assert.equal(create({ Cmd: null }).options.cmd, null);
  assert.equal(create({}).options.entrypoint, null);
  assert.deepEqual(create({ Entrypoint: [''] }).options.entrypoint, []);
  assert.deepEqual(create({ Entrypoint: '' }).options.entrypoint, []);
  assert.deepEqual(create({ Entrypoint: ['/bin/sh', '-c'] }).options.entrypoint, ['/bin/sh', '-c']);
  throws400(() => create({ Cmd: 5 }), /^Cmd /);
  throws400(() => toCreateOptions(null, undefined), /Config cannot be empty/);
});

test('create: name rules and defaults', () => {
  assert.equal(create({}, '/web').options.name, 'web');
  assert.equal(create({}).options.name, undefined);
  throws400(() => create({}, 'a'), /^Invalid container name \(a\), only \[a-zA-Z0-9\]\[a-zA-Z0-9_.-\] are allowed$/);
  throws400(() => create({}, 'bad name'), /Invalid container name/);
  const o = create({ Labels: null, StopTimeout: null }).options;
  assert.deepEqual(o.spec.labels, {});
  assert.equal(o.spec.stopTimeout, null);
  assert.equal(create({ StopTimeout: 5 }).options.spec.stopTimeout, 5);
  assert.deepEqual(create({ ExposedPorts: { '80/tcp': {} } }).options.spec.exposedPorts, ['80/tcp']);
});

test('create: Binds, Mounts and Tmpfs', () => {
  const m = hc({
    Binds: ['/h:/c:ro,rslave', '/x:/y:Z'],
    Tmpfs: { '/run': 'size=64m,mode=1777,noexec' },
    Mounts: [
      { Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1024 } },
      { Type: 'bind', Source: '/s', Target: '/d', ReadOnly: true },
    ],
  }).options.spec.mounts;
  assert.deepEqual(m[0], { type: 'bind', source: '/h', target: '/c', readOnly: true, origin: 'binds', mode: 'ro,rslave', propagation: 'rslave' });
  assert.equal(m[1].readOnly, false);
  assert.deepEqual(m[2], { type: 'tmpfs', source: '', target: '/t', readOnly: false, origin: 'mounts', tmpfsSize: 1024 });
  assert.equal(m[3].readOnly, true);
  assert.deepEqual(m[4], {
    type: 'tmpfs',
    source: '',
    target: '/run',
    readOnly: false,
    origin: 'tmpfs',
    tmpfsSize: 64 << 20,
    tmpfsMode: 0o1777,
    options: ['noexec'],
    tmpfsText: 'size=64m,mode=1777,noexec',
  });
  throws400(
    () => hc({ Binds: ['/h:rel'] }),
    /^invalid volume specification: '\/h:rel': invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute$/,
  );
  throws400(() => hc({ Binds: ['/a:/c', '/b:/c'] }), /^Duplicate mount point: \/c$/);
  throws400(
    () => hc({ Binds: ['/tmp:/x:nocopy'] }),
    /^invalid volume specification: '\/tmp:\/x:nocopy': invalid mount config for type "bind": field VolumeOptions must not be specified$/,
  );
  throws400(() => hc({ Binds: ['data:/'] }), /destination can't be '\/'/);
  throws400(
    () => hc({ Mounts: [{ Type: 'bind', Source: 'rel', Target: '/x' }] }),
    /^invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute$/,
  );
  throws400(
    () => hc({ Mounts: [{ Type: 'bind', Source: '/tmp', Target: '/x', VolumeOptions: { NoCopy: true } }] }),
    /^invalid mount config for type "bind": field VolumeOptions must not be specified$/,
  );
  throws400(() => hc({ Mounts: [{ Type: 'nfs', Target: '/x' }] }), /mount type unknown/);
});

test("create: dockerd 20.10's texts for bad Binds, Mounts and Tmpfs (each checked against it)", () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ Binds: ['/foo:rw'] }, "invalid volume specification: '/foo:rw'"],
    [{ Binds: ['vv:ro'] }, "invalid volume specification: 'vv:ro'"],
    [{ Binds: ['vv::ro'] }, `invalid volume specification: 'vv::ro': invalid mount config for type "volume": field Target must not be empty`],
    [{ Binds: [':/x'] }, "invalid volume specification: ':/x'"],
    [{ Binds: ['/a:/b:ro:x'] }, "invalid volume specification: '/a:/b:ro:x'"],
    [{ Binds: ['/'] }, `invalid volume specification: '/': invalid mount config for type "volume": invalid specification: destination can't be '/'`],
    [{ Binds: ['/tmp:/'] }, `invalid volume specification: '/tmp:/': invalid mount config for type "bind": invalid specification: destination can't be '/'`],
    [{ Binds: ['vv:/x:bogus'] }, 'invalid mode: bogus'],
    [{ Binds: ['/tmp:/x:ro,rshared,bogus'] }, 'invalid mode: ro,rshared,bogus'],
    [{ Binds: ['vv:/x:ro,rw'] }, 'invalid mode: ro,rw'],
    [{ Binds: ['vv:/x:z,Z'] }, 'invalid mode: z,Z'],
    [{ Binds: ['vv:/x:nocopy,nocopy'] }, 'invalid mode: nocopy,nocopy'],
    [{ Binds: ['/tmp:/x:cached,delegated'] }, 'invalid mode: cached,delegated'],
    [{ Mounts: [{ Type: 'volume', Target: '/' }] }, `invalid mount config for type "volume": invalid specification: destination can't be '/'`],
    [{ Mounts: [{ Type: '', Source: '/tmp', Target: '/x' }] }, 'invalid mount config for type "": mount type unknown'],
    [
      { Mounts: [{ Type: 'bind', Source: '/tmp', Target: '/x', BindOptions: { Propagation: 'bogus' } }] },
      'invalid mount config for type "bind": invalid propagation mode: bogus',
    ],
    [{ Tmpfs: { '/': '' } }, "invalid specification: destination can't be '/'"],
    [{ Tmpfs: { rel: '' } }, "invalid mount path: 'rel' mount path must be absolute"],
  ];
  for (const [body, text] of cases) throws400(() => hc(body), new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`));
  // Accepted as dockerd does: an empty mode, one option of each kind.
  assert.equal(hc({ Binds: ['vv:/x:'] }).options.spec.mounts[0].name, 'vv');
  assert.equal(hc({ Binds: ['vv:/x:ro,z,nocopy'] }).options.spec.mounts[0].noCopy, true);
  assert.equal(hc({ Binds: ['/h:/x:rw,Z,rslave,cached'] }).options.spec.mounts[0].propagation, 'rslave');
});

test('create: volume forms (Binds, Mounts, Config.Volumes, VolumesFrom)', () => {
  const o = create({
    Volumes: { '/cache': {} },
    HostConfig: {
      VolumesFrom: ['a:ro'],
      Binds: ['data:/data', 'd2:/d2:ro,nocopy', '/anon'],
      Mounts: [
        {
          Type: 'volume',
          Source: 'v2',
          Target: '/v2',
          VolumeOptions: { NoCopy: true, Labels: { a: 'b' }, DriverConfig: { Name: 'local', Options: { type: 'tmpfs', device: 'tmpfs' } } },
        },
        { Type: 'volume', Target: '/anon2' },
      ],
    },
  }).options;
  assert.deepEqual(o.configVolumes, ['/cache']);
  assert.deepEqual(o.spec.volumesFrom, ['a:ro']);
  const m = o.spec.mounts;
  assert.deepEqual(m[0], { type: 'volume', name: 'data', source: '', target: '/data', readOnly: false, origin: 'binds', mode: 'z' });
  assert.deepEqual(m[1], { type: 'volume', name: 'd2', source: '', target: '/d2', readOnly: true, origin: 'binds', mode: 'ro,nocopy', noCopy: true });
  assert.deepEqual(m[2], { type: 'volume', name: '', source: '', target: '/anon', readOnly: false, origin: 'binds', mode: '' });
  assert.deepEqual(m[3], {
    type: 'volume',
    name: 'v2',
    source: '',
    target: '/v2',
    readOnly: false,
    origin: 'mounts',
    mode: 'z',
    noCopy: true,
    volumeDriver: 'local',
    volumeLabels: { a: 'b' },
    volumeOptions: { type: 'tmpfs', device: 'tmpfs' },
  });
  assert.equal(m[4].name, '');
  throws400(
    () => hc({ Mounts: [{ Type: 'volume', Source: 'v', Target: '/d', BindOptions: { Propagation: 'shared' } }] }),
    /field BindOptions must not be specified/,
  );
  throws400(() => create({ Volumes: { rel: {} } }), /mount path must be absolute/);
});

test('create: restart policy, AutoRemove, network mode', () => {
  assert.deepEqual(hc({ RestartPolicy: { Name: '' } }).options.spec.restartPolicy, { name: 'no', maximumRetryCount: 0 });
  assert.deepEqual(hc({ RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } }).options.spec.restartPolicy, {
    name: 'on-failure',
    maximumRetryCount: 3,
  });
  throws400(() => hc({ RestartPolicy: { Name: 'always', MaximumRetryCount: 2 } }), /^maximum retry count cannot be used with restart policy 'always'$/);
  throws400(() => hc({ RestartPolicy: { Name: 'on-failure', MaximumRetryCount: -1 } }), /cannot be negative/);
  throws400(() => hc({ RestartPolicy: { Name: 'sometimes' } }), /invalid restart policy/);
  throws400(() => hc({ AutoRemove: true, RestartPolicy: { Name: 'always' } }), /can't create 'AutoRemove' container with restart policy/);
  // The mode goes to the engine as given; the engine resolves '' / default to bridge and checks the network.
  for (const mode of ['', 'default', 'bridge', 'host', 'none', 'container:x', 'mynet']) {
    const r = hc({ NetworkMode: mode });
    assert.equal(r.options.spec.networkMode, mode);
    assert.deepEqual(r.warnings, []);
  }
});

test('create: security options and resources', () => {
  for (const opt of ['no-new-privileges', 'no-new-privileges:true', 'no-new-privileges=true']) {
    assert.equal(hc({ SecurityOpt: [opt] }).options.spec.noNewPrivileges, true, opt);
  }
  const s = hc({ SecurityOpt: ['no-new-privileges:false', 'seccomp=unconfined', 'label=disable'] }).options.spec;
  assert.equal(s.noNewPrivileges, false);
  assert.deepEqual(s.securityOpt, ['seccomp=unconfined', 'label=disable']);
  throws400(() => hc({ SecurityOpt: ['no-new-privileges:maybe'] }), /security-opt/);
  throws400(() => hc({ Memory: -1 }), /^HostConfig.Memory must not be negative$/);
  throws400(() => hc({ NanoCpus: 1e9, CpuPeriod: 100000 }), /^Conflicting options: Nano CPUs and CPU Period cannot both be set$/);
  throws400(() => hc({ NanoCpus: 1e9, CpuQuota: 50000 }), /Nano CPUs and CPU Quota/);
  assert.equal(hc({ PidsLimit: 0 }).options.spec.resources.pidsLimit, null);
  assert.equal(hc({ PidsLimit: null }).options.spec.resources.pidsLimit, null);
  assert.equal(hc({ PidsLimit: -1 }).options.spec.resources.pidsLimit, -1);
  assert.equal(hc({ MemorySwap: -1 }).options.spec.resources.memorySwap, -1);
  assert.deepEqual(hc({ Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }] }).options.spec.resources.ulimits, [{ name: 'nofile', soft: 1024, hard: 2048 }]);
  throws400(() => hc({ Ulimits: [{ Name: 'nofile', Soft: 4096, Hard: 2048 }] }), /HostConfig.Ulimits\[0\]/);
  assert.equal(hc({ ConsoleSize: [0, 0] }).options.spec.consoleSize, null);
  assert.deepEqual(hc({ ConsoleSize: [30, 100] }).options.spec.consoleSize, [30, 100]);
});

const INSPECT_KEYS = [
  'Id',
  'Created',
  'Path',
  'Args',
  'State',
  'Image',
  'ResolvConfPath',
  'HostnamePath',
  'HostsPath',
  'LogPath',
  'Name',
  'RestartCount',
  'Driver',
  'Platform',
  'MountLabel',
  'ProcessLabel',
  'AppArmorProfile',
  'ExecIDs',
  'HostConfig',
  'GraphDriver',
  'Mounts',
  'Config',
  'NetworkSettings',
];

test('container inspect has every v1.41 key', () => {
  const j = toContainerInspect(sampleContainer()) as Record<string, any>;
  for (const k of INSPECT_KEYS) assert.ok(k in j, k);
  assert.equal(j.Name, '/web');
  assert.equal(j.Path, 'sh');
  assert.deepEqual(j.Args, ['-c', 'echo hi there']);
  assert.equal(j.ExecIDs, null);
  assert.deepEqual(Object.keys(j.State), [
    'Status',
    'Running',
    'Paused',
    'Restarting',
    'OOMKilled',
    'Dead',
    'Pid',
    'ExitCode',
    'Error',
    'StartedAt',
    'FinishedAt',
  ]);
  assert.equal(j.State.FinishedAt, '0001-01-01T00:00:00Z');
  for (const k of [
    'Binds',
    'Memory',
    'MemorySwap',
    'NanoCpus',
    'CpuShares',
    'CpuQuota',
    'CpuPeriod',
    'CpusetCpus',
    'PidsLimit',
    'Ulimits',
    'CapAdd',
    'CapDrop',
    'Privileged',
    'SecurityOpt',
    'NetworkMode',
    'RestartPolicy',
    'AutoRemove',
    'ReadonlyRootfs',
    'LogConfig',
  ]) {
    assert.ok(k in j.HostConfig, `HostConfig.${k}`);
  }
  assert.deepEqual(j.HostConfig.Binds, ['/h:/c:ro']);
  assert.deepEqual(j.Mounts, [{ Type: 'bind', Source: '/h', Destination: '/c', Mode: 'ro', RW: false, Propagation: 'rprivate' }]);
  assert.equal(j.Config.Hostname, 'aaaaaaaaaaaa');
  assert.deepEqual(Object.keys(j.NetworkSettings.Networks), ['none']);
  const initialized = toContainerInspect(sampleContainer({ state: { ...sampleContainer().state, status: 'initialized' } })) as Record<string, any>;
  assert.equal(initialized.State.Status, 'created');
  const host = toContainerInspect(sampleContainer({ spec: { ...sampleContainer().spec, networkMode: 'host' } })) as Record<string, any>;
  assert.deepEqual(Object.keys(host.NetworkSettings.Networks), ['host']);
});

test('container list item', () => {
  const now = Date.parse('2026-11-28T10:05:01Z');
  const j = toContainerListItem(sampleContainer({ sizeRw: 10, sizeRootFs: 20 }), now) as Record<string, any>;
  assert.deepEqual(j.Names, ['/web']);
  assert.equal(j.Command, "sh -c 'echo hi there'");
  assert.equal(j.Created, Math.floor(Date.parse('2026-11-28T10:00:00.123Z') / 1000));
  assert.equal(j.State, 'running');
  assert.equal(j.Status, 'Up 5 minutes');
  assert.equal(j.SizeRw, 10);
  const empty = sampleContainer({ sizeRw: 0, sizeRootFs: 20 });
  assert.equal('SizeRw' in toContainerListItem(empty, now), false, 'a list item omits a zero size (omitempty), as dockerd');
  assert.equal(toContainerInspect(empty).SizeRw, 0, 'inspect keeps it (a pointer in Go)');
  assert.deepEqual(j.HostConfig, { NetworkMode: 'none' });
  assert.equal(commandLine({ ...sampleContainer().spec, entrypoint: [], cmd: ['top'] }), 'top');
});

test('image wire shapes', () => {
  // One familiar-name rule (the engine's familiarReference, Docker's FamiliarName):
  // only docker.io/library/<one component> loses "library/".
  const tags = ['docker.io/library/busybox:latest', 'docker.io/foo/bar:1', 'localhost:5000/a:1', 'docker.io/library/a/b:1'];
  // In dockerd's order: its reference store sorts the familiar strings lexically.
  const familiar = ['busybox:latest', 'foo/bar:1', 'library/a/b:1', 'localhost:5000/a:1'];
  assert.deepEqual((toImageListItem(sampleImage({ tags })) as Record<string, any>).RepoTags, familiar);
  assert.deepEqual((toImageInspect(sampleImage({ tags })) as Record<string, any>).RepoTags, familiar);
  const item = toImageListItem(sampleImage()) as Record<string, any>;
  assert.deepEqual(item.RepoTags, ['busybox:latest']);
  assert.equal(item.Created, Date.parse('2026-01-01T00:00:00Z') / 1000);
  assert.equal(item.SharedSize, -1);
  assert.equal(item.Containers, -1, 'dockerd 20.10 counts containers only in system df');
  assert.equal(item.Labels, null);
  const df = toDiskUsage(
    {
      layersSize: 0,
      images: [],
      containers: [],
      volumes: [{ name: 'v', driver: 'local', mountpoint: '/m', createdAt: '', labels: {}, scope: 'local', options: {}, refCount: 0, size: 0 }],
    },
    0,
  ) as Record<string, any>;
  assert.deepEqual([df.Volumes[0].Labels, df.Volumes[0].Options], [null, null], 'nil maps, as in the volume list');
  const untagged = toImageListItem(sampleImage({ tags: [] })) as Record<string, any>;
  assert.deepEqual(untagged.RepoTags, ['<none>:<none>']);
  const ins = toImageInspect(sampleImage()) as Record<string, any>;
  assert.deepEqual(ins.RepoDigests, []);
  assert.equal(ins.Created, '2026-01-01T00:00:00Z');
  assert.deepEqual(ins.RootFS, { Type: 'layers', Layers: [`sha256:${'c'.repeat(64)}`] });
  assert.deepEqual(ins.Config.Cmd, ['sh']);
  for (const k of [
    'Parent',
    'Comment',
    'Container',
    'ContainerConfig',
    'DockerVersion',
    'Author',
    'Architecture',
    'Os',
    'Size',
    'VirtualSize',
    'GraphDriver',
    'Metadata',
  ]) {
    assert.ok(k in ins, k);
  }
});

test('stdcopy framing', () => {
  assert.deepEqual([...frameHeader('stdout', 6)], [1, 0, 0, 0, 0, 0, 0, 6]);
  assert.deepEqual([...frameHeader('stderr', 0x01020304)], [2, 0, 0, 0, 1, 2, 3, 4]);
  const f = frame('stdout', Buffer.from('hello\n'));
  assert.equal(f.toString('hex'), '0100000000000006' + Buffer.from('hello\n').toString('hex'));
  assert.equal(frame('stderr', Buffer.alloc(0)).length, 0);
  const big = frame('stdout', Buffer.alloc((1 << 20) + 5, 120));
  assert.deepEqual(
    parseFrames(big).map((p) => p.data.length),
    [1 << 20, 5],
  );
});

test('history, load, prune and delete answers use the same familiar names', () => {
  const row = { id: 'sha256:abc', created: 1, createdBy: 'sh', tags: ['docker.io/library/a/b:1', 'docker.io/library/busybox:latest'], size: 3, comment: '' };
  assert.deepEqual(toHistoryItem(row), { Id: 'sha256:abc', Created: 1, CreatedBy: 'sh', Tags: ['library/a/b:1', 'busybox:latest'], Size: 3, Comment: '' });
  assert.equal(toHistoryItem({ ...row, tags: [] }).Tags, null);
  assert.deepEqual(
    loadMessages([
      { id: 'sha256:abc', tags: ['docker.io/library/a/b:1'] },
      { id: 'sha256:def', tags: [] },
    ]),
    ['Loaded image: library/a/b:1\n', 'Loaded image ID: sha256:def\n'],
  );
  assert.deepEqual(toImagePruneResponse({ deleted: [], spaceReclaimed: 0 }), { ImagesDeleted: null, SpaceReclaimed: 0 });
  assert.deepEqual(toImagePruneResponse({ deleted: [{ untagged: 'x:1' }, { deleted: 'sha256:abc' }], spaceReclaimed: 5 }), {
    ImagesDeleted: [{ Untagged: 'x:1' }, { Deleted: 'sha256:abc' }],
    SpaceReclaimed: 5,
  });
  assert.deepEqual(toImageDeleteResponse([{ untagged: 'library/a/b:1' }, { deleted: 'sha256:abc' }]), [
    { Untagged: 'library/a/b:1' },
    { Deleted: 'sha256:abc' },
  ]);
});

test('container result answers: changes, top, prune, wait', () => {
  assert.equal(toChangesResponse([]), null);
  assert.deepEqual(toChangesResponse([{ path: '/a', kind: 1 }]), [{ Path: '/a', Kind: 1 }]);
  assert.deepEqual(toTopResponse({ titles: ['PID'], processes: [['1']] }), { Titles: ['PID'], Processes: [['1']] });
  assert.deepEqual(toContainerPruneResponse({ deleted: [], spaceReclaimed: 0 }), { ContainersDeleted: null, SpaceReclaimed: 0 });
  assert.deepEqual(toWaitResponse({ exitCode: 3, error: '' }), { StatusCode: 3, Error: null });
  assert.deepEqual(toWaitError('gone'), { StatusCode: -1, Error: { Message: 'gone' } });
});
