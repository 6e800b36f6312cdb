/**
 * Outputs that act: the team's lead-scoring criteria become Baton's scoring
 * rules through an explicit preview (a diff of the rules, Claude through the
 * fake Messages API) and an apply; the preview alone changes nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { playbookRig, type Rig } from './support';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const PROPOSED = {
  thresholds: { mql: 40, sql: 90 },
  fit: [{ id: 'freelance-designer', label: 'Freelance designers', when: { kind: 'tag', op: 'has', tag: 'designer' }, points: 25 }],
  behavior: [{ id: 'pricing-form', label: 'Asked for pricing', event: 'form.submitted', points: 30, repeatable: false }],
  decay: null,
};

describe('outputs that act: lead scoring', () => {
  it('previews the criteria as a diff of the scoring rules, applies them only when asked', async () => {
    rig = await playbookRig();
    const { core, claude } = rig;
    await expect(core.call('playbooks.apply.preview', { kind: 'scoring' })).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('demand-gen/lead-scoring.md') });
    await core.call('docs.put', { path: 'demand-gen/lead-scoring.md', content: '# Lead scoring\n\nDesigners +25, a pricing form +30; MQL at 40, SQL at 90.\n' });
    claude.respond(() => ({ json: PROPOSED }));
    const before = await core.call('scoring.rules.get', {});
    const p = await core.call('playbooks.apply.preview', { kind: 'scoring' });
    if (p.kind !== 'scoring') throw new Error(`a ${p.kind} preview`);
    expect(p.sources).toEqual(['demand-gen/lead-scoring.md']);
    expect(p.proposed.fit.map((f) => f.id)).toEqual(['freelance-designer']);
    expect(p.diff).toContain('+      "id": "freelance-designer"');
    expect(p.diff).toMatch(/\+\s+"sql": 90/);
    // The criteria went to Claude as quoted data.
    expect(claude.promptOf(0)).toContain('Designers +25');
    expect(await core.call('scoring.rules.get', {})).toEqual(before);
    const a = await core.call('playbooks.apply', { kind: 'scoring', proposed: p.proposed });
    expect(a.kind).toBe('scoring');
    expect((await core.call('scoring.rules.get', {})).thresholds).toEqual({ mql: 40, sql: 90 });
  }, 60_000);
});

const ONBOARDING = `# Onboarding

## Milestones
Day 1: the first invoice is sent.

## Email 1: Welcome
Delay: 0 days
Subject: Welcome, {{ contact.first_name }}
Your first invoice takes five minutes.

## Email 2: Import your clients
Delay: 2 days
Subject: Import your clients in one go
Use the CSV import on the Clients page.
`;

const CAMPAIGNS = `# Campaigns

## Campaign: Designers on LinkedIn
Channel: LinkedIn ads
Audience: Freelance designers in France
Offer: 30-day free trial
Budget: 1,200 EUR
Leads: 80
Expected ROI: 150%

## Campaign: Google search
Channel: Google Ads
Audience: Designers searching for invoicing
Offer: Free invoice template
Budget: 800 EUR
`;

/** A one-phase team whose Customer Success and Demand Generation write the files that act. */
const TEAM = JSON.stringify({
  id: 'launch-kit',
  name: 'Launch kit',
  coordinator: 'customer-success',
  roles: [
    { id: 'customer-success', name: 'Customer Success', systemPrompt: 'You onboard customers.', writes: ['customer-success/'] },
    { id: 'demand-gen', name: 'Demand Generation', systemPrompt: 'You run campaigns.', writes: ['demand-gen/'] },
  ],
  phases: [
    {
      id: 'build',
      name: 'Build',
      execution: 'parallel',
      steps: [
        { id: 'onboarding', role: 'customer-success', title: 'Write the onboarding', activities: ['Write the e-mails'], outputs: [{ name: 'onboarding', path: 'customer-success/onboarding-playbook.md' }], estimatedMinutes: 5 },
        { id: 'campaigns', role: 'demand-gen', title: 'Design the campaigns', activities: ['Design them'], outputs: [{ name: 'campaigns', path: 'demand-gen/campaigns.md' }], estimatedMinutes: 5 },
      ],
    },
  ],
  modes: [{ id: 'all', name: 'All', phases: ['build'] }],
});

