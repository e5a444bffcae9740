/**
 * System endpoints over raw HTTP: _ping, /version, /info with true values,
 * version prefixes and unknown paths.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { describe, test } from 'node:test';
import { create, inspectApi, run, verb, waitExit } from './helpers/api.js';
import { useDaemon } from './helpers/suite.js';
import { eventually, skipUnlessRoot } from './helpers/docker-cli.js';

describe('system endpoints over HTTP', { skip: skipUnlessRoot(), timeout: 120_000 }, () => {
  const d = useDaemon();

  test("HEAD and GET /_ping carry Docker's headers", async () => {
    for (const method of ['GET', 'HEAD']) {
      const res = await d.request(method, '/_ping');
      assert.equal(res.status, 200, method);
      assert.equal(res.headers['api-version'], '1.41');
      assert.equal(res.headers['ostype'], 'linux');
      assert.equal(res.headers['docker-experimental'], 'false');
      assert.match(String(res.headers['cache-control']), /no-cache/);
      assert.equal(res.body.toString(), method === 'GET' ? 'OK' : '');
    }
  });

  test('/version has ApiVersion 1.41, MinAPIVersion 1.24 and Components', async () => {
    const res = await d.request('GET', '/version');
    assert.equal(res.status, 200);
    const v = res.json();
    assert.equal(v.ApiVersion, '1.41');
    assert.equal(v.MinAPIVersion, '1.24');
    assert.equal(v.Os, 'linux');
    assert.equal(v.KernelVersion, os.release());
    assert.ok(Array.isArray(v.Components) && v.Components.length >= 1, JSON.stringify(v.Components));
    for (const c of v.Components) assert.ok(typeof c.Name === 'string' && typeof c.Version === 'string', JSON.stringify(c));
  });

  test('/v1.41/ and unversioned paths both work; /v1.24 too', async () => {
    for (const p of ['/v1.41/version', '/version', '/v1.24/_ping', '/v1.41/containers/json']) {
      assert.equal((await d.request('GET', p)).status, 200, p);
    }
  });

  test("a version above the maximum is 400 with Docker's text, below the minimum too", async () => {
    const res = await d.request('GET', '/v9.99/_ping');
    assert.equal(res.status, 400);
    assert.equal(res.json().message, 'client version 9.99 is too new. Maximum supported API version is 1.41');
    const old = await d.request('GET', '/v1.12/version');
    assert.equal(old.status, 400);
    assert.match(old.json().message, /client version 1\.12 is too old/);
  });

  test('an unknown path is 404 page not found', async () => {
    for (const p of ['/nope', '/v1.41/nope', '/containers/x/nope']) {
      const res = await d.request('GET', p);
      assert.equal(res.status, 404, p);
      assert.equal(res.json().message, 'page not found', p);
    }
  });

  test('/info counts containers by state and tells the truth about the host', async () => {
    const running = await run(d, { Cmd: ['sleep', '1000'] });
    const paused = await run(d, { Cmd: ['sleep', '1000'] });
    await verb(d, paused, 'pause');
    const stopped = await run(d, { Cmd: ['true'] });
    assert.equal(await waitExit(d, stopped), 0);
    await create(d, { Cmd: ['true'] }); // created counts as stopped
    const info = (await d.request('GET', '/info')).json();
    assert.equal(info.Containers, 4);
    assert.equal(info.ContainersRunning, 1);
    assert.equal(info.ContainersPaused, 1);
    assert.equal(info.ContainersStopped, 2);
    assert.equal(info.Images, 1);
    assert.equal(info.Driver, 'overlay2');
    assert.equal(info.CgroupVersion, fs.existsSync('/sys/fs/cgroup/cgroup.controllers') ? '2' : '1');
    assert.equal(info.CgroupDriver, 'cgroupfs');
    assert.equal(info.DockerRootDir, d.dataRoot);
    assert.equal(info.NCPU, os.cpus().length);
    assert.ok(info.MemTotal > 0 && Math.abs(info.MemTotal - os.totalmem()) < 64 * 1024 * 1024, String(info.MemTotal));
    assert.equal(info.KernelVersion, os.release());
    assert.equal(info.OSType, 'linux');
    assert.equal(info.Name, os.hostname());
    assert.ok(typeof info.ID === 'string' && info.ID.length > 0);
    assert.ok(info.Runtimes && info.Runtimes[info.DefaultRuntime], JSON.stringify(info.Runtimes));
    await verb(d, paused, 'unpause');
    for (const id of [running, paused]) await verb(d, id, 'kill');
  });

  test('/info counts a container waiting out its restart backoff as stopped (moby setStateCounter)', async () => {
    const all = (await d.request('GET', '/containers/json', { query: { all: 1 } })).json() as Array<{ Id: string }>;
    for (const c of all) await d.request('DELETE', `/containers/${c.Id}`, { query: { force: 1 } });
    const id = await run(d, { Cmd: ['false'], HostConfig: { RestartPolicy: { Name: 'always' } } });
    // After four restarts the backoff is 1.6 s: long enough to read /info inside one.
    await eventually('restarted four times', async () => (await inspectApi(d, id)).RestartCount >= 4, { timeoutMs: 15_000 });
    let info: Record<string, number> = {};
    await eventually('/info read inside one backoff', async () => {
      const before = await inspectApi(d, id);
      info = (await d.request('GET', '/info')).json();
      const after = await inspectApi(d, id);
      return before.State.Restarting && after.State.Restarting && before.RestartCount === after.RestartCount;
    });
    assert.deepEqual([info.Containers, info.ContainersRunning, info.ContainersPaused, info.ContainersStopped], [1, 0, 0, 1]);
    await verb(d, id, 'stop', { t: 1 });
    await d.request('DELETE', `/containers/${id}`);
  });
});
