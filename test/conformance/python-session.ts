/**
 * Runs one docker-py script (test/conformance/<script>) against a fresh
 * berthd with busybox imported, as one test. The script must print
 * `<okLine>` and exit 0. Skips without root or without python3-docker.
 * Importing this module does nothing until `describePythonSession` is called.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
import { skipUnlessRoot } from '../integration/helpers/docker-cli.js';
import { repoRoot } from '../integration/helpers/images.js';
import { useDaemon } from '../integration/helpers/suite.js';

export function describePythonSession(title: string, testName: string, script: string, okLine: string): void {
  const hasDockerPy = spawnSync('python3', ['-c', 'import docker'], { stdio: 'ignore' }).status === 0;
  const skip = skipUnlessRoot() || (hasDockerPy ? false : 'python3-docker is not installed');
  describe(title, { skip, timeout: 120_000 }, () => {
    const d = useDaemon();

    test(testName, () => {
      const run = spawnSync('python3', [path.join(repoRoot, 'test', 'conformance', script)], { env: d.env, encoding: 'utf8', timeout: 90_000 });
      assert.equal(run.status, 0, `${script} failed:\n${run.stdout}\n${run.stderr}`);
      assert.ok(run.stdout.includes(okLine), `${script} did not print "${okLine}":\n${run.stdout}`);
    });
  });
}
