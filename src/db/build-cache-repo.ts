/**
 * The build cache table: step key → image ID. Rows disappear with their
 * image (foreign key cascade); prune() forgets every link without touching
 * images.
 */
import type { Db } from './database.js';

export class BuildCacheRepo {
  #get;
  #put;
  #count;
  #clear;

  constructor(db: Db) {
    this.#get = db.prepare('SELECT image_id FROM build_cache WHERE key = ?');
    this.#put = db.prepare(
      'INSERT INTO build_cache (key, image_id, created_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET image_id = excluded.image_id, created_at = excluded.created_at',
    );
    this.#count = db.prepare('SELECT count(*) AS n FROM build_cache');
    this.#clear = db.prepare('DELETE FROM build_cache');
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

  /** Forgets every link; returns how many there were. */
  clear(): number {
    return this.#clear.run().changes;
  }
}
