/**
 * Readers' claims on rotated log files. A reader that has not yet read a
 * rotated file pins it: rotation keeps pinned files past `max-file` so that
 * a follower that falls behind still receives every line. A reader that
 * pins more than MAX_HELD files beyond the limit (it stopped reading while
 * the container kept writing) is overrun: its files are deleted after all
 * and it ends, rather than holding the disk without bound. In memory only:
 * readers do not outlive berthd.
 */

/** Files a stalled reader may hold back beyond max-file before it is overrun. */
export const MAX_HELD = 16;

export class LogPin {
  /** The smallest rotated seq this reader still has to open. */
  need = Number.POSITIVE_INFINITY;
  /** Set when rotation deleted a file this reader needed. */
  overrun = false;

  constructor(private readonly release: (pin: LogPin) => void) {}

  close(): void {
    this.release(this);
  }
}

export class LogPins {
  readonly #byPath = new Map<string, Set<LogPin>>();
  readonly #onFree = new Map<string, () => void>();

  /** Runs `fn` once no reader pins `path` (at once when none does). */
  whenFree(path: string, fn: () => void): void {
    if (this.#byPath.has(path)) this.#onFree.set(path, fn);
    else fn();
  }

  /** A pin on the log at `path` (its current file's path); close it when the reader ends. */
  pin(path: string): LogPin {
    let set = this.#byPath.get(path);
    if (!set) this.#byPath.set(path, (set = new Set()));
    const pin = new LogPin((p) => {
      set.delete(p);
      if (set.size > 0 || this.#byPath.get(path) !== set) return;
      this.#byPath.delete(path);
      const fn = this.#onFree.get(path);
      this.#onFree.delete(path);
      fn?.();
    });
    set.add(pin);
    return pin;
  }

  /** The smallest seq any reader of `path` still needs (Infinity: none). */
  lowestNeed(path: string): number {
    let low = Number.POSITIVE_INFINITY;
    for (const pin of this.#byPath.get(path) ?? []) low = Math.min(low, pin.need);
    return low;
  }

  /** Marks the readers that needed `seq` (deleted regardless) as overrun. */
  overrun(path: string, seq: number): void {
    for (const pin of this.#byPath.get(path) ?? []) if (pin.need <= seq) pin.overrun = true;
  }
}

/**
 * Which rotated files (seqs, ascending) to delete so that `maxFile` files
 * remain with the current one, sparing those a reader still needs (seq ≥
 * `lowestNeed`) up to MAX_HELD of them. `overrun` lists deleted files a
 * reader needed. Pure.
 */
export function filesToDelete(seqs: number[], maxFile: number, lowestNeed: number): { remove: number[]; overrun: number[] } {
  const excess = seqs.slice(0, Math.max(0, seqs.length - (maxFile - 1)));
  const needed = excess.filter((s) => s >= lowestNeed);
  const forced = needed.slice(0, Math.max(0, needed.length - MAX_HELD));
  const remove = excess.filter((s) => s < lowestNeed || forced.includes(s));
  return { remove, overrun: forced };
}
