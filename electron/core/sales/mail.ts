/**
 * Outgoing e-mail (docs/email.md). deliver() is the one path every automated
 * e-mail takes (the email.send node, sequences), on any connection (main
 * thread or a Bree worker):
 *
 *   already sent under this key? -> replay, send nothing
 *   suppressed address            -> skipped (recorded)
 *   frequency cap reached         -> deferred until a slot frees (nothing recorded), or
 *                                    skipped with the reason (email.frequencyCapAction drop)
 *   render (Liquid, strict)       -> TemplateError = non-retryable, names the token
 *   row "sending" committed with the Message-ID derived from the key
 *   SMTP (nodemailer)             -> "sent", or "failed" + last error (retryable)
 *
 * Crash policy: a row left in "sending" (outcome unknown) is sent again with the
 * SAME Message-ID on the next try; receivers and Baton's own reply matching see
 * one message id, never a new message.
 */
import { prep } from './prep';
import { capPeriod } from '../../../shared/contract/sales';
import { createHash } from 'node:crypto';
import { lazyRequire } from '../lazy';
import { parseStored } from '../db/integrity';

const nodemailer = lazyRequire<typeof import('nodemailer')>('nodemailer');
import type { Sqlite } from '../db/open';
import { scrubText } from '../secrets/scrub';
import { getState, setState, setting } from './state';
import { contactScope, renderEmail, TemplateError, type RenderedEmail } from './template';
import { publicBaseUrl, unsubscribeMailto, unsubscribeToken } from './unsubscribe';
import { trackEmail } from '../tracking/links';

export const SMTP_PASSWORD = 'SMTP_PASSWORD';
export const DEFAULT_FREQUENCY_CAP = 3;

export class MailError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly code: string,
  ) {
    super(message);
    this.name = 'MailError';
  }
}

export interface MailEnv {
  db: Sqlite;
  secrets: { get(name: string): Promise<string | null> };
  now(): number;
}

export interface SmtpConfig {
  host: string;
  port: number;
  secure: boolean;
  user: string | null;
  from: string;
  fromName: string | null;
  rejectUnauthorized: boolean;
}

export function smtpSettings(db: Sqlite): { host: string | null; port: number | null; secure: boolean; user: string | null; from: string | null; fromName: string | null; rejectUnauthorized: boolean } {
  const s = <T>(k: string, f: T) => setting(db, k, f);
  const host = s<string | null>('email.smtp.host', null);
  const user = s<string | null>('email.smtp.user', null);
  const from = s<string | null>('email.from', null) ?? (user && user.includes('@') ? user : null);
  return {
    host: host || null,
    port: s<number | null>('email.smtp.port', null),
    secure: s<boolean>('email.smtp.secure', false) === true,
    user: user || null,
    from,
    fromName: s<string | null>('email.fromName', null),
    rejectUnauthorized: s<boolean>('email.smtp.rejectUnauthorized', true) !== false,
  };
}

export function smtpConfig(db: Sqlite): SmtpConfig {
  const c = smtpSettings(db);
  if (!c.host) throw new MailError('SMTP is not set up: set email.smtp.host (and email.smtp.port, email.smtp.user, email.from; the password goes in the secret SMTP_PASSWORD).', false, 'smtp_config');
  if (!c.from) throw new MailError('No sender address: set email.from (e.g. "you@yourdomain.com").', false, 'smtp_config');
  return { ...c, host: c.host, from: c.from, port: c.port ?? (c.secure ? 465 : 587) };
}

/** The stable Message-ID of a send key. */
export function messageIdFor(key: string, from: string): string {
  const domain = (from.split('@')[1] ?? 'baton.local').replace(/[^A-Za-z0-9.-]/g, '') || 'baton.local';
  return `<baton.${createHash('sha256').update(key).digest('hex').slice(0, 32)}@${domain}>`;
}

function hintFor(e: { code?: string; responseCode?: number; message: string }, c: SmtpConfig): string {
  const code = e.code ?? '';
  if (code === 'EAUTH') return `The SMTP server refused the login: check email.smtp.user (${c.user ?? 'not set'}) and the secret ${SMTP_PASSWORD}.`;
  if (code === 'ECONNECTION' || code === 'ETIMEDOUT' || code === 'ESOCKET' || code === 'EDNS' || code === 'ECONNREFUSED')
    return `Cannot reach ${c.host}:${c.port}: check email.smtp.host / email.smtp.port and that the server is up (sends are retried).`;
  if (code === 'ETLS') return 'TLS failed: check email.smtp.secure (true for port 465, false for STARTTLS on 587).';
  if (code === 'EENVELOPE') return 'The server refused the sender or recipient address.';
  return 'See the message; sends are retried by the step\'s retry policy.';
}