describe('outputs that act: the onboarding sequence and the campaign plans', () => {
  it('previews the onboarding e-mails as a sequence, creates it disabled once, however often applied', async () => {
    rig = await playbookRig();
    const { core } = rig;
    await expect(core.call('playbooks.apply.preview', { kind: 'sequence' })).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('customer-success/onboarding-playbook.md') });
    await core.call('docs.put', { path: 'customer-success/onboarding-playbook.md', content: '# Onboarding\n\nA welcome call in week 1.\n' });
    await expect(core.call('playbooks.apply.preview', { kind: 'sequence' })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('a line "Subject: …"') });
    await core.call('docs.put', { path: 'customer-success/onboarding-playbook.md', content: ONBOARDING });
    const p = await core.call('playbooks.apply.preview', { kind: 'sequence' });
    if (p.kind !== 'sequence') throw new Error(`a ${p.kind} preview`);
    expect(p.proposed.steps).toEqual([
      { type: 'email', subject: 'Welcome, {{ contact.first_name }}', text: 'Your first invoice takes five minutes.' },
      { type: 'wait', duration: '2d' },
      { type: 'email', subject: 'Import your clients in one go', text: 'Use the CSV import on the Clients page.' },
    ]);
    expect(p.proposed.enabled).toBe(false);
    expect(p.existing).toBeNull();
    expect(p.issues).toEqual([]);
    expect(p.source).toMatchObject({ path: 'customer-success/onboarding-playbook.md', runId: null });
    // The preview alone creates nothing.
    expect((await core.call('sequences.list', {})).sequences.filter((s) => s.id.startsWith('pb-onboarding-'))).toEqual([]);
    const a = await core.call('playbooks.apply', { kind: 'sequence', source: p.source, proposed: p.proposed });
    expect(a).toEqual({ kind: 'sequence', sequenceId: p.proposed.id, created: true, enabled: false });
    const saved = await core.call('sequences.get', { id: p.proposed.id });
    expect(saved.definition.steps).toHaveLength(3);
    expect(saved.definition.enabled).toBe(false);
    // Applying the same file again (even a proposal asking to be enabled) creates nothing more.
    const again = await core.call('playbooks.apply', { kind: 'sequence', source: p.source, proposed: { ...p.proposed, enabled: true } });
    expect(again).toMatchObject({ created: false, enabled: false });
    expect((await core.call('sequences.list', {})).sequences.filter((s) => s.id.startsWith('pb-onboarding-'))).toHaveLength(1);
    expect(await core.call('playbooks.apply.preview', { kind: 'sequence' })).toMatchObject({ existing: { id: p.proposed.id, enabled: false } });
    // An unknown token is named in the preview, and sequences.save refuses it at apply.
    await core.call('docs.put', { path: 'customer-success/onboarding-playbook.md', content: ONBOARDING.replace('{{ contact.first_name }}', '{{ firstname }}') });
    const bad = await core.call('playbooks.apply.preview', { kind: 'sequence' });
    if (bad.kind !== 'sequence') throw new Error('not a sequence preview');
    expect(bad.issues).toEqual([expect.objectContaining({ path: 'steps.0.subject', message: expect.stringContaining('unknown token {{ firstname }}') })]);
    await expect(core.call('playbooks.apply', { kind: 'sequence', source: bad.source, proposed: bad.proposed })).rejects.toMatchObject({ code: 'invalid_input' });
  }, 60_000);

  it('turns the campaign designs a run merged into a plan of the campaign engine citing the run and the file, once', async () => {
    rig = await playbookRig();
    const { core, claude } = rig;
    claude.respond((req) => {
      const schema = req.body.tools?.[0]?.input_schema as { properties: { files: { properties: Record<string, unknown> } } };
      const name = Object.keys(schema.properties.files.properties)[0]!;
      return { json: { files: { [name]: name === 'onboarding' ? ONBOARDING : CAMPAIGNS }, status: { task: name, status: 'complete', blockers: [], next: 'none' } } };
    });
    await core.call('playbooks.import', { text: TEAM, format: 'json' });
    const { run } = await core.call('playbooks.start', { playbookId: 'launch-kit', mode: 'all', config: {} });
    await expect(core.call('playbooks.apply.preview', { kind: 'campaigns', runId: run.id })).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('has not merged yet') });
    await rig.engine.drain();
    const d = await core.call('playbooks.run', { id: run.id });
    expect(d.status).toBe('succeeded');
    const merge = d.phases[0]!.mergeCommit!;
    const p = await core.call('playbooks.apply.preview', { kind: 'campaigns', runId: run.id });
    if (p.kind !== 'campaigns') throw new Error(`a ${p.kind} preview`);
    expect(p.source).toMatchObject({ path: 'demand-gen/campaigns.md', commit: merge, runId: run.id });
    expect(p.proposed.items.map((i) => [i.name, i.channel, i.budget, i.expectedRoi, i.leads])).toEqual([
      ['Designers on LinkedIn', 'LinkedIn ads', 1200, 1.5, 80],
      ['Google search', 'Google Ads', 800, null, null],
    ]);
    expect(p.existingPlanId).toBeNull();
    // Read on main, the file cites the same run (the merge that last changed it).
    const onMain = await core.call('playbooks.apply.preview', { kind: 'campaigns' });
    expect(onMain.kind === 'campaigns' && onMain.source).toMatchObject({ runId: run.id, blob: p.source.blob });
    expect((await core.call('plans.list', { engine: 'campaigns', limit: 50 })).plans).toEqual([]);
    const a = await core.call('playbooks.apply', { kind: 'campaigns', source: p.source, proposed: p.proposed });
    expect(a).toMatchObject({ kind: 'campaigns', created: true, items: 2 });
    if (a.kind !== 'campaigns') throw new Error('not a campaigns apply');
    const { items } = await core.call('plans.items', { planId: a.planId, limit: 50, offset: 0 });
    expect(items.map((i) => [i.title, i.action, i.status])).toEqual([
      ['Designers on LinkedIn', 'LinkedIn ads', 'planned'],
      ['Google search', 'Google Ads', 'planned'],
    ]);
    expect(items[0]!.sources).toEqual([`playbook-run:${run.id}`, `workspace:demand-gen/campaigns.md@${merge}`]);
    expect(items[0]!.detail).toMatchObject({ channel: 'LinkedIn ads', audience: 'Freelance designers in France', offer: '30-day free trial', budget: 1200, expectedRoi: 1.5, playbookRun: run.id });
    expect(items[0]!.reason).toContain(run.id);
    const again = await core.call('playbooks.apply', { kind: 'campaigns', source: p.source, proposed: p.proposed });
    expect(again).toMatchObject({ planId: a.planId, created: false });
    expect((await core.call('plans.list', { engine: 'campaigns', limit: 50 })).plans).toHaveLength(1);
    const after = await core.call('playbooks.apply.preview', { kind: 'campaigns', runId: run.id });
    expect(after.kind === 'campaigns' && after.existingPlanId).toBe(a.planId);
    // The onboarding sequence of the same run cites it too.
    const seq = await core.call('playbooks.apply.preview', { kind: 'sequence', runId: run.id });
    expect(seq.kind === 'sequence' && seq.proposed.name).toBe(`Onboarding (playbook run ${run.id})`);
  }, 120_000);
});
