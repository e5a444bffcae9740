/**
 * Facade area `engine.durability`: a commit is synced to disk off the event
 * loop (src/db/durability.ts), and whatever acknowledges one waits for it.
 * The server waits before every response and before stream bytes that
 * report a change (src/server/durable-replies.ts).
 */
export interface DurabilityApi {
  /** Whether some commit is not on disk yet: only then has `durable()` anything to wait for. */
  readonly pending: boolean;
  /**
   * Resolves once every commit completed before the call is on disk.
   * Rejects with a 'system' EngineError (BERTH_STATE_SYNC_FAILED) once a
   * sync has failed: nothing committed since can be promised any more.
   */
  durable(): Promise<void>;
}
