import { ApiError, knownSetting, systemOps, unknownSettingMessage } from '../../../shared/api';
import { eq } from 'drizzle-orm';
import { cancelRestore, createBackup, listBackups, pendingRestore, scheduleRestore } from '../backup';
import type { Core } from '../core';
import { defineDomain } from '../domain';
import { settings } from '../db/schema';
import type { HandlerMap } from './types';

export function systemHandlers(core: Core): HandlerMap<keyof typeof systemOps> {
  return {
    'system.info': () => core.info(),
    'secrets.list': async () => ({ backend: core.secrets.backend(), names: await core.secrets.list() }),
    'secrets.set': async ({ name, value }) => {
      core.log.redactValue(value);
      await core.secrets.set(name, value);
      core.log.info('secret stored', { name });
      core.bus.emit('secrets.changed', { names: await core.secrets.list() });
      return { ok: true as const };
    },
    'secrets.delete': async ({ name }) => {
      const deleted = await core.secrets.delete(name);
      if (deleted) core.log.info('secret deleted', { name });
      core.bus.emit('secrets.changed', { names: await core.secrets.list() });
      return { deleted };
    },
    'backups.list': () => ({ backups: listBackups(core.dataDir) }),
    'backups.create': async () => {
      const info = await createBackup(core.db, core.dataDir, { keep: core.setting('backup.keep', 10), nativeBinding: core.opts.nativeBinding });
      core.log.info('backup created', { file: info.file, size: info.size });
      core.bus.emit('backup.created', info);
      return info;
    },
    'backups.restore': ({ file }) => {
      const p = scheduleRestore(core.dataDir, file, core.migrationsDir);
      core.log.info('restore scheduled for the next start', { file: p.file });
      return { ...p, message: `The backup is sound. It replaces the current data when Baton next starts (quit and reopen the app, or restart baton serve); the current data is kept as a pre-restore backup.` };
    },
    'backups.pendingRestore': () => ({ pending: pendingRestore(core.dataDir) }),
    'backups.cancelRestore': () => ({ cancelled: cancelRestore(core.dataDir) }),
    'settings.get': () => {
      const rows = core.orm.select().from(settings).all();
      return { settings: Object.fromEntries(rows.map((r) => [r.key, core.settingHook(r.key)?.read?.(r.value) ?? r.value])) };
    },
    'settings.set': async ({ key, value }) => {
      if (value === undefined) throw new ApiError('invalid_input', 'value: required', [{ path: 'value', message: 'required' }]);
      // A key Baton does not know is a typo: storing it would silently do nothing.
      const def = knownSetting(key);
      if (!def) {
        const message = unknownSettingMessage(key);
        throw new ApiError('invalid_input', `key: ${message}`, [{ path: 'key', message }]);
      }
      const r = def.schema.safeParse(value);
      if (!r.success) {
        const message = r.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ` : '') + i.message).join('; ');
        throw new ApiError('invalid_input', `${key} (${def.label}): ${message}`, [{ path: key, message }]);
      }
      // A domain's hook may keep part of the value elsewhere (a token in the secret store).
      const hooked = await core.settingHook(key)?.write?.(r.data);
      const stored: unknown = hooked ? hooked.value : r.data;
      // null clears a setting back to its default (the readers fall back when the row is absent).
      if (stored === null) core.orm.delete(settings).where(eq(settings.key, key)).run();
      else core.setSetting(key, stored);
      await hooked?.stored?.();
      core.bus.emit('settings.changed', { key });
      return { ok: true as const };
    },
  };
}

/** The system domain: store, secrets, backups and settings of the host. */
export const systemDomain = defineDomain({
  id: 'system',
  description: 'The host: system info, secrets (OS keychain), backups and restore, settings.',
  ops: systemOps,
  settings: ['notifications.enabled', 'notifications.minSeverity', 'notifications.sound', 'notifications.quietHours', 'notifications.approvals', 'window.bounds', 'host.dataMoved', 'server.publicUrl', 'server.port', 'server.trustProxy'],
  create: (core) => ({ handlers: systemHandlers(core) }),
});
