/**
 * One running `sleep` container per engine for the scenarios that work on a
 * running container (exec, stats, health): started in setup, force-removed
 * in teardown.
 */
import type { ApiDriver } from '../driver.js';
import type { RoundResult, Scenario, Target } from './types.js';

export interface Sleepers {
  setup: (t: Target) => Promise<void>;
  teardown: (t: Target) => Promise<void>;
  /** The engine's running container (set up first). */
  id: (t: Target) => string;
}

/** `config` adds fields to the create body (API engines only; the floor takes none). */
function sleepers(config?: Record<string, unknown>): Sleepers {
  const running = new Map<string, string>();
  return {
    async setup(t) {
      const cmd = ['sleep', '3600'];
      const id = config ? await (t.driver as ApiDriver).createWith(cmd, config) : await t.driver.create(cmd);
      running.set(t.name, id);
      await t.driver.start(id);
    },
    async teardown(t) {
      const id = running.get(t.name);
      if (!id) return;
      if (t.client) await t.client.remove(id, true);
      else await t.driver.remove(id);
      running.delete(t.name);
    },
    id(t) {
      const id = running.get(t.name);
      if (!id) throw new Error(`${t.name}: no running container (setup failed)`);
      return id;
    },
  };
}

/**
 * A scenario whose rounds work on the engine's running `sleep` container:
 * `round` gets the target and the container's id. `apiOnly` leaves the floor out.
 */
export function sleeperScenario(
  name: string,
  opts: { apiOnly?: boolean; config?: Record<string, unknown> },
  round: (t: Target, id: string) => Promise<RoundResult>,
): Scenario {
  const running = sleepers(opts.config);
  return {
    name,
    applies: (t) => !opts.apiOnly || t.client !== undefined,
    setup: running.setup,
    round: (t) => round(t, running.id(t)),
    teardown: running.teardown,
  };
}
