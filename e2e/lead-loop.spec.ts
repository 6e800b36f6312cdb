/**
 * The lead-to-deal loop as it runs by itself, on real components: `baton serve`
 * (Bree workers, its sales service polling the mailbox), a real SMTP server
 * (smtp-server) and a real IMAP server (dovecot), a visitor's browser posting
 * the website form. The operator only configures e-mail and installs the two
 * loop templates from the first-run setup; after that nothing is done by hand:
 * a hot visitor raises an alert in the window, a call task and a deal; a cold
 * one is nurtured, the first e-mail arrives, the reply in the mailbox ends the
 * sequence, moves the stage and raises an alert; the dashboard's funnel follows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpInput, OpName, OpOutput } from '../shared/api';
import { hasDovecot, startImap, type TestImap } from '../tests/support/imap';
import { startSmtp, type Received, type TestSmtp } from '../tests/support/smtp';
import { expect, test } from './fixtures';
import { serverEnv, startServer, type RunningServer } from './server';
import { shootSchemes } from './shots';

const SMTP_PW = ['smtp', 'e2e', String(process.pid)].join('-');

/** A fixed-offset zone where it is about noon now: the nurture sequence's 08:00-20:00 window is open whenever the test runs. */
function noonZone(): string {
  let off = (12 - new Date().getUTCHours() + 24) % 24;
  if (off > 14) off -= 24;
  return off === 0 ? 'Etc/GMT' : off > 0 ? `Etc/GMT-${off}` : `Etc/GMT+${-off}`;
}

/** The website's own contact form (another origin), as the operator pastes it on the site. */
const landingPage = (action: string) => `<!doctype html><title>Solo Studio</title><h1>Talk to us</h1>
<form method="post" action="${action}">
  <label>Email <input name="email" type="email" required></label>
  <label>Name <input name="name"></label>
  <label>Company <input name="company"></label>
  <label>Job title <input name="title"></label>
  <label>Company size <input name="company_size"></label>
  <label>Message <textarea name="message"></textarea></label>
  <button type="submit">Send</button>
</form>`;

test.skip(process.env.CI !== 'true' && !hasDovecot(), 'needs dovecot (apt: dovecot-imapd) for the reply mailbox; CI installs it and never skips');

