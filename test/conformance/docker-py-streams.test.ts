/** docker-py's stream calls (attach_socket, exec_run with demux, tty runs, log streams) against berthd. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startDaemon, type TestDaemon } from '../integration/helpers/daemon.js';
import { skipUnlessRoot } from '../integration/helpers/docker-cli.js';
import { importBusybox, repoRoot } from '../integration/helpers/images.js';

const hasDockerPy = spawnSync('python3', ['-c', 'import docker'], { stdio: 'ignore' }).status === 0;

describe('docker-py streams', { skip: skipUnlessRoot() || (hasDockerPy ? false : 'python3-docker is not installed'), timeout: 120_000 }, () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon();
    await importBusybox(d);
  });
  after(async () => {
    await d?.cleanup();
  });

  test('attach_socket, exec_run(demux=True), run(tty=True), logs(stream=True)', () => {
    const script = path.join(repoRoot, 'test', 'conformance', 'docker_py_streams.py');
    const run = spawnSync('python3', [script], { env: d.env, encoding: 'utf8', timeout: 90_000 });
    assert.equal(run.status, 0, `docker-py streams failed:\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /docker-py streams ok/);
  });
});