function smtpTransport(cfg: SmtpConfig, password: string | null) {
  return nodemailer().createTransport({
    host: cfg.host,
    port: cfg.port,
    secure: cfg.secure,
    ...(cfg.user ? { auth: { user: cfg.user, pass: password ?? '' } } : {}),
    tls: { rejectUnauthorized: cfg.rejectUnauthorized },
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  });
}

/**
 * Connect and log in to the SMTP server now, without sending anything (the
 * Settings page's "Test connection"). Never throws: says what is wrong and how
 * to fix it, naming the setting or the secret.
 */
export async function verifySmtp(db: Sqlite, secrets: { get(name: string): Promise<string | null> }): Promise<{ ok: boolean; message: string; hint: string | null }> {
  let cfg: SmtpConfig;
  try {
    cfg = smtpConfig(db);
  } catch (e) {
    return { ok: false, message: (e as Error).message, hint: null };
  }
  const password = cfg.user ? await secrets.get(SMTP_PASSWORD) : null;
  if (cfg.user && password === null) return { ok: false, message: `No password stored for ${cfg.user}.`, hint: `Store it as the secret ${SMTP_PASSWORD} (Settings > Secrets, or \`baton secrets set ${SMTP_PASSWORD}\`).` };
  const transport = smtpTransport(cfg, password);
  try {
    await transport.verify();
    return { ok: true, message: `Connected to ${cfg.host}:${cfg.port}${cfg.user ? ` and logged in as ${cfg.user}` : ''}.`, hint: null };
  } catch (e) {
    const err = e as { code?: string; message: string };
    return { ok: false, message: scrubText(`SMTP ${cfg.host}:${cfg.port}: ${err.message}`), hint: hintFor(err, cfg) };
  } finally {
    transport.close();
  }
}

export function recordSmtpError(db: Sqlite, now: number, message: string, hint: string): void {
  setState(db, 'smtp.lastError', { message, hint, at: new Date(now).toISOString() });
}

export interface OutgoingEmail {
  /** Stable identity of this send (run+node or enrollment+step). */
  key: string;
  contactId: number | null;
  /** Needed when there is no contact. */
  to?: string | null;
  template: { subject: string; html?: string | null | undefined; text?: string | null | undefined };
  vars?: Record<string, unknown>;
  /** Files to attach, already read (email.send reads them from the workspace: sales/attachments.ts). */
  attachments?: { filename: string; content: Buffer }[];
  kind: 'marketing' | 'transactional';
  sequenceId?: string | null;
  enrollmentId?: number | null;
  runId?: string | null;
}

export type DeliverResult =
  | { status: 'sent'; messageId: string; to: string; subject: string; replayed: boolean }
  | { status: 'skipped'; reason: string; to: string | null }
  | { status: 'deferred'; reason: 'frequency_cap'; until: number };

interface ContactRow {
  id: number;
  email: string;
  first_name: string | null;
  last_name: string | null;
  phone: string | null;
  title: string | null;
  stage: string;
  score: number;
  time_zone: string | null;
  custom: string | null;
  deleted_at: string | null;
  company_name: string | null;
  company_domain: string | null;
}

export function loadContact(db: Sqlite, id: number): ContactRow | undefined {
  return prep(db, `SELECT c.*, co.name AS company_name, co.domain AS company_domain FROM contacts c LEFT JOIN companies co ON co.id = c.company_id WHERE c.id = ?`)
    .get(id) as ContactRow | undefined;
}

export function suppressionOf(db: Sqlite, email: string): string | null {
  const r = prep(db, 'SELECT reason FROM suppressions WHERE email = ?').get(email.toLowerCase()) as { reason: string } | undefined;
  return r ? r.reason : null;
}

