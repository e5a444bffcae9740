/**
 * dockerode's network, volume and event APIs against berthd: networks and
 * volumes create/inspect/list (with filters)/remove, a container connected
 * to a network, and an events stream filtered by type, event and label.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useDaemon } from '../../integration/helpers/suite.js';
import { dockerode, skipUnlessRoot } from './client.js';

describe('dockerode: networks, volumes, events', { skip: skipUnlessRoot(), timeout: 120_000 }, () => {
  const d = useDaemon();

  test('createNetwork, inspect, listNetworks with filters, connect/disconnect, remove', async () => {
    const docker = dockerode(d);
    const network = await docker.createNetwork({ Name: 'dode-net', Driver: 'bridge', Labels: { 'dode.test': 'net' } });
    const inspected = await network.inspect();
    assert.equal(inspected.Name, 'dode-net');
    assert.equal(inspected.Driver, 'bridge');
    assert.equal(inspected.Labels?.['dode.test'], 'net');
    const listed = await docker.listNetworks({ filters: { label: ['dode.test=net'] } });
    assert.deepEqual(
      listed.map((n) => n.Name),
      ['dode-net'],
    );

    const other = await docker.createContainer({ Image: 'busybox', Cmd: ['sleep', '60'] });
    await network.connect({ Container: other.id, EndpointConfig: { Aliases: ['other-alias'] } });
    await other.start();
    const attached = (await other.inspect()).NetworkSettings.Networks['dode-net'];
    assert.ok(attached, 'the container is on dode-net');
    assert.ok(attached.Aliases.includes('other-alias'), JSON.stringify(attached.Aliases));
    assert.ok(Object.keys((await network.inspect()).Containers ?? {}).includes(other.id));
    await network.disconnect({ Container: other.id, Force: true });
    assert.equal((await other.inspect()).NetworkSettings.Networks['dode-net'], undefined);
    await other.remove({ force: true });
    await network.remove();
    assert.deepEqual(await docker.listNetworks({ filters: { name: ['dode-net'] } }), []);
  });

  test('createVolume, inspect, listVolumes with a label filter, remove', async () => {
    const docker = dockerode(d);
    const volume = await docker.createVolume({ Name: 'dode-vol', Labels: { 'dode.test': 'vol' } });
    assert.equal(volume.name, 'dode-vol');
    const inspected = await volume.inspect();
    assert.equal(inspected.Driver, 'local');
    assert.equal(inspected.Labels['dode.test'], 'vol');
    const listed = await docker.listVolumes({ filters: { label: ['dode.test=vol'] } });
    assert.deepEqual(
      listed.Volumes.map((v) => v.Name),
      ['dode-vol'],
    );
    await volume.remove();
    assert.deepEqual((await docker.listVolumes({ filters: { name: ['dode-vol'] } })).Volumes, []);
    await assert.rejects(volume.inspect(), (err: { statusCode?: number }) => err.statusCode === 404);
  });

  test('getEvents with filters: only the matching events arrive, as JSON lines', async () => {
    const docker = dockerode(d);
    const stream = await docker.getEvents({ filters: { type: ['container'], event: ['start', 'die'], label: ['dode.events=yes'] } });
    const events: any[] = [];
    let buffered = '';
    const twoEvents = new Promise<void>((resolve) => {
      stream.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) events.push(JSON.parse(line));
        if (events.length >= 2) resolve();
      });
    });
    const ignored = await docker.createContainer({ Image: 'busybox', Cmd: ['true'] });
    await ignored.start();
    await ignored.wait();
    const watched = await docker.createContainer({ Image: 'busybox', Cmd: ['true'], Labels: { 'dode.events': 'yes' } });
    await watched.start();
    await watched.wait();
    await twoEvents;
    (stream as unknown as { destroy(): void }).destroy();
    assert.deepEqual(
      events.map((e) => [e.Type, e.Action, e.Actor.ID]),
      [
        ['container', 'start', watched.id],
        ['container', 'die', watched.id],
      ],
    );
    assert.equal(events[1].Actor.Attributes.exitCode, '0');
    await Promise.all([ignored.remove(), watched.remove()]);
  });
});
