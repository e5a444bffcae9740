/** docker-py (Debian's python3-docker) push, pull and login against a local docker-registry. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startDaemon, type TestDaemon } from '../integration/helpers/daemon.js';
import { importBusybox, repoRoot } from '../integration/helpers/images.js';
import { skipUnlessRegistry, startRegistry, type TestRegistry } from '../integration/helpers/registry.js';

const hasDockerPy = spawnSync('python3', ['-c', 'import docker'], { stdio: 'ignore' }).status === 0;
const skip = process.getuid?.() !== 0 ? 'needs root' : skipUnlessRegistry() || (hasDockerPy ? false : 'python3-docker is not installed');

describe('docker-py and a registry', { skip, timeout: 180_000 }, () => {
  let d: TestDaemon;
  let reg: TestRegistry;
  before(async () => {
    reg = await startRegistry();
    d = await startDaemon();
    await importBusybox(d, `${reg.host}/py/bb`, '1');
  });
  after(async () => {
    await d?.cleanup();
    await reg?.stop();
  });

  test('images.push / api.push progress, images.pull, RepoDigests, login', () => {
    const run = spawnSync('python3', [path.join(repoRoot, 'test', 'conformance', 'docker_py_registry.py')], {
      env: { ...d.env, REGISTRY: reg.host },
      encoding: 'utf8',
      timeout: 150_000,
    });
    assert.equal(run.status, 0, `docker_py_registry.py failed:\n${run.stdout}\n${run.stderr}`);
    assert.ok(run.stdout.includes('docker-py registry ok'), run.stdout);
  });
});
