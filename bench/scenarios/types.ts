/** The shape every scenario has, so run.ts can interleave engines round by round. */
import type { Driver } from '../driver.js';
import type { DockerClient } from '../docker-client.js';
import type { Floor } from '../floor.js';
import type { LoopDelay } from '../berth-daemon.js';

/** One engine as a scenario sees it: a Driver, plus the API client (absent for the floor). */
export interface Target {
  name: string;
  driver: Driver;
  client?: DockerClient;
  floor?: Floor;
  /** The engine's daemon process, for its CPU time (absent for the floors). */
  pid?: () => number | undefined;
  /** berthd only: its event-loop delay since the previous call, and its memory now (berth-daemon.ts loopDelay). */
  loopDelay?: () => Promise<LoopDelay>;
}

/** Metric name → value for one round; NaN = failed or not supported (see notes). */
export type Metrics = Record<string, number>;

export interface RoundResult {
  metrics: Metrics;
  /** Raw samples in ms, by step, for the JSON lines. */
  samples?: Record<string, number[]>;
  /** Why a metric is missing ("not supported", an error message). */
  note?: string;
}

export interface Scenario {
  name: string;
  /** Whether this target takes part (e.g. list/inspect needs the API). */
  applies(t: Target): boolean;
  setup?(t: Target): Promise<void>;
  round(t: Target, round: number): Promise<RoundResult>;
  teardown?(t: Target): Promise<void>;
}
