/**
 * Networks with the real docker CLI, netavark, aardvark-dns and iptables:
 * published ports reached from the host's loopback, DNS by name and alias
 * on a user network, container: sharing, connect/disconnect live, the
 * network verbs and their errors. Traffic goes only to 127.0.0.1 and to
 * containers of this test's own namespaces.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dockerExpect, eventually, inspect, skipUnlessRoot } from './helpers/docker-cli.js';
import { freePort, getLocal, httpd } from './helpers/net.js';
import { useDaemon } from './helpers/suite.js';
import { logs, run, unixTime, waitExit } from './helpers/api.js';

const skip = skipUnlessRoot();

describe('networks', { skip }, () => {
  const d = useDaemon({ skip });

  /** `docker events` of type network from `since` to a second from now, with these filters, one formatted line each. */
  async function networkEvents(since: string, filters: string[], format: string): Promise<string[]> {
    const until = unixTime(Date.now() + 1000);
    const args = ['events', '--since', since, '--until', until, '--filter', 'type=network', ...filters.flatMap((f) => ['--filter', f]), '--format', format];
    return (await dockerExpect(d, args)).stdout.trim().split('\n');
  }

  test('a published port answers from the host; docker port and ps show it; restart keeps serving', async () => {
    const port = await freePort();
    await dockerExpect(d, ['run', '-d', '--name', 'web', '-p', `127.0.0.1:${port}:80`, 'busybox', ...httpd('hello-web')]);
    assert.equal(await eventually('web answers', () => getLocal(port)), 'hello-web\n');
    assert.equal((await dockerExpect(d, ['port', 'web'])).stdout, `80/tcp -> 127.0.0.1:${port}\n`);
    const ps = await dockerExpect(d, ['ps', '--filter', 'name=web', '--format', '{{.Ports}}']);
    assert.equal(ps.stdout, `127.0.0.1:${port}->80/tcp\n`);
    const j = await inspect(d, 'web');
    assert.deepEqual(j.NetworkSettings.Ports, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] });
    assert.match(j.NetworkSettings.IPAddress, /^10\.\d+\.\d+\.\d+$/);
    assert.equal(j.NetworkSettings.Networks.bridge.IPAddress, j.NetworkSettings.IPAddress);
    assert.equal(j.NetworkSettings.MacAddress, j.NetworkSettings.Networks.bridge.MacAddress);
    assert.deepEqual(j.HostConfig.PortBindings, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] });
    const hosts = await dockerExpect(d, ['exec', 'web', 'cat', '/etc/hosts']);
    assert.match(hosts.stdout, new RegExp(`${j.NetworkSettings.IPAddress.replaceAll('.', '\\.')}\\t${j.Config.Hostname}\\n$`));

    await dockerExpect(d, ['restart', '-t', '0', 'web']);
    assert.equal(await eventually('web answers after restart', () => getLocal(port)), 'hello-web\n');
    assert.equal((await inspect(d, 'web')).NetworkSettings.IPAddress, j.NetworkSettings.IPAddress);
  });

  test('-p hostPort:80 publishes on every address: 127.0.0.1 reaches it, docker port and ps show 0.0.0.0', async () => {
    const port = await freePort();
    await dockerExpect(d, ['run', '-d', '--name', 'all', '-p', `${port}:80`, 'busybox', ...httpd('all-addresses')]);
    assert.equal(await eventually('all answers on 127.0.0.1', () => getLocal(port)), 'all-addresses\n');
    assert.equal((await dockerExpect(d, ['port', 'all'])).stdout, `80/tcp -> 0.0.0.0:${port}\n`);
    assert.equal((await dockerExpect(d, ['ps', '--filter', 'name=all', '--format', '{{.Ports}}'])).stdout, `0.0.0.0:${port}->80/tcp\n`);
    await dockerExpect(d, ['rm', '-f', 'all']);
  });

  test('-P and a random host port: docker port and the list show the ports picked', async () => {
    const r = await dockerExpect(d, ['run', '-d', '--name', 'rnd', '-p', '127.0.0.1::80', '--expose', '81', '-P', 'busybox', ...httpd('rnd')]);
    assert.match(r.stdout, /^[0-9a-f]{64}\n$/);
    const out = (await dockerExpect(d, ['port', 'rnd'])).stdout;
    const m = /^80\/tcp -> 127\.0\.0\.1:(\d+)\n/m.exec(out);
    assert.ok(m, out);
    assert.match(out, /^81\/tcp -> 0\.0\.0\.0:\d+$/m);
    assert.equal(await eventually('random port answers', () => getLocal(Number(m[1]))), 'rnd\n');
    const ps = (await dockerExpect(d, ['ps', '--filter', 'name=rnd', '--format', '{{.Ports}}'])).stdout;
    assert.match(ps, new RegExp(`127\\.0\\.0\\.1:${m[1]}->80/tcp`));
    await dockerExpect(d, ['rm', '-f', 'rnd']);
  });

  test('a port in use is a clear error at start and nothing is left half set up', async () => {
    const port = await freePort();
    await dockerExpect(d, ['run', '-d', '--name', 'p1', '-p', `127.0.0.1:${port}:80`, 'busybox', ...httpd('p1')]);
    const r = await dockerExpect(d, ['run', '-d', '--name', 'p2', '-p', `127.0.0.1:${port}:80`, 'busybox', 'sleep', '100'], 125);
    assert.match(r.stderr, new RegExp(`Bind for 127\\.0\\.0\\.1:${port} failed: port is already allocated`));
    assert.equal((await inspect(d, 'p2')).State.Status, 'created');
    assert.equal(await getLocal(port), 'p1\n');
    await dockerExpect(d, ['rm', '-f', 'p1', 'p2']);
    assert.match((await dockerExpect(d, ['run', '-d', '-p', 'x:80', 'busybox'], 125)).stderr, /invalid|Invalid/);
  });

  test('a user network: DNS by name and alias, hosts and resolv.conf, --ip, container: sharing', async () => {
    await dockerExpect(d, ['network', 'create', '--subnet', '10.251.7.0/24', '--label', 'app=1', 'app']);
    await dockerExpect(d, ['run', '-d', '--name', 'db', '--network', 'app', '--network-alias', 'database', '--ip', '10.251.7.9', 'busybox', ...httpd('db')]);
    const client = (cmd: string, ...args: string[]) => dockerExpect(d, ['run', '--rm', ...args, '--network', 'app', 'busybox', 'sh', '-c', cmd]);
    assert.equal((await client('wget -qO- http://db/')).stdout, 'db\n');
    assert.equal((await client('wget -qO- http://database/')).stdout, 'db\n');
    const dbId = (await inspect(d, 'db')).Id as string;
    assert.equal((await client(`wget -qO- http://${dbId.slice(0, 12)}/`)).stdout, 'db\n');
    const etc = await client(
      'cat /etc/resolv.conf /etc/hosts /etc/hostname',
      '--hostname',
      'x',
      '--add-host',
      'h:10.1.2.3',
      '--dns-search',
      'example.com',
      '--dns-option',
      'ndots:1',
      '--dns',
      '10.0.0.53',
    );
    // aardvark-dns first, then --dns (dockerd: its embedded 127.0.0.11, which forwards to --dns).
    assert.match(etc.stdout, /^search example\.com\nnameserver 10\.251\.7\.1\nnameserver 10\.0\.0\.53\noptions ndots:1\n/);
    assert.match(etc.stdout, /\n10\.1\.2\.3\th\n10\.251\.7\.\d+\tx\nx\n$/);
    const j = await inspect(d, 'db');
    assert.equal(j.NetworkSettings.IPAddress, '', 'top-level fields are for the default bridge only');
    assert.equal(j.NetworkSettings.Networks.app.IPAddress, '10.251.7.9');
    assert.deepEqual(j.NetworkSettings.Networks.app.IPAMConfig, { IPv4Address: '10.251.7.9' });
    assert.deepEqual(j.NetworkSettings.Networks.app.Aliases, ['database', dbId.slice(0, 12)], "the client's aliases, then the short ID (dockerd's order)");
    assert.equal(j.NetworkSettings.Networks.app.Gateway, '10.251.7.1');
    const shared = await dockerExpect(d, ['run', '--rm', '--network', 'container:db', 'busybox', 'wget', '-qO-', 'http://127.0.0.1/']);
    assert.equal(shared.stdout, 'db\n');
    // A missing donor fails the start, not the create (a 404 from create makes the CLI pull the image).
    const missing = await dockerExpect(d, ['run', '--rm', '--network', 'container:nope', 'busybox', 'true'], 125);
    assert.match(missing.stderr, /No such container: nope/);
    assert.doesNotMatch(missing.stderr, /Unable to find image/);
    const created = await d.request('POST', '/containers/create', { body: { Image: 'busybox', Cmd: ['true'], HostConfig: { NetworkMode: 'container:nope' } } });
    assert.equal(created.status, 201, String(created.body));
    const cid = (created.json() as { Id: string }).Id;
    assert.equal((await inspect(d, cid)).HostConfig.NetworkMode, 'container:nope');
    const started = await d.request('POST', `/containers/${cid}/start`);
    assert.deepEqual([started.status, started.json()], [404, { message: 'No such container: nope' }]);
    await dockerExpect(d, ['rm', cid]);

    const out = await dockerExpect(d, ['run', '--rm', '--network', 'app', '--ip', '10.9.9.9', 'busybox', 'true'], 125);
    assert.match(out.stderr, /Invalid address 10\.9\.9\.9: It does not belong to any of this network's subnets/);
    await dockerExpect(d, ['rm', '-f', 'db']);
  });

  test('connect and disconnect a running container', async () => {
    const since = unixTime();
    await dockerExpect(d, ['run', '-d', '--name', 'lone', 'busybox', ...httpd('lone')]);
    await dockerExpect(d, ['run', '-d', '--name', 'peer', '--network', 'app', 'busybox', 'sleep', '1000']);
    await dockerExpect(d, ['network', 'connect', '--alias', 'solo', 'app', 'lone']);
    assert.equal((await dockerExpect(d, ['exec', 'peer', 'wget', '-qO-', 'http://solo/'])).stdout, 'lone\n');
    const again = await dockerExpect(d, ['network', 'connect', 'app', 'lone'], 1);
    assert.match(again.stderr, /endpoint with name lone already exists in network app/);
    const netj = JSON.parse((await dockerExpect(d, ['network', 'inspect', 'app'])).stdout)[0];
    assert.deepEqual(
      Object.values(netj.Containers)
        .map((c: any) => c.Name)
        .sort(),
      ['lone', 'peer'],
    );
    await dockerExpect(d, ['network', 'disconnect', 'app', 'lone']);
    const gone = await d.docker(['exec', 'peer', 'wget', '-T', '2', '-qO-', 'http://solo/']);
    assert.notEqual(gone.code, 0, 'the alias no longer resolves');
    assert.deepEqual(Object.keys((await inspect(d, 'lone')).NetworkSettings.Networks), ['bridge']);
    const not = await dockerExpect(d, ['network', 'disconnect', 'app', 'lone'], 1);
    assert.match(not.stderr, /is not connected to network app/);
    const lone = (await inspect(d, 'lone')).Id as string;
    const peer = (await inspect(d, 'peer')).Id as string;
    const ev = await networkEvents(since, ['network=app'], '{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.container}}');
    // peer's connect is logged at its start (dockerd logs one per network before every start).
    assert.deepEqual(ev, [`connect app ${peer}`, `connect app ${lone}`, `disconnect app ${lone}`]);
    await dockerExpect(d, ['rm', '-f', 'lone', 'peer']);
  });

  test('network verbs: ls with filters, inspect, errors, rm, prune', async () => {
    const since = unixTime();
    const ls = (await dockerExpect(d, ['network', 'ls', '--format', '{{.Name}} {{.Driver}}'])).stdout.split('\n').filter(Boolean).sort();
    assert.deepEqual(ls, ['app bridge', 'bridge bridge', 'host host', 'none null']);
    assert.equal((await dockerExpect(d, ['network', 'ls', '-q', '--filter', 'label=app=1'])).stdout.trim().length, 12);
    assert.deepEqual((await dockerExpect(d, ['network', 'ls', '--format', '{{.Name}}', '--filter', 'type=custom'])).stdout, 'app\n');
    const dup = await dockerExpect(d, ['network', 'create', 'app'], 1);
    assert.match(dup.stderr, /network with name app already exists/);
    const overlap = await dockerExpect(d, ['network', 'create', '--subnet', '10.251.7.128/25', 'other'], 1);
    assert.match(overlap.stderr, /Pool overlaps with other one on this address space/);
    assert.match((await dockerExpect(d, ['network', 'inspect', 'nope'], 1)).stderr, /network nope not found/);
    assert.match((await dockerExpect(d, ['run', '--rm', '--network', 'nope', 'busybox', 'true'], 125)).stderr, /network nope not found/);
    assert.match((await dockerExpect(d, ['network', 'create', '--ipv6', '--subnet', 'fd00::/64', 'v6'], 1)).stderr, /IPv6/);
    const badSubnet = await dockerExpect(d, ['network', 'create', '--subnet', '10.300.0.0/24', 'bad'], 1);
    assert.match(badSubnet.stderr, /Invalid subnet 10\.300\.0\.0\/24 : invalid CIDR address: 10\.300\.0\.0\/24/);
    const badRange = await dockerExpect(d, ['network', 'create', '--subnet', '10.251.9.0/24', '--ip-range', '10.251.10.0/25', 'bad'], 1);
    assert.match(badRange.stderr, /no matching subnet for range 10\.251\.10\.0\/25/);

    await dockerExpect(d, ['run', '-d', '--name', 'busy', '--network', 'app', 'busybox', 'sleep', '1000']);
    const busy = await dockerExpect(d, ['network', 'rm', 'app'], 1);
    assert.match(busy.stderr, /error while removing network: network app id [0-9a-f]{64} has active endpoints/);
    assert.match((await dockerExpect(d, ['network', 'rm', 'bridge'], 1)).stderr, /bridge is a pre-defined network and cannot be removed/);
    await dockerExpect(d, ['rm', '-f', 'busy']);
    await dockerExpect(d, [
      'network',
      'create',
      '--internal',
      '-o',
      'com.docker.network.bridge.name=brtest0',
      '-o',
      'com.docker.network.driver.mtu=1400',
      'spare',
    ]);
    const spare = JSON.parse((await dockerExpect(d, ['network', 'inspect', 'spare'])).stdout)[0];
    assert.equal(spare.Internal, true);
    assert.equal(spare.Options['com.docker.network.bridge.name'], 'brtest0');
    const mtu = await dockerExpect(d, ['run', '--rm', '--network', 'spare', 'busybox', 'cat', '/sys/class/net/eth0/mtu']);
    assert.equal(mtu.stdout, '1400\n');
    assert.equal((await dockerExpect(d, ['network', 'rm', 'app'])).stdout, 'app\n');
    const pruned = await dockerExpect(d, ['network', 'prune', '-f']);
    assert.match(pruned.stdout, /Deleted Networks:\nspare\n/);
    const left = (await dockerExpect(d, ['network', 'ls', '--format', '{{.Name}}'])).stdout.split('\n').filter(Boolean).sort();
    assert.deepEqual(left, ['bridge', 'host', 'none']);
    const ev = await networkEvents(since, ['event=create', 'event=destroy'], '{{.Action}} {{.Actor.Attributes.name}}');
    assert.deepEqual(ev, ['create spare', 'destroy app', 'destroy spare']);
  });

  test('none and host modes keep working', async () => {
    const none = await dockerExpect(d, ['run', '--rm', '--network', 'none', 'busybox', 'cat', '/proc/net/dev']);
    assert.doesNotMatch(none.stdout, /eth0/);
    // Config.MacAddress through the API (the current CLI sends --mac-address per network, which needs API 1.44).
    const id = await run(d, {
      MacAddress: '02:42:0a:0b:0c:0d',
      Domainname: 'example.com',
      Hostname: 'hb',
      Cmd: ['sh', '-c', 'cat /sys/class/net/eth0/address; tail -n1 /etc/hosts'],
    });
    assert.equal(await waitExit(d, id), 0);
    assert.match((await logs(d, id)).stdout, /^02:42:0a:0b:0c:0d\n10\.\d+\.\d+\.\d+\thb\.example\.com hb\n$/);
    await dockerExpect(d, ['rm', id]);
  });
});