test('a form lead runs the whole loop by itself: hot gets an alert, a call task and a deal; cold gets nurtured until it replies, then sales takes over; the funnel follows', async ({ page, context }) => {
  test.setTimeout(300_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-e2e-lead-loop-'));
  let smtp: TestSmtp | null = null;
  let imap: TestImap | null = null;
  let server: RunningServer | null = null;
  try {
    smtp = await startSmtp({ user: 'mailer', password: SMTP_PW });
    imap = await startImap();
    const env = { ...serverEnv(), BATON_SECRET_SMTP_PASSWORD: SMTP_PW, BATON_SECRET_IMAP_PASSWORD: imap.password };
    server = await startServer(dataDir, 0, env);
    const api = async <N extends OpName>(op: N, input: OpInput<N>): Promise<OpOutput<N>> => {
      const s = server!;
      const res = await fetch(new URL(`api/v1/${op}`, s.url), { method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input ?? {}) });
      const body = (await res.json()) as { result?: unknown; error?: { message: string } };
      if (!res.ok) throw new Error(`${op}: HTTP ${res.status} ${body.error?.message ?? ''}`);
      return body.result as OpOutput<N>;
    };

    // The operator's e-mail: the SMTP server to send with, the mailbox replies arrive in, the hours to send in.
    const settings: Record<string, unknown> = {
      'email.smtp.host': '127.0.0.1',
      'email.smtp.port': smtp.port,
      'email.smtp.user': 'mailer',
      'email.from': 'sam@solo.test',
      'email.fromName': 'Sam Solo',
      'email.publicUrl': server.url.replace(/\/$/, ''),
      'email.timeZone': noonZone(),
      'email.frequencyCap': 10,
      'email.imap.host': imap.host,
      'email.imap.port': imap.port,
      'email.imap.secure': false,
      'email.imap.user': imap.user,
      // The services' pace: the mailbox every 5 s, the sequences every second (read when the server starts).
      'email.imap.pollSeconds': 5,
      'sales.tickSeconds': 1,
    };
    for (const [key, value] of Object.entries(settings)) await api('settings.set', { key, value });
    await server.stop();
    server = await startServer(dataDir, server.port, env);
    const s = server;

    // First run: the setup offers the loop's two templates (their requirements are met) and installs them.
    await page.goto(`${s.url}#token=${s.token}`);
    await page.getByRole('complementary', { name: 'Welcome' }).getByRole('button', { name: 'Start setup' }).click();
    await page.getByRole('list', { name: 'Setup steps' }).getByRole('button', { name: 'Example workflows' }).click();
    const ready = page.getByRole('list', { name: 'Example workflows' });
    await ready.getByRole('checkbox', { name: /^New lead: score it/ }).check();
    await ready.getByRole('checkbox', { name: /^A lead replied: hand it over to sales/ }).check();
    await page.getByRole('button', { name: 'Install 2 selected' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Also created' })).toHaveText('Also created the sequence nurture, the form contact.');
    await expect(ready.getByText('installed')).toHaveCount(2);
    // What waits says what for (no Anthropic key here).
    await expect(page.getByRole('list', { name: 'What Lead research with Claude waits for' })).toContainText('Needs An Anthropic API key');
    await page.getByRole('button', { name: 'Finish and open the dashboard' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
    expect((await api('workflows.list', {})).workflows.map((w) => [w.id, w.enabled]).sort()).toEqual([
      ['crm-new-lead', true],
      ['crm-sales-handoff', true],
    ]);

    const funnel = (step: 'lead' | 'mql' | 'sql' | 'won') => page.getByTestId(`funnel-${step}`);
    await expect(funnel('lead')).toHaveAttribute('data-value', '0');
    const toasts = page.locator('.toasts');
    const contact = async (email: string) => {
      const row = (await api('contacts.list', { search: email, limit: 5 })).rows.find((r) => r.email === email);
      return row ? (await api('contacts.get', { id: row.id })).contact : null;
    };
    const visit = async (fields: Record<string, string>) => {
      const site = await context.newPage();
      try {
        await site.setContent(landingPage(new URL('hooks/forms/contact', s.url).toString()));
        for (const [label, value] of Object.entries(fields)) await site.getByLabel(label, { exact: true }).fill(value);
        const [res] = await Promise.all([site.waitForResponse((r) => r.url().endsWith('/hooks/forms/contact') && r.request().method() === 'POST'), site.getByRole('button', { name: 'Send' }).click()]);
        expect(res.status()).toBeLessThan(400);
      } finally {
        await site.close();
      }
    };

    // 1. A hot visitor: a CEO of a 200-person company asking for a demo.
    await visit({ Email: 'grace@bigco.test', Name: 'Grace Hopper', Company: 'BigCo', 'Job title': 'CEO', 'Company size': '200-500', Message: 'Can we see a demo next week?' });
    // The alert reaches the window while the dashboard is open.
    await expect(toasts.getByText('Hot lead: Grace Hopper (BigCo)')).toBeVisible({ timeout: 60_000 });
    const open = page.getByRole('list', { name: 'What needs you' });
    await expect(open.getByTestId('escalation').filter({ hasText: 'Hot lead: Grace Hopper (BigCo)' })).toBeVisible();
    const grace = (await contact('grace@bigco.test'))!;
    expect(grace).toMatchObject({ source: 'form:contact', firstName: 'Grace', lastName: 'Hopper' });
    expect(grace.tags).toEqual(expect.arrayContaining(['website', 'lead']));
    const { thresholds } = await api('scoring.rules.get', {});
    expect(grace.score).toBeGreaterThanOrEqual(thresholds.mql);
    await expect.poll(async () => (await api('tasks.list', { contactId: grace.id })).tasks.map((t) => t.title), { timeout: 60_000 }).toContain('Call Grace Hopper within 24 h');
    const firstStage = (await api('pipeline.get', {})).stages[0]!.id;
    await expect.poll(async () => (await api('deals.list', { contactId: grace.id })).rows.map((d) => d.stage), { timeout: 60_000 }).toEqual([firstStage]);
    expect((await api('sequences.enrollments', { contactId: grace.id })).enrollments).toEqual([]);
    await expect(funnel('lead')).toHaveAttribute('data-value', '1');
    await expect(funnel('mql')).toHaveAttribute('data-value', '1');

    // 2. A cold visitor: a form and nothing more. Enrolled in the nurture sequence; its first e-mail arrives.
    await visit({ Email: 'ann@mail.test', Name: 'Ann Smith', Message: 'Just looking around' });
    await expect(funnel('lead')).toHaveAttribute('data-value', '2');
    const ann = (await contact('ann@mail.test'))!;
    expect(ann.score).toBeLessThan(thresholds.mql);
    await expect.poll(async () => (await api('sequences.enrollments', { contactId: ann.id })).enrollments.map((e) => [e.sequenceId, e.status]), { timeout: 60_000 }).toEqual([['nurture', 'active']]);
    const toAnn = (m: Received) => m.to[0] === 'ann@mail.test';
    await expect.poll(() => smtp!.messages.filter(toAnn).length, { timeout: 90_000 }).toBe(1);
    const first = smtp.messages.find(toAnn)!;
    expect(first.parsed.subject).toBe('Thanks, Ann: where to start');
    expect(smtp.messages.filter((m) => m.to[0] === 'grace@bigco.test')).toEqual([]);
    expect((await api('escalations.list', { limit: 100 })).escalations.map((e) => e.title)).not.toContain('Hot lead: Ann Smith');

    // 3. Ann replies; the reply lands in the mailbox. The sales service finds it, the sequence ends,
    // the handoff template moves her to SQL, raises the alert, makes the task and the deal.
    await imap.append(
      [
        'From: Ann Smith <ann@mail.test>',
        'To: sam@solo.test',
        `Subject: Re: ${first.parsed.subject}`,
        `Message-ID: <reply-${process.pid}@mail.test>`,
        `In-Reply-To: ${first.parsed.messageId}`,
        `References: ${first.parsed.messageId}`,
        `Date: ${new Date().toUTCString()}`,
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Yes, this is interesting: can we talk next week?',
        '',
      ].join('\n'),
    );
    await expect(toasts.getByText('Reply from Ann Smith: now SQL')).toBeVisible({ timeout: 90_000 });
    await expect(open.getByTestId('escalation').filter({ hasText: 'Reply from Ann Smith: now SQL' })).toBeVisible();
    await expect.poll(async () => (await api('sequences.enrollments', { contactId: ann.id })).enrollments.map((e) => e.status), { timeout: 60_000 }).toEqual(['exited']);
    expect((await contact('ann@mail.test'))!.stage).toBe('sql');
    await expect.poll(async () => (await api('tasks.list', { contactId: ann.id })).tasks.map((t) => t.title), { timeout: 60_000 }).toContain("Answer Ann Smith's reply within 24 h");
    await expect.poll(async () => (await api('deals.list', { contactId: ann.id })).rows.length, { timeout: 60_000 }).toBe(1);
    await expect(funnel('sql')).toHaveAttribute('data-value', '1');
    await expect.poll(async () => Number(await funnel('mql').getAttribute('data-value'))).toBeGreaterThanOrEqual(2);
    await expect(funnel('lead')).toHaveAttribute('data-value', '2');
    // Only the first nurture e-mail ever went out, and both runs succeeded.
    expect(smtp.messages.filter(toAnn)).toHaveLength(1);
    const runs = async (workflow: string) => (await api('runs.list', { workflow, limit: 10 })).runs.map((r) => r.status);
    expect(await runs('crm-new-lead')).toEqual(['succeeded', 'succeeded']);
    expect(await runs('crm-sales-handoff')).toEqual(['succeeded']);
    await shootSchemes(page, 'lead-loop-dashboard', true);
  } finally {
    await server?.stop();
    await smtp?.close();
    await imap?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

