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
  'ai.dailyCapUsd': def(z.number().positive('use a positive amount, or clear it for no cap').nullable(), 'Daily spend cap (USD)', 'A warning at 80 %; at the cap AI steps stop until tomorrow (a call starts only if its largest possible cost fits) and a pinned alert stays until you acknowledge it.', 10),
  'ai.prices': def(PriceTable.nullable(), 'Price table (USD per million tokens)'),
  'ai.baseUrl': def(HttpUrl.nullable(), 'API base URL', 'Leave empty for Anthropic\'s API.'),
  // Notifications
  'notifications.enabled': def(z.boolean(), 'Notify me of escalations', undefined, true),
  'notifications.minSeverity': def(z.enum(['info', 'warning', 'critical'], { error: 'use info, warning or critical' }), 'Lowest severity that notifies', undefined, 'warning'),
  'notifications.sound': def(z.boolean(), 'Play a sound', undefined, true),
  'notifications.quietHours': def(z.object({ start: HHMM, end: HHMM }).strict().nullable(), 'Quiet hours (only critical alerts notify)'),
  'notifications.approvals': def(z.boolean(), 'Notify me of new approvals', undefined, true),
  // Data
  'backup.keep': def(z.number().int('use a whole number').min(1, 'keep at least 1').max(1000, 'at most 1000').nullable(), 'Backups to keep', undefined, 10),
} satisfies Record<string, SettingDef>;

export type SettingKey = keyof typeof SETTINGS;

export function isSettingKey(key: string): key is SettingKey {
  return Object.prototype.hasOwnProperty.call(SETTINGS, key);
}

/** The problem with a value for a key, or null when it may be stored. */
export function settingProblem(key: string, value: unknown): string | null {
  if (!isSettingKey(key)) return null;
  const r = SETTINGS[key].schema.safeParse(value);
  return r.success ? null : r.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ` : '') + i.message).join('; ');
}
