/**
 * Bad input over raw HTTP: every client mistake is a Docker-style error
 * with the right status (400, 404, 409), never a 500, never a crash, and a
 * failed create leaves nothing behind (no record, directory, mount, conmon).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import YAML from 'yaml';
import { create, run, verb, waitExit } from './helpers/api.js';
import { startDaemon, type TestDaemon } from './helpers/daemon.js';
import { skipUnlessRoot } from './helpers/docker-cli.js';
import { importBusybox, repoRoot } from './helpers/images.js';
import { mountsUnder, processesMentioning } from './helpers/leaks.js';
import type { RequestOptions } from './helpers/unix-http.js';

describe('bad input over HTTP', { skip: skipUnlessRoot(), timeout: 120_000 }, () => {
  let d: TestDaemon;
  let running = '';
  let exited = '';
  before(async () => {
    d = await startDaemon();
    await importBusybox(d);
    running = await run(d, { Cmd: ['sleep', '1000'] }, 'err-running');
    exited = await run(d, { Cmd: ['true'] }, 'err-exited');
    await waitExit(d, exited);
  });
  after(async () => {
    await d?.cleanup();
  });

  /** Sends a request and asserts the status and (when given) the error message; never a 5xx. */
  async function expectError(method: string, url: string, status: number, message?: RegExp | string, opts?: RequestOptions) {
    const res = await d.request(method, url, opts);
    const what = `${method} ${url} ${JSON.stringify(opts ?? {})} → ${res.status} ${res.body}`;
    assert.equal(res.status, status, what);
    // 304 and any answer to HEAD carry no body.
    if (status === 304 || method === 'HEAD') return;
    assert.match(String(res.headers['content-type']), /application\/json/, what);
    const msg = res.json().message;
    assert.equal(typeof msg, 'string', what);
    if (typeof message === 'string') assert.equal(msg, message, what);
    else if (message) assert.match(msg, message, what);
  }
  const createError = (body: unknown, status: number, message?: RegExp | string, name?: string) =>
    expectError('POST', '/containers/create', status, message, { body: body as object, query: { name } });

  test('malformed JSON and a non-object body are 400', async () => {
    const json = { 'Content-Type': 'application/json' };
    await expectError('POST', '/containers/create', 400, undefined, { body: '{"Image": "busybox",', headers: json });
    await expectError('POST', '/containers/create', 400, undefined, { body: '[1,2]', headers: json });
    await expectError('POST', '/containers/create', 400, undefined, { body: 'null', headers: json });
    await expectError('POST', '/containers/create', 400, undefined, { body: '', headers: json });
  });

  test('wrong types are 400 naming the field', async () => {
    await createError({ Image: 'busybox', HostConfig: { Memory: 'x' } }, 400, /Memory/);
    await createError({ Image: 'busybox', Cmd: { a: 1 } }, 400, /Cmd/);
    await createError({ Image: 'busybox', Env: [{}] }, 400, /Env/);
    await createError({ Image: 'busybox', Labels: { a: {} } }, 400, /Labels/);
    await createError({ Image: 'busybox', HostConfig: { Privileged: 'yes' } }, 400, /Privileged/);
    await createError({ Image: 'busybox', HostConfig: 'x' }, 400, /HostConfig/);
    await createError({ Image: { a: 1 } }, 400, /Image/);
  });

  test('scalars of the wrong JSON type are 400, not coerced (Go\'s decoder takes no "64" for an int64)', async () => {
    await createError({ Image: 'busybox', HostConfig: { Memory: '64' } }, 400, /Memory/);
    await createError({ Image: 'busybox', Cmd: 7 }, 400, /Cmd/);
    await createError({ Image: 'busybox', Env: [1] }, 400, /Env/);
    await createError({ Image: 7 }, 400, /Image/);
    await createError({ Image: ['busybox'] }, 400, /Image/);
  });

  test('negative, fractional and huge numbers are 400', async () => {
    await createError({ Image: 'busybox', HostConfig: { Memory: -1 } }, 400, /Memory/);
    await createError({ Image: 'busybox', HostConfig: { Memory: 1.5 } }, 400, /Memory/);
    await createError({ Image: 'busybox', HostConfig: { Memory: 1e30 } }, 400, /Memory/);
    await createError({ Image: 'busybox', HostConfig: { CpuShares: -5 } }, 400, /CpuShares/);
    await createError({ Image: 'busybox', HostConfig: { PidsLimit: 2 ** 70 } }, 400, /PidsLimit/);
    await expectError('POST', '/containers/create', 400, undefined, {
      body: '{"Image":"busybox","HostConfig":{"Memory":99999999999999999999999999}}',
      headers: { 'Content-Type': 'application/json' },
    });
    await expectError('POST', `/containers/${running}/stop`, 400, /\bt\b/, { query: { t: '99999999999999999999999' } });
    await expectError('POST', `/containers/${running}/stop`, 400, /\bt\b/, { query: { t: 'abc' } });
    await expectError('GET', '/containers/json', 400, /limit/, { query: { limit: 'x' } });
  });

  test('invalid values of known fields are 400', async () => {
    await createError({ Image: 'busybox', HostConfig: { RestartPolicy: { Name: 'sometimes' } } }, 400);
    await createError({ Image: 'busybox', HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: -1 } } }, 400);
    await createError({ Image: 'busybox', HostConfig: { AutoRemove: true, RestartPolicy: { Name: 'always' } } }, 400);
    await createError({ Image: 'busybox', HostConfig: { CapAdd: ['NOT_A_CAP'] } }, 400, 'invalid CapAdd: unknown capability: "CAP_NOT_A_CAP"');
    await createError({ Image: 'busybox', HostConfig: { CapDrop: ['nope'] } }, 400, 'invalid CapDrop: unknown capability: "CAP_NOPE"');
    await createError({ Image: 'busybox', HostConfig: { Ulimits: [{ Name: 'nofile', Soft: 10, Hard: 5 }] } }, 400);
    await createError({ Image: 'busybox', HostConfig: { Tmpfs: { relative: '' } } }, 400);
    await createError({ Image: 'busybox', StopSignal: 'SIGNOPE' }, 400, /SIGNOPE/);
    await createError({ Image: 'busybox', HostConfig: { Binds: ['/a:/b:zz'] } }, 400);
    await createError({ Image: 'busybox', HostConfig: { Mounts: [{ Type: 'bind', Source: '/nonexistent/berth', Target: '/x' }] } }, 400);
    await createError({ Image: 'busybox', HostConfig: { Mounts: [{ Type: 'bogus', Target: '/x' }] } }, 400);
  });

  test('unknown signal is 400 "Invalid signal: X"', async () => {
    await expectError('POST', `/containers/${running}/kill`, 400, 'Invalid signal: NOPE', { query: { signal: 'NOPE' } });
    await expectError('POST', `/containers/${running}/kill`, 400, 'Invalid signal: 999', { query: { signal: '999' } });
    await expectError('POST', `/containers/${running}/stop`, 400, /Invalid signal: NOPE/, { query: { signal: 'NOPE' } });
  });

  test('bad names are 400; a taken name is 409', async () => {
    for (const name of ['a', 'bad/name', '-x', 'sp ace', 'ü-nicode']) {
      await createError({ Image: 'busybox' }, 400, /Invalid container name/, name);
      await expectError('POST', `/containers/${exited}/rename`, 400, /Invalid container name/, { query: { name } });
    }
    await createError({ Image: 'busybox' }, 409, /err-running.*already in use/, 'err-running');
    await createError({ Image: 'busybox' }, 409, /already in use/, '/err-running');
  });

  test('every per-container route answers 404 "No such container: x" for an unknown container (kill: with its prefix)', async () => {
    const api = YAML.parse(fs.readFileSync(path.join(repoRoot, 'openapi.yaml'), 'utf8'));
    let checked = 0;
    for (const [route, methods] of Object.entries<Record<string, any>>(api.paths)) {
      if (!route.startsWith('/containers/{id}')) continue;
      for (const [method, op] of Object.entries<any>(methods)) {
        if (method === 'parameters') continue;
        const query: Record<string, string> = { stdout: '1' };
        for (const p of op.parameters ?? []) {
          // rename's `name` is required too, but checked by its handler (dockerd's text), not by the schema.
          if (p.in === 'query' && (p.required || p.name === 'name')) query[p.name] = p.type === 'integer' ? '10' : 'fresh-name';
        }
        const hasBody = (op.parameters ?? []).some((p: any) => p.in === 'body');
        // dockerd prefixes kill's text with the verb.
        const text = route.endsWith('/kill') ? 'Cannot kill container: nosuchthing: No such container: nosuchthing' : 'No such container: nosuchthing';
        await expectError(method.toUpperCase(), route.replace('{id}', 'nosuchthing'), 404, text, {
          query,
          ...(hasBody ? { body: { Cmd: ['true'], AttachStdout: true } } : {}),
        });
        checked++;
      }
    }
    assert.ok(checked >= 15, `only ${checked} routes`);
  });

  test('a missing image is 404 "No such image: x"', async () => {
    await createError({ Image: 'nosuchimage:1' }, 404, 'No such image: nosuchimage:1');
    await expectError('GET', '/images/nosuchimage/json', 404, /No such image: nosuchimage/);
  });

  test('conflicts: remove running, pause exited, unpause running, top/kill of a stopped one', async () => {
    await expectError('DELETE', `/containers/${running}`, 409, /running/);
    await expectError('POST', `/containers/${exited}/pause`, 409, /not running/);
    await expectError('POST', `/containers/${running}/unpause`, 409, /not paused/);
    await expectError('POST', `/containers/${exited}/kill`, 409, /not running/);
    await expectError('GET', `/containers/${exited}/top`, 409, /not running/);
    await verb(d, running, 'pause');
    await expectError('POST', `/containers/${running}/pause`, 409, /already paused/);
    await verb(d, running, 'unpause');
  });

  test('stream endpoints reject bad parameters', async () => {
    await expectError('GET', `/containers/${exited}/logs`, 400, /choose at least one stream/);
    await expectError('GET', `/containers/${exited}/logs`, 400, /since/, { query: { stdout: 1, since: 'yesterday' } });
    await expectError('POST', `/containers/${exited}/wait`, 400, 'invalid condition: "soon"', { query: { condition: 'soon' } });
  });

  test('an ambiguous ID prefix is 400; a unique prefix and the name with a slash resolve', async () => {
    const ids = [running, exited];
    let shared = '';
    while (!shared) {
      ids.push(await create(d, { Cmd: ['true'] }));
      const firsts = ids.map((id) => id[0]);
      shared = firsts.find((c, i) => firsts.indexOf(c) !== i) ?? '';
      assert.ok(ids.length < 60);
    }
    await expectError('GET', `/containers/${shared}/json`, 400, /multiple IDs found with provided prefix: /);
    assert.equal((await d.request('GET', `/containers/${running.slice(0, 12)}/json`)).json().Id, running);
    assert.equal((await d.request('GET', '/containers/%2Ferr-running/json')).json().Id, running);
    for (const id of ids.slice(2)) assert.equal((await d.request('DELETE', `/containers/${id}`)).status, 204);
  });

  test('a failed create leaves no record, directory, mount or conmon', async () => {
    const snapshot = async () => ({
      list: (await d.request('GET', '/containers/json', { query: { all: 1 } }))
        .json()
        .map((c: any) => c.Id)
        .sort(),
      dirs: fs.readdirSync(path.join(d.dataRoot, 'containers')).sort(),
      mounts: mountsUnder(d.root),
      conmons: processesMentioning(d.root).filter((p) => /conmon/.test(p.cmdline)).length,
    });
    const before0 = await snapshot();
    await createError({ Image: 'nosuchimage' }, 404);
    await createError({ Image: 'busybox', HostConfig: { Binds: ['/a:/b:zz'] } }, 400);
    await createError({ Image: 'busybox', HostConfig: { Mounts: [{ Type: 'bind', Source: '/nonexistent/berth', Target: '/x' }] } }, 400);
    await createError({ Image: 'busybox', HostConfig: { Memory: 'x' } }, 400);
    await createError({ Image: 'busybox' }, 409, undefined, 'err-running');
    assert.deepEqual(await snapshot(), before0);
  });

  test('the daemon still answers after all of it', async () => {
    assert.equal((await d.request('GET', '/_ping')).status, 200);
    assert.ok(d.running);
    assert.doesNotMatch(d.logs(), /"level":50.*request failed/, 'no 500 was logged');
    await verb(d, running, 'kill');
  });
});
