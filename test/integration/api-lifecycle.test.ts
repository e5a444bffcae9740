/**
 * Container lifecycle over raw HTTP: list with every filter in both JSON
 * encodings, kill, top, rename, pause, restart, prune, 304s, and restart
 * policies with Docker's backoff.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { create, inspectApi, logs, run, sleep, verb, waitExit } from './helpers/api.js';
import { startDaemon, type TestDaemon } from './helpers/daemon.js';
import { eventually, skipUnlessRoot } from './helpers/docker-cli.js';
import { importBusybox } from './helpers/images.js';

type Filters = Record<string, string[]>;
const SLEEP = { Cmd: ['sleep', '1000'] };

describe('container lifecycle over HTTP', { skip: skipUnlessRoot(), timeout: 180_000 }, () => {
  let d: TestDaemon;
  let hostDir: string;
  before(async () => {
    d = await startDaemon();
    await importBusybox(d);
    hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-it-policy-'));
  });
  after(async () => {
    fs.rmSync(hostDir, { recursive: true, force: true });
    await d?.cleanup();
  });

  /** Lists with `filters` in the list encoding and in the map encoding; asserts both agree and returns the names. */
  async function listNames(filters: Filters, extra: Record<string, string | number> = { all: 1 }): Promise<string[]> {
    const asMap = Object.fromEntries(Object.entries(filters).map(([k, vs]) => [k, Object.fromEntries(vs.map((v) => [v, true]))]));
    const names: string[][] = [];
    for (const encoded of [filters, asMap]) {
      const res = await d.request('GET', '/containers/json', { query: { ...extra, filters: encoded } });
      assert.equal(res.status, 200, `${JSON.stringify(encoded)} → ${res.status} ${res.body}`);
      names.push(res.json().map((c: { Names: string[] }) => c.Names[0].slice(1)));
    }
    assert.deepEqual(names[1], names[0], `map and list encodings of ${JSON.stringify(filters)} differ`);
    return names[0];
  }

  describe('list filters', () => {
    const ids: Record<string, string> = {};
    before(async () => {
      ids.a = await run(d, { Cmd: ['true'], Labels: { k: 'v' } }, 'flt-a');
      ids.b = await run(d, { Cmd: ['sh', '-c', 'exit 3'], Labels: { k: 'w' } }, 'flt-b');
      ids.c = await run(d, { ...SLEEP, Labels: { k: 'v' } }, 'flt-c');
      ids.e = await create(d, { Cmd: ['true'] }, 'flt-e');
      await waitExit(d, ids.a);
      await waitExit(d, ids.b);
    });
    const flt = (f: Filters) => listNames({ name: ['flt-'], ...f });

    test('all, newest first; without all only running', async () => {
      assert.deepEqual(await flt({}), ['flt-e', 'flt-c', 'flt-b', 'flt-a']);
      assert.deepEqual(await listNames({ name: ['flt-'] }, {}), ['flt-c']);
    });
    test('id and name', async () => {
      assert.deepEqual(await flt({ id: [ids.a.slice(0, 12)] }), ['flt-a']);
      assert.deepEqual(await flt({ name: ['flt-b'] }), ['flt-b']);
      assert.deepEqual(await listNames({ name: ['/flt-c'] }), ['flt-c']);
    });
    test('label by key and key=value', async () => {
      assert.deepEqual(await flt({ label: ['k=v'] }), ['flt-c', 'flt-a']);
      assert.deepEqual(await flt({ label: ['k'] }), ['flt-c', 'flt-b', 'flt-a']);
      assert.deepEqual(await flt({ label: ['k=nope'] }), []);
      assert.deepEqual(await flt({ label: ['constructor'] }), [], 'only own label keys match');
      assert.deepEqual(await flt({ label: ['__proto__'] }), []);
    });
    test("bad filters are 400 with Docker's words", async () => {
      const bad = async (method: string, p: string, filters: string | object) => {
        const res = await d.request(method, p, { query: { filters } });
        assert.equal(res.status, 400, `${JSON.stringify(filters)} → ${res.status} ${res.body}`);
        return res.json().message as string;
      };
      assert.equal(await bad('GET', '/containers/json', { bogus: ['x'] }), "Invalid filter 'bogus'");
      assert.match(await bad('GET', '/containers/json', '{nope'), /^invalid filter: /);
      assert.equal(await bad('POST', '/containers/prune', { until: ['1h', '2h'] }), 'more than one until filter specified');
      assert.equal(await bad('POST', '/containers/prune', { until: ['soon'] }), 'failed to parse value as time or duration: "soon"');
      assert.equal(await bad('POST', '/images/prune', { dangling: { true: true, false: true } }), "Invalid filter 'dangling=[true false]'");
    });
    test('status, exited and ancestor', async () => {
      assert.deepEqual(await flt({ status: ['exited'] }), ['flt-b', 'flt-a']);
      assert.deepEqual(await flt({ status: ['running'] }), ['flt-c']);
      assert.deepEqual(await flt({ status: ['created'] }), ['flt-e']);
      assert.deepEqual(await flt({ status: ['created', 'running'] }), ['flt-e', 'flt-c']);
      assert.deepEqual(await flt({ exited: ['3'] }), ['flt-b']);
      assert.deepEqual(await flt({ exited: ['0'] }), ['flt-a']);
      assert.deepEqual(await flt({ ancestor: ['busybox'] }), ['flt-e', 'flt-c', 'flt-b', 'flt-a']);
      assert.deepEqual(await flt({ ancestor: ['busybox:latest'] }), ['flt-e', 'flt-c', 'flt-b', 'flt-a']);
    });
    test('before and since', async () => {
      assert.deepEqual(await flt({ before: ['flt-c'] }), ['flt-b', 'flt-a']);
      assert.deepEqual(await flt({ since: ['flt-a'] }), ['flt-e', 'flt-c', 'flt-b']);
      assert.deepEqual(await flt({ since: [ids.a], before: [ids.e] }), ['flt-c', 'flt-b']);
    });
    test('limit and size', async () => {
      assert.deepEqual(await listNames({ name: ['flt-'] }, { limit: 2 }), ['flt-e', 'flt-c']);
      const res = await d.request('GET', '/containers/json', { query: { all: 1, size: 1, filters: { name: ['flt-a'] } } });
      const [c] = res.json();
      // flt-a wrote nothing: dockerd leaves a zero SizeRw out of a list item (omitempty), and so does berth.
      assert.equal(c.SizeRw, undefined, JSON.stringify(c));
      assert.ok(c.SizeRootFs > 0, JSON.stringify(c));
      const plain = (await d.request('GET', '/containers/json', { query: { all: 1, filters: { name: ['flt-a'] } } })).json()[0];
      assert.equal(plain.SizeRw, undefined);
    });
    test('prune with a label filter removes only stopped containers with the label', async () => {
      const res = await d.request('POST', '/containers/prune', { query: { filters: { label: ['k=v'] } } });
      assert.equal(res.status, 200);
      assert.deepEqual(res.json().ContainersDeleted, [ids.a]);
      assert.equal(typeof res.json().SpaceReclaimed, 'number');
      assert.deepEqual(await flt({}), ['flt-e', 'flt-c', 'flt-b']);
      await verb(d, ids.c, 'kill');
    });
  });

  test('kill by name and by number; the signal reaches PID 1', async () => {
    const id = await run(d, { Cmd: ['sh', '-c', 'trap "echo usr1" USR1; trap "echo hup" HUP; echo ready; while :; do sleep 0.1; done'] });
    await eventually('ready', async () => (await logs(d, id)).stdout.includes('ready'));
    for (const signal of ['SIGUSR1', 'USR1', '1']) {
      await verb(d, id, 'kill', { signal });
      await sleep(300);
    }
    assert.equal((await logs(d, id)).stdout, 'ready\nusr1\nusr1\nhup\n');
    assert.equal((await inspectApi(d, id)).State.Status, 'running');
    await verb(d, id, 'kill', { signal: '9' });
    assert.equal(await waitExit(d, id), 137);
  });

  test('top with ps_args', async () => {
    const id = await run(d, SLEEP);
    const def = (await d.request('GET', `/containers/${id}/top`)).json();
    assert.deepEqual(def.Titles.slice(0, 3), ['UID', 'PID', 'PPID']);
    assert.equal(def.Processes.length, 1);
    assert.match(def.Processes[0].at(-1), /sleep 1000/);
    const res = await d.request('GET', `/containers/${id}/top`, { query: { ps_args: '-o pid,comm' } });
    assert.equal(res.status, 200, String(res.body));
    const top = res.json();
    assert.deepEqual(top.Titles, ['PID', 'COMMAND']);
    assert.equal(top.Processes[0][0], String((await inspectApi(d, id)).State.Pid));
    assert.equal(top.Processes[0][1], 'sleep');
    await verb(d, id, 'kill');
  });

  test('rename; a taken name is 409', async () => {
    const a = await create(d, SLEEP, 'ren-a');
    await create(d, SLEEP, 'ren-b');
    const taken = await d.request('POST', `/containers/${a}/rename`, { query: { name: 'ren-b' } });
    assert.equal(taken.status, 409);
    assert.match(taken.json().message, /ren-b.*already in use/);
    await verb(d, 'ren-a', 'rename', { name: 'ren-c' });
    assert.equal((await inspectApi(d, a)).Name, '/ren-c');
    assert.equal((await d.request('GET', '/containers/ren-a/json')).status, 404);
    // The freed name is usable again.
    await create(d, SLEEP, 'ren-a');
  });

  test('pause/unpause, restart, and the 304s of start and stop', async () => {
    const id = await run(d, SLEEP);
    const first = (await inspectApi(d, id)).State;
    assert.equal((await d.request('POST', `/containers/${id}/start`)).status, 304);
    await verb(d, id, 'pause');
    const paused = (await inspectApi(d, id)).State;
    assert.equal(paused.Status, 'paused');
    assert.equal(paused.Paused, true);
    await verb(d, id, 'unpause');
    assert.equal((await inspectApi(d, id)).State.Status, 'running');
    await verb(d, id, 'restart', { t: 0 });
    const restarted = (await inspectApi(d, id)).State;
    assert.equal(restarted.Status, 'running');
    assert.notEqual(restarted.Pid, first.Pid);
    assert.ok(restarted.StartedAt > first.StartedAt);
    await verb(d, id, 'stop', { t: 0 });
    assert.equal((await d.request('POST', `/containers/${id}/stop`)).status, 304);
    await verb(d, id, 'restart', { t: 0 }); // restart of a stopped container starts it
    assert.equal((await inspectApi(d, id)).State.Status, 'running');
    await verb(d, id, 'kill');
  });

  test("on-failure:2 restarts exactly twice with Docker's backoff, then stays exited", async () => {
    const starts = path.join(hostDir, 'starts');
    const id = await run(d, {
      Cmd: ['sh', '-c', 'cut -d" " -f1 /proc/uptime >> /h/starts; exit 1'],
      // No network: the gaps measure the backoff plus a start, and a bridge setup would add to each start.
      HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 }, Binds: [`${hostDir}:/h`], NetworkMode: 'none' },
    });
    await eventually('two restarts', async () => {
      const c = await inspectApi(d, id);
      return c.RestartCount === 2 && c.State.Status === 'exited';
    });
    await sleep(1500);
    const c = await inspectApi(d, id);
    assert.equal(c.RestartCount, 2);
    assert.equal(c.State.Status, 'exited');
    assert.equal(c.State.ExitCode, 1);
    const t = fs.readFileSync(starts, 'utf8').trim().split('\n').map(Number);
    assert.equal(t.length, 3, `started ${t.length} times`);
    const [gap1, gap2] = [t[1] - t[0], t[2] - t[1]];
    // The lower bounds prove the backoff; the upper ones only that it is not a longer one (a start under load takes time too).
    assert.ok(gap1 >= 0.09 && gap1 < 2, `first restart after ${gap1} s (Docker: 100 ms)`);
    assert.ok(gap2 >= 0.19 && gap2 < 2.5, `second restart after ${gap2} s (Docker: 200 ms)`);
  });

  test('always restarts a container that exits 0; stop during the backoff is 204 and ends it for good', async () => {
    const id = await run(d, { Cmd: ['true'], HostConfig: { RestartPolicy: { Name: 'always' } } });
    await eventually('restarted twice', async () => (await inspectApi(d, id)).RestartCount >= 2, { timeoutMs: 8000 });
    // Waiting out the backoff counts as running for Docker: stop is a 204 that ends the loop, not a 304.
    await eventually('in backoff', async () => (await inspectApi(d, id)).State.Restarting === true, { intervalMs: 20 });
    await verb(d, id, 'stop', { t: 1 });
    const count = (await inspectApi(d, id)).RestartCount;
    await sleep(1500);
    const c = await inspectApi(d, id);
    assert.equal(c.State.Status, 'exited');
    assert.equal(c.RestartCount, count, 'no restart after a user stop');
  });
});
