/** Editing the pipeline and the escalation rules: what the configuration editors rely on. */
import { afterEach, describe, expect, it } from 'vitest';
import { salesRig, type SalesRig } from './rig';

let rig: SalesRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

describe('pipeline and escalation rule configuration', () => {
  it('a stage that still holds open deals is not dropped: the change is refused whole, with the stage and the count', async () => {
    rig = await salesRig();
    const { core } = rig;
    const id = await rig.contact('ida@deal.test', { firstName: 'Ida' });
    await core.call('deals.create', { contactId: id, stage: 'proposal', value: 10 });
    const before = await core.call('pipeline.get', {});
    const without = { ...before, stages: before.stages.filter((s) => s.id !== 'proposal') };
    await expect(core.call('pipeline.set', without)).rejects.toThrow(/cannot remove "Proposal" \(1 open deal\); move those deals to another stage first.*Nothing was saved/);
    expect(await core.call('pipeline.get', {})).toEqual(before);
    // Renaming, reordering and limits are fine; so is dropping an empty stage.
    const edited = { ...before, stages: [before.stages[0]!, { ...before.stages[1]!, name: 'Offer', limitDays: 3 }, ...before.stages.slice(3)] };
    expect((await core.call('pipeline.set', edited)).stages.map((s) => s.id)).toEqual(['qualification', 'proposal', 'won']);
    // Once the deal is closed, its stage may go.
    const deal = (await core.call('deals.list', { contactId: id })).rows[0]!;
    await core.call('deals.update', { id: deal.id, stage: 'lost' });
    expect((await core.call('pipeline.set', { ...edited, stages: edited.stages.filter((s) => s.id !== 'proposal') })).stages).toHaveLength(2);
  });

  it('deals go to the configured stages (a new one too), never to a stage the pipeline does not have', async () => {
    rig = await salesRig();
    const { core } = rig;
    const id = await rig.contact('jo@deal.test');
    const deal = await core.call('deals.create', { contactId: id, stage: 'proposal' });
    await expect(core.call('deals.update', { id: deal.id, stage: 'demo' })).rejects.toThrow('stage: "demo" is not a stage of the pipeline (use one of qualification, proposal, negotiation, won, lost).');
    const cfg = await core.call('pipeline.get', {});
    await core.call('pipeline.set', { ...cfg, stages: [...cfg.stages.slice(0, 2), { id: 'demo', name: 'Demo', enterOn: [], limitDays: 2, task: null }, ...cfg.stages.slice(2)] });
    expect((await core.call('deals.update', { id: deal.id, stage: 'demo' })).stage).toBe('demo');
    expect((await core.call('deals.list', { stage: 'demo' })).total).toBe(1);
    await expect(core.call('deals.create', { contactId: id, stage: 'nowhere' })).rejects.toThrow(/stage: "nowhere" is not a stage of the pipeline/);
    // Lost is always a way out, even though it is not a column.
    expect((await core.call('deals.update', { id: deal.id, stage: 'lost' })).lostAt).not.toBeNull();
  });

  it('escalationRules.defaults gives the playbook, and setting them restores it', async () => {
    rig = await salesRig();
    const { core } = rig;
    const defaults = (await core.call('escalationRules.defaults', {})).rules;
    expect(defaults.map((r) => r.when)).toEqual(['score_above', 'demo_request', 'pricing_request', 'complaint', 'enterprise_company', 'stale_deal']);
    expect(defaults.find((r) => r.when === 'score_above')?.threshold).toBe(80);
    await core.call('escalationRules.set', { rules: [{ id: 'only', when: 'complaint', title: 'Complaint' }] });
    expect((await core.call('escalationRules.get', {})).rules).toHaveLength(1);
    await core.call('escalationRules.set', { rules: defaults });
    expect((await core.call('escalationRules.get', {})).rules).toEqual(defaults);
  });
});
