/**
 * Health-check rules, pure (after dockerd's daemon/health.go): the probe's
 * command, the defaults, and what one probe result does to State.Health.
 */
import type { HealthConfig, HealthLogEntry, HealthState } from '../model/container.js';

const SECOND_NS = 1_000_000_000;
export const DEFAULT_INTERVAL_NS = 30 * SECOND_NS;
export const DEFAULT_TIMEOUT_NS = 30 * SECOND_NS;
export const DEFAULT_RETRIES = 3;
/** State.Health.Log keeps this many results. */
export const MAX_LOG_ENTRIES = 5;
/** Probe output kept per result, in bytes. */
export const MAX_OUTPUT_BYTES = 4096;

export interface Probe {
  cmd: string[];
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  retries: number;
}

/** The probe of a health config, or null when there is none ([] / NONE / unknown kind). */
export function probeOf(hc: HealthConfig | null | undefined): Probe | null {
  if (!hc || hc.test.length === 0) return null;
  const [kind, ...rest] = hc.test;
  let cmd: string[];
  if (kind === 'CMD') cmd = rest;
  else if (kind === 'CMD-SHELL') cmd = ['/bin/sh', '-c', rest.join(' ')];
  else return null;
  if (cmd.length === 0) return null;
  return {
    cmd,
    intervalMs: (hc.interval || DEFAULT_INTERVAL_NS) / 1e6,
    timeoutMs: (hc.timeout || DEFAULT_TIMEOUT_NS) / 1e6,
    startPeriodMs: hc.startPeriod / 1e6,
    retries: hc.retries || DEFAULT_RETRIES,
  };
}

/** State.Health when a container (re)starts: starting, no failing streak, the log kept. */
export function healthAtStart(previous: HealthState | null | undefined): HealthState {
  return { status: 'starting', failingStreak: 0, log: previous?.log ?? [] };
}

/**
 * Applies one result. Exit code 0 is healthy; anything else a failure,
 * which does not count while the container is `starting` within its start
 * period; `retries` counted failures make it unhealthy.
 */
export function applyResult(state: HealthState, result: HealthLogEntry, probe: Probe, startedAtMs: number): HealthState {
  const log = [...state.log, result].slice(-MAX_LOG_ENTRIES);
  if (result.exitCode === 0) return { status: 'healthy', failingStreak: 0, log };
  const inStartPeriod = state.status === 'starting' && Date.parse(result.start) - startedAtMs < probe.startPeriodMs;
  if (inStartPeriod) return { ...state, log };
  const failingStreak = state.failingStreak + 1;
  return { status: failingStreak >= probe.retries ? 'unhealthy' : state.status, failingStreak, log };
}

/** Go's time.Duration text for the timeout message ("30s", "1.5s", "500ms"). */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return `${m}m${s - m * 60}s`;
}
