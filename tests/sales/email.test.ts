/**
 * E-mail over a real SMTP server (smtp-server in-process): the email.send
 * node through the engine, headers, escaping, text part, unsubscribe links
 * (GET changes nothing, POST suppresses), suppression, stable Message-ID
 * across a retry, unknown tokens, SMTP down / auth failure in email.status.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { engineOf } from '../../electron/core/engine';
import { unsubscribeRoute } from '../../electron/core/sales';
import { deliver } from '../../electron/core/sales/mail';
import { salesRig, smtpPassword, type SalesRig } from './rig';

let rig: SalesRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

const sendWorkflow = (id: string, params: Record<string, unknown>, retry?: Record<string, unknown>) => ({
  id,
  name: id,
  trigger: { type: 'manual' },
  nodes: [
    {
      id: 'send',
      type: 'email.send',
      params: { contactId: '=input.contactId', subject: 'Hello {{ contact.first_name | default: "there" }}', html: '<p>Hi {{ contact.first_name | default: "there" }} from {{ contact.company | default: "your company" }}</p>', ...params },
      ...(retry ? { retry } : {}),
    },
  ],
  edges: [],
});

async function runOnce(r: SalesRig, workflow: string, input: unknown) {
  const { runId } = await r.core.call('runs.start', { workflow, input });
  await engineOf(r.core).drain();
  return r.core.call('runs.get', { id: runId });
}

function unsubscribeLink(raw: string): string {
  const m = /<(http:\/\/127\.0\.0\.1:4717\/u\/[^>]+)>/.exec(raw);
  if (!m) throw new Error('no List-Unsubscribe URL');
  return m[1]!;
}

describe('email.send over real SMTP', () => {
  it('sends with List-Unsubscribe headers, a text part, escaped HTML and a stable Message-ID', async () => {
    rig = await salesRig();
    const id = await rig.contact('ada@example.com', { firstName: '<b>Ada</b> & Co', companyName: 'Acme "Labs"' });
    await rig.core.call('workflows.import', { definition: sendWorkflow('hello', {}), enable: true });
    const run = await runOnce(rig, 'hello', { contactId: id });
    expect(run.status).toBe('succeeded');
    const [m] = await rig.smtp.waitFor(1);
    expect(m!.to).toEqual(['ada@example.com']);
    expect(m!.parsed.subject).toBe('Hello <b>Ada</b> & Co'); // subject is plain text, not HTML-escaped
    expect(m!.parsed.html).toContain('Hi &lt;b&gt;Ada&lt;/b&gt; &amp; Co from Acme &#34;Labs&#34;</p>');
    expect(m!.parsed.html).not.toContain('<b>Ada</b>');
    expect(m!.parsed.text).toContain('Hi <b>Ada</b> & Co from Acme "Labs"');
    expect(m!.parsed.text).toContain('Unsubscribe: http://127.0.0.1:4717/u/');
    // The mailto: carries the link's signed token in its subject (the IMAP poll acts on it: tests/sales/unsubscribe-mailto.test.ts).
    const token = /\/u\/([A-Za-z0-9_.-]+)>/.exec(m!.header('list-unsubscribe'))?.[1];
    expect(m!.header('list-unsubscribe')).toBe(`<http://127.0.0.1:4717/u/${token}>, <mailto:owner@solo.test?subject=unsubscribe%20${token}>`);
    expect(m!.header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(m!.parsed.messageId).toMatch(/^<baton\.[0-9a-f]{32}@solo\.test>$/);
    const msgs = await rig.core.call('email.messages', {});
    expect(msgs.messages[0]).toMatchObject({ status: 'sent', contactId: id, messageId: m!.parsed.messageId });
  });

  it('fallbacks render; an unknown token is refused at import and fails the step naming it, nothing is sent', async () => {
    rig = await salesRig();
    const id = await rig.contact('bo@example.com');
    await rig.core.call('workflows.import', { definition: sendWorkflow('fallback', {}), enable: true });
    await runOnce(rig, 'fallback', { contactId: id });
    const [m] = await rig.smtp.waitFor(1);
    expect(m!.parsed.subject).toBe('Hello there');
    await expect(rig.core.call('workflows.import', { definition: sendWorkflow('bad', { subject: 'Hi {{first_name}}' }) })).rejects.toThrow(/params\.subject.*unknown token \{\{ first_name \}\} \(did you mean contact\.first_name\?\)/);
    // A custom field that is not set on this contact: the step fails naming it.
    await rig.core.call('workflows.import', { definition: sendWorkflow('custom', { subject: 'Your plan {{ contact.custom.plan }}' }, { maxAttempts: 1 }), enable: true });
    const run = await runOnce(rig, 'custom', { contactId: id });
    expect(run.status).toBe('failed');
    expect(JSON.stringify(run.error)).toContain('unknown token {{ contact.custom.plan }}');
    expect(rig.smtp.messages).toHaveLength(1);
  });

  it('a retry after a failed try re-sends with the SAME Message-ID; SMTP down and auth failure show in email.status', async () => {
    rig = await salesRig();
    const id = await rig.contact('cy@example.com', { firstName: 'Cy' });
    await rig.core.call('workflows.import', { definition: sendWorkflow('retry', {}, { maxAttempts: 5, initialDelay: '1s' }), enable: true });
    rig.smtp.mode = 'tempfail';
    const { runId } = await rig.core.call('runs.start', { workflow: 'retry', input: { contactId: id } });
    const engine = engineOf(rig.core);
    await engine.drain();
    let st = await rig.core.call('email.status', {});
    expect(st.smtp.lastError?.message).toMatch(/451/);
    const failed = (await rig.core.call('email.messages', {})).messages[0]!;
    expect(failed.status).toBe('failed');
    rig.smtp.mode = 'ok';
    rig.clock.now += 60_000;
    await engine.drain();
    expect((await rig.core.call('runs.get', { id: runId })).status).toBe('succeeded');
    const [m] = await rig.smtp.waitFor(1);
    expect(m!.parsed.messageId).toBe(failed.messageId);
    st = await rig.core.call('email.status', {});
    expect(st.smtp.lastError).toBeNull();
    expect(st.smtp.passwordSet).toBe(true);
    // A crash between "sending" and "sent" (outcome unknown): the next try re-sends under the same Message-ID.
    const key = (rig.core.db.prepare('SELECT key FROM email_messages').get() as { key: string }).key;
    rig.core.db.prepare(`UPDATE email_messages SET status = 'sending'`).run();
    const again = await deliver({ db: rig.core.db, secrets: rig.core.secrets, now: () => rig!.clock.now }, { key, contactId: id, template: { subject: 'x', text: 'y' }, kind: 'marketing' });
    expect(again).toMatchObject({ status: 'sent', replayed: false, messageId: failed.messageId });
    await rig.smtp.waitFor(2);
    expect(rig.smtp.messages[1]!.parsed.messageId).toBe(failed.messageId);
    // Once recorded as sent, it is never sent again.
    expect(await deliver({ db: rig.core.db, secrets: rig.core.secrets, now: () => rig!.clock.now }, { key, contactId: id, template: { subject: 'x', text: 'y' }, kind: 'marketing' })).toMatchObject({ replayed: true });
    expect(rig.smtp.messages).toHaveLength(2);
    // Wrong password: retryable auth failure with a hint naming the setting and the secret.
    await rig.core.call('settings.set', { key: 'email.smtp.user', value: 'intruder' });
    const id2 = await rig.contact('dee@example.com');
    await rig.core.call('workflows.import', { definition: sendWorkflow('auth', {}, { maxAttempts: 1 }), enable: true });
    const run = await runOnce(rig, 'auth', { contactId: id2 });
    expect(run.status).toBe('failed');
    st = await rig.core.call('email.status', {});
    expect(st.smtp.lastError?.hint).toMatch(/email\.smtp\.user \(intruder\) and the secret SMTP_PASSWORD/);
    expect(JSON.stringify(st)).not.toContain(String(process.pid) + '-');
  });

  it('an SMTP server that quotes the password it got: stored and shown as [secret SMTP_PASSWORD]', async () => {
    rig = await salesRig({ smtpEchoPassword: true, settings: { 'email.smtp.user': 'intruder' } });
    const id = await rig.contact('eli@example.com');
    await rig.core.call('workflows.import', { definition: sendWorkflow('echo', {}, { maxAttempts: 1 }), enable: true });
    const run = await runOnce(rig, 'echo', { contactId: id });
    expect(run.status).toBe('failed');
    const st = await rig.core.call('email.status', {});
    const messages = await rig.core.call('email.messages', {});
    expect(st.smtp.lastError?.message).toContain('intruder:[secret SMTP_PASSWORD]');
    expect(messages.messages[0]!.lastError).toContain('intruder:[secret SMTP_PASSWORD]');
    expect(JSON.stringify(run.error)).toContain('[secret SMTP_PASSWORD]');
    const verify = await rig.core.call('email.verify', {});
    expect(verify.message).toContain('intruder:[secret SMTP_PASSWORD]');
    for (const text of [JSON.stringify(st), JSON.stringify(messages), JSON.stringify(run), verify.message]) expect(text).not.toContain(smtpPassword());
  });

  it('unsubscribe: GET shows a page and changes nothing; POST suppresses; later sends are skipped', async () => {
    rig = await salesRig();
    const id = await rig.contact('eve@example.com', { firstName: 'Eve' });
    await rig.core.call('workflows.import', { definition: sendWorkflow('news', {}), enable: true });
    await runOnce(rig, 'news', { contactId: id });
    const [m] = await rig.smtp.waitFor(1);
    const url = new URL(unsubscribeLink(m!.raw));
    const route = unsubscribeRoute(rig.core);
    const req = (method: string, body = '') => route({ method, path: url.pathname.slice('/u/'.length), query: new URLSearchParams(), headers: {}, body: Buffer.from(body) });
    const get = await req('GET');
    expect(get.status).toBe(200);
    expect(get.html).toContain('<form method="post"');
    expect(get.html).toContain('eve@example.com');
    expect((await rig.core.call('email.suppressions.list', {})).suppressions).toHaveLength(0);
    const tampered = await route({ method: 'POST', path: url.pathname.slice(3).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), query: new URLSearchParams(), headers: {}, body: Buffer.from('') });
    expect(tampered.status).toBe(400);
    expect((await rig.core.call('email.suppressions.list', {})).suppressions).toHaveLength(0);
    const post = await req('POST', 'List-Unsubscribe=One-Click');
    expect(post.status).toBe(200);
    expect((await rig.core.call('email.suppressions.list', {})).suppressions).toMatchObject([{ email: 'eve@example.com', reason: 'unsubscribed' }]);
    const timeline = await rig.core.call('contacts.get', { id });
    expect(JSON.stringify(timeline)).toContain('email.unsubscribed');
    const run = await runOnce(rig, 'news', { contactId: id });
    expect(run.status).toBe('succeeded');
    expect(JSON.stringify(run.steps)).toContain('suppressed:unsubscribed');
    expect(rig.smtp.messages).toHaveLength(1);
  });

  it('global frequency cap: the third automated e-mail of the day waits for the next slot', async () => {
    rig = await salesRig({ settings: { 'email.frequencyCap': 2 } });
    const id = await rig.contact('fay@example.com');
    await rig.core.call('workflows.import', { definition: sendWorkflow('cap', {}), enable: true });
    for (let i = 0; i < 3; i++) await runOnce(rig, 'cap', { contactId: id });
    expect(rig.smtp.messages).toHaveLength(2);
    rig.clock.now += 86_400_000 + 5_000;
    await engineOf(rig.core).drain();
    await rig.smtp.waitFor(3);
  });
});

describe('email.verify (Settings > Test connection)', () => {
  it('logs in without sending, and names the setting or secret to fix when it cannot', async () => {
    rig = await salesRig();
    expect(await rig.core.call('email.verify', {})).toEqual({ ok: true, message: `Connected to 127.0.0.1:${rig.smtp.port} and logged in as mailer.`, hint: null });
    expect(rig.smtp.messages).toHaveLength(0);
    await rig.core.call('settings.set', { key: 'email.smtp.user', value: 'intruder' });
    const auth = await rig.core.call('email.verify', {});
    expect(auth.ok).toBe(false);
    expect(auth.hint).toContain('email.smtp.user (intruder) and the secret SMTP_PASSWORD');
    await rig.core.call('settings.set', { key: 'email.smtp.user', value: 'mailer' });
    const port = rig.smtp.port;
    await rig.smtp.close();
    const down = await rig.core.call('email.verify', {});
    expect(down.ok).toBe(false);
    expect(down.hint).toBe(`Cannot reach 127.0.0.1:${port}: check email.smtp.host / email.smtp.port and that the server is up (sends are retried).`);
    await rig.core.call('settings.set', { key: 'email.smtp.host', value: null });
    expect((await rig.core.call('email.verify', {})).message).toMatch(/^SMTP is not set up: set email.smtp.host/);
  });
});
