/**
 * list/inspect: with N created (never started) containers, p50 of
 * `GET /containers/json?all=1`, of the same with a label filter (matching
 * one in three), and of `GET /containers/{id}/json` over random ids.
 */
import { runPool, ApiDriver } from '../driver.js';
import { msSince, percentile } from '../stats.js';
import type { Scenario, Target } from './types.js';

export function listInspectScenario(count = 300, samples = 30): Scenario {
  const ids = new Map<string, string[]>();
  const timed = async (fn: () => Promise<unknown>) => {
    const out: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t0 = process.hrtime.bigint();
      await fn();
      out.push(msSince(t0));
    }
    return out;
  };
  return {
    name: 'list-inspect',
    applies: (t) => t.client !== undefined,
    async setup(t: Target) {
      const driver = t.driver as ApiDriver;
      const made: string[] = [];
      await runPool(Array.from({ length: count }), 8, async (_x, i) => {
        // Named: berthd's generated names can collide under concurrent creates (a 409), which is not what this measures.
        made.push(await driver.create(['true'], { 'bench.tier': `${driver.runId}-${i % 3 === 0 ? 'a' : 'b'}` }, `bench-${driver.runId}-${i}`));
      });
      ids.set(t.name, made);
    },
    async round(t: Target) {
      const client = t.client!;
      const runId = (t.driver as ApiDriver).runId;
      const all = await client.list('?all=1');
      if (all.length < count) throw new Error(`${t.name}: list answered ${all.length} containers, expected ≥ ${count}`);
      // One label (unique to this run): Docker ANDs several label filters, berthd at the moment ORs them.
      const filter = `?all=1&filters=${encodeURIComponent(JSON.stringify({ label: [`bench.tier=${runId}-a`] }))}`;
      const filtered = await client.list(filter);
      if (filtered.length !== Math.ceil(count / 3)) throw new Error(`${t.name}: label filter answered ${filtered.length}, expected ${Math.ceil(count / 3)}`);
      const mine = ids.get(t.name)!;
      const listAll = await timed(() => client.list('?all=1'));
      const listLabel = await timed(() => client.list(filter));
      const inspect = await timed(() => client.inspect(mine[Math.floor(Math.random() * mine.length)]));
      return {
        metrics: {
          [`list ${count} ms p50`]: percentile(listAll, 50),
          'list label-filter ms p50': percentile(listLabel, 50),
          'inspect ms p50': percentile(inspect, 50),
        },
        samples: { listAll, listLabel, inspect },
      };
    },
    async teardown(t: Target) {
      const driver = t.driver as ApiDriver;
      await runPool(ids.get(t.name) ?? [], 8, (id) => driver.remove(id));
      ids.delete(t.name);
    },
  };
}
