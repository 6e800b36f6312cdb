// Backups: online backup under writes, rotation, restore validation, round trip
// and the lock, on real SQLite files in temp folders.
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../shared/api';
import { openBaton } from '../electron/core';
import { applyPendingRestore, createBackup, listBackups, restoreBackup, validateBackupFile } from '../electron/core/backup';
import { schemaVersion } from '../electron/core/db/migrate';
import { DB_FILE, openWorkerStore } from '../electron/core/db/open';
import { resourcesDir } from '../electron/core/resources';
import { EnvSecretStore } from '../electron/core/secrets';
import { tempDir } from './helpers';

const migrationsDir = join(resourcesDir(), 'migrations');
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
function dir(): string {
  const t = tempDir('baton-backup-');
  cleanups.push(t.cleanup);
  return t.dir;
}
async function open(dataDir: string) {
  const core = await openBaton({ dataDir, host: 'cli', secrets: new EnvSecretStore({}, 'tests') });
  cleanups.push(() => core.close());
  return core;
}
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
/** Every file of the data folder with its hash: "untouched" means this is equal before and after. */
function snapshot(data: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(data, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out[join(e.parentPath, e.name)] = sha(join(e.parentPath, e.name));
  }
  return out;
}
/** Rows this test wrote (other domains may add their own events). */
function count(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("select count(*) as n from events where type = 'test.filler'").get() as { n: number }).n;
  } finally {
    db.close();
  }
}
function fill(db: Database.Database, n: number): void {
  const insert = db.prepare('insert into events (at, type, data) values (?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < n; i++) insert.run(new Date().toISOString(), 'test.filler', JSON.stringify({ i, pad: 'x'.repeat(200) }));
  })();
}

