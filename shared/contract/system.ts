import { z } from 'zod';
import { Empty, Ok, op } from './base';

/** Secret names: what the keychain entry and the BATON_SECRET_<NAME> variable are called. */
export const SECRET_NAME_RULE = 'use 2-64 characters: capital letters, digits and _, starting with a letter (e.g. ANTHROPIC_API_KEY)';
export const SecretName = z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/, SECRET_NAME_RULE);

export const SecretBackend = z.object({
  kind: z.enum(['keychain', 'file', 'env']),
  /** Human sentence shown in doctor, the CLI and Settings. */
  detail: z.string(),
  /** Whether the backend can store values (the env backend is read-only). */
  writable: z.boolean(),
});
export type SecretBackend = z.infer<typeof SecretBackend>;

/**
 * A backup in <data>/backups. `verifiedAt`: when it was opened read-only and passed a
 * full integrity check (null: never checked, e.g. taken by an older Baton).
 */
export const BackupInfo = z.object({ file: z.string(), size: z.number(), createdAt: z.string(), verifiedAt: z.string().nullable() });
export type BackupInfo = z.infer<typeof BackupInfo>;

export const SystemInfo = z.object({
  version: z.string(),
  dataDir: z.string(),
  dbFile: z.string(),
  schemaVersion: z.number().int(),
  latestSchemaVersion: z.number().int(),
  secretBackend: SecretBackend,
  integrity: z.string(),
  startedAt: z.string(),
  host: z.enum(['electron', 'server', 'cli']),
  /** The newest backup that passed its integrity check (what a damaged store is restored from). */
  lastVerifiedBackup: BackupInfo.nullable(),
});
export type SystemInfo = z.infer<typeof SystemInfo>;

export const systemOps = {
  'system.info': op('Data folder, schema version, secret backend and integrity of the store.', Empty, SystemInfo),
  'secrets.list': op('Names of the stored secrets (never their values) and the active backend.', Empty,
    z.object({ backend: SecretBackend, names: z.array(z.string()) })),
  'secrets.set': op('Store a secret in the active backend.',
    z.object({ name: SecretName, value: z.string().min(1, 'the value must not be empty') }).strict(), Ok),
  'secrets.delete': op('Delete a secret.', z.object({ name: SecretName }).strict(), z.object({ deleted: z.boolean() })),
  'backups.list': op('Backups in the data folder, newest first.', Empty, z.object({ backups: z.array(BackupInfo) })),
  'backups.create': op('Take an online backup now (rotated: the newest N are kept).', Empty, BackupInfo),
  'backups.restore': op(
    'Schedule a restore of one of the listed backups: it is checked now and applied when Baton next starts (the current data is kept as a pre-restore backup).',
    z.object({ file: z.string().min(1, 'name a backup file from backups.list') }).strict(),
    z.object({ file: z.string(), requestedAt: z.string(), message: z.string() }),
  ),
  'backups.pendingRestore': op('The restore scheduled for the next start, if any.', Empty, z.object({ pending: z.object({ file: z.string(), requestedAt: z.string() }).nullable() })),
  'backups.cancelRestore': op('Cancel a scheduled restore.', Empty, z.object({ cancelled: z.boolean() })),
  'settings.get': op('All non-secret settings.', Empty, z.object({ settings: z.record(z.string(), z.unknown()) })),
  'settings.set': op('Set one non-secret setting.', z.object({ key: z.string().regex(/^[a-z][a-zA-Z0-9_.]{0,63}$/, 'use a dotted lower-case key such as ai.model'), value: z.unknown() }).strict(), Ok),
} as const;

export const systemEvents = {
  'secrets.changed': z.object({ names: z.array(z.string()) }),
  'backup.created': BackupInfo,
  /** A command met a damaged store, or the nightly check found damage. */
  'database.damaged': z.object({ file: z.string(), detail: z.string(), newestBackup: z.string().nullable(), message: z.string() }),
  /** The host is stopping on its own (its data folder or database file is gone): why. */
  'host.stopping': z.object({ reason: z.enum(['data_folder_lost', 'database_lost']), message: z.string() }),
  'settings.changed': z.object({ key: z.string() }),
} as const;
