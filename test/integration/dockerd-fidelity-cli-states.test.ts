/**
 * More of what a docker CLI user sees where berth answered differently
 * from dockerd 20.10.24 (each expectation taken from a real dockerd, side
 * by side): signals to a paused container (kill, rm -f, kill -s USR1 with
 * and without a stop signal), the `volume mount` / `volume unmount` events
 * of a start and an exit, a commit's empty Labels map, a restart by policy
 * whose start fails (State after it, and the client's start then), and
 * which refused starts of an AutoRemove container remove it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { dockerExpect, eventually, inspect, skipUnlessRoot } from './helpers/docker-cli.js';
import { useDaemon } from './helpers/suite.js';
import { eventLines, unixTime } from './helpers/api.js';

const skip = skipUnlessRoot();

describe('dockerd fidelity: paused signals, volume events, commit labels, a failed restart', { skip, timeout: 300_000 }, () => {
  const d = useDaemon({ skip });

  /** Container `id`'s actions, a kill with its signal ("kill 10"). */
  async function actions(since: string, id: string): Promise<string[]> {
    return (await eventLines(d, since, '{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.signal}}'))
      .map((l) => l.split(' '))
      .filter(([type, , actor]) => type === 'container' && actor === id)
      .map(([, action, , signal]) => (action === 'kill' ? `kill ${signal}` : action));
  }

  async function paused(name: string, ...flags: string[]): Promise<string> {
    const id = (await dockerExpect(d, ['run', '-d', '--name', name, '--network', 'none', ...flags, 'busybox', 'sleep', '1000'])).stdout.trim();
    await dockerExpect(d, ['pause', name]);
    return id;
  }

  test('kill and rm -f of a paused container: kill 9, die (no unpause); kill -s USR1 thaws it unless it names another stop signal', async () => {
    const since = unixTime();
    const killed = await paused('pk');
    await dockerExpect(d, ['kill', 'pk']);
    const state = (await inspect(d, 'pk')).State;
    assert.deepEqual([state.Status, state.Paused, state.ExitCode], ['exited', false, 137]);
    const removed = await paused('pr');
    await dockerExpect(d, ['rm', '-f', 'pr']);
    // sleep is PID 1: USR1 (no handler) does not end it.
    const usr1 = await paused('pu');
    assert.equal((await d.request('POST', '/containers/pu/kill', { query: { signal: 'USR1' } })).status, 204);
    assert.deepEqual([(await inspect(d, 'pu')).State.Status, (await inspect(d, 'pu')).State.Paused], ['running', false]);
    const other = await paused('pu2', '--stop-signal', 'USR2');
    await dockerExpect(d, ['kill', '-s', 'USR1', 'pu2']);
    assert.equal((await inspect(d, 'pu2')).State.Status, 'paused');

    const head = ['create', 'start', 'pause'];
    assert.deepEqual(await actions(since, killed), [...head, 'kill 9', 'die']);
    assert.deepEqual(await actions(since, removed), [...head, 'kill 9', 'die', 'destroy']);
    assert.deepEqual(await actions(since, usr1), [...head, 'kill 10', 'unpause']);
    assert.deepEqual(await actions(since, other), [...head, 'kill 10']);
    await dockerExpect(d, ['rm', '-f', 'pk', 'pu', 'pu2']);
  });

  test('volume mount after the network connect and before start, unmount after die and disconnect; none for binds and tmpfs', async () => {
    const bind = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-fid-'));
    try {
      await dockerExpect(d, ['volume', 'create', 'fvol']);
      const since = unixTime();
      const flags = ['-v', 'fvol:/named', '-v', '/anon', '-v', `${bind}:/b:ro`, '--tmpfs', '/t'];
      const id = (await dockerExpect(d, ['run', '-d', '--name', 'vev', ...flags, 'busybox', 'sleep', '1000'])).stdout.trim();
      await dockerExpect(d, ['stop', '-t', '0', 'vev']);
      const ro = (await dockerExpect(d, ['run', '-d', '--volumes-from', 'vev:ro', 'busybox', 'true'])).stdout.trim();
      await dockerExpect(d, ['wait', ro]);
      const anon = (await inspect(d, 'vev')).Mounts.find((m: { Destination: string }) => m.Destination === '/anon').Name as string;
      const lines = (await eventLines(d, since, '{{.Type}}|{{.Action}}|{{.Actor.ID}}|{{json .Actor.Attributes}}'))
        .map((l) => l.split('|'))
        .filter(
          ([type, action, actor, attrs]) =>
            actor === id || (type !== 'container' && JSON.parse(attrs).container === id) || (type === 'volume' && action === 'create'),
        )
        .map(([type, action, actor, attrs]) => (type === 'volume' ? `volume ${action} ${actor} ${attrs}` : `${type} ${action}`));
      const mount = (name: string, dest: string) =>
        `volume mount ${name} {"container":"${id}","destination":"${dest}","driver":"local","propagation":"","read/write":"true"}`;
      const unmount = (name: string) => `volume unmount ${name} {"container":"${id}","driver":"local"}`;
      assert.deepEqual(lines.slice(0, 9), [
        // dockerd logs `volume create` for every create that names a volume, an existing one too.
        'volume create fvol {"driver":"local"}',
        `volume create ${anon} {"driver":"local"}`,
        'container create',
        'network connect',
        mount('fvol', '/named'),
        mount(anon, '/anon'),
        'container start',
        'container kill',
        'container kill',
      ]);
      assert.deepEqual(lines.slice(9), ['container die', 'network disconnect', unmount('fvol'), unmount(anon), 'container stop']);
      const roMounts = (await eventLines(d, since, '{{.Action}} {{.Actor.Attributes.container}} {{index .Actor.Attributes "read/write"}}')).filter(
        (l) => l.startsWith('mount ') && l.includes(ro),
      );
      assert.deepEqual(roMounts, [`mount ${ro} false`, `mount ${ro} false`]);
      await dockerExpect(d, ['rm', '-v', 'vev', ro]);
      await dockerExpect(d, ['volume', 'rm', 'fvol']);
    } finally {
      fs.rmSync(bind, { recursive: true, force: true });
    }
  });

  test("a commit of a container without labels has the container's empty Labels map ({}), not null", async () => {
    await dockerExpect(d, ['run', '--name', 'nolab', '--network', 'none', 'busybox', 'true']);
    await dockerExpect(d, ['commit', 'nolab', 'fid/nolab:1']);
    assert.deepEqual((await inspect(d, 'fid/nolab:1')).Config.Labels, {});
    assert.equal((await inspect(d, 'busybox')).Config.Labels, null, 'an imported image has none');
    await dockerExpect(d, ['rm', 'nolab']);
    await dockerExpect(d, ['rmi', 'fid/nolab:1']);
  });

  test('a restart by policy whose start fails: exited with the exit code that asked for it, the error, RestartCount 1; a start then is refused, State kept', async () => {
    const src = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-fid-'));
    const mount = `type=bind,src=${src},dst=/rb`;
    await dockerExpect(d, [
      'run',
      '-d',
      '--name',
      'rfail',
      '--network',
      'none',
      '--restart',
      'on-failure:2',
      '--mount',
      mount,
      'busybox',
      'sh',
      '-c',
      'sleep 1; exit 1',
    ]);
    fs.rmdirSync(src);
    const failed = await eventually('the restart that fails', async () => {
      const j = await inspect(d, 'rfail');
      return j.State.Error !== '' && j;
    });
    const expected = [failed.State.Status, failed.State.ExitCode, failed.RestartCount, failed.State.Restarting];
    assert.deepEqual(expected, ['exited', 1, 1, false]);
    assert.match(failed.State.Error, new RegExp(`error mounting "${src}" to rootfs at "/rb": .*no such file or directory: unknown$`));
    const start = await d.request('POST', '/containers/rfail/start');
    assert.deepEqual([start.status, start.json()], [400, { message: `invalid mount config for type "bind": bind source path does not exist: ${src}` }]);
    assert.deepEqual((await inspect(d, 'rfail')).State, failed.State, 'a refusal of the settings leaves State as it was');
    await dockerExpect(d, ['rm', 'rfail']);
  });

  test('--rm: a start refused by the settings check keeps the container (Created); a start the runtime fails removes it', async () => {
    const src = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-fid-'));
    await dockerExpect(d, ['create', '--rm', '--name', 'rmkept', '--network', 'none', '--mount', `type=bind,src=${src},dst=/rb`, 'busybox', 'true']);
    fs.rmdirSync(src);
    const refused = await d.request('POST', '/containers/rmkept/start');
    assert.deepEqual([refused.status, refused.json()], [400, { message: `invalid mount config for type "bind": bind source path does not exist: ${src}` }]);
    const kept = await inspect(d, 'rmkept');
    assert.deepEqual([kept.State.Status, kept.State.Error, kept.State.ExitCode], ['created', '', 0]);
    await dockerExpect(d, ['rm', 'rmkept']);

    await dockerExpect(d, ['create', '--rm', '--name', 'rmgone', '--network', 'none', 'busybox', '/no-such-program']);
    const failed = await d.request('POST', '/containers/rmgone/start');
    assert.equal(failed.status, 400);
    assert.match(failed.json().message, /exec: "\/no-such-program": stat \/no-such-program: no such file or directory/);
    await eventually('the auto-removal', async () => (await d.request('GET', '/containers/rmgone/json')).status === 404);
  });
});