describe('backups', () => {
  it('takes a consistent online backup while two connections keep writing', async () => {
    const data = dir();
    const core = await open(data);
    fill(core.db, 20_000); // ~5 MB: the backup takes many steps
    const worker = openWorkerStore(join(data, DB_FILE));
    cleanups.push(() => {
      worker.db.close();
    });
    const before = count(join(data, DB_FILE));
    let writes = 0;
    let done = false;
    const mine = core.db.prepare("insert into events (at, type) values ('t', 'test.during')");
    const theirs = worker.db.prepare("insert into events (at, type) values ('t', 'test.during')");
    const writer = (async () => {
      while (!done) {
        mine.run();
        theirs.run(); // another connection: restarts SQLite's backup unless the step grows
        writes += 2;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const info = await createBackup(core.db, data, { keep: 5 });
    done = true;
    await writer;
    expect(writes).toBeGreaterThan(0);
    expect(info.restarts).toBeGreaterThan(0);
    const b = new Database(info.file, { readonly: true, fileMustExist: true });
    try {
      expect(b.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(b.pragma('journal_mode', { simple: true })).toBe('delete'); // one self-contained file
      expect(schemaVersion(b)).toBe(schemaVersion(core.db));
      const n = (b.prepare("select count(*) as n from events where type in ('test.filler', 'test.during')").get() as { n: number }).n;
      expect(n).toBeGreaterThanOrEqual(before);
      expect(n).toBeLessThanOrEqual(before + writes);
    } finally {
      b.close();
    }
    const name = info.file.split('/').pop()!;
    expect(readdirSync(join(data, 'backups')).sort()).toEqual([name, `${name}.verified`]); // no .partial, no -wal left; checked
    expect(info.verifiedAt).not.toBeNull();
  });

  it('rotation keeps the newest backup.keep files', async () => {
    const data = dir();
    const core = await open(data);
    await core.call('settings.set', { key: 'backup.keep', value: 3 });
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await core.call('backups.create', {})).file);
    const kept = listBackups(data).map((b) => b.file);
    expect(kept).toEqual(made.slice(2).reverse());
    // Each kept backup with its verification mark; the rotated ones leave no mark behind.
    expect(readdirSync(join(data, 'backups')).sort()).toEqual(made.slice(2).flatMap((f) => [f.split('/').pop()!, `${f.split('/').pop()!}.verified`]).sort());
  });

  it('a bad backup.keep is refused naming the setting, and no backup is written', async () => {
    const data = dir();
    const core = await open(data);
    await core.call('backups.create', {});
    for (const bad of [0, -2, 2.5, 'ten']) {
      // settings.set refuses it with the same rule; one stored anyway (an older Baton, a hand edit) stops the backup.
      await expect(core.call('settings.set', { key: 'backup.keep', value: bad })).rejects.toMatchObject({ code: 'invalid_input', issues: [{ path: 'backup.keep' }] });
      core.setSetting('backup.keep', bad);
      const err = await core.call('backups.create', {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe('invalid_input');
      expect((err as ApiError).issues?.[0]?.path).toBe('backup.keep');
      expect(listBackups(data)).toHaveLength(1);
    }
  });

  describe('restore', () => {
    /** A stopped data folder with settings, events and one backup; returns the backup file. */
    async function prepared(): Promise<{ data: string; backup: string }> {
      const data = dir();
      const core = await openBaton({ dataDir: data, host: 'cli', secrets: new EnvSecretStore({}, 'tests') });
      await core.call('settings.set', { key: 'ai.model', value: 'at-backup-time' });
      fill(core.db, 10);
      const backup = (await core.call('backups.create', {})).file;
      await core.call('settings.set', { key: 'ai.model', value: 'after-backup' });
      fill(core.db, 5);
      await core.close();
      return { data, backup };
    }

    it('round trip: the backup comes back, the replaced database is kept as a safety backup', async () => {
      const { data, backup } = await prepared();
      const res = await restoreBackup(data, backup, migrationsDir);
      expect(res.restored).toBe(join(data, DB_FILE));
      expect(res.safetyBackup).toMatch(/pre-restore-/);
      expect(count(res.safetyBackup!)).toBe(15);
      const core = await open(data);
      expect((await core.call('settings.get', {})).settings['ai.model']).toBe('at-backup-time');
      expect((core.db.prepare("select count(*) as n from events where type = 'test.filler'").get() as { n: number }).n).toBe(10);
      expect((await core.call('system.info', {})).integrity).toBe('ok');
      // Undo: restoring the safety backup brings the later state back.
      await core.close();
      await restoreBackup(data, res.safetyBackup!, migrationsDir);
      const again = await open(data);
      expect((await again.call('settings.get', {})).settings['ai.model']).toBe('after-backup');
    });

    it('from the running app: a restore is checked and scheduled, then applied at the next start', async () => {
      const { data, backup } = await prepared();
      const core = await open(data);
      // Only the data folder's own backups, and only sound ones.
      const outside = join(dir(), 'x.sqlite');
      copyFileSync(backup, outside);
      await expect(core.call('backups.restore', { file: outside })).rejects.toMatchObject({ code: 'invalid_input', issues: [{ path: 'file' }] });
      await expect(core.call('backups.restore', { file: join(data, 'backups', '..', DB_FILE) })).rejects.toMatchObject({ code: 'invalid_input' });
      expect((await core.call('backups.pendingRestore', {})).pending).toBeNull();
      const r = await core.call('backups.restore', { file: backup });
      expect(r.file).toBe(backup);
      expect(r.message).toContain('when Baton next starts');
      expect((await core.call('backups.pendingRestore', {})).pending?.file).toBe(backup);
      // Nothing changes while it runs.
      expect((await core.call('settings.get', {})).settings['ai.model']).toBe('after-backup');
      expect(await core.call('backups.cancelRestore', {})).toEqual({ cancelled: true });
      await core.call('backups.restore', { file: backup });
      await core.close();
      cleanups.pop();

      const applied = await applyPendingRestore(data, migrationsDir);
      expect(applied).toMatchObject({ file: backup, restored: true, error: null });
      expect(applied!.safetyBackup).toMatch(/pre-restore-/);
      expect(await applyPendingRestore(data, migrationsDir)).toBeNull();
      const again = await open(data);
      expect((await again.call('settings.get', {})).settings['ai.model']).toBe('at-backup-time');
      expect((await again.call('backups.pendingRestore', {})).pending).toBeNull();
    });

    it('a scheduled restore whose file went bad is dropped with the reason, and the data stays', async () => {
      const { data, backup } = await prepared();
      const core = await open(data);
      await core.call('backups.restore', { file: backup });
      await core.close();
      cleanups.pop();
      writeFileSync(backup, 'no longer a database'.repeat(50));
      const applied = await applyPendingRestore(data, migrationsDir);
      expect(applied).toMatchObject({ restored: false, error: expect.stringContaining('not a SQLite database') });
      const again = await open(data);
      expect((await again.call('settings.get', {})).settings['ai.model']).toBe('after-backup');
    });

    it('refuses a non-SQLite file, a foreign SQLite file, a newer schema and a damaged file, touching nothing', async () => {
      const { data, backup } = await prepared();
      const bad = dir();
      const text = join(bad, 'notes.sqlite');
      writeFileSync(text, 'hello, not a database\n'.repeat(100));
      const foreign = join(bad, 'foreign.sqlite');
      const f = new Database(foreign);
      f.exec('create table invoices (id integer primary key); insert into invoices values (1);');
      f.close();
      const newer = join(bad, 'newer.sqlite');
      copyFileSync(backup, newer);
      const n = new Database(newer);
      n.pragma(`user_version = ${schemaVersion(n) + 7}`);
      n.close();
      const damaged = join(bad, 'damaged.sqlite');
      copyFileSync(backup, damaged);
      const d = new Database(damaged, { readonly: true });
      const pageSize = d.pragma('page_size', { simple: true }) as number;
      const root = (d.prepare("select rootpage from sqlite_master where name = 'events'").get() as { rootpage: number }).rootpage;
      d.close();
      const fd = openSync(damaged, 'r+');
      writeSync(fd, randomBytes(pageSize), 0, pageSize, (root - 1) * pageSize);
      closeSync(fd);

      const cases: [string, RegExp][] = [
        [text, /is not a SQLite database/],
        [foreign, /not a Baton database/],
        [newer, /written by a newer Baton/],
        [damaged, /damaged|cannot be read/],
        [join(bad, 'missing.sqlite'), /does not exist/],
        [bad, /is not a file/],
      ];
      const dataBefore = snapshot(data);
      const badBefore = snapshot(bad);
      for (const [file, why] of cases) {
        const err = await restoreBackup(data, file, migrationsDir).catch((e: unknown) => e);
        expect(err, file).toBeInstanceOf(ApiError);
        expect((err as ApiError).code).toBe('invalid_input');
        expect((err as Error).message).toMatch(why);
        expect((err as Error).message).toContain('nothing was restored');
        expect(() => validateBackupFile(file, migrationsDir)).toThrow(why);
      }
      expect(snapshot(data)).toEqual(dataBefore);
      expect(snapshot(bad)).toEqual(badBefore); // the candidates themselves are never written
      const core = await open(data);
      expect((await core.call('settings.get', {})).settings['ai.model']).toBe('after-backup');
    });

    it('is refused while a live Baton host holds the lock, and allowed once it is gone', async () => {
      const { data, backup } = await prepared();
      const holder: ChildProcess = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
      cleanups.push(() => {
        holder.kill();
      });
      await new Promise((r) => holder.once('spawn', r));
      writeFileSync(join(data, 'baton.pid'), String(holder.pid));
      const before = snapshot(data);
      const err = await restoreBackup(data, backup, migrationsDir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe('conflict');
      expect((err as Error).message).toContain(`pid ${holder.pid}`);
      expect(snapshot(data)).toEqual(before);
      holder.kill();
      await new Promise((r) => holder.once('exit', r));
      // A stale lock (dead pid) does not block.
      await expect(restoreBackup(data, backup, migrationsDir)).resolves.toMatchObject({ restored: join(data, DB_FILE) });
    });

    it('restores over a damaged database, keeping the damaged bytes aside', async () => {
      const { data, backup } = await prepared();
      const file = join(data, DB_FILE);
      const fd = openSync(file, 'r+');
      writeSync(fd, randomBytes(4096), 0, 4096, 4096);
      closeSync(fd);
      const damagedHash = sha(file);
      const res = await restoreBackup(data, backup, migrationsDir);
      expect(res.safetyBackup).toMatch(/-damaged\.sqlite$/);
      expect(sha(res.safetyBackup!)).toBe(damagedHash);
      expect(existsSync(`${file}.restoring`)).toBe(false);
      const core = await open(data);
      expect((await core.call('settings.get', {})).settings['ai.model']).toBe('at-backup-time');
    });
  });
});
