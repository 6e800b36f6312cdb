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
});
