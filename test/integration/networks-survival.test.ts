/**
 * Networks across berthd's own failures: kill -9 with networked containers
 * running (they keep their network; berthd adopts them and tears them down
 * later as usual), a network's bridge kept after its last container until
 * the network is removed, and a simulated reboot (namespaces, processes and the
 * exec root gone; berthd cleans the bridges and firewall chains left).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { dockerExpect, eventually, inspect, skipUnlessRoot } from './helpers/docker-cli.js';
import { reapLeaks } from './helpers/leaks.js';
import { freePort, getLocal, httpd } from './helpers/net.js';
import { berthdCheck } from './helpers/check.js';
import { findNetworkLeaks, hostTraces } from './helpers/network-leaks.js';
import { anchorNames } from '../../src/engine/networks/keep-bridge.js';
import { useDaemon } from './helpers/suite.js';

const skip = skipUnlessRoot();

describe('networks survive berthd', { skip }, () => {
  const d = useDaemon({ skip });

  test('kill -9 of berthd: published ports and DNS keep working, and are torn down after the restart', async () => {
    const port = await freePort();
    await dockerExpect(d, ['network', 'create', 'surv']);
    await dockerExpect(d, ['run', '-d', '--name', 's-web', '--network', 'surv', '-p', `127.0.0.1:${port}:80`, 'busybox', ...httpd('survivor')]);
    await dockerExpect(d, ['run', '-d', '--name', 's-cli', '--network', 'surv', 'busybox', 'sleep', '1000']);
    assert.equal(await eventually('s-web answers', () => getLocal(port)), 'survivor\n');
    const before = await inspect(d, 's-web');

    await d.kill9();
    assert.equal(await getLocal(port), 'survivor\n', 'the port forward outlives berthd');
    await d.start();
    assert.equal(await getLocal(port), 'survivor\n');
    const after = await inspect(d, 's-web');
    assert.equal(after.State.Pid, before.State.Pid);
    assert.deepEqual(after.NetworkSettings.Networks.surv.IPAddress, before.NetworkSettings.Networks.surv.IPAddress);
    assert.deepEqual(after.NetworkSettings.Ports, before.NetworkSettings.Ports);
    assert.equal((await dockerExpect(d, ['exec', 's-cli', 'wget', '-qO-', 'http://s-web/'])).stdout, 'survivor\n');

    await dockerExpect(d, ['stop', '-t', '0', 's-web']);
    assert.equal(await getLocal(port, '/', 500), '', 'stopped: the port no longer answers');
    await dockerExpect(d, ['start', 's-web']);
    assert.equal(await eventually('s-web answers after start', () => getLocal(port)), 'survivor\n');
  });

  test('a network keeps its bridge after its last container (as Docker does) and loses all of it at network rm', async () => {
    await dockerExpect(d, ['network', 'create', 'order']);
    const port = await freePort();
    await dockerExpect(d, ['run', '-d', '--name', 'o-ports', '--network', 'order', '-p', `127.0.0.1:${port}:80`, 'busybox', ...httpd('o')]);
    await dockerExpect(d, ['run', '-d', '--name', 'o-plain', '--network', 'order', 'busybox', 'sleep', '1000']);
    await dockerExpect(d, ['rm', '-f', 'o-ports']);
    await dockerExpect(d, ['rm', '-f', 'o-plain']);
    const j = (
      JSON.parse((await dockerExpect(d, ['network', 'inspect', 'order'])).stdout) as Array<{ Id: string; IPAM: { Config: Array<{ Subnet: string }> } }>
    )[0];
    const own = { id: j.Id, bridge: `br-${j.Id.slice(0, 12)}`, subnet: j.IPAM.Config[0].Subnet };
    const kept = hostTraces(own);
    assert.ok(kept.includes(`bridge ${own.bridge}`) && kept.includes(`anchor ${anchorNames(own.id).anchor}`), kept.join('\n'));
    assert.equal(
      kept.some((l) => l.includes('DNAT')),
      false,
      `no port forward outlives its container:\n${kept.join('\n')}`,
    );
    const check = await berthdCheck(d);
    assert.equal(check.code, 0, `a kept bridge is no finding of berthd check:\n${check.stdout}`);
    await dockerExpect(d, ['run', '--rm', '--network', 'order', 'busybox', 'true']);
    await dockerExpect(d, ['network', 'rm', 'order']);
    assert.deepEqual(hostTraces(own), [], 'network rm takes the bridge, its anchor and its firewall rules');
  });

  test('a simulated reboot: containers exited, bridges and firewall chains of the daemon cleaned', async () => {
    const port = await freePort();
    await dockerExpect(d, ['run', '-d', '--name', 'r-web', '-p', `127.0.0.1:${port}:80`, 'busybox', ...httpd('rb')]);
    assert.equal(await eventually('r-web answers', () => getLocal(port)), 'rb\n');
    assert.notDeepEqual(findNetworkLeaks(d.dataRoot), [], 'bridges and chains exist while containers run');

    await d.kill9();
    await reapLeaks(d.scope); // every process of the daemon's scope killed, its mounts (namespaces too) gone
    fs.rmSync(d.execRoot, { recursive: true, force: true });
    fs.mkdirSync(d.execRoot);
    await d.start();

    for (const name of ['r-web', 's-web', 's-cli']) assert.equal((await inspect(d, name)).State.Status, 'exited', name);
    assert.deepEqual(findNetworkLeaks(d.dataRoot), []);
    assert.equal(await getLocal(port, '/', 500), '');
    await dockerExpect(d, ['start', 'r-web', 's-web']);
    assert.equal(await eventually('r-web answers after the reboot', () => getLocal(port)), 'rb\n');
    await dockerExpect(d, ['rm', '-f', 'r-web', 's-web', 's-cli']);
    await dockerExpect(d, ['network', 'rm', 'surv']);
  });
});
