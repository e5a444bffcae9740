/**
 * list/inspect: with N created (never started) containers, p50 of
 * `GET /containers/json?all=1`, of the same with a label filter (matching
 * one in three), and of `GET /containers/{id}/json` over random ids.
 * Timed over one keep-alive connection with a minimal client (raw-get.ts),
 * so the client's own cost stays small beside the engine's. Each kind of
 * call is first made untimed (WARMUP times, inspect INSPECT_WARMUP times)
 * on every engine alike: the figures are a running daemon's, not its first
 * calls' (a JIT runtime compiles a path on its first calls). The floor's
 * inspect is node's bare HTTP server answering a fixed inspect-sized body
 * (http-floor.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runPool, ApiDriver } from '../driver.js';
import { API } from '../docker-client.js';
import { HttpFloor } from '../http-floor.js';
import { RawGetClient } from '../raw-get.js';
import { msSince, percentile } from '../stats.js';
import type { RoundResult, Scenario, Target } from './types.js';

const WARMUP = 20;
const INSPECT_WARMUP = 2000;
const INSPECT_SAMPLES = 200;
/** About the size of an inspect answer of berthd, dockerd or podman. */
const FLOOR_BODY = JSON.stringify({ Id: '0'.repeat(64), Padding: 'x'.repeat(3300) });

/** `warmup` untimed calls, then `samples` timed ones (ms). */
async function timed(fn: () => Promise<unknown>, warmup: number, samples: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    out.push(msSince(t0));
  }
  return out;
}

export function listInspectScenario(count = 300, samples = 30): Scenario {
  const ids = new Map<string, string[]>();
  const httpFloor = new HttpFloor();
  let floorDir = '';
  return {
    name: 'list-inspect',
    applies: (t) => t.client !== undefined || t.name === 'floor',
    async setup(t: Target) {
      if (t.floor) {
        floorDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-http-floor-'));
        await httpFloor.start(floorDir, FLOOR_BODY);
        return;
      }
      const driver = t.driver as ApiDriver;
      const made: string[] = [];
      await runPool(Array.from({ length: count }), 8, async (_x, i) => {
        // Named: berthd's generated names can collide under concurrent creates (a 409), which is not what this measures.
        made.push(await driver.createLabelled(['true'], { 'bench.tier': `${driver.runId}-${i % 3 === 0 ? 'a' : 'b'}` }, `bench-${driver.runId}-${i}`));
      });
      ids.set(t.name, made);
    },
    async round(t: Target): Promise<RoundResult> {
      const raw = await RawGetClient.connect(t.floor ? httpFloor.socket! : t.client!.socket);
      try {
        if (t.floor) {
          const inspect = await timed(() => raw.get(`${API}/containers/x/json`), INSPECT_WARMUP, INSPECT_SAMPLES);
          return { metrics: { 'inspect ms p50': percentile(inspect, 50) }, samples: { inspect } };
        }
        const client = t.client!;
        const runId = (t.driver as ApiDriver).runId;
        const all = await client.list('?all=1');
        if (all.length < count) throw new Error(`${t.name}: list answered ${all.length} containers, expected ≥ ${count}`);
        // One label, unique to this run, so other containers on the engine do not count.
        const filter = `?all=1&filters=${encodeURIComponent(JSON.stringify({ label: [`bench.tier=${runId}-a`] }))}`;
        const filtered = await client.list(filter);
        if (filtered.length !== Math.ceil(count / 3)) throw new Error(`${t.name}: label filter answered ${filtered.length}, expected ${Math.ceil(count / 3)}`);
        const mine = ids.get(t.name)!;
        const listAll = await timed(() => raw.get(`${API}/containers/json?all=1`), WARMUP, samples);
        const listLabel = await timed(() => raw.get(`${API}/containers/json${filter}`), WARMUP, samples);
        const inspect = await timed(() => raw.get(`${API}/containers/${mine[Math.floor(Math.random() * mine.length)]}/json`), INSPECT_WARMUP, INSPECT_SAMPLES);
        return {
          metrics: {
            [`list ${count} ms p50`]: percentile(listAll, 50),
            'list label-filter ms p50': percentile(listLabel, 50),
            'inspect ms p50': percentile(inspect, 50),
          },
          samples: { listAll, listLabel, inspect },
        };
      } finally {
        raw.close();
      }
    },
    async teardown(t: Target) {
      if (t.floor) {
        await httpFloor.stop();
        fs.rmSync(floorDir, { recursive: true, force: true });
        return;
      }
      const driver = t.driver as ApiDriver;
      await runPool(ids.get(t.name) ?? [], 8, (id) => driver.remove(id));
      ids.delete(t.name);
    },
  };
}
