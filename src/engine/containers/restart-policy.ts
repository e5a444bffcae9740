/**
 * Restart policies, applied by berthd itself when a container exits on its
 * own. Backoff as Docker's restart manager: 100 ms, doubling per restart,
 * capped at one minute, back to 100 ms once a run lasted 10 s.
 */
import type { ContainerSpec, ContainerState } from '../model/container.js';

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 60_000;
const STABLE_RUN_MS = 10_000;

/** Whether the container should be restarted after exiting with `exitCode`. */
export function shouldRestart(spec: ContainerSpec, state: ContainerState, exitCode: number): boolean {
  if (state.stoppedByUser) return false;
  const policy = spec.restartPolicy;
  switch (policy.name) {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure':
      return exitCode !== 0 && (policy.maximumRetryCount <= 0 || state.restartCount < policy.maximumRetryCount);
    default:
      return false;
  }
}

/** Next delay given the previous one (0 = none yet) and how long the last run lasted. */
export function nextBackoffMs(previousMs: number, ranForMs: number): number {
  if (previousMs <= 0 || ranForMs >= STABLE_RUN_MS) return FIRST_DELAY_MS;
  return Math.min(previousMs * 2, MAX_DELAY_MS);
}
