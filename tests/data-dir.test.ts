/**
 * One data folder per OS for the desktop app, the CLI and `baton serve`, and the
 * one-time move of an earlier folder into it (electron/core/paths.ts,
 * electron/core/data-move.ts): the decisions as pure functions, the move on a
 * real disk with a real database in WAL mode.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, win32 } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openBaton } from '../electron/core';
import { DataMoveError, MOVED_FROM, MOVED_MARKER, moveData, planDataMove, resolveHostDataDir, type LegacyFolder } from '../electron/core/data-move';
import { chooseDataDir, defaultDataDir, legacyDataDirs } from '../electron/core/paths';
import { EnvSecretStore } from '../electron/core/secrets';
import { tempDir } from './helpers';

const linux = (env: Record<string, string> = {}) => ({ platform: 'linux' as const, env, home: '/home/ada' });

describe('where the data folder is', () => {
  it('one default per OS', () => {
    expect(defaultDataDir(linux())).toBe('/home/ada/.local/share/baton');
    expect(defaultDataDir(linux({ XDG_DATA_HOME: '/data/xdg' }))).toBe('/data/xdg/baton');
    expect(defaultDataDir(linux({ XDG_DATA_HOME: '  ' }))).toBe('/home/ada/.local/share/baton');
    expect(defaultDataDir({ platform: 'darwin', env: {}, home: '/Users/ada' })).toBe('/Users/ada/Library/Application Support/Baton');
    expect(defaultDataDir({ platform: 'win32', env: { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' }, home: 'C:\\Users\\ada' })).toBe(win32.join('C:\\Users\\ada\\AppData\\Roaming', 'Baton'));
    expect(defaultDataDir({ platform: 'win32', env: {}, home: 'C:\\Users\\ada' })).toBe('C:\\Users\\ada\\AppData\\Roaming\\Baton');
  });

  it("the folders earlier versions used: Electron's userData on Linux, the CLI's on macOS and Windows", () => {
    expect(legacyDataDirs(linux())).toEqual(['/home/ada/.config/Baton']);
    expect(legacyDataDirs(linux({ XDG_CONFIG_HOME: '/cfg' }))).toEqual(['/cfg/Baton']);
    expect(legacyDataDirs({ platform: 'darwin', env: {}, home: '/Users/ada' })).toEqual(['/Users/ada/.local/share/baton']);
    expect(legacyDataDirs({ platform: 'win32', env: {}, home: 'C:\\Users\\ada' })).toEqual(['C:\\Users\\ada\\.local\\share\\baton']);
  });

  it('--data wins, then BATON_DATA_DIR, then the default', () => {
    expect(chooseDataDir('/srv/b', linux({ BATON_DATA_DIR: '/env/b' }))).toEqual({ dir: '/srv/b', source: 'flag' });
    expect(chooseDataDir(undefined, linux({ BATON_DATA_DIR: '/env/b' }))).toEqual({ dir: '/env/b', source: 'env' });
    expect(chooseDataDir('  ', linux({ BATON_DATA_DIR: ' ' }))).toEqual({ dir: '/home/ada/.local/share/baton', source: 'default' });
    expect(chooseDataDir('rel', linux()).dir).toBe(join(process.cwd(), 'rel'));
  });
});

describe('the move plan', () => {
  const folder = (o: Partial<LegacyFolder> = {}): LegacyFolder => ({ dir: '/old', hasDb: true, moved: false, lockedBy: null, ...o });
  it('moves a folder with data into an empty default, once', () => {
    expect(planDataMove({ target: '/new', targetHasDb: false, legacy: [folder()] })).toEqual({ action: 'move', from: '/old', to: '/new' });
    expect(planDataMove({ target: '/new', targetHasDb: false, legacy: [folder({ moved: true })] })).toEqual({ action: 'none' });
    expect(planDataMove({ target: '/new', targetHasDb: false, legacy: [folder({ hasDb: false })] })).toEqual({ action: 'none' });
    expect(planDataMove({ target: '/new', targetHasDb: false, legacy: [] })).toEqual({ action: 'none' });
    expect(planDataMove({ target: '/old', targetHasDb: false, legacy: [folder()] })).toEqual({ action: 'none' });
  });
  it('leaves both alone when the default has data too; refuses while a host runs on the old one', () => {
    expect(planDataMove({ target: '/new', targetHasDb: true, legacy: [folder()] })).toEqual({ action: 'both', from: '/old', to: '/new' });
    expect(planDataMove({ target: '/new', targetHasDb: false, legacy: [folder({ lockedBy: 42 })] })).toEqual({ action: 'busy', from: '/old', to: '/new', pid: 42 });
  });
});

describe('the move on disk', () => {
  /** An earlier folder with a real database; `raw` keeps a connection open so the last writes stay in the WAL. */
  async function legacyFolder(home: string): Promise<{ legacy: string; raw: Database.Database }> {
    const legacy = join(home, '.config', 'Baton');
    mkdirSync(legacy, { recursive: true });
    const core = await openBaton({ dataDir: legacy, host: 'electron', secrets: new EnvSecretStore({}, 'tests') });
    core.setSetting('ai.model', 'kept');
    core.db.exec("CREATE TABLE IF NOT EXISTS move_probe (v TEXT); INSERT INTO move_probe VALUES ('last write, still in the WAL')");
    // Leave the last write in the WAL (no checkpoint on close): the copy must carry it.
    core.db.pragma('wal_autocheckpoint = 0');
    const raw = new Database(join(legacy, 'baton.db'));
    raw.pragma('wal_autocheckpoint = 0');
    raw.exec("INSERT INTO move_probe VALUES ('from a second connection')");
    await core.close();
    // Chromium's own state and Baton's files side by side, as in Electron's userData folder.
    mkdirSync(join(legacy, 'GPUCache'));
    writeFileSync(join(legacy, 'GPUCache', 'data_0'), 'chromium');
    writeFileSync(join(legacy, 'Preferences'), '{}');
    mkdirSync(join(legacy, 'backups'));
    writeFileSync(join(legacy, 'backups', 'baton-2026.db'), 'a backup');
    writeFileSync(join(legacy, 'email-unsubscribe.key'), 'ab'.repeat(32), { mode: 0o600 });
    writeFileSync(join(legacy, 'restore-pending.json'), JSON.stringify({ file: join(legacy, 'backups', 'baton-2026.db'), requestedAt: 'x' }));
    expect(readFileSync(join(legacy, 'baton.db-wal')).length).toBeGreaterThan(0);
    return { legacy, raw };
  }

  it("copies Baton's files (database with its WAL, backups, keys), not Chromium's, and marks both folders", async () => {
    const home = tempDir('baton-home-');
    try {
      const { legacy, raw } = await legacyFolder(home.dir);
      const ctx = linux();
      ctx.home = home.dir;
      const r = resolveHostDataDir(undefined, ctx, new Date('2026-05-01T10:00:00Z'));
      const target = join(home.dir, '.local', 'share', 'baton');
      expect(r.dataDir).toBe(target);
      expect(r.moved).toMatchObject({ from: legacy, to: target, movedAt: '2026-05-01T10:00:00.000Z' });
      expect(r.moved?.message).toMatch(/kept unchanged as a backup/);
      const db = new Database(join(target, 'baton.db'), { readonly: true });
      expect(db.prepare('SELECT v FROM move_probe ORDER BY rowid').pluck().all()).toEqual(['last write, still in the WAL', 'from a second connection']);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
      expect(readFileSync(join(target, 'backups', 'baton-2026.db'), 'utf8')).toBe('a backup');
      expect(existsSync(join(target, 'email-unsubscribe.key'))).toBe(true);
      expect(existsSync(join(target, 'GPUCache'))).toBe(false);
      expect(existsSync(join(target, 'Preferences'))).toBe(false);
      expect(existsSync(join(target, 'baton.pid'))).toBe(false);
      // A scheduled restore now names the copy of its backup.
      expect(JSON.parse(readFileSync(join(target, 'restore-pending.json'), 'utf8')).file).toBe(join(target, 'backups', 'baton-2026.db'));
      // The old folder is the backup: untouched but for the marker.
      expect(existsSync(join(legacy, 'baton.db'))).toBe(true);
      expect(JSON.parse(readFileSync(join(legacy, MOVED_MARKER), 'utf8'))).toMatchObject({ movedTo: target });
      expect(JSON.parse(readFileSync(join(target, MOVED_FROM), 'utf8'))).toMatchObject({ from: legacy });
      expect(existsSync(join(legacy, 'baton.pid'))).toBe(false);
      // Once.
      expect(resolveHostDataDir(undefined, ctx).moved).toBeNull();
      // --data and BATON_DATA_DIR never take an earlier folder.
      expect(resolveHostDataDir(join(home.dir, 'elsewhere'), ctx).moved).toBeNull();
      raw.close();
    } finally {
      home.cleanup();
    }
  });

  it('says so when both folders hold data, and refuses while a host runs on the old one', async () => {
    const home = tempDir('baton-home-');
    try {
      const { legacy, raw } = await legacyFolder(home.dir);
      raw.close();
      const ctx = { platform: 'linux' as const, env: {}, home: home.dir };
      writeFileSync(join(legacy, 'baton.pid'), String(process.ppid));
      expect(() => resolveHostDataDir(undefined, ctx)).toThrow(DataMoveError);
      expect(() => resolveHostDataDir(undefined, ctx)).toThrow(new RegExp(`running on its earlier data folder .* \\(pid ${process.ppid}\\)`));
      writeFileSync(join(legacy, 'baton.pid'), '999999999');
      const target = join(home.dir, '.local', 'share', 'baton');
      mkdirSync(target, { recursive: true });
      writeFileSync(join(target, 'baton.db'), '');
      const r = resolveHostDataDir(undefined, ctx);
      expect(r.moved).toBeNull();
      expect(r.notice).toMatch(/also holds data; Baton uses .*--data/);
    } finally {
      home.cleanup();
    }
  });

  it('a failed move changes nothing in the old folder and says how to keep using it', () => {
    const home = tempDir('baton-home-');
    try {
      const legacy = join(home.dir, 'old');
      mkdirSync(legacy);
      writeFileSync(join(legacy, 'baton.db'), 'x');
      const blocked = join(home.dir, 'file-not-folder');
      writeFileSync(blocked, 'in the way');
      expect(() => moveData(legacy, join(blocked, 'baton'))).toThrow(/Could not move .*Nothing was changed in .*--data/);
      expect(existsSync(join(legacy, MOVED_MARKER))).toBe(false);
      expect(existsSync(join(legacy, 'baton.pid'))).toBe(false);
    } finally {
      home.cleanup();
    }
  });
});
