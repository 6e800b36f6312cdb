/**
 * The List-Unsubscribe mailto: (RFC 2369) of a real delivered e-mail: the
 * message a mail client writes from it (To the sender, the subject the mailto:
 * gives), put into a real IMAP mailbox (dovecot), is found by email.poll and
 * suppresses the address the signed token names, once. A message naming a
 * forged token suppresses nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { deliver } from '../../electron/core/sales/mail';
import { hasDovecot } from '../support/imap';
import { trackingRig, type TrackingRig } from '../tracking/rig';

let rig: TrackingRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

const message = (from: string, to: string, subject: string, id: string, body = 'Please take me off your list.\r\n') =>
  [`From: ${from}`, `To: ${to}`, `Subject: ${subject}`, `Message-ID: <${id}@mail.example>`, 'Date: Mon, 07 Dec 2026 08:00:00 +0000', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', body].join('\r\n');

describe.skipIf(!hasDovecot() && process.env.CI !== 'true')('mailto: unsubscribe over IMAP', () => {
  it('a reply written from the List-Unsubscribe mailto: suppresses the address (email.unsubscribed via mailto); once; a forged token does nothing', async () => {
    rig = await trackingRig({ imap: true });
    const r = rig;
    const imap = r.imap!;
    const id = (await r.core.call('contacts.create', { email: 'kim@example.com' })).id;
    await r.core.call('contacts.create', { email: 'lou@example.com' });
    const { mail } = await r.send(id, '<p>News</p>');
    const mailto = /<(mailto:[^>]+)>/.exec(mail.header('list-unsubscribe'))![1]!;
    const u = new URL(mailto);
    expect(u.pathname).toBe('owner@solo.test');
    const subject = u.searchParams.get('subject')!;
    expect(subject).toMatch(/^unsubscribe [A-Za-z0-9_-]+\.[A-Za-z0-9_-]{32}$/);

    // A forged token (its signature changed), sent by another contact: nobody is suppressed by it.
    const forged = subject.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    await imap.append(message('Lou <lou@example.com>', 'owner@solo.test', forged, 'forged'));
    // The real one, sent from another address than the one the token names (a forwarding alias): the token decides.
    await imap.append(message('Kim at home <kim.private@home.example>', 'owner@solo.test', subject, 'real'));
    const first = await r.core.call('email.poll', {});
    expect(first.unsubscribes).toBe(1);
    const suppressed = (await r.core.call('email.suppressions.list', {})).suppressions.map((s) => [s.email, s.reason]);
    expect(suppressed).toEqual([['kim@example.com', 'unsubscribed']]);
    const evs = r.core.db.prepare(`SELECT subject_id, data FROM events WHERE type = 'email.unsubscribed'`).all() as { subject_id: string; data: string }[];
    expect(evs).toEqual([{ subject_id: String(id), data: JSON.stringify({ via: 'mailto' }) }]);

    // Polled again (the same message is still in the mailbox): nothing new.
    const second = await r.core.call('email.poll', {});
    expect(second.unsubscribes).toBe(0);
    expect(r.core.db.prepare(`SELECT COUNT(*) AS n FROM events WHERE type = 'email.unsubscribed'`).get()).toEqual({ n: 1 });

    // The next marketing e-mail to Kim is not sent.
    const again = await deliver({ db: r.core.db, secrets: r.core.secrets, now: () => r.core.now() }, { key: 'after-mailto', contactId: id, template: { subject: 'x', html: '<p>Again</p>' }, kind: 'marketing' });
    expect(again).toMatchObject({ status: 'skipped', reason: 'suppressed:unsubscribed' });
  });
});
