/**
 * `docker build` with the classic builder (DOCKER_BUILDKIT=0) for tests:
 * context dirs written under a temp dir, a build that returns the CLI's
 * result, and one that asserts success and returns stdout.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runDocker, type DockerResult } from './docker-cli.js';

export interface ClassicBuilder {
  /** Writes files (path → content) into `<root>/<name>` and returns that dir. */
  context: (name: string, files: Record<string, string>) => string;
  build: (args: string[], input?: Buffer) => Promise<DockerResult>;
  /** Builds, asserts exit code 0, resolves to stdout. */
  built: (args: string[]) => Promise<string>;
}

export function classicBuilder(daemon: { env: NodeJS.ProcessEnv }, root: () => string): ClassicBuilder {
  const build = (args: string[], input?: Buffer) =>
    runDocker({ ...daemon.env, DOCKER_BUILDKIT: '0' }, ['build', ...args], { timeoutMs: 120_000, ...(input ? { input } : {}) });
  return {
    context: (name, files) => {
      const dir = path.join(root(), name);
      for (const [p, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
        fs.writeFileSync(path.join(dir, p), content);
      }
      return dir;
    },
    build,
    built: async (args) => {
      const r = await build(args);
      assert.equal(r.code, 0, `build ${args.join(' ')}: ${r.stdout}\n${r.stderr}`);
      return r.stdout;
    },
  };
}
