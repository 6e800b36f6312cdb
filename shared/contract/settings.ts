/**
 * The settings a person edits (Settings page, `baton settings set`, the API):
 * one zod rule per key, so the form validates as the person types with the same
 * rule the core applies before it stores anything. Keys not listed here are
 * stored as given (internal state and forward compatibility); a listed key with
 * a bad value is refused, naming the key and the rule. `null` clears a setting
 * back to its default where the key allows it.
 */
import { z } from 'zod';
import { PriceTable } from './ai';
import { Email, TimeZone } from './crm';

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use HH:MM on a 24-hour clock, e.g. 22:00');
const Host = z
  .string()
  .trim()
  .min(1, 'give a host name such as smtp.example.com')
  .max(253)
  .regex(/^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/, 'use a host name or IP address without scheme or port, e.g. smtp.example.com');
const Port = z.number({ error: 'use a port number' }).int('use a whole number').min(1, 'use a port from 1 to 65535').max(65535, 'use a port from 1 to 65535');
const HttpUrl = z.url({ protocol: /^https?$/, error: 'use an http(s) address such as https://example.com' });
/** The address the outside world reaches Baton at: http(s), no user name, query or fragment (a path prefix is fine). */
export const PublicUrl = HttpUrl.refine((v) => {
  const u = new URL(v);
  return !u.username && !u.password && !u.search && !u.hash;
}, 'use the address only, e.g. https://baton.example.com (no user name, ?query or #fragment)');

export interface SettingDef {
  schema: z.ZodType;
  label: string;
  help?: string;
  /** The value used while the setting is unset (shown as the placeholder). */
  defaultValue?: unknown;
}

const def = (schema: z.ZodType, label: string, help?: string, defaultValue?: unknown): SettingDef => ({ schema, label, help, defaultValue });

export const SETTINGS = {
  // General
  'email.timeZone': def(TimeZone.nullable(), 'Default time zone', 'Send windows and daily caps use it when a contact has no time zone of its own.', 'UTC'),
  'setup.completed': def(z.boolean(), 'First-run setup finished'),
  // Outgoing e-mail
  'email.smtp.host': def(Host.nullable(), 'SMTP server'),
  'email.smtp.port': def(Port.nullable(), 'SMTP port', '587 with STARTTLS, 465 with TLS from the start.', 587),
  'email.smtp.secure': def(z.boolean(), 'TLS from the start (port 465)', undefined, false),
  'email.smtp.user': def(z.string().trim().max(320).nullable(), 'SMTP user name'),
  'email.smtp.rejectUnauthorized': def(z.boolean(), 'Check the SMTP server certificate', undefined, true),
  'email.from': def(Email.nullable(), 'Sender address'),
  'email.fromName': def(z.string().trim().max(200).nullable(), 'Sender name'),
  'email.frequencyCap': def(z.number().int('use a whole number').min(1, 'at least 1').max(100, 'at most 100').nullable(), 'Automated e-mails per contact per day, at most', undefined, 3),
  'email.bookingUrl': def(HttpUrl.nullable(), 'Booking link', 'Used by templates as {{ booking_url }}.'),
  // Incoming e-mail
  'email.imap.host': def(Host.nullable(), 'IMAP server'),
  'email.imap.port': def(Port.nullable(), 'IMAP port', undefined, 993),
  'email.imap.secure': def(z.boolean(), 'TLS from the start (port 993)', undefined, true),
  'email.imap.user': def(z.string().trim().max(320).nullable(), 'IMAP user name'),
  'email.imap.mailbox': def(z.string().trim().min(1, 'name a mailbox such as INBOX').max(200).nullable(), 'Mailbox', undefined, 'INBOX'),
  'email.imap.rejectUnauthorized': def(z.boolean(), 'Check the IMAP server certificate', undefined, true),
  // AI
  'ai.model': def(z.string().trim().min(1, 'name a Claude model such as claude-sonnet-4-6').max(100).nullable(), 'Default model', undefined, 'claude-sonnet-4-6'),
  'ai.maxTokens': def(z.number().int('use a whole number').min(1, 'at least 1').max(128_000, 'at most 128000').nullable(), 'Max output tokens per call', undefined, 1024),
  'ai.confidenceThreshold': def(z.number().min(0, 'use a number from 0 to 1').max(1, 'use a number from 0 to 1').nullable(), 'Ask me below this confidence', 'An AI draft whose review is less sure than this goes to your approvals.', 0.7),
  'ai.dailyCapUsd': def(z.number().positive('use a positive amount, or clear it for no cap').nullable(), 'Daily spend cap (USD)', 'AI steps wait and you are alerted when today\'s spend reaches it.', 10),
  'ai.prices': def(PriceTable.nullable(), 'Price table (USD per million tokens)'),
  'ai.baseUrl': def(HttpUrl.nullable(), 'API base URL', 'Leave empty for Anthropic\'s API.'),
  // Notifications
  'notifications.enabled': def(z.boolean(), 'Notify me of escalations', undefined, true),
  'notifications.minSeverity': def(z.enum(['info', 'warning', 'critical'], { error: 'use info, warning or critical' }), 'Lowest severity that notifies', undefined, 'warning'),
  'notifications.sound': def(z.boolean(), 'Play a sound', undefined, true),
  'notifications.quietHours': def(z.object({ start: HHMM, end: HHMM }).strict().nullable(), 'Quiet hours (only critical alerts notify)'),
  'notifications.approvals': def(z.boolean(), 'Notify me of new approvals', undefined, true),
  // Workflow engine (docs/engine.md, "Limits")
  'engine.subworkflowDepth': def(z.number().int('use a whole number').min(1, 'at least 1').max(1000, 'at most 1000').nullable(), 'Sub-workflow levels, at most', 'A run may start sub-workflows this many levels deep; a deeper start fails its step, naming the chain of workflows.', 10),
  'engine.maxStepOutputBytes': def(
    z.number().int('use a whole number of bytes').min(1024, 'at least 1024 bytes').max(256 * 1024 * 1024, 'at most 268435456 bytes (256 MB)').nullable(),
    'Largest step output (bytes)',
    'A step whose output (or event data it publishes) is larger fails, naming the size.',
    1024 * 1024,
  ),
  // Server and public address (docs/server.md)
  'server.publicUrl': def(
    PublicUrl.nullable(),
    'Public address',
    'Where mail links, tracking links, forms and webhooks reach this Baton from the internet (a tunnel or reverse proxy to this machine), e.g. https://baton.example.com.',
    'http://127.0.0.1:4717',
  ),
  'server.port': def(Port.nullable(), 'Port of the local HTTP surface', 'The desktop app serves the API, web UI, forms and webhooks on 127.0.0.1 at this port (restart to apply).', 4717),
  'server.trustProxy': def(z.boolean(), 'Behind a tunnel or reverse proxy on this machine', 'Rate limits then count requests by the last X-Forwarded-For address instead of 127.0.0.1 (restart to apply).', false),
  // Data
  'backup.keep': def(z.number().int('use a whole number').min(1, 'keep at least 1').max(1000, 'at most 1000').nullable(), 'Backups to keep', undefined, 10),
} satisfies Record<string, SettingDef>;