/** Automated e-mails sent to a contact in the 24 h before `now`, oldest first (ms). */
/** The contact's sent e-mails (any workflow, sequence or engine) within the last `days` rolling days. */
/** The per-contact cap as set: `max` automated e-mails per contact in any `days` rolling days, and what happens over it. */
export function frequencyCapOf(db: Sqlite): { max: number; days: number; action: 'wait' | 'drop' } {
  return {
    max: Math.max(1, Number(setting(db, 'email.frequencyCap', DEFAULT_FREQUENCY_CAP)) || DEFAULT_FREQUENCY_CAP),
    days: Math.max(1, Number(setting(db, 'email.frequencyCapDays', 1)) || 1),
    action: setting<string>(db, 'email.frequencyCapAction', 'wait') === 'drop' ? 'drop' : 'wait',
  };
}

export function recentSends(db: Sqlite, contactId: number, now: number, days = 1): number[] {
  return (prep(db, `SELECT sent_at FROM email_messages WHERE contact_id = ? AND status = 'sent' AND sent_at > ? ORDER BY sent_at`).all(contactId, now - days * 86_400_000) as { sent_at: number }[]).map(
    (r) => r.sent_at,
  );
}

export async function deliver(env: MailEnv, m: OutgoingEmail): Promise<DeliverResult> {
  const { db } = env;
  const now = env.now();
  const existing = prep(db, 'SELECT status, message_id, to_addr, subject, skip_reason FROM email_messages WHERE key = ?').get(m.key) as
    | { status: string; message_id: string; to_addr: string; subject: string; skip_reason: string | null }
    | undefined;
  if (existing?.status === 'sent') return { status: 'sent', messageId: existing.message_id, to: existing.to_addr, subject: existing.subject, replayed: true };
  if (existing?.status === 'skipped') return { status: 'skipped', reason: existing.skip_reason ?? 'skipped', to: existing.to_addr };

  const contact = m.contactId ? loadContact(db, m.contactId) : undefined;
  if (m.contactId && (!contact || contact.deleted_at)) return { status: 'skipped', reason: 'contact_deleted', to: null };
  const to = (contact?.email ?? m.to ?? '').trim().toLowerCase();
  if (!to) throw new MailError('No recipient: give contactId or to.', false, 'no_recipient');

  const cfg = smtpConfig(db);
  const messageId = existing?.message_id ?? messageIdFor(m.key, cfg.from);
  const skip = (reason: string): DeliverResult => {
    prep(
      db,
      `INSERT INTO email_messages (key, message_id, contact_id, to_addr, subject, kind, status, skip_reason, run_id, enrollment_id, sequence_id)
       VALUES (?, ?, ?, ?, '', ?, 'skipped', ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET status = 'skipped', skip_reason = excluded.skip_reason`,
    ).run(m.key, messageId, m.contactId, to, m.kind, reason, m.runId ?? null, m.enrollmentId ?? null, m.sequenceId ?? null);
    return { status: 'skipped', reason, to };
  };
  const suppressed = suppressionOf(db, to);
  if (suppressed) return skip(`suppressed:${suppressed}`);
  if (m.kind === 'marketing' && contact?.custom && parseStored<Record<string, unknown>>(contact.custom, 'contacts.custom', m.contactId).doNotEmail === true) return skip('suppressed:manual');

  if (m.kind === 'marketing' && contact) {
    const { max: cap, days, action } = frequencyCapOf(db);
    const sends = recentSends(db, contact.id, now, days);
    if (sends.length >= cap) {
      if (action === 'drop') return skip(`frequency_cap: ${sends.length} e-mail${sends.length === 1 ? '' : 's'} sent to this contact in the last ${capPeriod(days)} (email.frequencyCap ${cap})`);
      return { status: 'deferred', reason: 'frequency_cap', until: (sends[sends.length - cap] as number) + days * 86_400_000 + 1000 };
    }
  }

  const unsubToken = unsubscribeToken(db, to);
  const unsubscribeUrl = `${publicBaseUrl(db, (k, f) => setting(db, k, f))}/u/${unsubToken}`;
  const scope = {
    contact: contact
      ? contactScope({ ...contact, tags: (prep(db, 'SELECT tag FROM contact_tags WHERE contact_id = ? ORDER BY tag').all(contact.id) as { tag: string }[]).map((t) => t.tag) })
      : contactScope({ id: 0, email: to, first_name: null, last_name: null }),
    sender: { name: cfg.fromName, email: cfg.from },
    unsubscribe_url: unsubscribeUrl,
    booking_url: setting<string | null>(db, 'email.bookingUrl', null),
    lead_magnet_url: setting<string | null>(db, 'email.leadMagnetUrl', null),
    vars: m.vars ?? {},
  };
  let r: RenderedEmail;
  try {
    r = renderEmail(m.template, scope);
  } catch (e) {
    if (e instanceof TemplateError) throw new MailError(e.message, false, 'template');
    throw e;
  }
  const marketing = m.kind === 'marketing';
  const mentionsLink = /unsubscribe_url/.test(`${m.template.html ?? ''}${m.template.text ?? ''}`);
  let html = r.html !== null && marketing && !mentionsLink ? `${r.html}\n<p style="font-size:12px;color:#666">Don't want these e-mails? <a href="${unsubscribeUrl}">Unsubscribe</a>.</p>` : r.html;
  let text = marketing && !mentionsLink ? `${r.text}\n\n--\nUnsubscribe: ${unsubscribeUrl}` : r.text;
  // Engagement tracking (docs/tracking.md): signed click links and the open pixel, when the tracking settings say so.
  if (marketing && contact) ({ html, text } = await trackEmail({ db, secrets: env.secrets }, { messageId, contactId: contact.id, html, text, keep: [unsubscribeUrl] }));

  prep(
    db,
    `INSERT INTO email_messages (key, message_id, contact_id, to_addr, subject, kind, status, attempts, run_id, enrollment_id, sequence_id)
     VALUES (?, ?, ?, ?, ?, ?, 'sending', 1, ?, ?, ?)
     ON CONFLICT(key) DO UPDATE SET status = 'sending', attempts = attempts + 1, subject = excluded.subject, to_addr = excluded.to_addr`,
  ).run(m.key, messageId, m.contactId, to, r.subject, m.kind, m.runId ?? null, m.enrollmentId ?? null, m.sequenceId ?? null);

  const transport = smtpTransport(cfg, cfg.user ? await env.secrets.get(SMTP_PASSWORD) : null);
  try {
    await transport.sendMail({
      messageId,
      date: new Date(now),
      from: cfg.fromName ? { name: cfg.fromName, address: cfg.from } : cfg.from,
      to,
      subject: r.subject,
      text,
      ...(html !== null ? { html } : {}),
      ...(m.attachments?.length ? { attachments: m.attachments.map((a) => ({ filename: a.filename, content: a.content })) } : {}),
      headers: marketing
        ? {
            'List-Unsubscribe': `<${unsubscribeUrl}>, <${unsubscribeMailto(cfg.from, unsubToken)}>`,
            'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
            'Auto-Submitted': 'auto-generated',
          }
        : { 'Auto-Submitted': 'auto-generated' },
    });
  } catch (e) {
    const err = e as { code?: string; responseCode?: number; message: string };
    // Stored (email_messages, email.status) and raised: a server that quotes the password it got is scrubbed.
    const message = scrubText(`SMTP ${cfg.host}:${cfg.port}: ${err.message}`);
    const hint = hintFor(err, cfg);
    prep(db, `UPDATE email_messages SET status = 'failed', last_error = ? WHERE key = ?`).run(message.slice(0, 1000), m.key);
    recordSmtpError(db, env.now(), message, hint);
    const permanent = err.code === 'EENVELOPE' && (err.responseCode ?? 0) >= 500;
    throw new MailError(`${message}. ${hint}`, !permanent, err.code === 'EAUTH' ? 'smtp_auth' : permanent ? 'smtp_rejected' : 'smtp_unavailable');
  } finally {
    transport.close();
  }
  const sentAt = env.now();
  prep(db, `UPDATE email_messages SET status = 'sent', sent_at = ?, last_error = NULL WHERE key = ?`).run(sentAt, m.key);
  setState(db, 'smtp.lastSentAt', new Date(sentAt).toISOString());
  if (contact) {
    prep(db, `INSERT INTO events (at, type, subject_type, subject_id, data) VALUES (?, 'email.sent', 'contact', ?, ?)`).run(
      new Date(sentAt).toISOString(),
      String(contact.id),
      JSON.stringify({ messageId, subject: r.subject, sequenceId: m.sequenceId ?? null, runId: m.runId ?? null }),
    );
  }
  if (getState(db, 'smtp.lastError', null) !== null) setState(db, 'smtp.lastError', null);
  return { status: 'sent', messageId, to, subject: r.subject, replayed: false };
}
