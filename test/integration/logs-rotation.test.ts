/**
 * Logs that lose nothing: berth rotates a container's log itself (conmon's
 * own cap would unlink lines), a follower reads every rotated file to its
 * end before the next, `--log-opt max-size/max-file` keep the right files
 * and `docker logs` prints them in order, also after a berthd restart;
 * `--log-driver none` makes logs an error and an unknown driver a 400, both
 * with dockerd's text. The crash between a rotation's rename and conmon's
 * reopen is in crash-points.test.ts (logs.after-rename).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { create, demux, inspectApi, streamRequest, streamText, verb, waitExit } from './helpers/api.js';
import { skipUnlessRoot } from './helpers/docker-cli.js';
import { useDaemon } from './helpers/suite.js';

const CAP = 256 * 1024;

/** "1\n2\n…n\n" and its sha256. */
function numbered(n: number): { text: string; sha: string } {
  let text = '';
  for (let i = 1; i <= n; i++) text += `${i}\n`;
  return { text, sha: createHash('sha256').update(text).digest('hex') };
}

/** The rotated files (ctr.log.<seq>) and ctr.log of a container, as names. */
function logFiles(dataRoot: string, id: string): string[] {
  return fs
    .readdirSync(path.join(dataRoot, 'containers', id))
    .filter((f) => /^ctr\.log(\.\d+)?$/.test(f))
    .sort();
}

describe('logs across rotation', { skip: skipUnlessRoot(), timeout: 240_000 }, () => {
  const d = useDaemon({ args: ['--log-size-max', String(CAP)] });

  test('a follower of a burst many times the cap receives every line exactly once, in order', async () => {
    const lines = 200_000; // ~10 MB of k8s-file records: dozens of rotations at 256 KiB, each deleting the old file (max-file 1)
    const id = await create(d, { Image: 'busybox', Cmd: ['sh', '-c', `sleep 1; seq 1 ${lines}`] });
    await verb(d, id, 'start');
    const res = await streamRequest(d, 'GET', `/containers/${id}/logs`, { stdout: 1, stderr: 1, follow: 1 });
    assert.equal(res.status, 200);
    const got = streamText(demux(await res.body), 1);
    const want = numbered(lines);
    assert.equal(got.split('\n').length - 1, lines, 'line count');
    assert.equal(createHash('sha256').update(got).digest('hex'), want.sha, 'checksum of everything followed');
    assert.equal(await waitExit(d, id), 0);
    assert.ok(logFiles(d.dataRoot, id).length <= 1, `max-file 1 keeps only ctr.log: ${logFiles(d.dataRoot, id).join(' ')}`);
  });

  test('max-size/max-file keep max-file files; docker logs prints them oldest first, also after a restart', async () => {
    // Paced (50 writes of ~50 KiB of log, 50 ms apart): berth rotates after writes, so a burst that ends before
    // berthd reacts leaves one oversized file (README: the file exceeds max-size by what is written meanwhile).
    const paced = 'for i in $(seq 0 49); do seq $((i*1000+1)) $((i*1000+1000)); sleep 0.05; done';
    const run = await d.docker(['run', '--name', 'rot', '--log-opt', 'max-size=64k', '--log-opt', 'max-file=3', 'busybox', 'sh', '-c', paced]);
    assert.equal(run.code, 0, run.stderr);
    const id = (await inspectApi(d, 'rot')).Id as string;
    assert.deepEqual((await inspectApi(d, id)).HostConfig.LogConfig, { Type: 'json-file', Config: { 'max-file': '3', 'max-size': '64k' } });
    const files = logFiles(d.dataRoot, id);
    assert.equal(files.length, 3, `three files: ${files.join(' ')}`);
    // Whole lines: a line conmon read in two pieces is a P record and an F record in the file.
    const kept = files.reduce((n, f) => n + (fs.readFileSync(path.join(d.dataRoot, 'containers', id, f), 'latin1').match(/ stdout F /g)?.length ?? 0), 0);
    const check = async () => {
      const out = await d.docker(['logs', 'rot']);
      assert.equal(out.code, 0, out.stderr);
      const printed = out.stdout.split('\n').filter(Boolean).map(Number);
      assert.equal(printed.length, kept, 'every line of the kept files');
      assert.equal(printed.at(-1), 50_000, 'ends with the last line');
      assert.ok(
        printed.every((n, i) => i === 0 || n === printed[i - 1] + 1),
        'consecutive: the files in order',
      );
      const tail = await d.docker(['logs', '--tail', String(kept - 10), 'rot']);
      assert.deepEqual(tail.stdout.split('\n').filter(Boolean).map(Number), printed.slice(10), '--tail across the files');
    };
    await check();
    await d.kill9();
    await d.start();
    await check();
  });

  test('a follower that starts before the burst and a late one both get every line of a kept log', async () => {
    const id = await create(d, {
      Image: 'busybox',
      Cmd: ['sh', '-c', 'sleep 1; seq 1 100000; sleep 1; seq 100001 120000'],
      HostConfig: { LogConfig: { Type: 'json-file', Config: { 'max-size': '32k', 'max-file': '500' } } },
    });
    await verb(d, id, 'start');
    const early = await streamRequest(d, 'GET', `/containers/${id}/logs`, { stdout: 1, follow: 1 });
    await new Promise((r) => setTimeout(r, 1800));
    const late = await streamRequest(d, 'GET', `/containers/${id}/logs`, { stdout: 1, follow: 1 });
    const want = numbered(120_000).sha;
    for (const [what, res] of [
      ['early', early],
      ['late', late],
    ] as const) {
      const got = streamText(demux(await res.body), 1);
      assert.equal(createHash('sha256').update(got).digest('hex'), want, `${what} follower: ${got.split('\n').length - 1} lines`);
    }
  });

  test('--log-driver none: logs is an error with dockerd text; an unknown driver is a 400', async () => {
    const run = await d.docker(['run', '--name', 'quiet', '--log-driver', 'none', 'busybox', 'echo', 'hi']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'hi\n', 'attach still streams the output');
    const out = await d.docker(['logs', 'quiet']);
    assert.notEqual(out.code, 0);
    assert.match(out.stderr, /Error response from daemon: configured logging driver does not support reading/);
    const api = await d.request('GET', '/containers/quiet/logs', { query: { stdout: 1 } });
    assert.equal(api.status, 501);
    assert.deepEqual(api.json(), { message: 'configured logging driver does not support reading' });
    assert.deepEqual((await inspectApi(d, 'quiet')).HostConfig.LogConfig, { Type: 'none', Config: {} });

    const bad = await d.request('POST', '/containers/create', { body: { Image: 'busybox', HostConfig: { LogConfig: { Type: 'foo' } } } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json().message, 'error looking up logging plugin foo: plugin "foo" not found');
    const opt = await d.request('POST', '/containers/create', {
      body: { Image: 'busybox', HostConfig: { LogConfig: { Type: 'json-file', Config: { foo: '1' } } } },
    });
    assert.equal(opt.status, 400);
    assert.equal(opt.json().message, "unknown log opt 'foo' for json-file log driver");
    const size = await d.docker(['create', '--log-opt', 'max-size=abc', 'busybox']);
    assert.notEqual(size.code, 0);
    assert.match(size.stderr, /invalid size: 'abc'/);
  });
});
