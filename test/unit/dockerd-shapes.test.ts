/**
 * Answer shapes where berth used to differ from dockerd 20.10 (found by
 * scripts/differential.ts, issue 13 item 7), and the differential tool's
 * own pure comparison.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MASKED_PATHS, READONLY_PATHS } from '../../src/engine/api.js';
import { toContainerInspect } from '../../src/server/wire/containers.js';
import { execInspectJson } from '../../src/server/wire/exec.js';
import { toImageInspect, toImageListItem } from '../../src/server/wire/images.js';
import { serializeImageConfig } from '../../src/engine/images/image-config.js';
import { parseImageConfig } from '../../src/engine/images/config-parse.js';
import { toInfo, toVersion } from '../../src/server/wire/system.js';
import { toUpdateResponse } from '../../src/server/wire/update-body.js';
import { compareAnswers, grouped, shapeDiff } from '../../scripts/differential.js';
import { deliberateReason, type Difference } from '../../scripts/differential-known.js';
import { FakeEngine, sampleContainer, sampleImage } from './fake-engine.js';

test('version names Experimental in the engine details; info Warnings is null when there are none', async () => {
  const e = new FakeEngine();
  const v = toVersion(await e.system.version()) as { Components: Array<{ Details: Record<string, string> }> };
  assert.equal(v.Components[0].Details.Experimental, 'false');
  assert.equal((toInfo(await e.system.info(), new Date()) as { Warnings: unknown }).Warnings, null);
});

test('container and image Config: empty Env is null, empty ExposedPorts is left out', () => {
  const base = sampleContainer();
  const c = toContainerInspect(sampleContainer({ spec: { ...base.spec, env: [], exposedPorts: [] } })) as { Config: Record<string, unknown> };
  assert.equal(c.Config.Env, null);
  assert.ok(!('ExposedPorts' in c.Config));
  const withPorts = toContainerInspect(sampleContainer({ spec: { ...base.spec, exposedPorts: ['80/tcp'] } })) as { Config: Record<string, unknown> };
  assert.deepEqual(withPorts.Config.ExposedPorts, { '80/tcp': {} });
  const img = sampleImage();
  const i = toImageInspect(sampleImage({ config: { ...img.config, env: [] } })) as Record<string, Record<string, unknown>>;
  assert.equal(i.Config.Env, null);
  assert.ok(!('ExposedPorts' in i.Config) && !('ExposedPorts' in i.ContainerConfig));
  assert.equal(i.ContainerConfig.Env, null);
});

test("a commit's empty Labels map is {} (dockerd copies the container's), an image without one says null", () => {
  const img = sampleImage();
  const committed = { ...img.config, emptyLabelsMap: true };
  const input = { created: img.created, architecture: 'amd64', os: 'linux', author: '', comment: '', diffIds: [], history: [] };
  const { json } = serializeImageConfig({ ...input, config: committed });
  assert.deepEqual((JSON.parse(json) as { config: { Labels: unknown } }).config.Labels, {});
  assert.equal(parseImageConfig(json).config.emptyLabelsMap, true, 'read back from its config JSON');
  const inspect = (config: typeof img.config) => (toImageInspect(sampleImage({ config })) as { Config: { Labels: unknown } }).Config.Labels;
  assert.deepEqual(inspect(committed), {});
  assert.deepEqual((toImageListItem(sampleImage({ config: committed })) as { Labels: unknown }).Labels, {});
  assert.equal(inspect(img.config), null);
  const imported = serializeImageConfig({ ...input, config: img.config }).json;
  assert.ok(!imported.includes('Labels'));
  assert.equal(parseImageConfig(imported).config.emptyLabelsMap, undefined);
});

test('HostConfig echoes the masked and read-only paths of an unprivileged container, none for a privileged one', () => {
  const base = sampleContainer();
  const h = (toContainerInspect(base) as { HostConfig: Record<string, unknown> }).HostConfig;
  assert.deepEqual(h.MaskedPaths, [...MASKED_PATHS]);
  assert.deepEqual(h.ReadonlyPaths, [...READONLY_PATHS]);
  const p = (toContainerInspect(sampleContainer({ spec: { ...base.spec, privileged: true } })) as { HostConfig: Record<string, unknown> }).HostConfig;
  assert.equal(p.MaskedPaths, null);
  assert.equal(p.ReadonlyPaths, null);
});

test('exec inspect leaves out an empty user, as dockerd (omitempty)', () => {
  const view = {
    id: 'e',
    containerId: 'c',
    cmd: ['sh'],
    tty: false,
    privileged: false,
    user: '',
    running: false,
    exitCode: 0,
    pid: 0,
    openStdin: false,
    openStdout: false,
    openStderr: false,
    detachKeys: '',
  };
  assert.ok(!('user' in (execInspectJson(view) as { ProcessConfig: object }).ProcessConfig));
  assert.equal((execInspectJson({ ...view, user: 'nobody' }) as { ProcessConfig: { user: string } }).ProcessConfig.user, 'nobody');
});

test('differential: shapes compare keys and JSON types, never values; arrays by their first element', () => {
  assert.deepEqual(shapeDiff({ a: 1, b: 'x', c: [{ k: 1 }] }, { a: 2, b: 'y', c: [{ k: 5 }, { z: 1 }] }), []);
  assert.deepEqual(shapeDiff({ a: null, b: 1 }, { a: [], c: 1 }), [
    ['$.a', 'null', 'array'],
    ['$.b', 'number', 'absent'],
    ['$.c', 'absent', 'number'],
  ]);
  assert.deepEqual(shapeDiff([{ k: 1 }], [{ k: '1' }]), [['$[].k', 'number', 'string']]);
  assert.deepEqual(shapeDiff([], [{ k: 1 }]), []);
});

test('differential: status, shape and message differences; IDs in messages are normalized; grouping and deliberate reasons', () => {
  const step = { name: 'kill: not running', method: 'POST' as const, path: '/x' };
  const id = 'a'.repeat(64);
  const d = { status: 409, json: { message: `Container ${id} is not running` }, text: '' };
  assert.deepEqual(compareAnswers(step, d, { status: 409, json: { message: `Container ${id.slice(0, 12)} is not running` }, text: '' }), []);
  const diffs = compareAnswers(step, d, { status: 500, json: { message: 'boom', extra: 1 }, text: '' });
  assert.deepEqual(
    diffs.map((x) => x.path),
    ['status', '$.extra', 'message'],
  );
  assert.deepEqual(compareAnswers({ ...step, stream: true }, { status: 200, json: undefined, text: 'a' }, { status: 200, json: undefined, text: 'b' }), []);
  const same: Difference[] = [
    { step: 'inspect a', path: '$.X', dockerd: 'null', berthd: 'array' },
    { step: 'inspect b', path: '$.X', dockerd: 'null', berthd: 'array' },
  ];
  assert.deepEqual(
    grouped(same).map((g) => g.steps),
    [['inspect a', 'inspect b']],
  );
  assert.match(deliberateReason({ step: 'unpause again', path: 'status', dockerd: '500', berthd: '409' }) ?? '', /409/);
  assert.equal(deliberateReason({ step: 'ping', path: 'status', dockerd: '200', berthd: '500' }), undefined);
});

test('update answers Warnings null without warnings, the list with them (dockerd)', () => {
  assert.deepEqual(toUpdateResponse([]), { Warnings: null });
  assert.deepEqual(toUpdateResponse(['w']), { Warnings: ['w'] });
});
