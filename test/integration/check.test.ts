/**
 * `berthd check`: clean on a healthy data root (also while berthd serves
 * it); finds a running container whose conmon died, host state without a
 * record (a mount, a bundle, a container dir, a half-extracted layer);
 * berthd's startup fixes most of it; `--repair` refuses while berthd serves
 * the data root and, with berthd stopped, fixes the rest (a bundle dir
 * without a record) so that a second check passes.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { inspectApi, run } from './helpers/api.js';
import { berthdCheck, checkKinds } from './helpers/check.js';
import { skipUnlessRoot } from './helpers/docker-cli.js';
import { useDaemon } from './helpers/suite.js';

const FAKE_ID = 'f'.repeat(64);

describe('berthd check', { skip: skipUnlessRoot(), timeout: 120_000 }, () => {
  const d = useDaemon();

  test('a healthy data root passes, while berthd runs too', async () => {
    await run(d, { Cmd: ['sleep', '1000'] }, 'healthy');
    const r = await berthdCheck(d);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /1 containers, 1 layers, 0 volumes, 3 networks examined\n {2}ok: every invariant holds/);
  });

  test('finds a lost conmon and records-less host state; --repair fixes them with berthd stopped', async () => {
    const id = await run(d, { Cmd: ['sleep', '1000'] }, 'orphaned');
    const { conmonPid } = (await inspectApi(d, id)).State as { conmonPid?: number };
    await d.kill9();
    const conmon = Number(fs.readFileSync(path.join(d.execRoot, 'containers', id, 'conmon.pid'), 'utf8'));
    assert.ok(conmon > 0 || conmonPid, 'conmon pid known');
    process.kill(conmon, 'SIGKILL');
    const merged = path.join(d.dataRoot, 'containers', FAKE_ID, 'merged');
    fs.mkdirSync(merged, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'berth-check-test', merged]);
    fs.mkdirSync(path.join(d.execRoot, 'containers', FAKE_ID), { recursive: true });
    fs.mkdirSync(path.join(d.dataRoot, 'overlay', 'tmp-crashed'));

    const found = await berthdCheck(d);
    assert.equal(found.code, 1, found.stdout);
    const kinds = await checkKinds(d);
    for (const kind of ['no-monitor', 'orphan-mount', 'orphan-bundle', 'orphan-container-dir', 'orphan-layer'])
      assert.ok(kinds.includes(kind), `${kind} in ${kinds.join(', ')}`);
    assert.match(found.stdout, new RegExp(`orphaned \\(${id.slice(0, 12)}\\) is running but its conmon`));

    await d.start(); // regression: startup used to die with EBUSY deleting an unrecorded container dir with its root mounted
    assert.equal(fs.existsSync(merged), false, 'startup unmounted and removed the unrecorded container dir');
    const refused = await berthdCheck(d, ['--repair']);
    assert.equal(refused.code, 2, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /refusing to repair: another berthd is already running/);
    await d.stop();

    const repaired = await berthdCheck(d, ['--repair']);
    assert.equal(repaired.code, 0, repaired.stdout + repaired.stderr);
    assert.match(repaired.stdout, /orphan-bundle: bundle directory .* without a container record/);
    assert.match(repaired.stdout, new RegExp(`repair: removed .*/run/containers/${FAKE_ID}`));
    assert.deepEqual(await checkKinds(d), []);
    assert.equal(fs.existsSync(path.join(d.dataRoot, 'containers', FAKE_ID)), false);
    await d.start();
    assert.equal((await inspectApi(d, id)).State.Status, 'exited', 'the container whose conmon died is recorded exited');
  });
});
