/**
 * The build cache table: step key → image ID. Rows disappear with their
 * image (foreign key cascade); prune lists the links and forgets those it
 * selects, without touching images.
 */
import type { Db } from './database.js';

export class BuildCacheRepo {
  #get;
  #put;
  #count;
  #list;
  #forget;

  constructor(db: Db) {
    this.#get = db.prepare('SELECT image_id FROM build_cache WHERE key = ?');
    this.#put = db.prepare(
      'INSERT INTO build_cache (key, image_id, created_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET image_id = excluded.image_id, created_at = excluded.created_at',
    );
    this.#count = db.prepare('SELECT count(*) AS n FROM build_cache');
    this.#list = db.prepare('SELECT key, created_at FROM build_cache ORDER BY created_at, key');
    const forget = db.prepare('DELETE FROM build_cache WHERE key = ?');
    this.#forget = db.transaction((keys: readonly string[]) => {
      for (const key of keys) forget.run(key);
    });
  }

  /** The image a step with this key made, if it still exists. */
  get(key: string): string | undefined {
    return (this.#get.get(key) as { image_id: string } | undefined)?.image_id;
  }

  put(key: string, imageId: string): void {
    this.#put.run(key, imageId, Date.now());
  }

  count(): number {
    return (this.#count.get() as { n: number }).n;
  }

  /** Every link, oldest first (`createdAt`: unix ms). */
  list(): Array<{ key: string; createdAt: number }> {
    return (this.#list.all() as Array<{ key: string; created_at: number }>).map((r) => ({ key: r.key, createdAt: r.created_at }));
  }

  /** Forgets these links in one transaction (a key that is gone is skipped). */
  forget(keys: readonly string[]): void {
    this.#forget(keys);
  }
}
