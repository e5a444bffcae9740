/** The facade's `engine.durability` over the state database's Durability (src/db/durability.ts). */
import type { Durability } from '../../db/durability.js';
import type { DurabilityApi } from '../api/durability.js';
import { systemError } from '../errors.js';

/** A failed sync becomes BERTH_STATE_SYNC_FAILED (a 500 with Docker's {"message"}). */
export function durabilityApi(durability: Durability): DurabilityApi {
  return {
    get pending() {
      return durability.pending;
    },
    durable: () => durability.durable().catch((err: unknown) => Promise.reject(systemError('BERTH_STATE_SYNC_FAILED', (err as Error).message, err))),
  };
}
