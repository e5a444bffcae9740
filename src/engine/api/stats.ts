/** The stats area of the facade: GET /containers/{id}/stats. */
import type { StatsFrame } from '../model/stats.js';

export type { StatsFrame, StatsSample, CpuSample, MemorySample, BlkioEntry, NetCounters } from '../model/stats.js';

export interface StatsApi {
  /**
   * Not-found before any output for an unknown container. Streaming: a
   * frame per second until `signal` aborts; else one frame (see
   * stats/service.ts for the exact rules).
   */
  stats(ref: string, opts: { stream: boolean; oneShot: boolean }, signal: AbortSignal): Promise<AsyncIterable<StatsFrame>>;
}