export type SettingKey = keyof typeof SETTINGS;

export function isSettingKey(key: string): key is SettingKey {
  return Object.prototype.hasOwnProperty.call(SETTINGS, key);
}

/** The public address as stored (server.publicUrl, else the earlier email.publicUrl), without a trailing slash, or null. */
export function storedPublicUrl(settings: Record<string, unknown>): string | null {
  for (const key of ['server.publicUrl', 'email.publicUrl']) {
    const v = settings[key];
    if (typeof v === 'string' && v.trim()) return v.trim().replace(/\/+$/, '');
  }
  return null;
}

/** True when an address only reaches this machine (localhost, 127.x, ::1): mail links and forms from outside cannot use it. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  } catch {
    return true;
  }
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || host === '0.0.0.0' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The address links and forms use: the stored public address, else this
 * machine's own (`localUrl` when known, e.g. the page's origin in a browser,
 * else http://127.0.0.1:<server.port>).
 */
export function publicAddress(settings: Record<string, unknown>, localUrl?: string): { url: string; configured: boolean; loopback: boolean } {
  const stored = storedPublicUrl(settings);
  const port = typeof settings['server.port'] === 'number' ? settings['server.port'] : 4717;
  const url = stored ?? (localUrl ? localUrl.replace(/\/+$/, '') : `http://127.0.0.1:${port}`);
  return { url, configured: stored !== null, loopback: isLoopbackUrl(url) };
}

/**
 * The dashboard's warning: the public address only reaches this machine while
 * something needs the internet to reach Baton (an enabled sequence's mail links,
 * a form, an enabled webhook). Null when all is well.
 */
export function reachabilityWarning(input: { settings: Record<string, unknown>; localUrl?: string; activeSequences: number; forms: number; enabledHooks: number }): { title: string; detail: string; fix: string } | null {
  const addr = publicAddress(input.settings, input.localUrl);
  if (!addr.loopback) return null;
  const n = (k: number, one: string, many: string) => `${k} ${k === 1 ? one : many}`;
  const things = [
    input.activeSequences > 0 ? n(input.activeSequences, 'active sequence', 'active sequences') : null,
    input.forms > 0 ? n(input.forms, 'form', 'forms') : null,
    input.enabledHooks > 0 ? n(input.enabledHooks, 'webhook', 'webhooks') : null,
  ].filter((x): x is string => x !== null);
  if (things.length === 0) return null;
  const port = new URL(addr.url).port || '4717';
  return {
    title: 'Mail links and forms will not reach Baton',
    detail: `The public address is ${addr.url}${addr.configured ? '' : ' (not set)'}, which only this computer can open, and you have ${things.join(', ')}. Unsubscribe and tracking links in e-mails, posts from your web forms and webhooks from other services need an address the internet can reach.`,
    fix: `Run a tunnel to this machine (for example cloudflared tunnel --url http://127.0.0.1:${port}) or a TLS reverse proxy, then enter its https:// address as the public address in Settings > Server.`,
  };
}

/** The problem with a value for a key, or null when it may be stored. */
export function settingProblem(key: string, value: unknown): string | null {
  if (!isSettingKey(key)) return null;
  const r = SETTINGS[key].schema.safeParse(value);
  return r.success ? null : r.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ` : '') + i.message).join('; ');
}
