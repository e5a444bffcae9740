/**
 * One berthd per data root. Node has no flock, so the lock is an SQLite
 * database held in exclusive locking mode for the daemon's lifetime: a
 * second daemon's write fails at once with SQLITE_BUSY. The lock dies with
 * the process, so a SIGKILLed daemon never leaves a stale lock behind.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { EngineError } from './errors.js';

export interface RootLock {
  release(): void;
}

export function lockDataRoot(dataRoot: string): RootLock {
  const db = new Database(path.join(dataRoot, 'berthd.lock'), { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER)');
    db.prepare('DELETE FROM holder').run();
    db.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new EngineError('unavailable', 'BERTH_DATA_ROOT_BUSY', `another berthd is already running on data root ${dataRoot}`);
    }
    throw err;
  }
  return { release: () => db.close() };
}
