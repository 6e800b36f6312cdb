// A mistyped setting key is refused with the known keys closest to it (API and
// CLI), instead of being stored where nothing reads it; every key Baton's own
// code reads or writes is known, so refusing unknown keys breaks nothing.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../electron/core/core';
import { ApiError, closeSettingKeys, isKnownSetting, KNOWN_SETTING_KEYS } from '../shared/api';
import { copyBuiltApp, runBaton, type BuiltApp } from './support/built-app';
import { openTestCore, tempDir } from './helpers';

const root = resolve(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.(ts|tsx)$/.test(name) ? [p] : [];
  });
}

/** Literal keys passed to the code's setting readers and writers (core.setting, setSetting, sales' setting(db, …), readSetting(orm, …), the s(…) helpers, env.setting, settings.set calls). */
function keysUsedInCode(): Map<string, string> {
  const found = new Map<string, string>();
  const reader = /\b(?:setting|setSetting|s|read|readSetting)(?:<[^>()]*(?:\([^)]*\))?[^>()]*>)?\(\s*(?:core\.db,\s*|db,\s*|(?:ctx\.|env\.)?orm,\s*)?'([a-z][a-zA-Z0-9_]*\.[a-zA-Z0-9_.]+)'/g;
  const setCall = /'settings\.set',\s*\{\s*key:\s*'([^']+)'/g;
  for (const file of [...sources(join(root, 'electron')), ...sources(join(root, 'renderer', 'src'))]) {
    const text = readFileSync(file, 'utf8');
    for (const re of [reader, setCall]) for (const m of text.matchAll(re)) found.set(m[1]!, file.slice(root.length + 1));
  }
  // The AI settings are read through a key table.
  const table = /const KEYS[^{]*\{([^}]*)\}/.exec(readFileSync(join(root, 'electron/core/ai/env.ts'), 'utf8'))![1]!;
  for (const m of table.matchAll(/:\s*'(ai\.[a-zA-Z]+)'/g)) found.set(m[1]!, 'electron/core/ai/env.ts');
  return found;
}

describe('setting keys', () => {
  it('every key the code reads or writes is a known setting', () => {
    const used = keysUsedInCode();
    expect(used.size).toBeGreaterThan(40);
    for (const k of ['engine.paused', 'engine.workers', 'maintenance.cron', 'window.bounds', 'wordpress.siteUrl', 'ai.timeoutMs', 'email.publicUrl', 'setup.completed']) expect([...used.keys()]).toContain(k);
    expect([...used].filter(([k]) => !isKnownSetting(k)).map(([k, file]) => `${k} (${file})`)).toEqual([]);
  });

  it('suggests the closest known keys for a typo', () => {
    expect(closeSettingKeys('email.smtp.hots')[0]).toBe('email.smtp.host');
    expect(closeSettingKeys('ai.modle')[0]).toBe('ai.model');
    expect(closeSettingKeys('engine.worker')[0]).toBe('engine.workers');
    expect(closeSettingKeys('backups.keep')[0]).toBe('backup.keep');
    expect(KNOWN_SETTING_KEYS).toContain('notifications.quietHours');
  });

  describe('through the API', () => {
    let core: Core;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ core, cleanup } = await openTestCore());
    });
    afterAll(async () => cleanup());

    it('settings.set of an unknown key: invalid_input naming the key and close ones; nothing stored', async () => {
      const e = (await core.call('settings.set', { key: 'email.smtp.hots', value: 'mail.example.com' }).catch((x: unknown) => x)) as ApiError;
      expect(e).toBeInstanceOf(ApiError);
      expect(e.code).toBe('invalid_input');
      expect(e.issues).toEqual([{ path: 'key', message: expect.stringMatching(/^"email\.smtp\.hots" is not a setting Baton knows; did you mean email\.smtp\.host, /) }]);
      expect((await core.call('settings.get', {})).settings).toEqual({});
    });

    it('keys Baton keeps for itself still work, with their own rules', async () => {
      await core.call('settings.set', { key: 'maintenance.enabled', value: false });
      expect(core.setting('maintenance.enabled', true)).toBe(false);
      const e = (await core.call('settings.set', { key: 'engine.workers', value: 1000 }).catch((x: unknown) => x)) as ApiError;
      expect(e.issues).toEqual([{ path: 'engine.workers', message: 'at most 64' }]);
    });
  });

  describe('through the CLI', () => {
    let app: BuiltApp;
    const tmp = tempDir('baton-settings-');
    beforeAll(() => {
      app = copyBuiltApp('settings');
    }, 180_000);
    afterAll(() => {
      app?.remove();
      tmp.cleanup();
    });

    it('`settings set no.such.key 1` and `settings get no.such.key` exit 2 with close keys; a known key works', async () => {
      const data = join(tmp.dir, 'd');
      const set = await runBaton(app.bin, ['--data', data, 'settings', 'set', 'no.such.key', '1']);
      expect(set.code).toBe(2);
      expect(set.stderr).toMatch(/^baton: key: "no\.such\.key" is not a setting Baton knows; did you mean .+\? \(every key: npx baton settings keys\)\n$/);
      const get = await runBaton(app.bin, ['--data', data, 'settings', 'get', 'ai.modle']);
      expect(get.code).toBe(2);
      expect(get.stderr).toMatch(/^baton: "ai\.modle" is not a setting Baton knows; did you mean ai\.model, /);
      expect(get.stdout).toBe('');
      expect((await runBaton(app.bin, ['--data', data, 'settings', 'set', 'engine.pruneDays', '7'])).code).toBe(0);
      const ok = await runBaton(app.bin, ['--data', data, 'settings', 'get', 'engine.pruneDays']);
      expect(ok).toMatchObject({ code: 0, stdout: 'engine.pruneDays = 7\n' });
      const keys = await runBaton(app.bin, ['--data', data, '--json', 'settings', 'keys']);
      expect(keys.code).toBe(0);
      expect(JSON.parse(keys.stdout)).toContainEqual({ key: 'engine.pruneDays', label: 'Delete finished runs after this many days', default: 30, shownInSettings: false });
    }, 60_000);
  });
});
