/** docker-py (Debian's python3-docker): put_archive/get_archive, export, commit, image save and load against berthd. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startDaemon, type TestDaemon } from '../integration/helpers/daemon.js';
import { skipUnlessRoot } from '../integration/helpers/docker-cli.js';
import { importBusybox, repoRoot } from '../integration/helpers/images.js';

const hasDockerPy = spawnSync('python3', ['-c', 'import docker'], { stdio: 'ignore' }).status === 0;

describe('docker-py images and archives', { skip: skipUnlessRoot() || (hasDockerPy ? false : 'python3-docker is not installed'), timeout: 120_000 }, () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon();
    await importBusybox(d);
  });
  after(async () => {
    await d?.cleanup();
  });

  test('put_archive, get_archive, export, commit, save and load', () => {
    const script = path.join(repoRoot, 'test', 'conformance', 'docker_py_images.py');
    const run = spawnSync('python3', [script], { env: d.env, encoding: 'utf8', timeout: 90_000 });
    assert.equal(run.status, 0, `docker-py images script failed:\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /docker-py images ok/);
  });
});
