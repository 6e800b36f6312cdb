/**
 * The CRM templates on their real triggers: a form posted over HTTP
 * (crm-lead-magnet), a deal won on the board (crm-onboarding), a contact going
 * quiet as the segment clock sees it (crm-reengagement), a tag set on a contact
 * and a reply in the IMAP mailbox (follow-up), contacts added through the API
 * and a CSV import (new-lead-routing), a signed webhook post (webhook-intake).
 * E-mails arrive at a real SMTP server.
 */
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { segmentClock } from '../../electron/core/crm/segments';
import { hasDovecot } from '../support/imap';
import { DAY, templateRig, type TemplateRig } from './rig';

let rig: TemplateRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

const titles = async (r: TemplateRig) => (await r.core.call('escalations.list', { limit: 100 })).escalations.map((e) => e.title);
const to = (r: TemplateRig, email: string) => r.smtp.messages.filter((m) => m.to[0] === email);

describe('crm-lead-magnet', () => {
  it('waits for its download link; then a browser form post gets the link by e-mail at once', { timeout: 60_000 }, async () => {
    rig = await templateRig();
    const { core } = rig;
    const t = await rig.template('crm-lead-magnet');
    expect(t.requirements.find((q) => q.id === 'setting:email.leadMagnetUrl')).toMatchObject({ met: false, fix: expect.stringContaining('npx baton settings set email.leadMagnetUrl') });
    await expect(core.call('templates.install', { ids: ['crm-lead-magnet'], enable: true })).rejects.toThrow(/email\.leadMagnetUrl/);
    await core.call('settings.set', { key: 'email.leadMagnetUrl', value: 'https://solo.test/files/pricing-checklist.pdf' });
    expect((await rig.template('crm-lead-magnet')).ready).toBe(true);
    await rig.install(['crm-lead-magnet']);
    expect((await core.call('forms.list', {})).forms.map((f) => f.slug)).toEqual(['guide']);

    const res = await rig.postForm('guide', { email: 'Reader@Magnet.test', name: 'Rae' });
    expect(res.status).toBe(200);
    await rig.settle();
    const [mail] = to(rig, 'reader@magnet.test');
    expect(mail?.parsed.subject).toBe('Your download, Rae');
    expect(mail?.parsed.html).toContain('href="https://solo.test/files/pricing-checklist.pdf"');
    expect(mail?.header('list-unsubscribe')).toBe(''); // transactional: it was asked for
    expect((await rig.contactByEmail('reader@magnet.test')).tags).toContain('lead-magnet');
    // Another form does not send it.
    await core.call('forms.save', { slug: 'newsletter', name: 'Newsletter', fields: { email: 'email' } });
    await rig.postForm('newsletter', { email: 'other@magnet.test' });
    await rig.settle();
    expect(to(rig, 'other@magnet.test')).toEqual([]);
  });
});

describe('crm-onboarding', () => {
  it('a deal moved to won on the board: a welcome at once, a kickoff task, tips two days later', { timeout: 60_000 }, async () => {
    rig = await templateRig();
    const { core } = rig;
    await rig.install(['crm-onboarding']);
    const c = await core.call('contacts.create', { email: 'client@won.test', firstName: 'Cleo' });
    const deal = await core.call('deals.create', { contactId: c.id, title: 'Care plan', value: 1200, currency: 'EUR' });
    await rig.settle();
    expect(to(rig, 'client@won.test')).toEqual([]);
    await core.call('deals.update', { id: deal.id, stage: 'won' });
    await rig.settle();
    expect(to(rig, 'client@won.test').map((m) => m.parsed.subject)).toEqual(['Welcome aboard, Cleo']);
    expect((await core.call('tasks.list', { contactId: c.id })).tasks.find((t) => t.title === 'Schedule the kickoff with Cleo')).toMatchObject({ dealId: deal.id });
    rig.advance(2 * DAY + 1000);
    await rig.settle();
    expect(to(rig, 'client@won.test').map((m) => m.parsed.subject)).toEqual(['Welcome aboard, Cleo', 'Three tips to get started']);
  });
});

