// The store: migrations (upgrade, rebuild safety, rollback, newer schema) and
// damaged / foreign files, on real SQLite files in temp folders.
import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openBaton } from '../electron/core';
import { createBackup } from '../electron/core/backup';
import { loadMigrations, migrate, MigrationError, NewerSchemaError, schemaVersion, type Migration } from '../electron/core/db/migrate';
import { configure, CorruptDatabaseError, DB_FILE, NotBatonDatabaseError } from '../electron/core/db/open';
import { resourcesDir } from '../electron/core/resources';
import { EnvSecretStore } from '../electron/core/secrets';
import { tempDir } from './helpers';

const migrationsDir = join(resourcesDir(), 'migrations');
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});
function dir(): string {
  const t = tempDir('baton-store-');
  cleanups.push(t.cleanup);
  return t.dir;
}
const open = (dataDir: string, resources?: string) =>
  openBaton({ dataDir, host: 'cli', secrets: new EnvSecretStore({}, 'tests'), ...(resources ? { resourcesDir: resources } : {}) });
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A raw connection configured like Baton's (WAL, foreign keys on). */
function rawDb(file: string): Database.Database {
  const db = new Database(file);
  configure(db);
  return db;
}

describe('migrations', () => {
  it('upgrades a database that has only the first migration to the latest, keeping its rows', async () => {
    const data = dir();
    const all = loadMigrations(migrationsDir);
    expect(all.length).toBeGreaterThanOrEqual(1);
    const db = rawDb(join(data, DB_FILE));
    migrate(db, all.slice(0, 1));
    expect(schemaVersion(db)).toBe(1);
    db.prepare('insert into settings (key, value) values (?, ?)').run('ai.model', JSON.stringify('claude-x'));
    db.prepare('insert into events (at, type, subject_type, subject_id, data) values (?, ?, ?, ?, ?)').run('2026-01-01T00:00:00Z', 'contact.created', 'contact', 'c1', '{"n":1}');
    db.close();

    // The shipped migrations plus one more (so the upgrade path is exercised even
    // while the project has a single migration): a new table and a new column.
    const res = join(dir(), 'resources');
    cpSync(migrationsDir, join(res, 'migrations'), { recursive: true });
    const journalFile = join(res, 'migrations', 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { idx: number; tag: string }[] };
    journal.entries.push({ idx: journal.entries.length, tag: '9999_test_upgrade' });
    writeFileSync(journalFile, JSON.stringify(journal));
    writeFileSync(
      join(res, 'migrations', '9999_test_upgrade.sql'),
      'CREATE TABLE `test_upgrade` (`id` integer PRIMARY KEY NOT NULL);\n--> statement-breakpoint\nALTER TABLE `events` ADD `test_note` text;',
    );

    const core = await open(data, res);
    try {
      const info = await core.call('system.info', {});
      expect(info.schemaVersion).toBe(all.length + 1);
      expect(info.latestSchemaVersion).toBe(all.length + 1);
      expect((await core.call('settings.get', {})).settings['ai.model']).toBe('claude-x');
      expect(core.db.prepare("select type, subject_id, data, test_note from events where type = 'contact.created'").all()).toEqual([
        { type: 'contact.created', subject_id: 'c1', data: '{"n":1}', test_note: null },
      ]);
    } finally {
      await core.close();
    }
    // And the real shipped list alone takes the same file no further than it knows (newer → refused).
    await expect(open(data)).rejects.toBeInstanceOf(NewerSchemaError);
  });

  const parentChild: Migration = {
    version: 1,
    tag: '0001_parent_child',
    statements: [
      'CREATE TABLE `parent` (`id` integer PRIMARY KEY NOT NULL, `name` text NOT NULL)',
      'CREATE TABLE `child` (`id` integer PRIMARY KEY NOT NULL, `parent_id` integer NOT NULL REFERENCES `parent`(`id`) ON DELETE CASCADE)',
    ],
  };
  // What drizzle-kit generates when a column change needs a table rebuild.
  const rebuildParent: Migration = {
    version: 2,
    tag: '0002_rebuild_parent',
    statements: [
      'PRAGMA foreign_keys=OFF;',
      "CREATE TABLE `__new_parent` (`id` integer PRIMARY KEY NOT NULL, `name` text NOT NULL, `kind` text DEFAULT 'lead' NOT NULL);",
      'INSERT INTO `__new_parent`("id", "name") SELECT "id", "name" FROM `parent`;',
      'DROP TABLE `parent`;',
      'ALTER TABLE `__new_parent` RENAME TO `parent`;',
      'PRAGMA foreign_keys=ON;',
    ],
  };
  function seeded(file: string): Database.Database {
    const db = rawDb(file);
    migrate(db, [parentChild]);
    db.exec("insert into parent (id, name) values (1, 'a'), (2, 'b'); insert into child (id, parent_id) values (10, 1), (11, 1), (12, 2);");
    return db;
  }

  it('a table rebuild (__new_x copy, drop, rename) keeps ON DELETE CASCADE children', () => {
    const db = seeded(join(dir(), 'x.db'));
    try {
      expect(migrate(db, [parentChild, rebuildParent])).toEqual({ from: 1, to: 2 });
      expect(db.prepare('select count(*) as n from child').get()).toEqual({ n: 3 });
      expect(db.prepare('select id, name, kind from parent order by id').all()).toEqual([
        { id: 1, name: 'a', kind: 'lead' },
        { id: 2, name: 'b', kind: 'lead' },
      ]);
      // Foreign keys are back on and still point at the rebuilt table.
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      db.prepare('delete from parent where id = 2').run();
      expect(db.prepare('select id from child order by id').all()).toEqual([{ id: 10 }, { id: 11 }]);
    } finally {
      db.close();
    }
    // Control: the same statements on a connection with foreign keys on do delete the children,
    // which is exactly what migrate() must prevent.
    const ctl = seeded(join(dir(), 'control.db'));
    try {
      ctl.transaction(() => rebuildParent.statements.forEach((s) => ctl.exec(s)))();
      expect(ctl.prepare('select count(*) as n from child').get()).toEqual({ n: 0 });
    } finally {
      ctl.close();
    }
  });

  it('a migration that would break foreign keys rolls the whole upgrade back', () => {
    const db = seeded(join(dir(), 'x.db'));
    try {
      const addNotes: Migration = { version: 2, tag: '0002_notes', statements: ['CREATE TABLE `note` (`id` integer PRIMARY KEY NOT NULL, `body` text)', "INSERT INTO `note` VALUES (1, 'kept?')"] };
      const orphan: Migration = {
        version: 3,
        tag: '0003_orphans',
        statements: [
          'ALTER TABLE `parent` ADD `email` text',
          'CREATE TABLE `deal` (`id` integer PRIMARY KEY NOT NULL, `parent_id` integer NOT NULL REFERENCES `parent`(`id`))',
          'INSERT INTO `deal` VALUES (1, 999)',
        ],
      };
      const err = (() => {
        try {
          migrate(db, [parentChild, addNotes, orphan]);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(MigrationError);
      expect((err as Error).message).toContain('0003_orphans');
      expect((err as Error).message).toContain('deal -> parent');
      expect((err as Error).message).toContain('still at schema version 1');
      expect(schemaVersion(db)).toBe(1);
      const tables = (db.prepare("select name from sqlite_master where type='table' order by name").all() as { name: string }[]).map((r) => r.name);
      expect(tables).toEqual(['child', 'parent']);
      expect(db.prepare('select * from parent where id = 1').get()).toEqual({ id: 1, name: 'a' });
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);

      // A statement that fails outright is reported the same way.
      const bad: Migration = { version: 2, tag: '0002_typo', statements: ['CREATE TABLE `ok_table` (`id` integer)', 'ALTER TABLE `nope` ADD `x` text'] };
      expect(() => migrate(db, [parentChild, bad])).toThrow(/0002_typo: statement 2 of 2 failed \(no such table: nope\)/);
      expect(schemaVersion(db)).toBe(1);
      expect(db.prepare("select count(*) as n from sqlite_master where name = 'ok_table'").get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });

  it('refuses a database written by a newer Baton, naming both versions, without touching it', async () => {
    const data = dir();
    const latest = loadMigrations(migrationsDir).length;
    const db = rawDb(join(data, DB_FILE));
    migrate(db, loadMigrations(migrationsDir));
    db.pragma(`user_version = ${latest + 3}`);
    db.close();
    const before = sha(join(data, DB_FILE));
    const err = await open(data).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NewerSchemaError);
    expect((err as NewerSchemaError).message).toContain(`schema version ${latest + 3}`);
    expect((err as NewerSchemaError).message).toContain(`up to ${latest}`);
    expect(sha(join(data, DB_FILE))).toBe(before);
  });

  it('refuses a SQLite file that is not a Baton database and leaves it alone', async () => {
    const data = dir();
    const db = new Database(join(data, DB_FILE));
    db.exec("create table invoices (id integer primary key, total real); insert into invoices values (1, 9.5);");
    db.close();
    const before = sha(join(data, DB_FILE));
    const err = await open(data).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotBatonDatabaseError);
    expect((err as Error).message).toMatch(/not a Baton one.*invoices/);
    expect(sha(join(data, DB_FILE))).toBe(before);
  });
});

describe('damaged database files', () => {
  /** A data folder with a real store (some rows) and one backup of it. */
  async function withBackup(): Promise<{ data: string; backup: string }> {
    const data = dir();
    const core = await open(data);
    const insert = core.db.prepare('insert into events (at, type, data) values (?, ?, ?)');
    core.db.transaction(() => {
      for (let i = 0; i < 2000; i++) insert.run(new Date(0).toISOString(), 'test.filler', JSON.stringify({ i, pad: 'x'.repeat(100) }));
    })();
    const { file } = await createBackup(core.db, data, { keep: 5 });
    await core.close();
    return { data, backup: file };
  }

  it('garbage bytes: CorruptDatabaseError naming the newest backup', async () => {
    const { data, backup } = await withBackup();
    writeFileSync(join(data, DB_FILE), randomBytes(64 * 1024));
    const before = sha(join(data, DB_FILE));
    const err = await open(data).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptDatabaseError);
    expect((err as CorruptDatabaseError).newestBackup).toBe(backup);
    expect((err as Error).message).toContain(`baton restore "${backup}"`);
    expect(sha(join(data, DB_FILE))).toBe(before);
  });

  it('a real database with one page overwritten: CorruptDatabaseError naming the newest backup', async () => {
    const { data, backup } = await withBackup();
    const file = join(data, DB_FILE);
    const probe = new Database(file, { readonly: true });
    const pageSize = probe.pragma('page_size', { simple: true }) as number;
    const root = (probe.prepare("select rootpage from sqlite_master where name = 'events'").get() as { rootpage: number }).rootpage;
    probe.close();
    const fd = openSync(file, 'r+');
    writeSync(fd, randomBytes(pageSize), 0, pageSize, (root - 1) * pageSize);
    closeSync(fd);
    const err = await open(data).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptDatabaseError);
    expect((err as Error).message).toMatch(/damaged/);
    expect((err as Error).message).toContain(backup);
  });

  it('without any backup, says so', async () => {
    const data = dir();
    mkdirSync(join(data, 'backups'));
    writeFileSync(join(data, DB_FILE), 'this is not a database at all, just some text'.repeat(200));
    const err = await open(data).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptDatabaseError);
    expect((err as CorruptDatabaseError).newestBackup).toBeNull();
    expect((err as Error).message).toContain('No backup was found');
  });
});
