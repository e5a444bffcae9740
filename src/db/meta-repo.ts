/** Daemon-wide key/value facts (daemon ID, boot id of the last start). */
import type { Db } from './database.js';

export class MetaRepo {
  #get;
  #set;

  constructor(db: Db) {
    this.#get = db.prepare('SELECT value FROM meta WHERE key = ?');
    this.#set = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
  }

  get(key: string): string | undefined {
    return (this.#get.get(key) as { value: string } | undefined)?.value;
  }

  set(key: string, value: string): void {
    this.#set.run(key, value);
  }
}
