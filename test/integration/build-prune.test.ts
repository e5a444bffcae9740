/**
 * `docker builder prune` against a real berthd: the filters, keep-storage
 * and all of the query decide which classic-builder cache links go (two
 * builds made seconds apart, pruned with `--filter until=…`, then rebuilt to
 * see which steps still hit the cache), and a bad filter is dockerd's error.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sleep } from './helpers/api.js';
import { classicBuilder } from './helpers/build.js';
import { skipUnlessRoot } from './helpers/docker-cli.js';
import { useDaemon } from './helpers/suite.js';

describe('docker builder prune', { skip: skipUnlessRoot(), timeout: 300_000 }, () => {
  const d = useDaemon({ skip: skipUnlessRoot() });
  let tmp = '';
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-build-prune-'));
  });
  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });
  const { context, built } = classicBuilder(
    {
      get env() {
        return d.env;
      },
    },
    () => tmp,
  );

  const deletedKeys = (stdout: string) => stdout.split('\n').filter((l) => /^[0-9a-f]{64}$/.test(l));

  async function prune(args: string[]): Promise<string[]> {
    const r = await d.docker(['builder', 'prune', '-f', ...args]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Total reclaimed space: 0B/);
    return deletedKeys(r.stdout);
  }

  test('--filter until keeps the newer build cached; keep-storage keeps all; --all forgets the rest', async () => {
    const oldCtx = context('old', { Dockerfile: 'FROM busybox\nRUN echo old > /o\nLABEL v=old\n' });
    const newCtx = context('new', { Dockerfile: 'FROM busybox\nRUN echo new > /n\n' });
    await built(['-t', 'old', oldCtx]);
    await sleep(1500);
    const between = Date.now();
    await sleep(1500);
    await built(['-t', 'new', newCtx]);

    assert.deepEqual(await prune(['--keep-storage', '1mb', '--filter', 'until=1ms']), [], 'links take no bytes: within any budget');
    const gone = await prune(['--filter', `until=${Date.now() - between}ms`]);
    assert.equal(gone.length, 2, 'the old build has two cache links (RUN, LABEL)');

    const oldAgain = await built(['-t', 'old', oldCtx]);
    assert.doesNotMatch(oldAgain, /Using cache/, 'the old build runs again');
    assert.match(await built(['-t', 'new', newCtx]), /Using cache/, 'the new build still hits its cache');

    const rest = await prune(['--all']);
    assert.equal(rest.length, 3, 'the rebuilt old links and the new one');
    assert.deepEqual(await prune([]), []);
    await d.docker(['rmi', 'old', 'new']);
  });

  test('a filter key dockerd does not know is its error; a time that is not a duration too', async () => {
    const bogus = await d.docker(['builder', 'prune', '-f', '--filter', 'bogus=1']);
    assert.notEqual(bogus.code, 0);
    assert.match(bogus.stderr, /failed to prune build cache: Invalid filter 'bogus'/);
    const date = await d.request('POST', '/build/prune', { query: { filters: '{"until":["2020-01-01"]}' } });
    assert.equal(date.status, 400);
    assert.equal(
      date.json().message,
      `failed to prune build cache: "until" filter expects a duration (e.g., '24h'): time: unknown unit "-" in duration "2020-01-01"`,
    );
  });
});
