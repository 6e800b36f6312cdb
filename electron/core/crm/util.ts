import { ApiError, STAGES } from '../../../shared/api';

export const nowIso = (): string => new Date().toISOString();

/** Canonical UTC time string (what every `at` column holds, so text comparison is time order). */
export function isoAt(at: string | Date | undefined, field = 'at'): string {
  if (at === undefined) return nowIso();
  const d = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(d.getTime())) throw new ApiError('invalid_input', `${field}: "${String(at)}" is not a time; use ISO 8601 such as 2025-03-01T09:30:00Z`, [{ path: field, message: 'not a time' }]);
  return d.toISOString();
}

export const daysAgoIso = (now: Date, days: number): string => new Date(now.getTime() - days * 86_400_000).toISOString();

/** SQL expression giving a stage's funnel rank (churned = -1: not progress). */
export function stageRankSql(expr: string): string {
  return `(CASE ${expr} ${STAGES.map((s, i) => `WHEN '${s}' THEN ${s === 'churned' ? -1 : i}`).join(' ')} ELSE -1 END)`;
}

/** Escape LIKE wildcards (used with ESCAPE '\\'). */
export const likeEscape = (s: string): string => s.replace(/[\\%_]/g, (m) => '\\' + m);

/** Free-mail providers: their domain never names a company. */
const FREE_MAIL = new Set([
  'gmail.com', 'googlemail.com', 'yahoo.com', 'yahoo.co.uk', 'hotmail.com', 'outlook.com', 'live.com', 'msn.com', 'aol.com',
  'icloud.com', 'me.com', 'mac.com', 'proton.me', 'protonmail.com', 'gmx.de', 'gmx.net', 'web.de', 'mail.com', 'yandex.ru', 'zoho.com', 'fastmail.com',
]);
export const isFreeMail = (domain: string): boolean => FREE_MAIL.has(domain);
export const emailDomain = (email: string): string => email.slice(email.lastIndexOf('@') + 1);

/** Event types that count as the contact's own activity (for last_activity_at, "inactive" and decay). */
export const ACTIVITY_TYPES = ['email.opened', 'email.clicked', 'email.replied', 'page.visited', 'form.viewed', 'form.submitted', 'meeting.booked', 'purchase', 'custom'] as const;
/** An activity event, unless its data says a machine did it (a mail-privacy proxy's open, a link scanner's click: docs/tracking.md). */
export const isActivity = (t: string, data?: unknown): boolean =>
  (ACTIVITY_TYPES as readonly string[]).includes(t) && !(data !== null && typeof data === 'object' && (data as { machine?: unknown }).machine === true);

/** Run a bulk job with a bigger page cache (random index inserts and big GROUP BYs), then restore it. */
export function withBigCache<T>(db: { pragma(s: string, o?: { simple: boolean }): unknown }, fn: () => T, kib = 256 * 1024): T {
  const before = db.pragma('cache_size', { simple: true }) as number;
  db.pragma(`cache_size = -${kib}`);
  try {
    return fn();
  } finally {
    db.pragma(`cache_size = ${before}`);
  }
}

/** withBigCache for an async bulk job (a CSV import): each batch's random index inserts stay in memory until its commit. */
export async function withBigCacheAsync<T>(db: { pragma(s: string, o?: { simple: boolean }): unknown }, fn: () => Promise<T>, kib = 256 * 1024): Promise<T> {
  const before = db.pragma('cache_size', { simple: true }) as number;
  db.pragma(`cache_size = -${kib}`);
  try {
    return await fn();
  } finally {
    db.pragma(`cache_size = ${before}`);
  }
}
