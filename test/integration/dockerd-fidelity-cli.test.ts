/**
 * What a user sees from the docker CLI where berth answered differently
 * from dockerd 20.10.24 (each expectation was taken from a real dockerd,
 * side by side): a start that fails (its texts, exit codes, State and
 * events), --ip on host and none, an attach-initialized container's stop
 * and rm -f, a kill of a container waiting out its restart backoff,
 * resource limits refused at create, and the refusal texts of verbs in the
 * wrong state.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { dockerExpect, eventually, inspect, skipUnlessRoot } from './helpers/docker-cli.js';
import { useDaemon } from './helpers/suite.js';
import { eventLines, RawConnection, sleep, streamRequest, unixTime } from './helpers/api.js';

const skip = skipUnlessRoot();
const SHIM = 'failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process:';

describe('dockerd fidelity: the CLI paths of every day', { skip, timeout: 300_000 }, () => {
  const d = useDaemon({ skip });

  /** The actions of container `id` and the network events naming it, from `since` to a second from now. */
  async function actions(since: string, id: string): Promise<string[]> {
    return (await eventLines(d, since, '{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.container}}'))
      .map((l) => l.split(' '))
      .filter(([type, , actor, container]) => (type === 'container' && actor === id) || (type === 'network' && container === id))
      .map(([type, action]) => (type === 'network' ? `network ${action}` : action));
  }

  test('a start that fails: dockerd texts and exit codes, 400, State kept at created with FinishedAt zero, no die', async () => {
    const since = unixTime();
    const missing = await dockerExpect(d, ['run', '--name', 'nx', 'busybox', '/nonexistent'], 127);
    const text = `${SHIM} exec: "/nonexistent": stat /nonexistent: no such file or directory: unknown`;
    assert.match(missing.stderr, new RegExp(`Error response from daemon: ${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const nx = await inspect(d, 'nx');
    assert.deepEqual(
      [nx.State.Status, nx.State.ExitCode, nx.State.Error, nx.State.FinishedAt, nx.State.StartedAt],
      ['created', 127, text, '0001-01-01T00:00:00Z', '0001-01-01T00:00:00Z'],
    );
    assert.deepEqual(await actions(since, nx.Id as string), ['create', 'attach', 'network connect', 'network disconnect']);
    const again = await d.request('POST', '/containers/nx/start');
    assert.deepEqual([again.status, again.json()], [400, { message: text }]);

    await dockerExpect(d, ['create', '--name', 'perm', 'busybox', '/etc']);
    const perm = await d.request('POST', '/containers/perm/start');
    assert.deepEqual([perm.status, perm.json()], [400, { message: `${SHIM} exec: "/etc": permission denied: unknown` }]);
    assert.equal((await inspect(d, 'perm')).State.ExitCode, 126);

    // A file bound onto a directory: runc's "not a directory", with dockerd's hint and 127.
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'berth-fid-')), 'file');
    fs.writeFileSync(file, 'x');
    try {
      const onDir = await dockerExpect(d, ['run', '--name', 'ondir', '-v', `${file}:/etc`, 'busybox', 'true'], 125);
      assert.match(
        onDir.stderr,
        /not a directory: unknown: Are you trying to mount a directory onto a file \(or vice-versa\)\? Check if the specified host path exists and is the expected type/,
      );
      assert.equal((await inspect(d, 'ondir')).State.ExitCode, 127);
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }

    // The runtime spec cannot be built: dockerd's 500, exit code 128.
    await dockerExpect(d, ['create', '--name', 'nouser', '--user', 'nosuch', 'busybox', 'true']);
    const nouser = await d.request('POST', '/containers/nouser/start');
    assert.deepEqual([nouser.status, nouser.json()], [500, { message: 'unable to find user nosuch: no matching entries in passwd file' }]);
    assert.equal((await inspect(d, 'nouser')).State.ExitCode, 128);
    await dockerExpect(d, ['rm', 'nx', 'perm', 'ondir', 'nouser']);
  });

  test('an attached client of a start that fails is let go; a next-exit wait goes on, as with dockerd', async () => {
    const id = (await dockerExpect(d, ['create', '--name', 'afail', 'busybox', '/nonexistent'])).stdout.trim();
    const attach = new RawConnection(
      d.socket,
      `POST /v1.41/containers/${id}/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: berth\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`,
    );
    assert.match(await attach.head(), /^HTTP\/1\.1 101/);
    const wait = await streamRequest(d, 'POST', `/containers/${id}/wait`, { condition: 'next-exit' });
    assert.equal((await d.request('POST', `/containers/${id}/start`)).status, 400);
    await Promise.race([attach.closed, sleep(10_000).then(() => assert.fail('the attach is still open'))]);
    const early = await Promise.race([wait.body.then(() => 'ended'), sleep(1000).then(() => 'still waiting')]);
    assert.equal(early, 'still waiting', 'dockerd ends no wait at a failed start of a created container');
    wait.abort();
    await dockerExpect(d, ['rm', 'afail']);
  });

  test('--ip and --ip6 on host or none: created, refused at start (400), exit code 128, no events', async () => {
    const text = 'user specified IP address is supported on user defined networks only';
    const since = unixTime();
    for (const [name, args] of [
      ['ipnone', ['--network', 'none', '--ip', '10.1.2.3']],
      ['iphost', ['--network', 'host', '--ip6', 'fe80::1']],
    ] as const) {
      const id = (await dockerExpect(d, ['create', '--name', name, ...args, 'busybox', 'true'])).stdout.trim();
      const res = await d.request('POST', `/containers/${name}/start`);
      assert.deepEqual([res.status, res.json()], [400, { message: text }], name);
      const state = (await inspect(d, name)).State;
      assert.deepEqual([state.Status, state.ExitCode, state.Error], ['created', 128, text]);
      assert.deepEqual(await actions(since, id), ['create']);
    }
    const cli = await dockerExpect(d, ['run', '--rm', '--network', 'none', '--ip', '10.1.2.4', 'busybox', 'true'], 125);
    assert.match(cli.stderr, new RegExp(`docker: Error response from daemon: ${text}`));
    const badV6 = await d.request('POST', '/containers/create', {
      body: { Image: 'busybox', NetworkingConfig: { EndpointsConfig: { none: { IPAMConfig: { IPv6Address: '10.1.2.3' } } } } },
    });
    assert.deepEqual([badV6.status, badV6.json()], [400, { message: 'invalid IPv6 address: 10.1.2.3' }]);
    await dockerExpect(d, ['rm', 'ipnone', 'iphost']);
  });

  test('a container an attach initialized reads as created: stop 304, kill 409, rm -f logs only destroy', async () => {
    await dockerExpect(d, ['network', 'create', 'fidnet']);
    const id = (await dockerExpect(d, ['create', '-i', '--name', 'init', '--network', 'fidnet', 'busybox', 'cat'])).stdout.trim();
    const since = unixTime();
    const attach = new RawConnection(
      d.socket,
      `POST /v1.41/containers/${id}/attach?stream=1&stdin=1&stdout=1 HTTP/1.1\r\nHost: berth\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`,
    );
    assert.match(await attach.head(), /^HTTP\/1\.1 101/);
    assert.equal((await inspect(d, 'init')).State.Status, 'created');
    assert.equal((await d.request('POST', '/containers/init/stop', { query: { t: '1' } })).status, 304);
    const kill = await d.request('POST', '/containers/init/kill');
    assert.deepEqual([kill.status, kill.json()], [409, { message: `Cannot kill container: init: Container ${id} is not running` }]);
    await dockerExpect(d, ['rm', '-f', 'init']);
    await attach.closed;
    assert.deepEqual(await actions(since, id), ['attach', 'destroy']);
    await dockerExpect(d, ['network', 'rm', 'fidnet']);
  });

  test('kill of a container waiting out its restart backoff: 204, exited with its last code, no events', async () => {
    const id = (await dockerExpect(d, ['run', '-d', '--name', 'backoff', '--restart', 'always', 'busybox', 'sh', '-c', 'exit 3'])).stdout.trim();
    // After a few runs the backoff is long enough to find it restarting.
    await eventually(
      'a long backoff',
      async () => {
        const j = await inspect(d, 'backoff');
        return j.State.Restarting && j.RestartCount >= 3;
      },
      { timeoutMs: 20_000 },
    );
    const rm = await d.request('DELETE', '/containers/backoff');
    assert.deepEqual(
      [rm.status, rm.json()],
      [409, { message: `You cannot remove a restarting container ${id}. Stop the container before attempting removal or force remove` }],
    );
    const since = unixTime();
    const wait = await streamRequest(d, 'POST', `/containers/${id}/wait`);
    assert.equal((await d.request('POST', '/containers/backoff/kill')).status, 204);
    assert.deepEqual(JSON.parse((await wait.body).toString()), { StatusCode: 3, Error: null });
    const state = (await inspect(d, 'backoff')).State;
    assert.deepEqual([state.Status, state.ExitCode], ['exited', 3]);
    assert.deepEqual(await actions(since, id), []);
    await dockerExpect(d, ['rm', 'backoff']);
  });

  test('resource limits dockerd refuses at create, with its texts', async () => {
    const ncpu = os.availableParallelism();
    const cases: Array<[string[], string]> = [
      [['--memory', '4m'], 'Minimum memory limit allowed is 6MB'],
      [['--memory', '8m', '--memory-swap', '7m'], 'Minimum memoryswap limit should be larger than memory limit, see usage'],
      [['--memory-reservation', '1m'], 'Minimum memory reservation allowed is 6MB'],
      [['--cpus', String(ncpu + 1)], `Range of CPUs is from 0.01 to ${ncpu}.00, as there are only ${ncpu} CPUs available`],
      [['--cpu-period', '500'], 'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)'],
      [['--cpu-quota', '500'], 'CPU cfs quota can not be less than 1ms (i.e. 1000)'],
      [['--cpuset-cpus', 'x'], 'Invalid value x for cpuset cpus: invalid format: x'],
    ];
    for (const [flags, message] of cases) {
      const r = await dockerExpect(d, ['run', '--rm', ...flags, 'busybox', 'true'], 125);
      assert.match(r.stderr, new RegExp(`docker: Error response from daemon: ${message.replace(/[.()]/g, '\\$&')}`), flags.join(' '));
    }
    const cpuset = await d.request('POST', '/containers/create', { body: { Image: 'busybox', HostConfig: { CpusetCpus: String(ncpu + 3) } } });
    assert.deepEqual(
      [cpuset.status, cpuset.json().message],
      [400, `Requested CPUs are not available - requested ${ncpu + 3}, available: ${ncpu === 1 ? '0' : `0-${ncpu - 1}`}`],
    );
    assert.equal((await dockerExpect(d, ['ps', '-aq'])).stdout, '', 'nothing created');
  });

  test('refusals in the wrong state name the container as dockerd does', async () => {
    const id = (await dockerExpect(d, ['run', '-d', '--name', 'pz', 'busybox', 'sleep', '1000'])).stdout.trim();
    await dockerExpect(d, ['pause', 'pz']);
    const rm = await dockerExpect(d, ['rm', 'pz'], 1);
    assert.match(
      rm.stderr,
      new RegExp(`You cannot remove a paused container ${id}\\. Unpause and then stop the container before attempting removal or force remove`),
    );
    const exec = await dockerExpect(d, ['exec', 'pz', 'true'], 1);
    assert.match(exec.stderr, /Error response from daemon: Container pz is paused, unpause the container before exec/);
    const pause = await dockerExpect(d, ['pause', 'pz'], 1);
    assert.match(pause.stderr, new RegExp(`Container ${id} is already paused`));
    await dockerExpect(d, ['unpause', 'pz']);
    const unpause = await dockerExpect(d, ['unpause', 'pz'], 1);
    assert.match(unpause.stderr, new RegExp(`Container ${id} is not paused`));
    const cid = (await dockerExpect(d, ['create', '--name', 'cz', 'busybox', 'true'])).stdout.trim();
    for (const verb of ['pause', 'top']) {
      const r = await dockerExpect(d, [verb, 'cz'], 1);
      assert.match(r.stderr, new RegExp(`Error response from daemon: Container ${cid} is not running`), verb);
    }
    const kill = await dockerExpect(d, ['kill', 'nosuch'], 1);
    assert.match(kill.stderr, /Error response from daemon: Cannot kill container: nosuch: No such container: nosuch/);
    await dockerExpect(d, ['network', 'create', 'fidn2']);
    const created = await d.request('POST', '/networks/fidn2/disconnect', { body: { Container: 'cz' } });
    assert.deepEqual([created.status, created.json()], [500, { message: `container ${cid} is not connected to the network fidn2` }]);
    const running = await d.request('POST', '/networks/fidn2/disconnect', { body: { Container: 'pz' } });
    assert.deepEqual([running.status, running.json()], [500, { message: `container ${id} is not connected to network fidn2` }]);
    await dockerExpect(d, ['network', 'rm', 'fidn2']);
    await dockerExpect(d, ['rm', '-f', 'pz', 'cz']);
  });

  test('a missing link target is 400 (the CLI pulls nothing); a missing image is named with its default tag', async () => {
    const link = await dockerExpect(d, ['run', '--rm', '--link', 'nosuch:x', 'busybox', 'true'], 125);
    assert.match(link.stderr, /^docker: Error response from daemon: could not get container for nosuch: No such container: nosuch/);
    assert.doesNotMatch(link.stderr, /Unable to find image/);
    for (const args of [
      ['history', 'nosuch'],
      ['tag', 'nosuch', 'x'],
      ['rmi', 'nosuch'],
    ]) {
      const r = await dockerExpect(d, args, 1);
      assert.match(r.stderr, /Error response from daemon: No such image: nosuch:latest/, args.join(' '));
    }
  });

  test('volume create and destroy are logged for named and anonymous volumes, in dockerd order', async () => {
    const since = unixTime();
    await dockerExpect(d, ['volume', 'create', 'fidvol']);
    const id = (await dockerExpect(d, ['create', '-v', '/anon', 'busybox', 'true'])).stdout.trim();
    const anon = (await inspect(d, id)).Mounts[0].Name as string;
    await dockerExpect(d, ['rm', '-v', id]);
    await dockerExpect(d, ['volume', 'rm', 'fidvol']);
    const lines = (await eventLines(d, since, '{{.Type}} {{.Action}} {{.Actor.ID}} {{json .Actor.Attributes}}')).filter(
      (l) => l.startsWith('volume ') || l.includes(id),
    );
    assert.deepEqual(
      lines.map((l) => l.split(' ').slice(0, 3).join(' ')),
      [`volume create fidvol`, `volume create ${anon}`, `container create ${id}`, `volume destroy ${anon}`, `container destroy ${id}`, `volume destroy fidvol`],
    );
    assert.ok(lines[0].endsWith('{"driver":"local"}'), lines[0]);
  });

  test("exec's action ends with its arguments (a space without any); a commit logs image tag before the container's commit", async () => {
    const since = unixTime();
    const id = (await dockerExpect(d, ['run', '-d', '--name', 'evc', 'busybox', 'sleep', '1000'])).stdout.trim();
    await dockerExpect(d, ['exec', 'evc', 'true']);
    await dockerExpect(d, ['exec', 'evc', 'sh', '-c', 'true']);
    const imageId = (await dockerExpect(d, ['commit', 'evc', 'fid/commit:1'])).stdout.trim();
    const lines = await eventLines(d, since, '{{.Type}}|{{.Action}}|{{.Actor.ID}}|{{.Actor.Attributes.name}}');
    const execs = lines.filter((l) => l.includes('|exec_')).map((l) => l.split('|')[1]);
    assert.deepEqual(execs, ['exec_create: true ', 'exec_start: true ', 'exec_die', 'exec_create: sh -c true', 'exec_start: sh -c true', 'exec_die']);
    const commit = lines.filter(
      (l) => l.startsWith('image|tag') || l.startsWith('container|commit') || l.startsWith('container|pause') || l.startsWith('container|unpause'),
    );
    assert.deepEqual(commit, [`container|pause|${id}|evc`, `image|tag|${imageId}|fid/commit:1`, `container|commit|${id}|evc`, `container|unpause|${id}|evc`]);
    await dockerExpect(d, ['rm', '-f', 'evc']);
    await dockerExpect(d, ['rmi', 'fid/commit:1']);
  });

  test('rm -f logs its SIGKILL; a stop of a paused container logs the unpause that lets it die', async () => {
    const since = unixTime();
    const forced = (await dockerExpect(d, ['run', '-d', '--network', 'none', 'busybox', 'sleep', '1000'])).stdout.trim();
    await dockerExpect(d, ['rm', '-f', forced]);
    const paused = (await dockerExpect(d, ['run', '-d', '--network', 'none', 'busybox', 'sleep', '1000'])).stdout.trim();
    await dockerExpect(d, ['pause', paused]);
    await dockerExpect(d, ['stop', '-t', '1', paused]);
    const plain = (list: string[]) => list.filter((a) => !a.startsWith('network'));
    assert.deepEqual(plain(await actions(since, forced)), ['create', 'start', 'kill', 'die', 'destroy']);
    const stop = plain(await actions(since, paused));
    assert.deepEqual(stop.slice(0, 3), ['create', 'start', 'pause']);
    assert.ok(stop.indexOf('unpause') > stop.indexOf('kill') && stop.indexOf('unpause') < stop.indexOf('die'), stop.join());
    assert.deepEqual(stop.slice(-2), ['die', 'stop']);
    await dockerExpect(d, ['rm', paused]);
  });

  test("ps lists a container's image by its ID once the reference names another image", async () => {
    await dockerExpect(d, ['tag', 'busybox', 'fid/img:1']);
    await dockerExpect(d, ['create', '--name', 'byref', 'fid/img:1', 'true']);
    const imageId = (await inspect(d, 'byref')).Image as string;
    const listed = async () => (await d.request('GET', '/containers/json', { query: { all: '1', filters: { name: ['byref'] } } })).json()[0].Image;
    assert.equal(await listed(), 'fid/img:1');
    await dockerExpect(d, ['rmi', 'fid/img:1']);
    assert.equal(await listed(), imageId);
    await dockerExpect(d, ['rm', 'byref']);
  });
});
