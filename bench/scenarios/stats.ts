/**
 * stats: on a running `sleep` container, `GET /containers/{id}/stats?stream=0`
 * (dockerd takes two samples a second apart, to fill precpu_stats) and
 * `?stream=0&one-shot=1` (one sample; API 1.41), each after untimed warm-up
 * calls; p50 of the request time. An engine that answers one-shot with an
 * error is reported "not supported".
 */
import { API } from '../docker-client.js';
import { msSince, percentile } from '../stats.js';
import { sleeperScenario } from './sleeper.js';
import type { Metrics, Scenario, Target } from './types.js';

const WARMUP = 2;

export function statsScenario(streamSamples = 5, oneShotSamples = 30): Scenario {
  return sleeperScenario('stats', { apiOnly: true }, async (t: Target, id: string) => {
    const stream0 = await timed(t, `/containers/${id}/stats?stream=0`, streamSamples);
    const oneShot = await timed(t, `/containers/${id}/stats?stream=0&one-shot=1`, oneShotSamples);
    const metrics: Metrics = { 'stats stream=0 ms p50': percentile(stream0 ?? [], 50), 'stats one-shot ms p50': percentile(oneShot ?? [], 50) };
    return { metrics, samples: { stream0: stream0 ?? [], oneShot: oneShot ?? [] }, ...(oneShot ? {} : { note: 'stats one-shot: not supported' }) };
  });
}

/** `n` timed GETs after WARMUP untimed ones; null when the engine refuses the request. */
async function timed(t: Target, path: string, n: number): Promise<number[] | null> {
  const times: number[] = [];
  for (let i = -WARMUP; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const res = await t.client!.request('GET', API + path);
    if (res.status !== 200) return null;
    const body = JSON.parse(res.body.toString()) as { memory_stats?: unknown };
    if (!body.memory_stats) throw new Error(`${t.name}: ${path}: no memory_stats in ${res.body.toString().slice(0, 200)}`);
    if (i >= 0) times.push(msSince(t0));
  }
  return times;
}
