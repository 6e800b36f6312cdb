/** The Settings page's view-model: host names, the schema state, the backups list. */
import { describe, expect, it } from 'vitest';
import type { BackupInfo } from '../shared/api';
import { hostLabel, lastVerified, schemaUpToDate, withBackup } from '../renderer/src/pages/settings/model';

const backup = (file: string, verifiedAt: string | null = null) => ({ file, createdAt: '2026-01-01T00:00:00Z', verifiedAt }) as BackupInfo;

describe('settings view-model', () => {
  it('names the host', () => {
    expect(hostLabel('electron')).toBe('Desktop app');
    expect(hostLabel('server')).toBe('Headless server (baton serve)');
    expect(hostLabel('cli')).toBe('Command line');
  });
  it('the schema is up to date only at the latest version', () => {
    expect(schemaUpToDate({ schemaVersion: 12, latestSchemaVersion: 12 })).toBe(true);
    expect(schemaUpToDate({ schemaVersion: 11, latestSchemaVersion: 12 })).toBe(false);
  });
  it('a new backup goes first, once', () => {
    const list = [backup('b2'), backup('b1')];
    expect(withBackup(list, backup('b3')).map((b) => b.file)).toEqual(['b3', 'b2', 'b1']);
    expect(withBackup(list, backup('b2', '2026-01-02T00:00:00Z')).map((b) => [b.file, b.verifiedAt])).toEqual([
      ['b2', '2026-01-02T00:00:00Z'],
      ['b1', null],
    ]);
  });
  it('the last verified backup is the newest checked one', () => {
    expect(lastVerified([backup('new'), backup('mid', 'x'), backup('old', 'y')])?.file).toBe('mid');
    expect(lastVerified([backup('a')])).toBeUndefined();
  });
});
