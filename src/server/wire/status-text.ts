/**
 * The human status words Docker clients print verbatim (`docker ps` STATUS),
 * and the container state word (`State` in the list, `State.Status` in inspect).
 */
import type { ContainerState } from '../../engine/api.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * go-units HumanDuration: "Less than a second", "1 second", "N seconds",
 * "About a minute", "N minutes", "About an hour", "N hours" (below 48 h,
 * rounded to the nearest hour), "N days" (below 2 weeks), "N weeks" (below
 * ~2 months), "N months" (below 2 years), "N years". Negative → as 0.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / HOUR + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(ms / HOUR) / 24 / 365)} years`;
}

/**
 * Milliseconds since the epoch of an RFC 3339 (nano) time; null for '' or
 * Go's zero time. Fractions beyond milliseconds are cut, not rounded.
 */
export function parseTime(s: string): number | null {
  if (!s || s.startsWith('0001-01-01')) return null;
  const cut = s.replace(/(\.\d{3})\d+/, '$1');
  const t = Date.parse(cut);
  return Number.isNaN(t) ? null : t;
}

/** ` (healthy)`, ` (unhealthy)`, ` (health: starting)` for a running container with a health check. */
function healthSuffix(state: ContainerState): string {
  if (!state.health) return '';
  return state.health.status === 'starting' ? ' (health: starting)' : ` (${state.health.status})`;
}

/**
 * `docker ps` STATUS text at time `now` (ms): `Up 5 minutes`,
 * `Up 5 minutes (Paused)`, `Restarting (1) 2 seconds ago`,
 * `Exited (137) 3 seconds ago`, `Created`, `Removal In Progress`, `Dead`,
 * or '' for an exited container without a finish time (as Docker).
 */
export function statusText(state: ContainerState, now: number): string {
  const since = (t: string) => humanDuration(Math.max(0, now - (parseTime(t) ?? now)));
  switch (state.status) {
    case 'running':
      return `Up ${since(state.startedAt)}${healthSuffix(state)}`;
    case 'paused':
      return `Up ${since(state.startedAt)} (Paused)`;
    case 'restarting':
      return `Restarting (${state.exitCode}) ${since(state.finishedAt)} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    case 'created':
    case 'initialized':
      return 'Created';
    case 'exited':
      if (!parseTime(state.startedAt)) return 'Created';
      if (!parseTime(state.finishedAt)) return '';
      return `Exited (${state.exitCode}) ${since(state.finishedAt)} ago`;
  }
}
