/**
 * Per-container keyed async mutex. Every state change of a container runs
 * inside withContainerLock(id, fn): take lock → re-read record → check the
 * transition → act → commit → emit → release.
 *
 * Lock order: a container lock is taken before any database transaction and
 * a transaction is never held across an await. Nothing takes two container
 * locks at once.
 */

/** Proof that the holder runs under the container's lock. Only withContainerLock makes one. */
export interface LockedContainer {
  readonly id: string;
  readonly [lockedBrand]: true;
}
declare const lockedBrand: unique symbol;

export class KeyedMutex {
  #tails = new Map<string, Promise<void>>();

  /** Runs fn after every earlier holder of `key` has finished; resolves to fn's result. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  /** Whether anyone holds or waits for `key` (for tests and diagnostics). */
  isBusy(key: string): boolean {
    return this.#tails.has(key);
  }
}

export function withContainerLock<T>(mutex: KeyedMutex, id: string, fn: (locked: LockedContainer) => Promise<T>): Promise<T> {
  return mutex.run(id, () => fn({ id } as LockedContainer));
}
