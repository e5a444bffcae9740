/**
 * GET /events: Docker's JSON, filters, history kept across a berthd kill -9,
 * `until` in the past closing the stream, and the seam between replay and
 * live delivering each event exactly once.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { create, run, streamRequest, unixTime, verb, waitExit } from './helpers/api.js';
import { useDaemon } from './helpers/suite.js';
import { dockerExpect, skipUnlessRoot } from './helpers/docker-cli.js';

const lines = (b: Buffer | string) =>
  b
    .toString()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
const nowSec = () => unixTime();

describe('events', { skip: skipUnlessRoot(), timeout: 180_000 }, () => {
  const d = useDaemon();

  test("container events have Docker's JSON, filters work, and history survives kill -9", async () => {
    const since = nowSec();
    const id = await create(d, { Image: 'busybox', Cmd: ['sh', '-c', 'exit 3'], Labels: { team: 'a' } }, 'ev1');
    await verb(d, id, 'start');
    assert.equal(await waitExit(d, id), 3);
    await verb(d, id, 'rename', { name: 'ev1b' });
    const before = await d.request('GET', '/events', { query: { since, until: nowSec() } });
    assert.equal(before.status, 200);
    const all = lines(before.body).filter((e) => e.Actor.ID === id);
    assert.deepEqual(
      all.map((e) => e.Action),
      ['create', 'start', 'die', 'rename'],
    );
    const die = all[2];
    assert.equal(die.status, 'die');
    assert.equal(die.id, id);
    assert.equal(die.from, 'busybox');
    assert.equal(die.Type, 'container');
    assert.equal(die.scope, 'local');
    assert.equal(die.Actor.Attributes.exitCode, '3');
    assert.equal(die.Actor.Attributes.name, 'ev1');
    assert.equal(die.Actor.Attributes.team, 'a');
    assert.equal(die.time, Math.floor(Number(BigInt(die.timeNano) / 1_000_000_000n)));
    assert.equal(all[3].Actor.Attributes.oldName, '/ev1');

    await d.kill9();
    await d.start();
    const until = nowSec();
    const cli = await dockerExpect(d, [
      'events',
      '--since',
      since,
      '--until',
      until,
      '--filter',
      'type=container',
      '--filter',
      'event=die',
      '--format',
      '{{.Actor.Attributes.name}} {{.Status}}',
    ]);
    assert.equal(cli.stdout.trim(), 'ev1 die');
    const labelled = await dockerExpect(d, ['events', '--since', since, '--until', until, '--filter', 'label=team=a', '--format', '{{.Action}}']);
    assert.deepEqual(labelled.stdout.trim().split('\n'), ['create', 'start', 'die', 'rename']);
    const byName = await d.request('GET', '/events', { query: { since, until, filters: JSON.stringify({ container: ['ev1b'], event: ['rename'] }) } });
    assert.equal(lines(byName.body).length, 1);
    const bad = await d.request('GET', '/events', { query: { since: '10', until: '5' } });
    assert.equal(bad.status, 400);
    const badFilter = await d.request('GET', '/events', { query: { filters: JSON.stringify({ nope: ['x'] }) } });
    assert.equal(badFilter.status, 400);
    assert.equal((await d.request('DELETE', `/containers/${id}`)).status, 204);
  });

  test('image tag and untag events', async () => {
    const since = nowSec();
    await dockerExpect(d, ['tag', 'busybox', 'evtag:1']);
    await dockerExpect(d, ['rmi', 'evtag:1']);
    const r = await dockerExpect(d, [
      'events',
      '--since',
      since,
      '--until',
      nowSec(),
      '--filter',
      'type=image',
      '--format',
      '{{.Action}} {{.Actor.Attributes.name}}',
    ]);
    const out = r.stdout.trim().split('\n');
    assert.equal(out[0], 'tag evtag:1');
    assert.match(out[1], /^untag sha256:/);
  });

  test('the seam: events emitted during replay arrive exactly once, and live events follow', async () => {
    const since = nowSec();
    // History to replay…
    for (let i = 0; i < 5; i++) await create(d, { Image: 'busybox', Cmd: ['true'] }, `seam${i}`);
    // `until` a few seconds ahead: the stream replays, goes live, and then ends by itself.
    const until = unixTime(Date.now() + 4000);
    const stream = await streamRequest(d, 'GET', '/events', { since, until, filters: JSON.stringify({ type: ['container'], event: ['create'] }) });
    assert.equal(stream.status, 200);
    // …and more while the stream replays and goes live.
    for (let i = 5; i < 10; i++) await create(d, { Image: 'busybox', Cmd: ['true'] }, `seam${i}`);
    const got = lines(await stream.body).map((e) => e.Actor.Attributes.name);
    assert.deepEqual(
      got,
      Array.from({ length: 10 }, (_, i) => `seam${i}`),
    );
    for (let i = 0; i < 10; i++) assert.equal((await d.request('DELETE', `/containers/seam${i}`)).status, 204);
  });

  test("exec, kill and stop events carry Docker's attributes", async () => {
    const since = nowSec();
    const id = await run(d, { Image: 'busybox', Cmd: ['sleep', '60'] }, 'evexec');
    await dockerExpect(d, ['exec', 'evexec', 'true']);
    await dockerExpect(d, ['kill', 'evexec']);
    await waitExit(d, id);
    await dockerExpect(d, ['start', 'evexec']);
    await dockerExpect(d, ['restart', '-t', '0', 'evexec']);
    const r = await d.request('GET', '/events', { query: { since, until: nowSec(), filters: JSON.stringify({ container: [id] }) } });
    const ev = lines(r.body);
    const actions = ev.map((e) => e.Action);
    // dockerd's action: the path, a space, the arguments ("true " without any).
    assert.ok(actions.includes('exec_create: true '), actions.join());
    assert.ok(actions.includes('exec_start: true '), actions.join());
    const execDie = ev.find((e) => e.Action === 'exec_die');
    assert.equal(execDie?.Actor.Attributes.exitCode, '0');
    assert.ok(execDie?.Actor.Attributes.execID);
    assert.equal(ev.find((e) => e.Action === 'kill')?.Actor.Attributes.signal, '9');
    assert.deepEqual(actions.slice(-4), ['kill', 'die', 'stop', 'start', 'restart'].slice(-4), actions.join());
    const fuzzy = await d.request('GET', '/events', { query: { since, until: nowSec(), filters: JSON.stringify({ container: [id], event: ['exec_start'] }) } });
    assert.equal(lines(fuzzy.body).length, 1);
    assert.equal((await d.request('DELETE', `/containers/${id}`, { query: { force: '1' } })).status, 204);
  });
});
