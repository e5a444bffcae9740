/**
 * Three behaviours checked against a real dockerd 20.10 side by side (the
 * expectations say what dockerd does):
 *   - a network `connect` per network before every `start`, a `disconnect`
 *     after every `die` (none and host too; none for container:), also
 *     around restarts, kills, a failed start and an exit found at startup;
 *   - `--ip` only on a network whose subnet the user gave, refused at start
 *     and at connect (400), never at create;
 *   - a bind in (or around) the data root: rslave by default, other
 *     propagations refused at create (400).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { dockerExpect, eventually, inspect, skipUnlessRoot } from './helpers/docker-cli.js';
import { useDaemon } from './helpers/suite.js';
import { eventLines, sleep, unixTime } from './helpers/api.js';

const skip = skipUnlessRoot();

describe('dockerd fidelity: network events, --ip on automatic subnets, binds in the data root', { skip, timeout: 300_000 }, () => {
  const d = useDaemon({ skip });

  /** Every event from `since` to a second from now, one line each: "<type> <action> <actor id> <attributes JSON>". */
  const allEvents = (since: string) => eventLines(d, since, '{{.Type}} {{.Action}} {{.Actor.ID}} {{json .Actor.Attributes}}');

  /**
   * The events of container `id` (its own, and network events naming it), as "<action>" or "<action> <network name>";
   * `kill` left out (how many a stop logs is not what these tests are about).
   */
  async function lifecycle(since: string, id: string): Promise<string[]> {
    const out: string[] = [];
    for (const line of await allEvents(since)) {
      const [type, action, actor, ...rest] = line.split(' ');
      const attrs = JSON.parse(rest.join(' ')) as Record<string, string>;
      if (type === 'container' && actor === id && action !== 'kill') out.push(action);
      if (type === 'network' && attrs.container === id) out.push(`${action} ${attrs.name}`);
    }
    return out;
  }

  const networkId = async (name: string) => JSON.parse((await dockerExpect(d, ['network', 'inspect', name])).stdout)[0].Id as string;
  // Outside the daemon's pool (10.N.0.0/16), where no automatic subnet lands.
  const subnet = () => `10.252.${d.addressOctet}.0/24`;

  test('connect before start and disconnect after die, for none, host and user networks, with dockerd attributes', async () => {
    const since = unixTime();
    const none = (await dockerExpect(d, ['run', '--name', 'n1', '--network', 'none', 'busybox', 'true'])).stdout;
    assert.equal(none, '');
    await dockerExpect(d, ['run', '--name', 'h1', '--network', 'host', 'busybox', 'true']);
    const n1 = (await inspect(d, 'n1')).Id as string;
    const h1 = (await inspect(d, 'h1')).Id as string;
    const lines = await allEvents(since);
    const noneNet = await networkId('none');
    const hostNet = await networkId('host');
    assert.ok(lines.includes(`network connect ${noneNet} {"container":"${n1}","name":"none","type":"null"}`), lines.join('\n'));
    assert.ok(lines.includes(`network disconnect ${hostNet} {"container":"${h1}","name":"host","type":"host"}`), lines.join('\n'));
    assert.deepEqual(await lifecycle(since, n1), ['create', 'attach', 'connect none', 'start', 'die', 'disconnect none']);
    assert.deepEqual(await lifecycle(since, h1), ['create', 'attach', 'connect host', 'start', 'die', 'disconnect host']);
    await dockerExpect(d, ['rm', 'n1', 'h1']);
  });

  test('two networks through stop, start, restart, kill and rm -f; a connect to a stopped container is logged at its start', async () => {
    await dockerExpect(d, ['network', 'create', '--subnet', subnet(), 'fs']);
    await dockerExpect(d, ['network', 'create', 'fa']);
    const since = unixTime();
    const id = (await dockerExpect(d, ['run', '-d', '--name', 'multi', '--network', 'fs', 'busybox', 'sleep', '1000'])).stdout.trim();
    await dockerExpect(d, ['network', 'connect', 'fa', 'multi']);
    await dockerExpect(d, ['stop', '-t', '0', 'multi']);
    await dockerExpect(d, ['start', 'multi']);
    await dockerExpect(d, ['restart', '-t', '0', 'multi']);
    await dockerExpect(d, ['kill', 'multi']);
    await dockerExpect(d, ['network', 'disconnect', 'fa', 'multi']);
    await dockerExpect(d, ['network', 'connect', 'fa', 'multi']);
    await dockerExpect(d, ['start', 'multi']);
    await dockerExpect(d, ['rm', '-f', 'multi']);
    const run = ['connect fs', 'start'];
    const down = ['die', 'disconnect fs', 'disconnect fa'];
    const up = ['connect fs', 'connect fa', 'start'];
    assert.deepEqual(await lifecycle(since, id), [
      'create',
      ...run,
      'connect fa',
      ...down,
      'stop',
      ...up,
      ...down,
      'stop',
      ...up,
      'restart',
      ...down,
      // dockerd logs a disconnect from a stopped container, and no connect to one.
      'disconnect fa',
      ...up,
      ...down,
      'destroy',
    ]);
    const [line] = (await allEvents(since)).filter((l) => l.startsWith('network connect') && l.includes(`"name":"fa"`));
    assert.equal(line, `network connect ${await networkId('fa')} {"container":"${id}","name":"fa","type":"bridge"}`);
  });

  test('restarts by policy, a failed start and container: sharing', async () => {
    const since = unixTime();
    const p = (
      await dockerExpect(d, ['run', '-d', '--name', 'policy', '--restart', 'on-failure:1', '--network', 'fs', 'busybox', 'sh', '-c', 'exit 3'])
    ).stdout.trim();
    await eventually('policy gave up after one restart', async () => {
      const j = await inspect(d, 'policy');
      return j.State.Status === 'exited' && j.RestartCount === 1;
    });
    // As dockerd 20.10 logs it: no `restart` event for a restart by policy, only its start.
    const cycle = ['connect fs', 'start'];
    assert.deepEqual(await lifecycle(since, p), ['create', ...cycle, 'die', 'disconnect fs', ...cycle, 'die', 'disconnect fs']);
    // dockerd: connect and disconnect around a runtime failure, and no die (the command never ran).
    const failed = await dockerExpect(d, ['run', '--name', 'failed', '--network', 'fs', 'busybox', '/nonexist'], 127);
    assert.match(failed.stderr, /nonexist/);
    const f = (await inspect(d, 'failed')).Id as string;
    assert.deepEqual(await lifecycle(since, f), ['create', 'attach', 'connect fs', 'disconnect fs']);
    await dockerExpect(d, ['run', '-d', '--name', 'donor', '--network', 'none', 'busybox', 'sleep', '1000']);
    await dockerExpect(d, ['run', '--name', 'guest', '--network', 'container:donor', 'busybox', 'true']);
    const guest = (await inspect(d, 'guest')).Id as string;
    assert.deepEqual(await lifecycle(since, guest), ['create', 'attach', 'start', 'die']);
    await dockerExpect(d, ['rm', '-f', 'policy', 'failed', 'donor', 'guest']);
  });

  test('an exit that happened while berthd was down: die and disconnect at startup', async () => {
    const id = (await dockerExpect(d, ['run', '-d', '--name', 'gone', '--network', 'fs', 'busybox', 'sleep', '2'])).stdout.trim();
    const since = unixTime();
    await d.kill9();
    await sleep(3000);
    await d.start();
    assert.deepEqual(await lifecycle(since, id), ['die', 'disconnect fs']);
    assert.equal((await inspect(d, 'gone')).State.Status, 'exited');
    await dockerExpect(d, ['rm', 'gone']);
  });

  test('--ip: refused at start and at connect on a network with an automatic subnet, and on the default bridge; create succeeds', async () => {
    const auto = JSON.parse((await dockerExpect(d, ['network', 'inspect', 'fa'])).stdout)[0].IPAM.Config[0].Subnet as string;
    const inAuto = auto.replace(/\.0\/\d+$/, '.50');
    const text = 'user specified IP address is supported only when connecting to networks with user configured subnets';
    const cid = (await dockerExpect(d, ['create', '--name', 'ipa', '--network', 'fa', '--ip', inAuto, 'busybox', 'true'])).stdout.trim();
    const started = await d.request('POST', `/containers/${cid}/start`);
    assert.deepEqual([started.status, started.json()], [400, { message: text }]);
    assert.equal((await inspect(d, 'ipa')).State.Status, 'created');
    const cli = await dockerExpect(d, ['start', 'ipa'], 1);
    assert.match(cli.stderr, new RegExp(`Error response from daemon: ${text}`));

    await dockerExpect(d, ['create', '--name', 'ipb', '--ip', '10.99.0.9', 'busybox', 'true']);
    const onBridge = await d.request('POST', '/containers/ipb/start');
    assert.deepEqual([onBridge.status, onBridge.json()], [400, { message: 'user specified IP address is supported on user defined networks only' }]);

    await dockerExpect(d, ['run', '-d', '--name', 'ipc', '--network', 'fs', 'busybox', 'sleep', '1000']);
    await dockerExpect(d, ['create', '--name', 'ipd', '--network', 'fs', 'busybox', 'true']);
    for (const c of ['ipc', 'ipd']) {
      const res = await d.request('POST', '/networks/fa/connect', { body: { Container: c, EndpointConfig: { IPAMConfig: { IPv4Address: inAuto } } } });
      assert.deepEqual([res.status, res.json()], [400, { message: text }], c);
      assert.deepEqual(Object.keys((await inspect(d, c)).NetworkSettings.Networks), ['fs'], 'nothing half made');
    }
    // A user-configured subnet takes a fixed address, at run and at connect.
    const fixed = subnet().replace(/\.0\/24$/, '.77');
    await dockerExpect(d, ['network', 'disconnect', 'fs', 'ipd']);
    await dockerExpect(d, ['network', 'connect', '--ip', fixed, 'fs', 'ipd']);
    assert.equal((await inspect(d, 'ipd')).NetworkSettings.Networks.fs.IPAMConfig.IPv4Address, fixed);
    await dockerExpect(d, ['rm', '-f', 'ipa', 'ipb', 'ipc', 'ipd']);
    await dockerExpect(d, ['network', 'rm', 'fs', 'fa']);
  });

  test('binds in or around the data root: rslave by default (Binds and Mounts), rshared kept, other propagations refused at create', async () => {
    const root = fs.realpathSync(d.dataRoot);
    const inside = path.join(root, 'volumes');
    await dockerExpect(d, ['create', '--name', 'b1', '--mount', `type=bind,src=${inside},dst=/x`, 'busybox', 'true']);
    await dockerExpect(d, ['create', '--name', 'b2', '-v', `${inside}:/x:ro`, 'busybox', 'true']);
    await dockerExpect(d, ['create', '--name', 'b3', '--mount', `type=bind,src=${inside},dst=/x,bind-propagation=rshared`, 'busybox', 'true']);
    await dockerExpect(d, ['create', '--name', 'b4', '-v', `${path.dirname(root)}:/x`, 'busybox', 'true']);
    const j1 = await inspect(d, 'b1');
    assert.deepEqual(j1.Mounts, [{ Type: 'bind', Source: inside, Destination: '/x', Mode: '', RW: true, Propagation: 'rslave' }]);
    assert.deepEqual(j1.HostConfig.Mounts, [{ Type: 'bind', Source: inside, Target: '/x' }], 'HostConfig echoes what the client sent');
    assert.deepEqual((await inspect(d, 'b2')).Mounts, [{ Type: 'bind', Source: inside, Destination: '/x', Mode: 'ro', RW: false, Propagation: 'rslave' }]);
    assert.deepEqual((await inspect(d, 'b2')).HostConfig.Binds, [`${inside}:/x:ro`]);
    assert.equal((await inspect(d, 'b3')).Mounts[0].Propagation, 'rshared');
    assert.equal((await inspect(d, 'b4')).Mounts[0].Propagation, 'rslave', 'a source that contains the data root');
    const refused = (source: string, propagation: string) =>
      `invalid mount config: must use either propagation mode "rslave" or "rshared" when mount source is within the daemon root, daemon root: "${root}", bind mount source: "${source}", propagation: "${propagation}"`;
    const viaBinds = await d.request('POST', '/containers/create', {
      body: { Image: 'busybox', Cmd: ['true'], HostConfig: { Binds: [`${inside}:/x:rprivate`] } },
    });
    assert.deepEqual([viaBinds.status, viaBinds.json()], [400, { message: refused(inside, 'rprivate') }]);
    const viaMounts = await d.request('POST', '/containers/create', {
      body: {
        Image: 'busybox',
        Cmd: ['true'],
        HostConfig: { Mounts: [{ Type: 'bind', Source: inside, Target: '/x', BindOptions: { Propagation: 'slave' } }] },
      },
    });
    assert.deepEqual([viaMounts.status, viaMounts.json()], [400, { message: refused(inside, 'slave') }]);
    const cli = await dockerExpect(d, ['create', '--mount', `type=bind,src=${inside},dst=/x,bind-propagation=private`, 'busybox', 'true'], 1);
    assert.match(cli.stderr, /must use either propagation mode "rslave" or "rshared" when mount source is within the daemon root/);
    // Elsewhere, private stays allowed; and the rslave bind really runs.
    const elsewhere = fs.mkdtempSync('/tmp/berth-fid-bind-');
    try {
      await dockerExpect(d, ['run', '--rm', '--mount', `type=bind,src=${elsewhere},dst=/x,bind-propagation=private`, 'busybox', 'true']);
      assert.equal((await dockerExpect(d, ['start', '-a', 'b2'])).stdout, '');
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
    await dockerExpect(d, ['rm', 'b1', 'b2', 'b3', 'b4']);
  });
});
