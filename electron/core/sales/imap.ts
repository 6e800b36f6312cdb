/**
 * Replies, bounces and complaints: poll an IMAP mailbox (imapflow) for
 * messages past the last seen UID, parse them (mailparser), classify and match
 * them to the sent message by In-Reply-To / References / the original
 * Message-ID quoted in a report, and record CRM events:
 *
 * - multipart/report; report-type=feedback-report (ARF)  -> email.complained (+ suppression)
 * - multipart/report; report-type=delivery-status (DSN)  -> email.bounced when an action failed (+ suppression)
 * - Auto-Submitted / X-Autoreply / X-Autorespond / out-of-office subjects -> email.auto_replied (no unenrollment)
 * - anything else that matches a sent message            -> email.replied
 * - "unsubscribe <token>" (our List-Unsubscribe mailto:)  -> suppression + email.unsubscribed (via mailto)
 *
 * Settings email.imap.host, .port (993), .secure (true), .user, .mailbox
 * (INBOX); password in the secret IMAP_PASSWORD. A message is handled once
 * (email_inbound keyed by its Message-ID, and the UID watermark).
 */
import type { ParsedMail } from 'mailparser';
import type { Core } from '../core';
import { ingestEvents } from '../crm/events';
import { afterCommit } from '../crm/publish';
import { newPending, storeOf } from '../crm/store';
import { optOut } from './optout';
import { getState, setState, setting } from './state';
import { tokenInText, verifyUnsubscribeToken } from './unsubscribe';

export const IMAP_PASSWORD = 'IMAP_PASSWORD';

export interface PollResult {
  seen: number;
  /** mailto: unsubscribe messages (List-Unsubscribe) that suppressed an address. */
  unsubscribes: number;
  replies: number;
  autoReplies: number;
  bounces: number;
  complaints: number;
  unmatched: number;
}

export type InboundKind = 'reply' | 'auto_reply' | 'bounce' | 'complaint' | 'delayed';

const AUTO_SUBJECT = /^\s*(auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|ooo\b|abwesenheit|r[ée]ponse automatique|autosvar|away from)/i;

function header(p: ParsedMail, name: string): string {
  const v = p.headers.get(name);
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && 'value' in (v as object)) return String((v as { value: unknown }).value);
  return String(v);
}

export function classify(p: ParsedMail, raw: string): InboundKind {
  const ct = p.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  if (ct?.value?.toLowerCase() === 'multipart/report') {
    const rt = (ct.params?.['report-type'] ?? '').toLowerCase();
    if (rt === 'feedback-report') return 'complaint';
    if (rt === 'delivery-status') return /^Action:\s*failed/im.test(raw) ? 'bounce' : 'delayed';
  }
  const auto = header(p, 'auto-submitted').toLowerCase();
  if ((auto && auto !== 'no') || header(p, 'x-autoreply') || header(p, 'x-autorespond') || /auto[_-]?reply/i.test(header(p, 'precedence')) || AUTO_SUBJECT.test(p.subject ?? '')) return 'auto_reply';
  return 'reply';
}

/** Message ids a message refers to (headers first, then any id quoted in the body of a report). */
export function referencedIds(p: ParsedMail, raw: string, kind: InboundKind): string[] {
  const ids: string[] = [];
  const add = (v: unknown) => {
    for (const x of Array.isArray(v) ? v : v ? [v] : []) for (const m of String(x).match(/<[^<>\s]+>/g) ?? []) ids.push(m);
  };
  add(p.inReplyTo);
  add(p.references);
  if (kind === 'bounce' || kind === 'complaint' || kind === 'delayed') for (const m of raw.matchAll(/^(?:Message-ID|Original-Message-ID):\s*(<[^<>\s]+>)/gim)) ids.push(m[1]!);
  const own = p.messageId ? `<${p.messageId.replace(/^<|>$/g, '')}>` : null;
  return [...new Set(ids)].filter((x) => x !== own);
}

export function imapSettings(core: Core) {
  const s = <T>(k: string, f: T) => setting(core.db, k, f);
  return {
    host: s<string | null>('email.imap.host', null),
    port: s<number>('email.imap.port', 993),
    secure: s<boolean>('email.imap.secure', true) !== false,
    user: s<string | null>('email.imap.user', null),
    mailbox: s<string>('email.imap.mailbox', 'INBOX'),
    rejectUnauthorized: s<boolean>('email.imap.rejectUnauthorized', true) !== false,
  };
}

/**
 * A List-Unsubscribe mailto: message ("unsubscribe <token>" in the subject, or in the first lines
 * of the body): the address the signed token names is suppressed (not the From address, which
 * anyone can write). Handled once per inbound Message-ID. True when it was one.
 */
function mailtoUnsubscribe(core: Core, p: ParsedMail, inboundId: string, res: PollResult): boolean {
  const token = tokenInText(p.subject ?? '') ?? tokenInText((p.text ?? '').slice(0, 2000));
  const email = token ? verifyUnsubscribeToken(core.db, token) : null;
  if (!email) return false;
  res.seen++;
  const fresh = core.db
    .prepare(`INSERT OR IGNORE INTO email_inbound (inbound_id, kind, matched_message_id, contact_id, subject) VALUES (?, 'unsubscribe', NULL, (SELECT id FROM contacts WHERE email = ? AND deleted_at IS NULL), ?)`)
    .run(inboundId, email, (p.subject ?? '').slice(0, 300)).changes;
  if (fresh) {
    optOut(core, email, 'mailto', `mailto:${inboundId}`);
    res.unsubscribes++;
  }
  return true;
}

