// Damage inside a page of a real store: found by the full check (doctor --deep, the
// nightly maintenance, every new backup), never rotated into the backups, and answered
// by every operation that meets it with a CorruptDatabaseError naming the newest
// verified backup. Also: backup verification marks, stored JSON that does not parse,
// and file permissions. Real SQLite files in temp folders, a real 10,000-contact store.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { appendFileSync, chmodSync, copyFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../electron/core/core';
import { openBaton } from '../electron/core';
import { createBackup, lastVerifiedBackup, listBackups, verifyBackup } from '../electron/core/backup';
import { seedDemo } from '../electron/core/crm/demo';
import { checkStore, isCorruption, parseStored, STORED_JSON, StoredDataError } from '../electron/core/db/integrity';
import { CorruptDatabaseError, DB_FILE } from '../electron/core/db/open';
import { engineOf } from '../electron/core/engine';
import { MAINTENANCE_ID, schedulerOf } from '../electron/core/engine/triggers';
import { EnvSecretStore } from '../electron/core/secrets';
import { tempDir } from './helpers';
import { damageContactRow } from './support/damage';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
function dir(): string {
  const t = tempDir('baton-integrity-');
  cleanups.push(t.cleanup);
  return t.dir;
}
async function open(dataDir: string): Promise<Core> {
  const core = await openBaton({ dataDir, host: 'cli', secrets: new EnvSecretStore({}, 'tests') });
  cleanups.push(() => core.close());
  return core;
}
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
function backupFiles(data: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(join(data, 'backups')).sort()) out[f] = sha(join(data, 'backups', f));
  return out;
}
const logLines = (data: string) =>
  readFileSync(join(data, 'logs', 'baton.log'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const mode = (file: string) => statSync(file).mode & 0o777;

/** A stopped data folder with a 10,000-contact store and `backups` verified backups (backup.keep 3). */
async function store10k(backups = 3): Promise<{ data: string; good: string[] }> {
  const data = dir();
  const core = await openBaton({ dataDir: data, host: 'cli', secrets: new EnvSecretStore({}, 'tests') });
  try {
    seedDemo(core, { contacts: 10_000, eventsPerContact: 2, seed: 42 });
    await core.call('settings.set', { key: 'backup.keep', value: 3 });
    let t = Date.parse('2026-01-01T03:30:00Z');
    for (let i = 0; i < backups; i++) await createBackup(core.db, data, { keep: 3, now: new Date((t += 86_400_000)) });
  } finally {
    await core.close();
  }
  return { data, good: listBackups(data).map((b) => b.file) };
}

describe('a 10,000-contact store with 64 random bytes written into one page', () => {
  it('passes the quick check, fails the full check, and every path that meets it names the newest verified backup', async () => {
    const { data, good } = await store10k();
    expect(good).toHaveLength(3);
    expect(listBackups(data).every((b) => b.verifiedAt !== null)).toBe(true);
    const newest = good[0]!;
    const hit = damageContactRow(join(data, DB_FILE));
    const before = backupFiles(data);

    const core = await open(data); // the quick check on open passes: this is what went unnoticed
    expect((await core.call('system.info', {})).integrity).toBe('ok');
    const check = checkStore(core.db);
    expect(check.ok).toBe(false);
    expect(check.problems.join('\n')).toMatch(new RegExp(`row ${hit.contactId} missing from index contacts_live_`));
    expect(check.problems).toContain(`contacts.custom of row ${hit.contactId} is not valid JSON`);

    // A command meeting the row: a typed error naming the backup, not "Unexpected token".
    const err = await core.call('contacts.get', { id: hit.contactId }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptDatabaseError);
    expect((err as CorruptDatabaseError).code).toBe('corrupt_database');
    expect((err as CorruptDatabaseError).status).toBe(503);
    expect((err as Error).message).toContain(`contacts.custom of row ${hit.contactId} is not valid JSON`);
    expect((err as Error).message).toContain(`baton restore "${newest}"`);
    expect((err as Error).message).not.toMatch(/Unexpected token/);
    expect(logLines(data).some((l) => l.msg === 'database damaged' && l.newestBackup === newest)).toBe(true);
    const esc = (await core.call('escalations.list', { acknowledged: false, limit: 10 })).escalations;
    expect(esc.find((e) => e.title === 'The database is damaged')).toMatchObject({ severity: 'critical' });
    expect(esc.find((e) => e.title === 'The database is damaged')!.detail).toContain(newest);

    // Backups of the damaged store are refused, night after night (more nights than backup.keep): the good ones stay.
    for (let i = 0; i < 4; i++) {
      const b = await createBackup(core.db, data, { keep: 3 }).catch((e: unknown) => e);
      expect(b).toBeInstanceOf(CorruptDatabaseError);
      expect((b as Error).message).toMatch(/a backup taken now failed its check \(row \d+ missing from index/);
      expect((b as Error).message).toContain(newest);
    }
    expect(backupFiles(data)).toEqual(before);
    await expect(core.call('backups.create', {})).rejects.toMatchObject({ code: 'corrupt_database' });
    expect(backupFiles(data)).toEqual(before);
  }, 120_000);

  it('the nightly maintenance finds it before taking its backup: no backup, no pruning, an escalation, a failed fire', async () => {
    const { data, good } = await store10k();
    damageContactRow(join(data, DB_FILE));
    const before = backupFiles(data);
    const core = await open(data);
    let now = Date.parse('2026-06-01T12:00:00Z');
    engineOf(core).clock = () => now;
    core.setSetting('maintenance.timezone', 'UTC');
    const sched = schedulerOf(core);
    await sched.tick(); // first sight
    now = Date.parse('2026-06-02T04:00:00Z');
    const r = await sched.tick();
    expect(r.started.filter((s) => s.workflowId === MAINTENANCE_ID)).toEqual([]);
    const fires = (await core.call('schedules.fires', { workflow: MAINTENANCE_ID })).fires;
    expect(fires).toHaveLength(1);
    expect(fires[0]).toMatchObject({ status: 'failed', fireAt: '2026-06-02T03:30:00.000Z' });
    expect(fires[0]!.error).toMatch(/is damaged \(full check: row \d+ missing from index/);
    expect(fires[0]!.error).toContain(`baton restore "${good[0]}"`);
    expect(backupFiles(data)).toEqual(before);
    const esc = (await core.call('escalations.list', { acknowledged: false, limit: 10 })).escalations;
    expect(esc.filter((e) => e.title === 'The database is damaged')).toHaveLength(1);
    expect(logLines(data).some((l) => l.msg === 'database damaged' && String(l.detail).startsWith('full check:'))).toBe(true);
  }, 120_000);

  it('on an intact store the nightly check passes and its backup is verified before it counts', async () => {
    const { data } = await store10k(0);
    const core = await open(data);
    let now = Date.parse('2026-06-01T12:00:00Z');
    engineOf(core).clock = () => now;
    core.setSetting('maintenance.timezone', 'UTC');
    await schedulerOf(core).tick();
    now = Date.parse('2026-06-02T04:00:00Z');
    await schedulerOf(core).tick();
    const fires = (await core.call('schedules.fires', { workflow: MAINTENANCE_ID })).fires;
    expect(fires.map((f) => f.status)).toEqual(['started']);
    const [b] = listBackups(data);
    expect(b?.verifiedAt).not.toBeNull();
    expect(logLines(data).some((l) => l.msg === 'maintenance: store check passed')).toBe(true);
  }, 120_000);

  it('damage only inside a JSON value (no index covers it) passes integrity_check; the full check still names the row', async () => {
    const { data } = await store10k(1);
    const hit = damageContactRow(join(data, DB_FILE), { bytes: '{"plan":"pro"}'.length });
    const raw = new Database(join(data, DB_FILE), { readonly: true });
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    raw.close();
    const core = await open(data);
    expect(checkStore(core.db)).toMatchObject({ ok: false, problems: [`contacts.custom of row ${hit.contactId} is not valid JSON`] });
    await expect(createBackup(core.db, data, { keep: 3 })).rejects.toBeInstanceOf(CorruptDatabaseError);
    expect(listBackups(data)).toHaveLength(1);
  }, 120_000);
});

describe('stored JSON that does not parse', () => {
  it('raw reads and drizzle json columns both answer corrupt_database naming the column, row and backup', async () => {
    const data = dir();
    const core = await open(data);
    const c = await core.call('contacts.create', { email: 'ada@example.com', custom: { plan: 'pro' } });
    const backup = (await core.call('backups.create', {})).file;
    core.db.prepare(`UPDATE contacts SET custom = '{"plan":' WHERE id = ?`).run(c.id);
    const e1 = await core.call('contacts.get', { id: c.id }).catch((e: unknown) => e);
    expect(e1).toMatchObject({ code: 'corrupt_database' });
    expect((e1 as Error).message).toContain(`contacts.custom of row ${c.id} is not valid JSON`);
    expect((e1 as Error).message).toContain(backup);
    core.db.prepare(`UPDATE settings SET value = 'nope{' WHERE key = 'backup.keep'`).run();
    core.db.prepare(`INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES ('x.y', '[1,', 'now')`).run();
    const e2 = await core.call('settings.get', {}).catch((e: unknown) => e);
    expect(e2).toMatchObject({ code: 'corrupt_database' });
    expect((e2 as Error).message).toMatch(/settings\.value is not valid JSON/);
    // A value of the wrong type where JSON text belongs (a damaged record header) is damage too.
    expect(() => parseStored(42, 'runs.input', 'r1')).toThrow(StoredDataError);
    expect(parseStored('{"a":1}', 'runs.input')).toEqual({ a: 1 });
    expect(isCorruption(Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT_INDEX' }))).toBe(true);
    expect(isCorruption(new SyntaxError('Unexpected token'))).toBe(false);
  });

  it('every listed JSON column exists, and a store with CRM data, runs and sequences passes the full check', async () => {
    const data = dir();
    const core = await open(data);
    for (const [table, column] of STORED_JSON) {
      const cols = (core.db.prepare('SELECT name FROM pragma_table_info(?)').all(table) as { name: string }[]).map((r) => r.name);
      expect(cols, `${table}.${column}`).toContain(column);
    }
    seedDemo(core, { contacts: 300, eventsPerContact: 5, seed: 7 });
    await core.call('workflows.import', {
      definition: {
        id: 'check-me',
        name: 'check me',
        nodes: [
          { id: 'a', type: 'set', params: { values: { x: 1 } } },
          { id: 'b', type: 'log', params: { message: 'hi' } },
        ],
        edges: [{ from: 'a', to: 'b' }],
      },
    });
    await core.call('runs.start', { workflow: 'check-me', input: { n: 1 } });
    await engineOf(core).drain();
    await core.call('sequences.save', { id: 's', name: 's', steps: [{ type: 'email', subject: 'Hi', text: 'Hello' }] });
    const n = (t: string) => (core.db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    expect(n('runs')).toBeGreaterThan(0);
    expect(n('sequences')).toBe(1);
    expect(n('steps')).toBeGreaterThan(0);
    expect(n('events')).toBeGreaterThan(1000);
    expect(checkStore(core.db)).toMatchObject({ ok: true, problems: [] });
  });
});

describe('backup verification', () => {
  it('a backup counts as verified only while it is the file that was checked', async () => {
    const data = dir();
    const core = await open(data);
    const b = await core.call('backups.create', {});
    expect(b.verifiedAt).not.toBeNull();
    expect(mode(b.file)).toBe(0o600);
    expect(lastVerifiedBackup(data)?.file).toBe(b.file);
    expect((await core.call('system.info', {})).lastVerifiedBackup).toMatchObject({ file: b.file, verifiedAt: b.verifiedAt });
    expect((await core.call('backups.list', {})).backups[0]).toMatchObject({ file: b.file, verifiedAt: b.verifiedAt });
    // Changed after the check: no longer counts.
    appendFileSync(b.file, Buffer.alloc(4096));
    expect(listBackups(data)[0]!.verifiedAt).toBeNull();
    expect(lastVerifiedBackup(data)).toBeNull();
    // Checked again (doctor --deep does this for unverified backups): verified again.
    expect((await verifyBackup(b.file)).ok).toBe(true);
    expect(listBackups(data)[0]!.verifiedAt).not.toBeNull();
  });

  it('a damaged backup fails verification and is never marked; a damaged store names the newest verified backup, not a newer unverified one', async () => {
    const { data, good } = await store10k(2);
    // A newer file that was never verified (copied in by hand from the damaged store).
    const unverified = join(data, 'backups', 'baton-20991231-000000-000.sqlite');
    copyFileSync(join(data, DB_FILE), unverified);
    damageContactRow(unverified);
    const v = await verifyBackup(unverified);
    expect(v.ok).toBe(false);
    expect(existsSync(`${unverified}.verified`)).toBe(false);
    expect(listBackups(data)[0]).toMatchObject({ file: unverified, verifiedAt: null });
    damageContactRow(join(data, DB_FILE));
    const core = await open(data);
    const err = (await createBackup(core.db, data, { keep: 3 }).catch((e: unknown) => e)) as CorruptDatabaseError;
    expect(err.newestBackup).toBe(good[0]);
    expect(err.backupVerified).toBe(true);
  }, 120_000);
});

describe('permissions', () => {
  it.skipIf(process.platform === 'win32')('the data folder is 0700; the store, its WAL/SHM and backups 0600; looser ones are fixed on open', async () => {
    const data = dir();
    rmSync(data, { recursive: true });
    const core = await openBaton({ dataDir: data, host: 'cli', secrets: new EnvSecretStore({}, 'tests') });
    await core.call('settings.set', { key: 'ai.model', value: 'm' });
    const b = await core.call('backups.create', {});
    expect(mode(data)).toBe(0o700);
    expect(mode(join(data, DB_FILE))).toBe(0o600);
    expect(mode(join(data, `${DB_FILE}-wal`))).toBe(0o600);
    expect(mode(join(data, `${DB_FILE}-shm`))).toBe(0o600);
    expect(mode(join(data, 'backups'))).toBe(0o700);
    expect(mode(b.file)).toBe(0o600);
    expect(mode(`${b.file}.verified`)).toBe(0o600);
    await core.close();

    chmodSync(data, 0o755);
    chmodSync(join(data, DB_FILE), 0o644);
    chmodSync(join(data, 'backups'), 0o755);
    chmodSync(b.file, 0o644);
    const again = await open(data);
    expect(mode(data)).toBe(0o700);
    expect(mode(join(data, DB_FILE))).toBe(0o600);
    expect(mode(join(data, 'backups'))).toBe(0o700);
    expect(mode(b.file)).toBe(0o600);
    expect(mode(join(data, `${DB_FILE}-wal`))).toBe(0o600);
    const warn = logLines(data).find((l) => l.msg === 'files other users could read were made private (files 0600, folders 0700)');
    expect(warn?.files).toEqual(expect.arrayContaining([data, join(data, DB_FILE), join(data, 'backups'), b.file]));
    expect((await again.call('system.info', {})).integrity).toBe('ok');
  });
});
