/**
 * The classic builder (`POST /build`, what `DOCKER_BUILDKIT=0 docker build`
 * sends): a 6-step Dockerfile (1 ENV, 3 RUN, 2 COPY) over a 20 MB context
 * (one 16 MB file and a directory of 200 × 20 KB files, plus a
 * .dockerignore), FROM the bench busybox image.
 *
 *   build first s    the context uploaded and every step run (nocache=1)
 *   build cached ms  the same request again without nocache: every step a
 *                    cache hit (context upload + tar parse, .dockerignore,
 *                    one cache lookup per step, tagging)
 *
 * The result and its intermediate images are removed after each round.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { API, type DockerClient } from '../docker-client.js';
import type { Scenario } from './types.js';

const DOCKERFILE = [
  'FROM bench-busybox:latest',
  'ENV APP=/app',
  'RUN mkdir -p /app && echo one > /app/one',
  'COPY big.bin /app/',
  'COPY src /app/src',
  'RUN ls /app/src | wc -l > /app/count',
  'RUN echo done > /app/done',
].join('\n');

/** The context as a tar, made once. */
function makeContext(dir: string): Buffer {
  fs.writeFileSync(path.join(dir, 'Dockerfile'), `${DOCKERFILE}\n`);
  fs.writeFileSync(path.join(dir, '.dockerignore'), '*.tmp\nsrc/**/*.log\n');
  fs.writeFileSync(path.join(dir, 'big.bin'), crypto.randomBytes(16_000_000));
  fs.mkdirSync(path.join(dir, 'src'));
  for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(dir, 'src', `f${i}.dat`), crypto.randomBytes(20_000));
  fs.writeFileSync(path.join(dir, 'ignored.tmp'), 'x');
  return execFileSync('tar', ['-C', dir, '-c', '.'], { maxBuffer: 64 << 20 });
}

/** One build; resolves to seconds. An error status or an in-band error fails the round. */
async function timedBuild(client: DockerClient, context: Buffer, query: string): Promise<number> {
  const t0 = performance.now();
  const res = await client.request('POST', `${API}/build?${query}`, context, { 'Content-Type': 'application/x-tar' });
  const seconds = (performance.now() - t0) / 1000;
  const text = res.body.toString();
  if (res.status !== 200 || /"error"/.test(text)) throw new Error(`build: ${res.status} ${text.slice(-300)}`);
  return seconds;
}

export function buildScenario(): Scenario {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-build-'));
  let context: Buffer | undefined;
  return {
    name: 'build',
    applies: (t) => t.client !== undefined,
    async setup() {
      context ??= makeContext(work);
    },
    async round(t) {
      const client = t.client!;
      const tag = 'bench-build:1';
      // networkmode=none: the bench runs dockerd with --bridge=none, so RUN steps compare without a network setup.
      const first = await timedBuild(client, context!, `t=${tag}&rm=1&nocache=1&networkmode=none`);
      const cached = await timedBuild(client, context!, `t=${tag}&rm=1&networkmode=none`);
      // Removing the tag removes the untagged intermediate images with it.
      await client.request('DELETE', `${API}/images/${tag}?force=1`);
      return { metrics: { 'build first s': first, 'build cached ms': cached * 1000 } };
    },
    async teardown() {
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}
