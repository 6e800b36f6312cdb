import { describe, expect, it } from 'vitest';
import { ApiError } from '../shared/api';
import { openTestCore } from './helpers';

describe('core dispatcher', () => {
  it('serves system.info from a real migrated store', async () => {
    const { core, dir, cleanup } = await openTestCore();
    try {
      const info = await core.call('system.info', {});
      expect(info.dataDir).toBe(dir);
      expect(info.schemaVersion).toBe(info.latestSchemaVersion);
      expect(info.schemaVersion).toBeGreaterThanOrEqual(1);
      expect(info.integrity).toBe('ok');
      expect(info.secretBackend.kind).toBe('env');
      expect(core.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(core.db.pragma('foreign_keys', { simple: true })).toBe(1);
    } finally {
      await cleanup();
    }
  });

  it('rejects an unknown operation with not_found and bad input with the field path', async () => {
    const { core, cleanup } = await openTestCore();
    try {
      await expect(core.call('nope.nothing', {})).rejects.toMatchObject({ code: 'not_found' });
      const err = await core.call('settings.set', { key: 'Bad Key', value: 1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).status).toBe(400);
      expect((err as ApiError).issues?.[0]?.path).toBe('key');
      expect((await core.call('settings.get', {})).settings).toEqual({});
    } finally {
      await cleanup();
    }
  });

  it('stores settings', async () => {
    const { core, cleanup } = await openTestCore();
    try {
      await core.call('settings.set', { key: 'ai.model', value: 'claude-x' });
      expect((await core.call('settings.get', {})).settings).toEqual({ 'ai.model': 'claude-x' });
    } finally {
      await cleanup();
    }
  });

  it('refuses a bad value for a known setting, naming the key and the rule, and keeps the stored one', async () => {
    const { core, cleanup } = await openTestCore();
    try {
      await core.call('settings.set', { key: 'email.smtp.port', value: 587 });
      const bad = (await core.call('settings.set', { key: 'email.smtp.port', value: 70000 }).catch((e: unknown) => e)) as ApiError;
      expect(bad).toBeInstanceOf(ApiError);
      expect(bad.status).toBe(400);
      expect(bad.message).toContain('email.smtp.port');
      expect(bad.issues?.[0]).toEqual({ path: 'email.smtp.port', message: 'use a port from 1 to 65535' });
      const tz = (await core.call('settings.set', { key: 'email.timeZone', value: 'Mars/Olympus' }).catch((e: unknown) => e)) as ApiError;
      expect(tz.message).toContain('IANA time zone');
      const quiet = (await core.call('settings.set', { key: 'notifications.quietHours', value: { start: '25:00', end: '07:00' } }).catch((e: unknown) => e)) as ApiError;
      expect(quiet.issues?.[0]?.message).toMatch(/^start: use HH:MM/);
      // Normalised on the way in (the same transform the form uses).
      await core.call('settings.set', { key: 'email.from', value: ' Ada@Example.COM ' });
      expect((await core.call('settings.get', {})).settings).toEqual({ 'email.smtp.port': 587, 'email.from': 'ada@example.com' });
      // null clears back to the default; keys Baton keeps for itself are known too.
      await core.call('settings.set', { key: 'email.smtp.port', value: null });
      await core.call('settings.set', { key: 'engine.workers', value: 2 });
      expect((await core.call('settings.get', {})).settings).toEqual({ 'email.from': 'ada@example.com', 'engine.workers': 2 });
    } finally {
      await cleanup();
    }
  });
});
