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

/** A migration failed; the whole upgrade was rolled back and the database is still at `from`. */
export class MigrationError extends Error {
  constructor(
    readonly tag: string,
    readonly from: number,
    readonly detail: string,
  ) {
    super(
      `Upgrading the database failed in migration ${tag}: ${detail}. ` +
        `Nothing was changed: the database is still at schema version ${from}. Keep this Baton's previous version or restore a backup, and report the problem.`,
    );
    this.name = 'MigrationError';
  }
}

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

interface FkViolation {
  table: string;
  rowid: number | null;
  parent: string;
  fkid: number;
}

/**
 * Bring the database to the latest schema. All pending migrations run in ONE
 * immediate transaction (a second process opening the same file waits, then sees
 * the new version and does nothing), with foreign keys off so drizzle-kit's table
 * rebuilds (`__new_x` copy, drop, rename) cannot cascade-delete child rows. After
 * each migration `PRAGMA foreign_key_check` must come back empty. Any failure rolls
 * the whole upgrade back: `user_version` and every table stay as they were.
 */
export function migrate(db: Database.Database, migrations: Migration[]): { from: number; to: number } {
  const latest = migrations.length;
  const before = schemaVersion(db);
  if (before > latest) throw new NewerSchemaError(before, latest);
  if (before === latest) return { from: before, to: before };
  const fkWasOn = db.pragma('foreign_keys', { simple: true }) === 1;
  db.pragma('foreign_keys = OFF'); // only effective outside a transaction
  try {
    return db
      .transaction(() => {
        // Re-read under the write lock: another process may have migrated meanwhile.
        const from = schemaVersion(db);
        if (from > latest) throw new NewerSchemaError(from, latest);
        for (const m of migrations.slice(from)) {
          m.statements.forEach((s, i) => {
            try {
              db.exec(s);
            } catch (e) {
              throw new MigrationError(m.tag, from, `statement ${i + 1} of ${m.statements.length} failed (${(e as Error).message})`);
            }
          });
          const broken = db.pragma('foreign_key_check') as FkViolation[];
          if (broken.length > 0) {
            const pairs = [...new Set(broken.map((b) => `${b.table} -> ${b.parent}`))].join(', ');
            throw new MigrationError(m.tag, from, `it would leave ${broken.length} row(s) with broken foreign keys (${pairs})`);
          }
          db.pragma(`user_version = ${m.version}`);
        }
        return { from, to: latest };
      })
      .immediate();
  } finally {
    if (fkWasOn) db.pragma('foreign_keys = ON');
  }
}
