/**
 * What docker-compose reads back through the API, as dockerd 20.10 answers it
 * (each found by running Debian's docker-compose 1.29 against both; the
 * compose session itself is test/conformance/compose/): stop's `kill` events
 * (stop signal, then SIGKILL) before die/stop, event attributes in key order,
 * endpoint aliases with the short ID appended once (after the client's, from
 * the first start on), Config.Env with the request's entries first,
 * Config.Volumes echoing the request and the image, and a pull's "Pulling
 * from <path>" line without the registry.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { create, inspectApi, run, unixTime, verb } from './helpers/api.js';
import { dockerExpect, skipUnlessRoot } from './helpers/docker-cli.js';
import { importBusybox, parseJsonMessages } from './helpers/images.js';
import { skipUnlessRegistry, startRegistry, type TestRegistry } from './helpers/registry.js';
import { useDaemon } from './helpers/suite.js';

const nowSec = () => unixTime();

describe('the API as docker-compose reads it', { skip: skipUnlessRoot(), timeout: 120_000 }, () => {
  const d = useDaemon();

  async function eventsOf(id: string, since: string): Promise<Array<{ Action: string; Actor: { Attributes: Record<string, string> } }>> {
    const res = await d.request('GET', '/events', { query: { since, until: nowSec(), filters: JSON.stringify({ container: [id] }) } });
    assert.equal(res.status, 200);
    return parseJsonMessages(res.body) as never;
  }

  test('stop logs a kill event per signal, then die and stop; attributes are in key order', async () => {
    const since = nowSec();
    // sleep as PID 1 ignores SIGTERM: stop escalates to SIGKILL after its timeout.
    const id = await run(d, { Cmd: ['sleep', '60'], Labels: { zeta: '1', alpha: '2' } }, 'cmp-stop');
    await verb(d, id, 'stop', { t: 1 });
    const late = await eventsOf(id, since);
    const tail = late.slice(-4).map((e) => `${e.Action}${e.Actor.Attributes.signal ? `:${e.Actor.Attributes.signal}` : ''}`);
    assert.deepEqual(tail, ['kill:15', 'kill:9', 'die', 'stop']);
    for (const e of late) {
      const keys = Object.keys(e.Actor.Attributes);
      assert.deepEqual(keys, [...keys].sort(), `${e.Action}: ${keys.join()}`);
    }
    // With a timeout of 0 the stop signal still goes out first, as dockerd sends it.
    const since0 = nowSec();
    await verb(d, id, 'start');
    await verb(d, id, 'stop', { t: 0 });
    const zero = (await eventsOf(id, since0)).filter((e) => e.Action === 'kill').map((e) => e.Actor.Attributes.signal);
    assert.deepEqual(zero, ['15', '9']);
    await dockerExpect(d, ['rm', 'cmp-stop']);
  });

  test("aliases: the client's, then the short ID once, from the first start on (kept after stop)", async () => {
    await dockerExpect(d, ['network', 'create', 'cmp-net']);
    const id = await create(
      d,
      { Cmd: ['sleep', '60'], HostConfig: { NetworkMode: 'cmp-net' }, NetworkingConfig: { EndpointsConfig: { 'cmp-net': { Aliases: ['www', 'web'] } } } },
      'cmp-web',
    );
    const aliases = async (c: string) => (await inspectApi(d, c)).NetworkSettings.Networks['cmp-net'].Aliases;
    assert.deepEqual(await aliases(id), ['www', 'web']);
    await verb(d, id, 'start');
    assert.deepEqual(await aliases(id), ['www', 'web', id.slice(0, 12)]);
    await verb(d, id, 'stop', { t: 0 });
    assert.deepEqual(await aliases(id), ['www', 'web', id.slice(0, 12)]);
    // compose reconnects a created container with its short ID among the aliases: it is not doubled.
    const other = await create(d, { Cmd: ['sleep', '60'], HostConfig: { NetworkMode: 'cmp-net' } }, 'cmp-worker');
    const short = other.slice(0, 12);
    assert.equal((await d.request('POST', '/networks/cmp-net/disconnect', { body: { Container: other } })).status, 200);
    const connect = await d.request('POST', '/networks/cmp-net/connect', { body: { Container: other, EndpointConfig: { Aliases: [short, 'worker'] } } });
    assert.equal(connect.status, 200, connect.body.toString());
    await verb(d, other, 'start');
    assert.deepEqual(await aliases(other), [short, 'worker']);
    await dockerExpect(d, ['rm', '-f', 'cmp-web', 'cmp-worker']);
    await dockerExpect(d, ['network', 'rm', 'cmp-net']);
  });

  test("Config.Env: the request's entries, then the image's it does not set; Config.Volumes: the request's and the image's", async () => {
    const base = await create(d, { Cmd: ['true'] }, 'cmp-base');
    const commit = await d.request('POST', '/commit', {
      query: { container: base, repo: 'cmp-img', tag: '1' },
      body: { Env: ['IMG=1', 'SHARED=image'], Volumes: { '/declared': {} }, Cmd: ['sh'] },
    });
    assert.equal(commit.status, 201, commit.body.toString());
    const id = await create(
      d,
      { Image: 'cmp-img:1', Env: ['SHARED=mine', 'OWN=1'], Volumes: { '/data': {} }, HostConfig: { Binds: ['cmp-vol:/data'] } },
      'cmp-env',
    );
    const j = await inspectApi(d, id);
    assert.deepEqual(j.Config.Env, ['SHARED=mine', 'OWN=1', 'IMG=1']);
    assert.deepEqual(j.Config.Volumes, { '/data': {}, '/declared': {} }, 'a path covered by a bind stays declared, as dockerd keeps it');
    const plain = await inspectApi(d, await create(d, { Cmd: ['true'] }, 'cmp-plain'));
    assert.equal(plain.Config.Volumes, null);
    await dockerExpect(d, ['rm', '-v', 'cmp-base', 'cmp-env', 'cmp-plain']);
    await dockerExpect(d, ['volume', 'rm', 'cmp-vol']);
    await dockerExpect(d, ['rmi', 'cmp-img:1']);
  });

  describe('pull', { skip: skipUnlessRegistry() }, () => {
    let reg: TestRegistry;
    before(async () => {
      reg = await startRegistry();
    });
    after(async () => {
      await reg?.stop();
    });

    test('"Pulling from" names the repository by its path, without the registry', async () => {
      const ref = `${reg.host}/team/cmp`;
      await importBusybox(d, ref, '1');
      await dockerExpect(d, ['push', `${ref}:1`]);
      await dockerExpect(d, ['rmi', `${ref}:1`]);
      const res = await d.request('POST', '/images/create', { query: { fromImage: ref, tag: '1' } });
      assert.equal(res.status, 200);
      assert.deepEqual(parseJsonMessages(res.body)[0], { status: 'Pulling from team/cmp', id: '1' });
      await dockerExpect(d, ['rmi', `${ref}:1`]);
    });
  });
});