describe.skipIf(!hasDovecot() && process.env.CI !== 'true')('crm-reengagement and follow-up (replies read over IMAP)', () => {
  it('a lead quiet for 30 days enters the segment and gets a check-in; no reply in 7 days: a last e-mail and the tag dormant', { timeout: 90_000 }, async () => {
    // Contacts carry the wall-clock time: the engine's clock starts there too.
    rig = await templateRig({ imap: true, start: Date.now() });
    const { core } = rig;
    const r = await core.call('templates.install', { ids: ['crm-reengagement'], enable: true });
    expect(r.brought.segments).toEqual(['Quiet for 30 days']);
    // Two leads from the website; one of them stays active.
    await core.call('forms.save', { slug: 'contact', name: 'Contact', fields: { email: 'email', name: 'firstName' } });
    await rig.postForm('contact', { email: 'quiet@lead.test', name: 'Quinn' });
    await rig.postForm('contact', { email: 'busy@lead.test', name: 'Bea' });
    await rig.settle();
    expect(to(rig, 'quiet@lead.test')).toEqual([]);
    // 31 days later (the CRM's segment clock runs every 5 minutes); Bea visited the pricing page meanwhile.
    rig.advance(31 * DAY);
    await core.call('events.ingest', { events: [{ email: 'busy@lead.test', type: 'page.visited', at: new Date(Date.now() + 30 * DAY).toISOString(), data: { url: 'https://solo.test/pricing' } }] });
    segmentClock(core);
    await rig.settle();
    const [checkin] = to(rig, 'quiet@lead.test');
    expect(checkin?.parsed.subject).toBe('Still interested, Quinn?');
    expect(to(rig, 'busy@lead.test')).toEqual([]);
    rig.advance(7 * DAY + 1000);
    await rig.settle();
    expect(to(rig, 'quiet@lead.test').map((m) => m.parsed.subject)).toEqual(['Still interested, Quinn?', 'Closing the loop']);
    expect((await rig.contactByEmail('quiet@lead.test')).tags).toContain('dormant');
  });

  it('follow-up: tagging a contact e-mails it; a reply in the mailbox ends it, silence brings a follow-up and an alert; the tag is removed', { timeout: 90_000 }, async () => {
    rig = await templateRig({ imap: true });
    const { core } = rig;
    await rig.install(['follow-up']);
    const a = await core.call('contacts.create', { email: 'replier@fu.test', firstName: 'Rita' });
    const b = await core.call('contacts.create', { email: 'silent@fu.test', firstName: 'Sid' });
    await core.call('contacts.update', { id: a.id, addTags: ['follow-up'] });
    await core.call('contacts.update', { id: b.id, addTags: ['follow-up', 'vip'] });
    await rig.settle();
    const [first] = to(rig, 'replier@fu.test');
    expect(first?.parsed.subject).toBe('Rita, a quick question');
    expect(to(rig, 'silent@fu.test')).toHaveLength(1);
    // Another tag change on Sid does not start a second round.
    await core.call('contacts.update', { id: b.id, addTags: ['newsletter'] });
    await rig.settle();
    expect((await rig.runsOf('follow-up')).length).toBe(2);

    await rig.reply('replier@fu.test', first!.parsed.messageId!, `Re: ${first!.parsed.subject}`);
    await rig.poll();
    rig.advance(48 * 3600_000 + 1000);
    await rig.settle();
    expect(to(rig, 'replier@fu.test')).toHaveLength(1);
    expect(to(rig, 'silent@fu.test').map((m) => m.parsed.subject)).toEqual(['Sid, a quick question', 'Re: Sid, a quick question']);
    expect(await titles(rig)).toContain('No reply from Sid in 48 h');
    expect(await titles(rig)).not.toContain('No reply from Rita in 48 h');
    for (const email of ['replier@fu.test', 'silent@fu.test']) expect((await rig.contactByEmail(email)).tags).not.toContain('follow-up');
    expect((await rig.runsOf('follow-up')).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  });
});

describe('new-lead-routing', () => {
  it('a decision maker added by hand waits for your approval of the personal e-mail; others go to nurture; imports and forms start nothing', { timeout: 60_000 }, async () => {
    rig = await templateRig();
    const { core } = rig;
    const r = await core.call('templates.install', { ids: ['new-lead-routing'], enable: true });
    expect(r.brought.sequences).toEqual(['nurture']);
    const boss = await core.call('contacts.create', { email: 'ada@engines.test', firstName: 'Ada', lastName: 'Lovelace', title: 'Founder', companyName: 'Engines Ltd' });
    const dev = await core.call('contacts.create', { email: 'bob@engines.test', firstName: 'Bob', title: 'Developer', companyName: 'Engines Ltd' });
    await rig.settle();
    const [approval] = (await core.call('approvals.list', { status: 'pending' })).approvals;
    expect(approval?.title).toBe('Personal e-mail to Ada Lovelace (Founder, Engines Ltd)');
    expect((await core.call('sequences.enrollments', { contactId: dev.id })).enrollments.map((e) => e.sequenceId)).toEqual(['nurture']);
    expect((await core.call('sequences.enrollments', { contactId: boss.id })).enrollments).toEqual([]);
    // Approved with an edit: the edited e-mail is what goes out.
    const payload = { ...(approval!.payload as Record<string, string>), text: 'Hi Ada,\n\nEdited by me before sending.' };
    await core.call('approvals.decide', { id: approval!.id, decision: 'approve', payload, by: 'sam' });
    await rig.settle();
    const mail = to(rig, 'ada@engines.test').find((m) => m.parsed.subject === 'Ada, a quick question about Engines Ltd');
    expect(mail?.parsed.text).toContain('Edited by me before sending.');

    // A CSV import and a form post create contacts too, but not "by hand": no run.
    const before = (await rig.runsOf('new-lead-routing')).length;
    const imp = await core.call('contacts.import', { csv: 'email,first name,title,company\nceo@import.test,Ina,CEO,Import Co\nx@import.test,Xe,,\n', file: 'leads.csv' });
    expect(imp.created).toBe(2);
    await core.call('forms.save', { slug: 'contact', name: 'Contact', fields: { email: 'email', title: 'title', company: 'companyName' } });
    await rig.postForm('contact', { email: 'cto@form.test', title: 'CTO', company: 'Form Co' });
    await rig.settle();
    expect((await rig.runsOf('new-lead-routing')).length).toBe(before);
    expect((await core.call('approvals.list', { status: 'pending' })).approvals).toEqual([]);
  });
});

describe('webhook-intake', () => {
  it('waits for the hook secret; a signed post creates the contact and tells you, a post without an e-mail is escalated, a bad signature starts nothing', { timeout: 60_000 }, async () => {
    const secret = ['intake', 'secret', String(process.pid)].join('-');
    rig = await templateRig({ secrets: { HOOK_INTAKE: secret } });
    const { core, server } = rig;
    expect((await rig.template('webhook-intake')).requirements).toEqual([expect.objectContaining({ id: 'hook-secret:intake', met: true })]);
    await rig.install(['webhook-intake']);
    const post = (body: unknown, key = secret) => {
      const raw = JSON.stringify(body);
      const sig = createHmac('sha256', key).update(raw).digest('hex');
      return fetch(`${server.url}hooks/intake`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-baton-signature': `sha256=${sig}` }, body: raw });
    };
    expect((await post({ email: ' Lead@Partner.TEST ', first_name: 'Lea', company: 'Partner Co', source: 'landing-builder' })).status).toBe(202);
    expect((await post({ name: 'no e-mail here' })).status).toBe(202);
    expect((await post({ email: 'forged@partner.test' }, 'wrong-secret')).status).toBe(401);
    await rig.settle();
    const lea = await rig.contactByEmail('lead@partner.test');
    expect(lea).toMatchObject({ source: 'landing-builder', tags: ['intake'] });
    const t = await titles(rig);
    expect(t).toContain('New lead from the intake webhook: lead@partner.test');
    expect(t).toContain('Webhook intake without a valid e-mail');
    expect((await core.call('contacts.list', { search: 'forged@partner.test' })).total).toBe(0);
  });
});
