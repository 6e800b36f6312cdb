/**
 * The scenario on real servers: contacts imported, enrolled in a
 * sequence, e-mails arrive at the SMTP server inside the send window (contact
 * time zones), a reply placed in the dovecot IMAP mailbox unenrolls the
 * contact, an out-of-office reply does not, a DSN bounce and an ARF complaint
 * suppress and exit, a hot-lead escalation is raised.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasDovecot } from '../support/imap';
import { localParts } from '../../electron/core/sales/window';
import { MONDAY_10_BERLIN, salesRig, type SalesRig } from './rig';

const reply = (to: string, inReplyTo: string, subject: string, extra = '') => `From: ${to}
To: owner@solo.test
Subject: ${subject}
Message-ID: <r${Math.random().toString(36).slice(2)}@example.com>
In-Reply-To: ${inReplyTo}
References: ${inReplyTo}
Date: Mon, 02 Mar 2026 10:30:00 +0000
${extra}MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Sounds good, let's talk.
`;

const dsn = (rcpt: string, original: string) => `From: MAILER-DAEMON@mx.example.com
To: owner@solo.test
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn${Math.random().toString(36).slice(2)}@mx.example.com>
Date: Mon, 02 Mar 2026 10:31:00 +0000
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

Your message could not be delivered.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; ${rcpt}
Action: failed
Status: 5.1.1

--b1
Content-Type: text/rfc822-headers

From: owner@solo.test
To: ${rcpt}
Message-ID: ${original}
Subject: hello

--b1--
`;

const arf = (rcpt: string, original: string) => `From: fbl@isp.example
To: owner@solo.test
Subject: Abuse report
Message-ID: <arf${Math.random().toString(36).slice(2)}@isp.example>
Date: Mon, 02 Mar 2026 10:32:00 +0000
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="b2"

--b2
Content-Type: text/plain

This is an abuse report.

--b2
Content-Type: message/feedback-report

Feedback-Type: abuse
Version: 1

--b2
Content-Type: message/rfc822

From: owner@solo.test
To: ${rcpt}
Message-ID: ${original}
Subject: hello

body
--b2--
`;

describe.skipIf(!hasDovecot() && process.env.CI !== 'true')('scenario: sequence over SMTP, replies and bounces over IMAP (dovecot)', () => {
  let rig: SalesRig;
  beforeAll(async () => {
    rig = await salesRig({ imap: true, start: Date.parse('2026-03-02T05:00:00Z') }); // Monday, before business hours in Berlin
  }, 20_000);
  afterAll(async () => rig?.close());

  it('runs end to end', async () => {
    const { core, smtp, imap, clock } = rig;
    const csv = [
      'email,first_name,time_zone,company,domain',
      'ann@acme.test,Ann,Europe/Berlin,Acme,acme.test',
      'ben@beta.test,Ben,America/New_York,Beta,beta.test',
      'cat@gamma.test,Cat,Europe/Berlin,Gamma,gamma.test',
      'dan@delta.test,Dan,Europe/Berlin,Delta,delta.test',
      'eli@eps.test,Eli,Europe/Berlin,Eps,eps.test',
    ].join('\n');
    const imp = await core.call('contacts.import', { csv });
    expect(imp).toMatchObject({ created: 5 });
    const ids = (await core.call('contacts.list', { limit: 10 })).rows.map((r) => r.id as number);
    await core.call('sequences.save', {
      id: 'welcome',
      name: 'Welcome',
      steps: [
        { type: 'email', subject: 'Welcome {{ contact.first_name | default: "there" }}', html: '<p>Hi {{ contact.first_name | default: "there" }}, book here: {{ booking_url | default: "https://cal.example/sam" }}</p>' },
        { type: 'wait', duration: '2d' },
        { type: 'task', title: 'Call {{name}}' },
        { type: 'email', subject: 'Following up', text: 'Hi {{ contact.first_name | default: "there" }}, any questions?' },
      ],
      window: { start: '09:00', end: '17:00', weekdaysOnly: true },
    });
    await expect(core.call('sequences.save', { id: 'bad', name: 'Bad', steps: [{ type: 'email', subject: 'Hi {{first_name}}', text: 'x' }] })).rejects.toThrow(/steps\.0\.subject: unknown token/);
    const en = await core.call('sequences.enroll', { sequenceId: 'welcome', contactIds: ids });
    expect(en.enrolled).toHaveLength(5);
    expect((await core.call('sequences.enroll', { sequenceId: 'welcome', contactIds: [ids[0]!] })).skipped[0]!.reason).toMatch(/already active/);

    // 05:00Z = 06:00 Berlin: nobody is in the window yet.
    await core.call('sequences.tick', {});
    expect(smtp.messages).toHaveLength(0);
    // 08:00Z = 09:00 Berlin: the four Berlin contacts; New York is still asleep (03:00).
    clock.now = Date.parse('2026-03-02T08:00:00Z');
    await core.call('sequences.tick', {});
    await smtp.waitFor(4);
    expect(smtp.messages.map((m) => m.to[0]).sort()).toEqual(['ann@acme.test', 'cat@gamma.test', 'dan@delta.test', 'eli@eps.test']);
    // 14:00Z = 09:00 New York.
    clock.now = Date.parse('2026-03-02T14:00:00Z');
    await core.call('sequences.tick', {});
    await smtp.waitFor(5);
    for (const m of smtp.messages) {
      const tz = m.to[0] === 'ben@beta.test' ? 'America/New_York' : 'Europe/Berlin';
      const p = localParts(m.parsed.date!.getTime(), tz);
      expect(p.hour).toBeGreaterThanOrEqual(9);
      expect(p.hour).toBeLessThan(17);
    }
    const idOf = (to: string) => smtp.messages.find((m) => m.to[0] === to)!.parsed.messageId!;

    // Into the mailbox: a reply (Ann), an out-of-office (Cat), a bounce (Dan), a complaint (Eli).
    await imap!.append(reply('ann@acme.test', idOf('ann@acme.test'), 'Re: Welcome Ann'));
    await imap!.append(reply('cat@gamma.test', idOf('cat@gamma.test'), 'Out of Office: Welcome Cat', 'Auto-Submitted: auto-replied\n'));
    await imap!.append(dsn('dan@delta.test', idOf('dan@delta.test')));
    await imap!.append(arf('eli@eps.test', idOf('eli@eps.test')));
    const polled = await core.call('email.poll', {});
    expect(polled).toMatchObject({ seen: 4, replies: 1, autoReplies: 1, bounces: 1, complaints: 1, unmatched: 0 });
    expect((await core.call('email.poll', {})).seen).toBe(0); // watermark: nothing twice
    await core.call('sequences.tick', {});

    const byContact = async () => Object.fromEntries((await core.call('sequences.enrollments', { sequenceId: 'welcome' })).enrollments.map((e) => [e.contactId, e]));
    const e = await byContact();
    const cid = (email: string) => ids[['ann@acme.test', 'ben@beta.test', 'cat@gamma.test', 'dan@delta.test', 'eli@eps.test'].indexOf(email)]!;
    expect(e[cid('ann@acme.test')]).toMatchObject({ status: 'exited', exitReason: 'email.replied' });
    expect(e[cid('cat@gamma.test')]).toMatchObject({ status: 'active' });
    expect(e[cid('dan@delta.test')]).toMatchObject({ status: 'exited', exitReason: 'email.bounced' });
    expect(e[cid('eli@eps.test')]!.status).toBe('exited');
    const sup = (await core.call('email.suppressions.list', {})).suppressions.map((s) => `${s.email}:${s.reason}`).sort();
    expect(sup).toEqual(['dan@delta.test:bounced', 'eli@eps.test:complained']);
    const esc = (await core.call('escalations.list', { limit: 50 })) as { escalations?: { title: string; severity: string }[]; items?: { title: string }[] };
    const titles = JSON.stringify(esc);
    expect(titles).toContain('Spam complaint: Eli');

    // Two days later (Wednesday 10:00 Berlin): the task step and the follow-up for those still enrolled (Ben, Cat).
    clock.now = MONDAY_10_BERLIN + 2 * 86_400_000 + 3_600_000;
    await core.call('sequences.tick', {});
    clock.now = Date.parse('2026-03-04T15:00:00Z');
    await core.call('sequences.tick', {});
    await smtp.waitFor(7);
    expect(smtp.messages.slice(5).map((m) => m.to[0]).sort()).toEqual(['ben@beta.test', 'cat@gamma.test']);
    const tasks = (await core.call('tasks.list', {})).tasks.map((t) => t.title);
    expect(tasks).toEqual(expect.arrayContaining(['Call Ben', 'Call Cat']));

    // Hot lead: Ann's score passes 80 (a meeting booked and a demo form) -> one escalation, a deal in the pipeline.
    await core.call('events.ingest', { events: [{ contactId: cid('ann@acme.test'), type: 'meeting.booked' }, { contactId: cid('ann@acme.test'), type: 'page.visited', data: { url: 'https://solo.test/pricing' } }] });
    await core.call('events.ingest', { events: [{ contactId: cid('ann@acme.test'), type: 'form.submitted', data: { form: 'request-demo' } }] });
    await core.call('sequences.tick', {});
    const score = (await core.call('contacts.get', { id: cid('ann@acme.test') })) as unknown as { contact?: { score: number }; score?: number };
    expect(score.contact?.score ?? score.score).toBeGreaterThan(80);
    const after = JSON.stringify(await core.call('escalations.list', { limit: 50 }));
    expect(after).toContain('Hot lead: Ann');
    expect(after).toContain('Demo requested: Ann');
    expect(after.match(/Hot lead: Ann/g)).toHaveLength(1);
  }, 30_000);
});
