/**
 * Forward-only schema migrations. Each file `NNNN-name.sql` in ./migrations
 * runs once, in its own transaction, in number order. The single-row
 * `schema_version` table records where the database is; a database newer
 * than this code is refused rather than guessed at.
 */
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { packageRoot } from '../package-root.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The migrations shipped with the code, read from src/db/migrations. */
export function loadMigrations(dir = defaultMigrationsDir()): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}-[a-z0-9-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 4)), name: f, sql: fs.readFileSync(path.join(dir, f), 'utf8') }));
}

/** SQL files are not compiled: they are read from src/db/migrations under the package root. */
function defaultMigrationsDir(): string {
  const dir = path.join(packageRoot(), 'src', 'db', 'migrations');
  if (!fs.existsSync(dir)) throw new Error(`migrations directory not found: ${dir}`);
  return dir;
}

/** Applies every migration newer than the database. Throws on a newer database. */
export function migrate(db: Database.Database, migrations: Migration[] = loadMigrations()): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
  )`);
  const row = db.prepare('SELECT version FROM schema_version WHERE id = 1').get() as { version: number } | undefined;
  const current = row?.version ?? 0;
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  if (current > latest) {
    throw new Error(`database schema version ${current} is newer than this berthd supports (${latest}); refusing to start`);
  }
  const setVersion = db.prepare('INSERT INTO schema_version (id, version) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET version = excluded.version');
  for (const m of migrations.filter((m) => m.version > current)) {
    db.transaction(() => {
      db.exec(m.sql);
      setVersion.run(m.version);
    }).immediate();
  }
  return latest;
}
