/**
 * The conmon an exec gets at create (engine/exec/prepared-conmon.ts): an
 * exec that is created and never started runs nothing, and its conmon goes
 * when the container stops, with the daemon's shutdown, or — the daemon
 * killed — on its own; a session whose prepared conmon was dropped still
 * starts, with a conmon of its own. Created execs hold no thread of
 * berthd's, and berthd is left with no child but its spawn helper.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startDaemon, type TestDaemon } from './helpers/daemon.js';
import { dockerExpect, eventually, skipUnlessRoot } from './helpers/docker-cli.js';
import { importBusybox } from './helpers/images.js';
import { childrenOf, processesMentioning } from './helpers/leaks.js';
import { run } from './helpers/api.js';

describe('exec conmon prepared at create', { skip: skipUnlessRoot(), timeout: 300_000 }, () => {
  let d: TestDaemon;
  const conmonsOf = (execId: string) => processesMentioning(d.root).filter((p) => p.cmdline.includes('--exec-attach') && p.cmdline.includes(execId));
  const execDir = (ctrId: string, execId: string) => path.join(d.execRoot, 'containers', ctrId, 'exec', execId);

  before(async () => {
    d = await startDaemon();
    await importBusybox(d);
  });
  after(async () => {
    await d?.cleanup();
  });

  /** Creates an exec that would leave a mark in the container; waits until its conmon is up. */
  async function createMarker(ctrId: string, mark: string): Promise<string> {
    const created = await d.request('POST', `/containers/${ctrId}/exec`, { body: { Cmd: ['sh', '-c', `echo ran > ${mark}`], AttachStdout: true } });
    assert.equal(created.status, 201, created.body.toString());
    const execId = created.json().Id as string;
    await eventually('the prepared conmon', () => conmonsOf(execId).length > 0);
    return execId;
  }

  test('a created exec runs nothing until started; stopping the container ends its conmon; a later start still runs it', async () => {
    const ctrId = await run(d, { Cmd: ['sleep', '1000'] });
    const execId = await createMarker(ctrId, '/tmp/mark');
    await new Promise((r) => setTimeout(r, 300));
    await dockerExpect(d, ['exec', ctrId, 'test', '!', '-e', '/tmp/mark']);
    await dockerExpect(d, ['restart', '-t', '0', ctrId]);
    await eventually('the prepared conmon to go with the stop', () => conmonsOf(execId).length === 0);
    assert.equal(fs.existsSync(execDir(ctrId, execId)), false, 'its directory went too');
    await dockerExpect(d, ['exec', ctrId, 'test', '!', '-e', '/tmp/mark']);
    // The session outlives the stop (as in dockerd): its start spawns a conmon of its own.
    const started = await d.request('POST', `/exec/${execId}/start`, { body: { Detach: false, Tty: false } });
    assert.equal(started.status, 200, started.body.toString());
    assert.equal((await d.request('GET', `/exec/${execId}/json`)).json().ExitCode, 0);
    await dockerExpect(d, ['exec', ctrId, 'cat', '/tmp/mark']);
    assert.equal((await d.request('DELETE', `/containers/${ctrId}`, { query: { force: '1' } })).status, 204);
  });

  test('removing the container or stopping the daemon ends the conmon of a created exec', async () => {
    const ctrId = await run(d, { Cmd: ['sleep', '1000'] });
    const first = await createMarker(ctrId, '/tmp/one');
    assert.equal((await d.request('DELETE', `/containers/${ctrId}`, { query: { force: '1' } })).status, 204);
    await eventually('the conmon to go with the container', () => conmonsOf(first).length === 0);
    const other = await run(d, { Cmd: ['sleep', '1000'] });
    const second = await createMarker(other, '/tmp/two');
    await d.stop();
    assert.deepEqual(conmonsOf(second), [], 'a stopped daemon leaves no prepared conmon');
    await d.start();
    await dockerExpect(d, ['exec', other, 'test', '!', '-e', '/tmp/two']);
    assert.equal((await d.request('DELETE', `/containers/${other}`, { query: { force: '1' } })).status, 204);
  });

  test('six created execs hold nothing of berthd: other work goes on, and every conmon berthd spawned is reaped', async () => {
    const ctrId = await run(d, { Cmd: ['sleep', '1000'] });
    const execIds = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => createMarker(ctrId, `/tmp/six${i}`)));
    const started = Date.now();
    // A lifecycle and an exec do file work on the thread pool throughout.
    await dockerExpect(d, ['run', '--rm', '--network', 'none', 'busybox', 'true']);
    await dockerExpect(d, ['exec', ctrId, 'true']);
    assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
    assert.ok(
      execIds.every((id) => conmonsOf(id).length > 0),
      'the six conmons still wait',
    );
    assert.equal((await d.request('DELETE', `/containers/${ctrId}`, { query: { force: '1' } })).status, 204);
    // conmon forks away from berthd: once the first process exited, only the spawn helper (node) may be berthd's child.
    await eventually('no child of berthd but its spawn helper', () => childrenOf(d.pid).every((c) => c.state !== 'Z' && c.cmdline.includes('spawn-helper')));
  });

  test('a daemon killed between create and start: the command never runs and its conmon does not linger', async () => {
    const ctrId = await run(d, { Cmd: ['sleep', '1000'] });
    const execId = await createMarker(ctrId, '/tmp/killed');
    await d.kill9();
    await eventually('the orphaned conmon to give up', () => conmonsOf(execId).length === 0);
    await d.start();
    await dockerExpect(d, ['exec', ctrId, 'test', '!', '-e', '/tmp/killed']);
    assert.equal((await d.request('DELETE', `/containers/${ctrId}`, { query: { force: '1' } })).status, 204);
  });
});
