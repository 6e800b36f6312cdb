import type Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Migration {
  /** 1-based: the schema version a database has once this migration is applied. */
  version: number;
  tag: string;
  statements: string[];
}

interface Journal {
  entries: { idx: number; tag: string }[];
}

/** Read the SQL migrations drizzle-kit generated (resources/migrations). */
export function loadMigrations(dir: string): Migration[] {
  const journal = JSON.parse(readFileSync(join(dir, 'meta', '_journal.json'), 'utf8')) as Journal;
  return [...journal.entries]
    .sort((a, b) => a.idx - b.idx)
    .map((e, i) => ({
      version: i + 1,
      tag: e.tag,
      statements: readFileSync(join(dir, `${e.tag}.sql`), 'utf8')
        .split('--> statement-breakpoint')
        .map((s) => s.trim())
        .filter(Boolean),
    }));
}

export class NewerSchemaError extends Error {
  constructor(
    readonly found: number,
    readonly supported: number,
  ) {
    super(
      `This database was written by a newer Baton (schema version ${found}); this Baton knows schema versions up to ${supported}. ` +
        `Install a Baton that supports schema ${found} or newer, or restore a backup made by this version.`,
    );
    this.name = 'NewerSchemaError';
  }
}

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Bring the database to the latest schema. Each migration runs in its own
 * transaction with foreign keys off (so drizzle-kit's table rebuilds cannot
 * cascade-delete rows), is checked with PRAGMA foreign_key_check before it
 * commits, and bumps PRAGMA user_version inside the same transaction.
 */
export function migrate(db: Database.Database, migrations: Migration[]): { from: number; to: number } {
  const from = schemaVersion(db);
  const latest = migrations.length;
  if (from > latest) throw new NewerSchemaError(from, latest);
  if (from === latest) return { from, to: from };
  const fkWasOn = db.pragma('foreign_keys', { simple: true }) === 1;
  db.pragma('foreign_keys = OFF'); // only effective outside a transaction
  try {
    for (const m of migrations.slice(from)) {
      db.transaction(() => {
        for (const s of m.statements) db.exec(s);
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0) {
          throw new Error(`Migration ${m.tag} would leave ${broken.length} rows with broken foreign keys; nothing was changed.`);
        }
        db.pragma(`user_version = ${m.version}`);
      })();
    }
  } finally {
    if (fkWasOn) db.pragma('foreign_keys = ON');
  }
  return { from, to: latest };
}
