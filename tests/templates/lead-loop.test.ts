/**
 * The lead-to-deal loop templates on their real triggers: crm-new-lead on real
 * form posts over HTTP (a hot visitor and a cold one), its nurture sequence's
 * first e-mail at the real SMTP server, a real reply in the real IMAP mailbox
 * starting crm-sales-handoff. Nothing is published by hand.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { hasDovecot } from '../support/imap';
import { DAY, templateRig, type TemplateRig } from './rig';

let rig: TemplateRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

const titles = async (r: TemplateRig) => (await r.core.call('escalations.list', { limit: 100 })).escalations.map((e) => e.title);

describe.skipIf(!hasDovecot() && process.env.CI !== 'true')('the lead loop (crm-new-lead, crm-sales-handoff)', () => {
  it('a hot visitor gets an alert, a call task and a deal; a cold one the nurture e-mails, and its reply hands it over to sales', { timeout: 120_000 }, async () => {
    rig = await templateRig({ imap: true });
    const { core, smtp } = rig;
    // Installed as the setup installs them: the form and the sequence come along.
    const installed = await core.call('templates.install', { ids: ['crm-new-lead', 'crm-sales-handoff'], enable: true });
    expect(installed.installed.map((i) => [i.id, i.enabled])).toEqual([
      ['crm-new-lead', true],
      ['crm-sales-handoff', true],
    ]);
    expect(installed.brought).toEqual({ sequences: ['nurture'], forms: ['contact'], segments: [] });
    expect((await core.call('sequences.get', { id: 'nurture' })).definition.steps.filter((s) => s.type === 'email')).toHaveLength(3);

    // The hot visitor: a CEO of a 200-person company asking for a demo.
    const hot = await rig.postForm('contact', { email: 'grace@bigco.test', name: 'Grace Hopper', company: 'BigCo', title: 'CEO', company_size: '200-500', message: 'Can we see a demo next week?' });
    expect(hot.status).toBe(200);
    await rig.settle();
    const grace = await rig.contactByEmail('grace@bigco.test');
    expect(grace.source).toBe('form:contact');
    expect(grace.tags).toEqual(expect.arrayContaining(['website', 'lead']));
    const { thresholds } = await core.call('scoring.rules.get', {});
    expect(grace.score).toBeGreaterThanOrEqual(thresholds.mql);
    expect(grace.stage).toBe('mql');
    const explained = (await core.call('contacts.get', { id: grace.id })).score.lines.map((l) => l.label);
    expect(explained).toContain('Form: asked for a demo, decision maker, 50+ people');
    expect(await titles(rig)).toContain('Hot lead: Grace Hopper (BigCo)');
    const tasks = (await core.call('tasks.list', { contactId: grace.id })).tasks;
    const call = tasks.find((t) => t.title === 'Call Grace Hopper within 24 h');
    expect(call?.dueAt).toBe(new Date(rig.clock.now + DAY).toISOString());
    const deals = (await core.call('deals.list', { contactId: grace.id })).rows;
    expect(deals.map((d) => d.stage)).toEqual([(await core.call('pipeline.get', {})).stages[0]!.id]);
    expect((await core.call('sequences.enrollments', { contactId: grace.id })).enrollments).toEqual([]);
    expect((await rig.runsOf('crm-new-lead')).map((r) => r.status)).toEqual(['succeeded']);

    // The cold visitor: a form and nothing more.
    await rig.postForm('contact', { email: 'ann@mail.test', name: 'Ann Smith', message: 'Just looking around' });
    await rig.settle();
    const ann = await rig.contactByEmail('ann@mail.test');
    expect(ann.score).toBeLessThan(thresholds.mql);
    const [enrollment] = (await core.call('sequences.enrollments', { contactId: ann.id })).enrollments;
    expect(enrollment).toMatchObject({ sequenceId: 'nurture', status: 'active' });
    const first = (await smtp.waitFor(1)).find((m) => m.to[0] === 'ann@mail.test')!;
    expect(first.parsed.subject).toBe('Thanks, Ann: where to start');
    expect(smtp.messages.filter((m) => m.to[0] === 'grace@bigco.test')).toEqual([]);
    expect(await titles(rig)).not.toContain('Hot lead: Ann Smith');

    // Ann replies to that e-mail: the mailbox is polled, the reply is matched to it.
    await rig.reply('ann@mail.test', first.parsed.messageId!, `Re: ${first.parsed.subject}`);
    await rig.poll();
    expect((await core.call('sequences.enrollments', { contactId: ann.id })).enrollments[0]).toMatchObject({ status: 'exited' });
    expect((await rig.contactByEmail('ann@mail.test')).stage).toBe('sql');
    expect(await titles(rig)).toContain('Reply from Ann Smith: now SQL');
    expect((await core.call('tasks.list', { contactId: ann.id })).tasks.map((t) => t.title)).toContain("Answer Ann Smith's reply within 24 h");
    expect((await core.call('deals.list', { contactId: ann.id })).rows).toHaveLength(1);
    expect((await rig.runsOf('crm-sales-handoff')).map((r) => r.status)).toEqual(['succeeded']);
    // No second nurture e-mail, even days later.
    rig.advance(8 * DAY);
    await rig.settle();
    expect(smtp.messages.filter((m) => m.to[0] === 'ann@mail.test')).toHaveLength(1);

    // The funnel counts both leads, the MQL and the SQL (contacts and their events carry the wall-clock time).
    const today = new Date().toISOString().slice(0, 10);
    const kpi = await core.call('kpi.dashboard', { from: today, to: today });
    expect(kpi.current).toMatchObject({ newLeads: 2 });
    expect(kpi.current.reachedMql).toBeGreaterThanOrEqual(2);
    expect(kpi.current.reachedSql).toBe(1);
  });
});
