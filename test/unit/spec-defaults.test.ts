/** The create defaults (src/engine/model/spec-defaults.ts) are what the wire parser gives for an empty create body. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultCreateSpec, defaultResources } from '../../src/engine/api.js';
import { toCreateOptions } from '../../src/server/wire/create-body.js';

test('defaultCreateSpec() is the spec of a create body with only Image (plus the optional fields the parser always sets)', () => {
  const { options } = toCreateOptions({ Image: 'busybox' }, undefined);
  assert.deepEqual(options.spec, {
    ...defaultCreateSpec(),
    volumesFrom: [],
    portBindings: [],
    publishAllPorts: false,
    dns: [],
    dnsSearch: [],
    dnsOptions: [],
    extraHosts: [],
    macAddress: '',
    healthcheck: null,
    resources: { ...defaultResources(), memoryReservation: 0, memorySwappiness: null, oomKillDisable: false, blkioWeight: 0, cpusetMems: '' },
    pidMode: '',
    ipcMode: '',
    utsMode: '',
    cgroupnsMode: '',
    init: null,
    groupAdd: [],
    devices: [],
    deviceCgroupRules: [],
    sysctls: {},
    shmSize: 0,
    oomScoreAdj: 0,
    isolation: '',
    runtime: '',
    logConfig: { type: 'json-file', config: {} },
    containerIdFile: '',
    usernsMode: '',
    volumeDriver: '',
    argsEscaped: false,
    onBuild: null,
    shell: null,
    networkDisabled: false,
    links: [],
  });
});

test('defaults are fresh objects; overrides replace whole fields', () => {
  const a = defaultCreateSpec();
  a.env.push('X=1');
  a.resources.ulimits.push({ name: 'nofile', soft: 1, hard: 1 });
  assert.deepEqual(defaultCreateSpec().env, []);
  assert.deepEqual(defaultResources().ulimits, []);
  const b = defaultCreateSpec({ networkMode: 'none', resources: defaultResources({ memory: 1 << 20 }) });
  assert.equal(b.networkMode, 'none');
  assert.equal(b.resources.memory, 1 << 20);
  assert.equal(b.resources.cpusetCpus, '');
});
