/**
 * What the tracking domain reads, on any connection (main thread or a Bree
 * worker): its settings, the public address, and the signing key (the secret
 * TRACKING_KEY; never in SQLite).
 */
import { isLoopbackUrl, storedPublicUrl } from '../../../shared/contract/settings';
import type { SiteStorage, TrackingMode } from '../../../shared/contract/tracking';
import type { Sqlite } from '../db/open';

export const TRACKING_KEY = 'TRACKING_KEY';
/** Opens this many seconds after the send are a machine's (setting tracking.machineOpenSeconds). */
export const DEFAULT_MACHINE_OPEN_SECONDS = 10;
/** How long a site visitor id (`bt`) from a tracked link identifies the contact. */
export const VISITOR_DAYS = 90;

/** The settings read, one prepared statement per connection (read on every click, open and site event). */
const readers = new WeakMap<Sqlite, { get(key: string): unknown }>();

export function setting<T>(db: Sqlite, key: string, fallback: T): T {
  let read = readers.get(db);
  if (!read) readers.set(db, (read = db.prepare('SELECT value FROM settings WHERE key = ?')));
  const row = read.get(key) as { value: string } | undefined;
  if (!row) return fallback;
  try {
    const v = JSON.parse(row.value) as T | null;
    return v === null ? fallback : v;
  } catch {
    return fallback;
  }
}

/** The public address links are built on (server.publicUrl, else email.publicUrl, else this machine's). */
export function publicBase(db: Sqlite): string {
  return storedPublicUrl({ 'server.publicUrl': setting<unknown>(db, 'server.publicUrl', null), 'email.publicUrl': setting<unknown>(db, 'email.publicUrl', null) }) ?? `http://127.0.0.1:${setting<number>(db, 'server.port', 4717)}`;
}

export interface SwitchState {
  mode: TrackingMode;
  active: boolean;
  reason: string | null;
}

/** Whether clicks or opens are tracked in e-mails sent now, and why not. */
export function switchState(db: Sqlite, what: 'clicks' | 'opens', keyPresent: boolean): SwitchState {
  const mode = setting<TrackingMode>(db, what === 'clicks' ? 'tracking.clicks' : 'tracking.opens', 'auto');
  const base = publicBase(db);
  if (mode === 'off') return { mode, active: false, reason: `tracking.${what} is off.` };
  if (mode === 'auto' && isLoopbackUrl(base))
    return { mode, active: false, reason: `The public address (${base}) only reaches this computer: set server.publicUrl to an address the internet reaches, or tracking.${what} to on.` };
  if (!keyPresent) return { mode, active: false, reason: `No signing key: store a random value of 32 characters or more as the secret ${TRACKING_KEY} (Baton makes one itself where it can store secrets).` };
  return { mode, active: true, reason: null };
}

export function machineOpenSeconds(db: Sqlite): number {
  const v = Number(setting<number>(db, 'tracking.machineOpenSeconds', DEFAULT_MACHINE_OPEN_SECONDS));
  return Number.isFinite(v) && v >= 0 ? v : DEFAULT_MACHINE_OPEN_SECONDS;
}

export function allowedOrigins(db: Sqlite): string[] {
  const v = setting<unknown>(db, 'tracking.allowedOrigins', []);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').map((x) => x.replace(/\/$/, '')) : [];
}

export function siteStorage(db: Sqlite): SiteStorage {
  const v = setting<SiteStorage>(db, 'tracking.siteStorage', 'off');
  return v === 'on' || v === 'after-consent' ? v : 'off';
}

/** The key bytes of a stored TRACKING_KEY value, or null when it is missing or too short to be a key. */
export function keyOf(value: string | null): Buffer | null {
  if (!value || value.length < 32) return null;
  return Buffer.from(value, 'utf8');
}
