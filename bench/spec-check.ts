/**
 * Proof that the fair floor runs berth's spec: a `sleep` container started
 * in the benchmark's berthd, its config.json read from berthd's bundle, and
 * the spec the floor's code builds for the same create body, id and paths
 * (with berthd's cgroup parent). Any difference is listed by JSON path, so
 * a floor that drifted from berth shows in the run's output, not in a ratio.
 */
import fs from 'node:fs';
import path from 'node:path';
import { containerOciSpec } from '../src/engine/containers/bundle.js';
import { containerFiles, enginePaths } from '../src/engine/paths.js';
import type { BerthDaemon } from './berth-daemon.js';
import type { ApiDriver } from './driver.js';
import type { Floor } from './floor.js';

/** Resolves with the JSON paths where the two specs differ; [] = identical. */
export async function compareFloorSpec(berth: BerthDaemon, driver: ApiDriver, floor: Floor): Promise<string[]> {
  const cmd = ['sleep', '60'];
  const id = await driver.create(cmd);
  try {
    await driver.start(id);
    const paths = enginePaths(berth.dataRoot, berth.execRoot);
    const actual: unknown = JSON.parse(fs.readFileSync(path.join(paths.bundleDir(id), 'config.json'), 'utf8'));
    const settings = { ...floor.settings, cgroupParent: berth.cgroupParent };
    const files = containerFiles(paths.containerDir(id));
    const { spec } = await containerOciSpec(settings, { id, spec: floor.containerSpec(cmd, id), files });
    return differences(actual, JSON.parse(JSON.stringify(spec)) as unknown, '');
  } finally {
    await driver.client.remove(id, true);
    driver.live.delete(id);
  }
}

function differences(a: unknown, b: unknown, at: string): string[] {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Object.is(a, b) ? [] : [at || '/'];
  if (Array.isArray(a) !== Array.isArray(b)) return [at || '/'];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].flatMap((k) => differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}/${k}`));
}
