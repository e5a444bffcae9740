/**
 * events: S live subscribers on `GET /events?filters={"type":["container"]}`
 * while W clients each run N create → start → wait → remove lifecycles of
 * `true`. Every container must reach every subscriber exactly once per
 * action (create, start, die, destroy); what was lost or duplicated is
 * counted and reported. Figures: events delivered per
 * second per subscriber (the expected count ÷ the time from the first
 * create until that subscriber has them all; median over subscribers) and
 * the delivery delay (arrival minus the event's own timeNano), p50/p99.
 */
import { runPool } from '../driver.js';
import { msSince, percentile } from '../stats.js';
import { oneLifecycle } from './lifecycle.js';
import type { RoundResult, Scenario, Target } from './types.js';

const ACTIONS = ['create', 'start', 'die', 'destroy'] as const;
/** How long subscribers may lag behind the last lifecycle before missing events count as lost. */
const DRAIN_MS = 10_000;

interface Subscriber {
  /** `id action` → times seen. */
  seen: Map<string, number>;
  delaysMs: number[];
  /** ms since the batch began when the last expected event arrived. */
  doneMs: number;
}

export function eventsScenario(subscribers = 10, clients = 8, perClient = 10): Scenario {
  return {
    name: 'events',
    applies: (t) => t.client !== undefined,
    async round(t: Target) {
      const client = t.client!;
      const ids = new Set<string>();
      const expected = clients * perClient * ACTIONS.length;
      const subs: Subscriber[] = [];
      const closers: Array<{ close(): void }> = [];
      // `since` covers the moment between the response headers and the engine's subscription.
      const since = (Date.now() / 1000 - 1).toFixed(3);
      const query = `?since=${since}&filters=${encodeURIComponent(JSON.stringify({ type: ['container'] }))}`;
      let t0 = process.hrtime.bigint();
      let allDone: () => void = () => undefined;
      const done = new Promise<void>((resolve) => (allDone = resolve));
      let complete = 0;
      for (let i = 0; i < subscribers; i++) {
        const sub: Subscriber = { seen: new Map(), delaysMs: [], doneMs: NaN };
        subs.push(sub);
        closers.push(
          await client.subscribeEvents(query, (e) => {
            const id = (e.Actor as { ID?: string } | undefined)?.ID ?? '';
            const key = `${id} ${String(e.Action)}`;
            // Only this round's containers count; ids become known when create answers, which may be after the event.
            sub.seen.set(key, (sub.seen.get(key) ?? 0) + 1);
            sub.delaysMs.push(Date.now() - Number(e.timeNano) / 1e6);
            if (e.Action === 'destroy' && ids.has(id) && countOf(sub, ids) === expected && Number.isNaN(sub.doneMs)) {
              sub.doneMs = msSince(t0);
              if (++complete === subscribers) allDone();
            }
          }),
        );
      }
      t0 = process.hrtime.bigint();
      try {
        await runPool(Array.from({ length: clients }), clients, async () => {
          for (let i = 0; i < perClient; i++) await oneLifecycle(t, undefined, (id) => ids.add(id));
        });
        await Promise.race([done, new Promise((resolve) => setTimeout(resolve, DRAIN_MS))]);
      } finally {
        for (const c of closers) c.close();
      }
      return tally(t.name, subs, ids, expected);
    },
  };
}

/** Events of this round's containers a subscriber holds, duplicates included. */
function countOf(sub: Subscriber, ids: Set<string>): number {
  let n = 0;
  for (const [key, times] of sub.seen) if (ids.has(key.slice(0, key.indexOf(' '))) && ACTIONS.some((a) => key.endsWith(` ${a}`))) n += times;
  return n;
}

/** Lost and duplicated events over all subscribers (reported, and written to stderr when any). */
function tally(engine: string, subs: Subscriber[], ids: Set<string>, expected: number): RoundResult {
  let lost = 0;
  let duplicated = 0;
  for (const sub of subs)
    for (const id of ids)
      for (const a of ACTIONS) {
        const n = sub.seen.get(`${id} ${a}`) ?? 0;
        if (n === 0) lost++;
        if (n > 1) duplicated += n - 1;
      }
  if (lost + duplicated > 0)
    process.stderr.write(`bench: events on ${engine}: ${lost} lost, ${duplicated} duplicated over ${subs.length} subscribers (${expected} each expected)\n`);
  const rates = subs.filter((s) => Number.isFinite(s.doneMs)).map((s) => expected / (s.doneMs / 1000));
  const delays = subs.flatMap((s) => s.delaysMs);
  return {
    metrics: {
      [`events /s per subscriber (${subs.length} subs)`]: percentile(rates, 50),
      '  events expected per subscriber': expected,
      '  events received, fewest of subscribers': Math.min(...subs.map((s) => countOf(s, ids))),
      '  events lost (all subscribers)': lost,
      '  events duplicated (all subscribers)': duplicated,
      '  event delivery delay p50 ms': percentile(delays, 50),
      '  event delivery delay p99 ms': percentile(delays, 99),
    },
  };
}
