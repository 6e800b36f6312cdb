/** The Settings page's view-model (no DOM): host names, the schema state, the backups list. */
import type { BackupInfo, SystemInfo } from '../../../../shared/api';

const HOSTS: Record<SystemInfo['host'], string> = { electron: 'Desktop app', server: 'Headless server (baton serve)', cli: 'Command line' };

/** What runs the core, in words. */
export const hostLabel = (host: SystemInfo['host']): string => HOSTS[host];

/** The store's schema is the one this version of Baton expects. */
export const schemaUpToDate = (info: Pick<SystemInfo, 'schemaVersion' | 'latestSchemaVersion'>): boolean => info.schemaVersion === info.latestSchemaVersion;

/** The backups list with a new (or re-announced) backup first, once. */
export function withBackup(backups: BackupInfo[], b: BackupInfo): BackupInfo[] {
  return [b, ...backups.filter((x) => x.file !== b.file)];
}

/** The newest backup that was checked (the list is newest first), or undefined. */
export const lastVerified = (backups: BackupInfo[]): BackupInfo | undefined => backups.find((b) => b.verifiedAt !== null);
