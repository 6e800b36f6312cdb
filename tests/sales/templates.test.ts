/** The CRM templates import, and run on real data against the real SMTP server. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { engineOf, publishEvent } from '../../electron/core/engine';
import { salesRig, type SalesRig } from './rig';

const DIR = join(__dirname, '../../resources/templates');
const load = (f: string) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Record<string, unknown>;
let rig: SalesRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

describe('resources/templates/crm-*.json', () => {
  it('every CRM template validates', async () => {
    rig = await salesRig();
    const files = readdirSync(DIR).filter((f) => /^crm-.*\.json$/.test(f));
    expect(files.sort()).toEqual(['crm-lead-magnet.json', 'crm-new-lead.json', 'crm-onboarding.json', 'crm-reengagement.json', 'crm-sales-handoff.json']);
    for (const f of files) {
      const r = await rig.core.call('workflows.validate', { definition: load(f) });
      expect(r.issues, f).toEqual([]);
    }
  });

  it('run on data: new lead (hot -> booking link, else drip), lead magnet, onboarding, handoff at MQL, re-engagement', async () => {
    rig = await salesRig({ settings: { 'email.bookingUrl': 'https://cal.example/sam', 'email.frequencyCap': 10 } });
    const { core, smtp, clock } = rig;
    for (const f of ['crm-new-lead.json', 'crm-lead-magnet.json', 'crm-onboarding.json', 'crm-sales-handoff.json', 'crm-reengagement.json']) await core.call('workflows.import', { definition: load(f), enable: true });
    const engine = engineOf(core);
    await core.call('contacts.create', { email: 'ref@hot.test', firstName: 'Rita', source: 'referral' });
    await core.call('contacts.create', { email: 'cold@drip.test', firstName: 'Carl', source: 'ads' });
    await engine.drain();
    await smtp.waitFor(2);
    const rita = smtp.messages.find((m) => m.to[0] === 'ref@hot.test')!;
    expect(rita.parsed.text).toContain('https://cal.example/sam');
    expect(smtp.messages.find((m) => m.to[0] === 'cold@drip.test')!.parsed.subject).toBe('Welcome, Carl');
    clock.now += 3 * 86_400_000 + 1000;
    await engine.drain();
    await smtp.waitFor(3);
    expect(smtp.messages[2]!.parsed.subject).toBe('A case study for you');

    await core.call('forms.save', { slug: 'guide', name: 'Guide', fields: { email: 'email', name: 'firstName' } });
    const { submitForm } = await import('../../electron/core/crm/events');
    submitForm(core, 'guide', { email: 'reader@magnet.test', name: 'Rae' });
    await engine.drain();
    const guide = (await smtp.waitFor(5)).find((m) => m.parsed.subject === 'Your guide, Rae')!;
    expect(guide.parsed.html).toContain('href="https://example.com/guide.pdf"');
    expect(guide.header('list-unsubscribe')).toBe(''); // transactional

    const cid = (await core.call('contacts.list', { search: 'cold@drip.test' })).rows[0]!.id as number;
    await core.call('deals.create', { contactId: cid, stage: 'won', value: 500, currency: 'USD' });
    await engine.drain();
    expect(smtp.messages.some((m) => m.parsed.subject === 'Welcome aboard, Carl')).toBe(true);

    await publishEvent(core, { type: 'score.crossed', data: { threshold: 'mql', from: 'lead', to: 'mql' }, subject: { type: 'contact', id: String(cid) } });
    await engine.drain();
    expect(JSON.stringify(await core.call('escalations.list', { limit: 50 }))).toContain(`New MQL: contact ${cid}`);
    const { runId } = await core.call('runs.start', { workflow: 'crm-reengagement', input: { contactId: cid } });
    await engine.drain();
    expect(smtp.messages.some((m) => /^Still interested, Carl\?$/.test(m.parsed.subject ?? ''))).toBe(true);
    clock.now += 8 * 86_400_000;
    await engine.drain();
    expect((await core.call('runs.get', { id: runId })).status).toBe('succeeded');
    expect(smtp.messages.some((m) => m.parsed.subject === 'Closing the loop')).toBe(true);
  });
});
