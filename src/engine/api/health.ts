/** Health-check types the facade exposes (Config.Healthcheck, State.Health). */
export type { HealthConfig, HealthLogEntry, HealthState } from '../model/container.js';
