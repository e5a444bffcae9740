/**
 * Spare exec conmons (engine/exec/spare-conmons.ts): after a container's
 * first plain exec, one conmon waits ready for the next; the next plain
 * exec takes it (its id becomes the exec's id) and its start spawns the
 * next spare. A spare runs nothing, is not an exec anyone can see, and
 * goes with its container's stop or removal, the daemon's shutdown, or —
 * the daemon killed — on its own.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startDaemon, type TestDaemon } from './helpers/daemon.js';
import { dockerExpect, eventually, skipUnlessRoot } from './helpers/docker-cli.js';
import { execConmons, type ExecConmon } from './helpers/exec-conmons.js';
import { importBusybox } from './helpers/images.js';
import { processesMentioning } from './helpers/leaks.js';
import { run } from './helpers/api.js';

describe('spare exec conmons', { skip: skipUnlessRoot(), timeout: 300_000 }, () => {
  let d: TestDaemon;
  const sparesOf = async (ctrId: string) => (await execConmons(d)).spares.filter((c) => c.containerId === ctrId);
  /** The container's one spare, once there is exactly one. */
  const waitSpare = async (ctrId: string, what = 'a spare'): Promise<ExecConmon> => {
    const spare = await eventually(what, async () => {
      const s = await sparesOf(ctrId);
      return s.length === 1 ? s[0] : undefined;
    });
    if (!spare) throw new Error(`no ${what}`);
    return spare;
  };

  before(async () => {
    d = await startDaemon();
    await importBusybox(d);
  });
  after(async () => {
    await d?.cleanup();
  });

  /** exec create + attached start + inspect, as the bench and the SDKs do; returns the exec's id and exit code. */
  async function execOnce(ctrId: string, body: Record<string, unknown>): Promise<{ id: string; output: string; exitCode: number }> {
    const created = await d.request('POST', `/containers/${ctrId}/exec`, { body: { AttachStdout: true, AttachStderr: true, ...body } });
    assert.equal(created.status, 201, created.body.toString());
    const id = created.json().Id as string;
    const started = await d.request('POST', `/exec/${id}/start`, { body: { Detach: false, Tty: Boolean(body.Tty) } });
    assert.equal(started.status, 200, started.body.toString());
    const view = (await d.request('GET', `/exec/${id}/json`)).json();
    return { id, output: started.body.toString('latin1'), exitCode: view.ExitCode };
  }

  test('the next plain exec takes the spare, runs on it, and leaves a new one; the spare itself ran nothing', async () => {
    const ctrId = await run(d, { Cmd: ['sleep', '1000'] });
    assert.deepEqual(await sparesOf(ctrId), [], 'no spare before the first exec');
    await execOnce(ctrId, { Cmd: ['true'] });
    const spare = await waitSpare(ctrId, 'a spare after the first exec');
    assert.equal((await d.request('GET', `/exec/${spare.id}/json`)).status, 404, 'a spare is no exec');
    assert.deepEqual((await d.request('GET', `/containers/${ctrId}/json`)).json().ExecIDs ?? [], []);
    const spareDir = path.join(d.execRoot, 'containers', ctrId, 'exec', spare.id);
    assert.equal(fs.statSync(path.join(spareDir, 'process.json')).size, 0, 'a spare has no process to run (its spec file waits empty)');

    const next = await execOnce(ctrId, { Cmd: ['sh', '-c', 'echo from-spare; exit 3'] });
    assert.equal(next.id, spare.id, 'the exec took the spare');
    assert.match(next.output, /from-spare/);
    assert.equal(next.exitCode, 3);
    const replacement = await waitSpare(ctrId, 'the next spare');
    assert.notEqual(replacement.id, spare.id);
    // Only the container's own process runs in it: nothing was started by a spare.
    const top = await dockerExpect(d, ['top', ctrId]);
    assert.deepEqual(
      top.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.trim().split(/\s+/).slice(7).join(' ')),
      ['sleep 1000'],
    );
    assert.equal((await d.request('DELETE', `/containers/${ctrId}`, { query: { force: '1' } })).status, 204);
    await eventually('the spare to go with the container', async () => (await sparesOf(ctrId)).length === 0);
    assert.equal(fs.existsSync(path.join(d.execRoot, 'containers', ctrId)), false, 'and its directory');
  });

  test('an exec with a TTY or stdin does not take the spare; stopping the container ends the spare', async () => {
    const ctrId = await run(d, { Cmd: ['sleep', '1000'] });
    await execOnce(ctrId, { Cmd: ['true'] });
    const spare = await waitSpare(ctrId, 'a spare');
    const tty = await execOnce(ctrId, { Cmd: ['echo', 'tty'], Tty: true });
    assert.notEqual(tty.id, spare.id);
    assert.match(tty.output, /tty\r\n/);
    const withStdin = await d.request('POST', `/containers/${ctrId}/exec`, { body: { Cmd: ['cat'], AttachStdin: true, AttachStdout: true } });
    assert.notEqual(withStdin.json().Id, spare.id);
    assert.deepEqual(
      (await sparesOf(ctrId)).map((s) => s.id),
      [spare.id],
      'the spare still waits',
    );
    await dockerExpect(d, ['stop', '-t', '0', ctrId]);
    await eventually('the spare to go with the stop', async () => (await sparesOf(ctrId)).length === 0);
    await dockerExpect(d, ['start', ctrId]);
    assert.deepEqual(await sparesOf(ctrId), [], 'a restarted container has none until its next exec');
    assert.equal((await execOnce(ctrId, { Cmd: ['true'] })).exitCode, 0);
    assert.equal((await d.request('DELETE', `/containers/${ctrId}`, { query: { force: '1' } })).status, 204);
  });

  test('a spare whose conmon was killed is not handed out: the exec gets a conmon of its own', async () => {
    const ctrId = await run(d, { Cmd: ['sleep', '1000'] });
    await execOnce(ctrId, { Cmd: ['true'] });
    const spare = await waitSpare(ctrId);
    process.kill(-spare.pid, 'SIGKILL');
    await eventually('the killed spare to be gone', () => !execConmonsOffline().some((c) => c.includes(spare.id)));
    const next = await execOnce(ctrId, { Cmd: ['echo', 'fresh'] });
    assert.notEqual(next.id, spare.id);
    assert.match(next.output, /fresh/);
    assert.equal(next.exitCode, 0);
    assert.equal((await d.request('DELETE', `/containers/${ctrId}`, { query: { force: '1' } })).status, 204);
  });

  test('health probes run on spares', async () => {
    const ctrId = await run(d, {
      Cmd: ['sleep', '1000'],
      Healthcheck: { Test: ['CMD', 'true'], Interval: 300_000_000, Timeout: 5_000_000_000, Retries: 3 },
    });
    await eventually('healthy', async () => (await d.request('GET', `/containers/${ctrId}/json`)).json().State.Health?.Status === 'healthy');
    const spare = await waitSpare(ctrId, 'a spare after the first probe');
    await eventually('a probe to take the spare', async () => !(await sparesOf(ctrId)).some((s) => s.id === spare.id), { timeoutMs: 5_000 });
    assert.equal((await d.request('GET', `/containers/${ctrId}/json`)).json().State.Health.Status, 'healthy');
    assert.equal((await d.request('DELETE', `/containers/${ctrId}`, { query: { force: '1' } })).status, 204);
    await eventually('no spare left', async () => (await sparesOf(ctrId)).length === 0);
  });

  test('a daemon that stops takes its spares along; one that is killed leaves them to end on their own, having run nothing', async () => {
    const ctrId = await run(d, { Cmd: ['sleep', '1000'] });
    await execOnce(ctrId, { Cmd: ['true'] });
    await eventually('a spare', async () => (await sparesOf(ctrId)).length === 1);
    await d.stop();
    assert.deepEqual(
      execConmonsOffline().filter((c) => c.includes(ctrId)),
      [],
      'a stopped daemon leaves no spare',
    );
    await d.start();
    await execOnce(ctrId, { Cmd: ['true'] });
    const spare = await waitSpare(ctrId);
    await d.kill9();
    await eventually('the orphaned spare to give up', async () => execConmonsOffline().filter((c) => c.includes(ctrId)).length === 0);
    await d.start();
    assert.equal(fs.existsSync(path.join(d.execRoot, 'containers', ctrId, 'exec', spare.id)), false, 'the restarted daemon removed what the spare left');
    const top = await dockerExpect(d, ['top', ctrId]);
    assert.equal(top.stdout.trim().split('\n').length, 2, `only sleep runs: ${top.stdout}`);
    assert.equal((await d.request('DELETE', `/containers/${ctrId}`, { query: { force: '1' } })).status, 204);
  });

  /** Exec conmon command lines of this daemon, read without asking the daemon (it may be down). */
  function execConmonsOffline(): string[] {
    return processesMentioning(d.root)
      .filter((p) => p.cmdline.includes('--exec-attach'))
      .map((p) => p.cmdline);
  }
});
