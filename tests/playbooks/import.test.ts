/**
 * Playbook import: the built-in playbook is listed with its modes and config
 * schema; a file with an unknown role, an input no earlier step writes or a
 * cycle is refused naming the step and the field, and nothing is stored.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ApiError } from '../../shared/api';
import { GTM_PLAYBOOK } from '../../electron/core/playbooks/builtin';
import { playbookRig, type Rig } from './support';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

interface SmallStep {
  id: string;
  role: string;
  title: string;
  inputs?: ({ output: string } | { path: string })[];
  activities: string[];
  outputs: { name: string; path: string }[];
  estimatedMinutes: number;
}
const small = (): { id: string; name: string; coordinator: string; roles: unknown[]; phases: { id: string; name: string; execution: string; steps: SmallStep[] }[]; modes: unknown[] } => ({
  id: 'tiny',
  name: 'Tiny team',
  coordinator: 'lead',
  roles: [
    { id: 'lead', name: 'Lead', systemPrompt: 'You lead.', writes: ['strategy/'] },
    { id: 'writer', name: 'Writer', systemPrompt: 'You write.', writes: ['copy/'] },
  ],
  phases: [
    {
      id: 'plan',
      name: 'Plan',
      execution: 'sequential',
      steps: [{ id: 'brief', role: 'lead', title: 'Write the brief', activities: ['Write it'], outputs: [{ name: 'brief', path: 'strategy/brief.md' }], estimatedMinutes: 5 }],
    },
    {
      id: 'make',
      name: 'Make',
      execution: 'parallel',
      steps: [
        { id: 'ad', role: 'writer', title: 'Write the ad', inputs: [{ output: 'brief.brief' }], activities: ['Write it'], outputs: [{ name: 'ad', path: 'copy/ad.md' }], estimatedMinutes: 5 },
        { id: 'page', role: 'writer', title: 'Write the page', inputs: [{ output: 'ad.ad' }], activities: ['Write it'], outputs: [{ name: 'page', path: 'copy/page.md' }], estimatedMinutes: 10 },
      ],
    },
  ],
  modes: [{ id: 'all', name: 'All', phases: ['plan', 'make'] }],
});

async function refused(text: string): Promise<ApiError> {
  const e = await rig!.core.call('playbooks.import', { text }).then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ApiError);
  expect((e as ApiError).code).toBe('invalid_input');
  return e as ApiError;
}

describe('playbook import', () => {
  it('lists the built-in go-to-market playbook with its modes, scenarios, criteria and config schema', async () => {
    rig = await playbookRig();
    const { playbooks } = await rig.core.call('playbooks.list', {});
    expect(playbooks.map((p) => [p.id, p.builtIn, p.roles, p.phases])).toEqual([['go-to-market', true, 7, 4]]);
    expect(playbooks[0]!.estimatedMinutes.parallel).toBeLessThan(playbooks[0]!.estimatedMinutes.sequential);
    const pb = await rig.core.call('playbooks.get', { id: 'go-to-market' });
    expect(pb.definition.roles.map((r) => r.name)).toEqual(['Coordinator', 'Brand & Messaging', 'Growth Analyst', 'Demand Generation', 'Sales Enablement', 'Pipeline Manager', 'Customer Success']);
    expect(pb.definition.phases.map((p) => [p.name, p.execution])).toEqual([
      ['Strategy & Foundation', 'sequential'],
      ['Pipeline Building', 'parallel'],
      ['Execution & Optimization', 'parallel'],
      ['Analysis & Iteration', 'parallel'],
    ]);
    expect(pb.modePlans.find((m) => m.id === 'strategy-only')!.phases.map((p) => p.id)).toEqual(['strategy']);
    expect(pb.definition.scenarios.map((s) => s.id)).toEqual(['new-product-launch', 'scaling', 'new-market', 'quarterly-planning']);
    expect((pb.configSchema as { required: string[] }).required).toEqual(['businessContext', 'targetCustomer', 'goals', 'budget']);
    expect(pb.format).toBe('yaml');
    const { schema } = await rig.core.call('playbooks.schema', {});
    expect(JSON.stringify(schema)).toContain('estimatedMinutes');
  }, 60_000);

  it('the built-in playbook compiled by an older compiler is compiled again: one playbook.step per step, one ai.review per gate item', async () => {
    rig = await playbookRig();
    await rig.core.call('playbooks.list', {});
    const id = (await rig.core.call('workflows.list', {})).workflows.find((w) => w.name === 'Playbook Go-to-market team: Strategy & Foundation')!.id;
    // As a database written by the compiler before: the old description.
    rig.core.db.prepare('UPDATE workflows SET description = ? WHERE id = ?').run('Phase "Strategy & Foundation" of the playbook go-to-market (compiled; edit the playbook, not this workflow).', id);
    await rig.core.call('playbooks.list', {});
    const wf = (await rig.core.call('workflows.get', { id })).definition as { description: string; nodes: { type: string }[] };
    expect(wf.description).toContain('(compiled 2; edit the playbook, not this workflow)');
    const types = wf.nodes.map((n) => n.type);
    expect(types.filter((t) => t === 'playbook.step')).toHaveLength(3);
    expect(types).not.toContain('playbook.inputs');
    expect(types.filter((t) => t === 'ai.review')).toHaveLength(7 * 2);
  });

  it('imports a YAML playbook, compiles it, and orders sibling steps by their inputs', async () => {
    rig = await playbookRig();
    const r = await rig.core.call('playbooks.import', { text: stringify(small()) });
    expect(r).toMatchObject({ created: true, playbook: { id: 'tiny', steps: 3, estimatedMinutes: { parallel: 20, sequential: 20 } } });
    const again = await rig.core.call('playbooks.import', { text: JSON.stringify(small()) });
    expect(again.created).toBe(false);
    const wfs = await rig.core.call('workflows.list', {});
    expect(wfs.workflows.filter((w) => w.id.startsWith('pb-tiny-')).length).toBe(3);
  }, 60_000);

  it('refuses an unknown role, an input no earlier step writes, a cycle, naming the step and the field; nothing is stored', async () => {
    rig = await playbookRig();
    const unknownRole = small();
    unknownRole.phases[1]!.steps[0]!.role = 'designer';
    let e = await refused(stringify(unknownRole));
    expect(e.issues).toEqual([{ path: 'phases.1.steps.0.role', message: 'step "ad": role "designer" is not a role of this playbook (the roles are lead, writer)' }]);

    const laterOutput = small();
    laterOutput.phases[0]!.steps[0] = { ...laterOutput.phases[0]!.steps[0]!, inputs: [{ output: 'ad.ad' }] } as never;
    e = await refused(JSON.stringify(laterOutput));
    expect(e.issues).toEqual([{ path: 'phases.0.steps.0.inputs.0.output', message: 'step "brief": input "ad.ad" is not written by an earlier step (step "ad" runs later)' }]);

    const noSuchOutput = small();
    noSuchOutput.phases[1]!.steps[0]!.inputs = [{ output: 'brief.summary' }];
    e = await refused(stringify(noSuchOutput));
    expect(e.issues![0]).toEqual({ path: 'phases.1.steps.0.inputs.0.output', message: 'step "ad": step "brief" has no output "summary" (its outputs are brief)' });

    const cycle = small();
    cycle.phases[1]!.steps[0]!.inputs = [{ output: 'page.page' }];
    e = await refused(stringify(cycle));
    expect(e.issues).toEqual([{ path: 'phases.1.steps.0.inputs', message: 'step "ad": its inputs form a cycle: ad -> page -> ad' }]);

    const badShape = small() as unknown as { phases: { steps: Record<string, unknown>[] }[] };
    badShape.phases[1]!.steps[1]!.estimatedMinutes = -3;
    e = await refused(stringify(badShape));
    expect(e.issues).toEqual([{ path: 'phases.1.steps.1.estimatedMinutes', message: 'step "page": estimate more than 0 minutes' }]);

    const outside = small();
    outside.phases[1]!.steps[0]!.outputs = [{ name: 'ad', path: 'strategy/ad.md' }];
    e = await refused(stringify(outside));
    expect(e.issues![0]!.message).toBe('step "ad": strategy/ad.md is outside the folders role "writer" writes (copy/)');

    e = await refused('id: [unclosed');
    expect(e.issues![0]!.path).toBe('(root)');

    const v = await rig.core.call('playbooks.validate', { text: stringify(cycle) });
    expect(v.ok).toBe(false);
    expect((await rig.core.call('playbooks.list', {})).playbooks.map((p) => p.id)).toEqual(['go-to-market']);
    // The built-in playbook's id cannot be taken.
    const taken = { ...small(), id: 'go-to-market' };
    await expect(rig.core.call('playbooks.import', { text: stringify(taken) })).rejects.toMatchObject({ code: 'conflict' });
    // The built-in text itself imports under another id.
    const mine = await rig.core.call('playbooks.import', { text: stringify({ ...GTM_PLAYBOOK, id: 'my-gtm' }) });
    expect(mine.playbook.roles).toBe(7);
  }, 60_000);

  it('refuses a start without the required config, or a single-agent start without a role', async () => {
    rig = await playbookRig();
    await expect(rig.core.call('playbooks.start', { playbookId: 'go-to-market', mode: 'full', config: { businessContext: 'x' } })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('targetCustomer (Target customer)') });
    await expect(rig.core.call('playbooks.start', { playbookId: 'go-to-market', mode: 'single-agent', config: { businessContext: 'a', targetCustomer: 'b', goals: 'c', budget: 'd' } })).rejects.toMatchObject({ message: expect.stringMatching(/^role: /) });
    await expect(rig.core.call('playbooks.start', { playbookId: 'go-to-market', mode: 'nope', config: {} })).rejects.toMatchObject({ message: expect.stringMatching(/^mode: "nope" is not a mode/) });
    expect((await rig.core.call('playbooks.runs', {})).runs).toEqual([]);
  }, 60_000);
});