/** Handle one raw message (exported for tests and for the poller). */
export async function handleInbound(core: Core, raw: Buffer, fallbackId: string, res: PollResult): Promise<void> {
  const { simpleParser } = await import('mailparser');
  const p = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  const text = raw.toString('utf8');
  const kind = classify(p, text);
  const inboundId = p.messageId ? p.messageId : fallbackId;
  const refs = referencedIds(p, text, kind);
  const match = refs.length
    ? (core.db.prepare(`SELECT message_id, contact_id FROM email_messages WHERE message_id IN (${refs.map(() => '?').join(',')}) AND contact_id IS NOT NULL LIMIT 1`).get(...refs) as
        | { message_id: string; contact_id: number }
        | undefined)
    : undefined;
  const subject = (p.subject ?? '').slice(0, 300);
  if (mailtoUnsubscribe(core, p, inboundId, res)) return;
  const fresh = core.db
    .prepare(`INSERT OR IGNORE INTO email_inbound (inbound_id, kind, matched_message_id, contact_id, subject) VALUES (?, ?, ?, ?, ?)`)
    .run(inboundId, match ? kind : 'unmatched', match?.message_id ?? null, match?.contact_id ?? null, subject).changes;
  res.seen++;
  if (!fresh) return;
  if (!match || kind === 'delayed') {
    res.unmatched++;
    return;
  }
  const data = { messageId: match.message_id, inboundMessageId: inboundId, subject };
  const at = p.date && !Number.isNaN(p.date.getTime()) ? p.date.toISOString() : undefined;
  if (kind === 'auto_reply') {
    const pend = newPending();
    core.db.transaction(() => storeOf(core).recordEvent(pend, 'email.auto_replied', match.contact_id, at ?? new Date().toISOString(), data))();
    afterCommit(core, pend);
    res.autoReplies++;
    return;
  }
  const type = kind === 'reply' ? 'email.replied' : kind === 'bounce' ? 'email.bounced' : 'email.complained';
  if (kind !== 'reply') {
    const email = (core.db.prepare('SELECT email FROM contacts WHERE id = ?').get(match.contact_id) as { email: string } | undefined)?.email;
    if (email) core.db.prepare(`INSERT OR IGNORE INTO suppressions (email, reason, source) VALUES (?, ?, ?)`).run(email, kind === 'bounce' ? 'bounced' : 'complained', `imap:${inboundId}`.slice(0, 300));
  }
  ingestEvents(core, [{ contactId: match.contact_id, type, ...(at ? { at } : {}), data }], { reason: 'imap' });
  if (kind === 'reply') res.replies++;
  else if (kind === 'bounce') res.bounces++;
  else res.complaints++;
}

/** One poll of the mailbox. Errors are recorded for email.status and rethrown. */
export async function pollImap(core: Core): Promise<PollResult> {
  const cfg = imapSettings(core);
  const res: PollResult = { seen: 0, unsubscribes: 0, replies: 0, autoReplies: 0, bounces: 0, complaints: 0, unmatched: 0 };
  if (!cfg.host) return res;
  const password = cfg.user ? await core.secrets.get(IMAP_PASSWORD) : null;
  if (password) core.log.redactValue(password);
  const { ImapFlow } = await import('imapflow');
  const client = new ImapFlow({
    host: cfg.host,
    port: cfg.port,
    secure: cfg.secure,
    ...(cfg.user ? { auth: { user: cfg.user, pass: password ?? '' } } : {}),
    tls: { rejectUnauthorized: cfg.rejectUnauthorized },
    logger: false,
    connectionTimeout: 15_000,
  });
  client.on('error', (e: Error) => core.log.warn('IMAP connection error', { error: e }));
  try {
    await client.connect();
    const lock = await client.getMailboxLock(cfg.mailbox);
    try {
      const box = client.mailbox;
      const validity = box ? String(box.uidValidity) : '0';
      const mark = getState<{ validity: string; uid: number }>(core.db, 'imap.watermark', { validity, uid: 0 });
      const since = mark.validity === validity ? mark.uid : 0;
      let maxUid = since;
      const batch: { uid: number; source: Buffer }[] = [];
      for await (const msg of client.fetch(`${since + 1}:*`, { uid: true, source: true }, { uid: true })) {
        if (msg.uid <= since || !msg.source) continue;
        batch.push({ uid: msg.uid, source: msg.source });
      }
      for (const m of batch.sort((a, b) => a.uid - b.uid)) {
        await handleInbound(core, m.source, `uid:${validity}:${m.uid}`, res);
        maxUid = Math.max(maxUid, m.uid);
        setState(core.db, 'imap.watermark', { validity, uid: maxUid });
      }
    } finally {
      lock.release();
    }
    await client.logout();
    setState(core.db, 'imap.lastPollAt', new Date().toISOString());
    setState(core.db, 'imap.lastError', null);
    setState(core.db, 'imap.seen', getState<number>(core.db, 'imap.seen', 0) + res.seen);
    return res;
  } catch (e) {
    client.close();
    const err = e as Error & { authenticationFailed?: boolean; code?: string; responseText?: string };
    if (err.responseText) err.message = `${err.message}: ${err.responseText}`;
    const hint = err.authenticationFailed
      ? `The IMAP server refused the login: check email.imap.user (${cfg.user ?? 'not set'}) and the secret ${IMAP_PASSWORD}.`
      : `Cannot read ${cfg.host}:${cfg.port} (${cfg.mailbox}): check email.imap.host / port / secure and that the server is up.`;
    setState(core.db, 'imap.lastError', { message: `IMAP ${cfg.host}:${cfg.port}: ${err.message}`, hint, at: new Date().toISOString() });
    throw e;
  }
}
