/**
 * The events table: an append-only log with an autoincrement id (the order
 * in which events happened), read back in id order for `since` replays and
 * trimmed by count and age. Synchronous, like every repo. Its rows alone
 * ask for no sync (durability.ts UNCOUNTED): an event committed with the
 * change it reports is synced with that change.
 */
import type { Db } from './database.js';

export interface EventRow {
  /** Autoincrement: strictly increasing, never reused. */
  seq: number;
  /** Unix nanoseconds. */
  timeNano: bigint;
  type: string;
  action: string;
  actorId: string;
  attributes: Record<string, string>;
}

interface RawEvent {
  id: number;
  time_nano: bigint;
  type: string;
  action: string;
  actor_id: string;
  attributes: string;
}

export class EventsRepo {
  #insert;
  #page;
  #maxId;
  #trimCount;
  #trimAge;

  constructor(db: Db) {
    this.#insert = db.prepare('INSERT INTO events (time_nano, type, action, actor_id, attributes) VALUES (?, ?, ?, ?, ?)');
    this.#page = db
      .prepare(
        'SELECT id, time_nano, type, action, actor_id, attributes FROM events WHERE id > ? AND id <= ? AND time_nano >= ? AND time_nano <= ? ORDER BY id LIMIT ?',
      )
      .safeIntegers(true);
    this.#maxId = db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM events');
    this.#trimCount = db.prepare('DELETE FROM events WHERE id <= (SELECT COALESCE(MAX(id), 0) FROM events) - ?');
    this.#trimAge = db.prepare('DELETE FROM events WHERE time_nano < ?');
  }

  /** Appends one event; returns its id. */
  insert(e: Omit<EventRow, 'seq'>): number {
    return Number(this.#insert.run(e.timeNano, e.type, e.action, e.actorId, JSON.stringify(e.attributes)).lastInsertRowid);
  }

  /** The id of the newest event (0 when there is none). */
  maxId(): number {
    return (this.#maxId.get() as { id: number }).id;
  }

  /**
   * Up to `limit` events with afterId < id <= upToId and sinceNano <=
   * time_nano <= untilNano, oldest first.
   */
  page(afterId: number, upToId: number, sinceNano: bigint, untilNano: bigint, limit: number): EventRow[] {
    const rows = this.#page.all(BigInt(afterId), BigInt(upToId), sinceNano, untilNano, BigInt(limit)) as RawEvent[];
    return rows.map((r) => ({
      seq: Number(r.id),
      timeNano: BigInt(r.time_nano),
      type: r.type,
      action: r.action,
      actorId: r.actor_id,
      attributes: JSON.parse(r.attributes) as Record<string, string>,
    }));
  }

  /** Keeps at most `maxCount` newest events and none older than `minTimeNano`; returns how many were deleted. */
  trim(maxCount: number, minTimeNano: bigint): number {
    return this.#trimCount.run(maxCount).changes + this.#trimAge.run(minTimeNano).changes;
  }
}
