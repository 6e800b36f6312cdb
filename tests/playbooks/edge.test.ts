/**
 * What goes wrong in a playbook run: an empty output fails the gate naming the
 * file; a file changed on main while a phase waited becomes a conflict item
 * the Coordinator decides (never a silent overwrite); the AI budget cap
 * reached mid-phase makes the run wait with the reason, and raising it
 * resumes — the last one on the real Bree worker pool; a role that spent its
 * own budgetUsd waits with the reason and goes on when the playbook is
 * imported again with a higher budget.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIG, playbookRig, scriptTeam, until, type Rig } from './support';

const jobsDir = resolve(__dirname, '../../out/main/jobs');

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('playbook runs when something goes wrong', () => {
  it('an empty output fails its gate item naming the file; the role fixes it on retry', async () => {
    rig = await playbookRig();
    scriptTeam(rig.claude, { emptyOnce: ['Define the go-to-market strategy'] });
    const { run } = await rig.core.call('playbooks.start', { playbookId: 'go-to-market', mode: 'strategy-only', config: CONFIG });
    await rig.engine.drain();
    const d = await rig.core.call('playbooks.run', { id: run.id });
    expect(d.status).toBe('succeeded');
    const corrections = rig.claude.requests.filter((r) => r.body.messages.length > 1 && JSON.stringify(r.body.messages).includes('Quality gate item'));
    expect(corrections).toHaveLength(1);
    expect(JSON.stringify(corrections[0]!.body.messages)).toContain('strategy/budget-allocation.md is missing or empty: write it.');
    expect(d.phases[0]!.gate!.items.find((i) => i.id === 'budget-adds-up')).toMatchObject({ result: 'pass', attempts: 2 });
    expect(readFileSync(join(rig.dir, 'workspace/strategy/budget-allocation.md'), 'utf8')).toContain('revised');
  }, 120_000);

  it('a file changed on main while the gate waited is a conflict for the Coordinator, not an overwrite', async () => {
    rig = await playbookRig();
    scriptTeam(rig.claude, { lowConfidence: ['strategy covers the market'] });
    const { run } = await rig.core.call('playbooks.start', { playbookId: 'go-to-market', mode: 'strategy-only', config: CONFIG });
    await rig.engine.drain();
    const [approval] = (await rig.core.call('approvals.list', {})).approvals;
    expect(approval!.title).toBe('Quality gate: Strategy & Foundation (Go-to-market team)');
    // The operator writes the same file meanwhile.
    await rig.core.call('docs.put', { path: 'strategy/gtm-strategy.md', content: '# My own strategy\n\nWritten by hand.\n' });
    await rig.core.call('approvals.decide', { id: approval!.id, decision: 'approve' });
    await rig.engine.drain();
    const d = await rig.core.call('playbooks.run', { id: run.id });
    expect(d.status).toBe('succeeded');
    const merge = d.conflicts.find((c) => c.kind === 'merge')!;
    expect(merge).toMatchObject({ files: ['strategy/gtm-strategy.md'], status: 'decided', raisedBy: 'workspace' });
    expect(merge.decision!.path).toMatch(/^strategy\/decisions\//);
    const text = readFileSync(join(rig.dir, 'workspace/strategy/gtm-strategy.md'), 'utf8');
    // The Coordinator chose a synthesis: both versions are kept.
    expect(text).toContain('Written by hand.');
    expect(text).toContain('Define the go-to-market strategy');
    expect(existsSync(join(rig.dir, 'workspace', ...merge.decision!.path.split('/')))).toBe(true);
    const history = await rig.core.call('workspace.history', { path: 'strategy/gtm-strategy.md', limit: 10 });
    expect(history.commits.map((c) => c.message)).toEqual(expect.arrayContaining([expect.stringMatching(/^\[baton\] docs: changes made outside playbooks/)]));
  }, 120_000);

  it('a rejected gate fails the run with the reason and leaves main without the phase', async () => {
    rig = await playbookRig();
    scriptTeam(rig.claude, { lowConfidence: ['strategy covers the market'] });
    const { run } = await rig.core.call('playbooks.start', { playbookId: 'go-to-market', mode: 'strategy-only', config: CONFIG });
    await rig.engine.drain();
    const [approval] = (await rig.core.call('approvals.list', {})).approvals;
    await rig.core.call('approvals.decide', { id: approval!.id, decision: 'reject', reason: 'Too generic' });
    await rig.engine.drain();
    const d = await rig.core.call('playbooks.run', { id: run.id });
    expect(d.status).toBe('failed');
    expect(d.error).toContain('The quality gate of phase "Strategy & Foundation" was rejected: Too generic');
    expect(d.phases[0]).toMatchObject({ status: 'rejected', mergeCommit: null, gate: { status: 'rejected' } });
    expect(existsSync(join(rig.dir, 'workspace/strategy/gtm-strategy.md'))).toBe(false);
    const diff = await rig.core.call('playbooks.phaseDiff', { runId: run.id, phaseId: 'strategy' });
    expect(diff.files.map((f) => f.path)).toContain('strategy/gtm-strategy.md');
  }, 120_000);

  it('waits with the reason when the AI budget cap is reached mid-phase and resumes when it is raised (Bree workers)', async () => {
    if (!existsSync(resolve(jobsDir, 'dispatcher.js'))) throw new Error('Build first (npx electron-vite build): this test runs the built worker files');
    rig = await playbookRig({ pool: jobsDir, settings: { 'ai.dailyCapUsd': 0.3 } });
    const { core } = rig;
    // A step answer costs $0.153 (1000 in, 10000 out at $3/$15): after the first one, the next step's largest
    // possible cost (16000 output tokens, $0.24) no longer fits under the $0.30 cap.
    scriptTeam(rig.claude, { stepUsage: { input_tokens: 1000, output_tokens: 10_000 } });
    const { run } = await core.call('playbooks.start', { playbookId: 'go-to-market', mode: 'strategy-only', config: CONFIG });
    await until('the run to wait for budget', async () => (await core.call('playbooks.run', { id: run.id })).status === 'waiting', 120_000);
    let d = await core.call('playbooks.run', { id: run.id });
    expect(d.waitingFor).toMatch(/cap/i);
    expect(d.phases[0]!.status).toBe('running');
    const calls = rig.claude.requests.length;
    await core.call('settings.set', { key: 'ai.dailyCapUsd', value: 1000 });
    await until('the run to finish', async () => (await core.call('playbooks.run', { id: run.id })).status === 'succeeded', 120_000);
    d = await core.call('playbooks.run', { id: run.id });
    expect(rig.claude.requests.length).toBeGreaterThan(calls);
    expect(d.phases[0]!.status).toBe('merged');
    const log = await core.call('workspace.log', { limit: 50 });
    expect(log.commits.some((c) => c.message.startsWith('[growth-analyst] analysis: set up the measurement foundation'))).toBe(true);
  }, 240_000);

  it("waits when a role reached its own budgetUsd, and goes on when the playbook is imported again with a higher one", async () => {
    rig = await playbookRig();
    const { core } = rig;
    // Each answer costs $0.153 (1000 in, 10000 out): the writer's $0.10 is spent after its first step.
    scriptTeam(rig.claude, { stepUsage: { input_tokens: 1000, output_tokens: 10_000 } });
    const team = (budgetUsd: number) =>
      JSON.stringify({
        id: 'budgeted',
        name: 'Budgeted team',
        coordinator: 'lead',
        roles: [
          { id: 'lead', name: 'Lead', systemPrompt: 'You lead.', writes: ['strategy/'] },
          { id: 'writer', name: 'Writer', systemPrompt: 'You write.', writes: ['copy/'], budgetUsd },
        ],
        phases: [
          {
            id: 'make',
            name: 'Make',
            execution: 'sequential',
            steps: [
              { id: 'ad', role: 'writer', title: 'Write the ad', activities: ['Write it'], outputs: [{ name: 'ad', path: 'copy/ad.md' }], estimatedMinutes: 5 },
              { id: 'page', role: 'writer', title: 'Write the page', activities: ['Write it'], outputs: [{ name: 'page', path: 'copy/page.md' }], estimatedMinutes: 5 },
            ],
          },
        ],
        modes: [{ id: 'all', name: 'All', phases: ['make'] }],
      });
    await core.call('playbooks.import', { text: team(0.1), format: 'json' });
    const { run } = await core.call('playbooks.start', { playbookId: 'budgeted', mode: 'all', config: {} });
    await rig.engine.drain();
    let d = await core.call('playbooks.run', { id: run.id });
    expect(d.status).toBe('waiting');
    expect(d.waitingFor).toContain('Role "Writer" reached its budget of $0.1 in this run ($0.1530 spent)');
    expect(d.waitingFor).toContain('roles[].budgetUsd');
    expect(d.phases[0]!.steps.map((s) => s.status)).toEqual(['done', 'pending']);
    const answers = () => rig!.claude.requests.filter((r) => r.body.tool_choice?.name === 'answer').length;
    expect(answers()).toBe(1);
    // Importing it again with the same budget: still waiting, no call.
    await core.call('playbooks.import', { text: team(0.1), format: 'json' });
    await rig.engine.drain();
    expect((await core.call('playbooks.run', { id: run.id })).status).toBe('waiting');
    expect(answers()).toBe(1);
    // A higher budget: the waiting step goes on by itself.
    await core.call('playbooks.import', { text: team(1), format: 'json' });
    await rig.engine.drain();
    d = await core.call('playbooks.run', { id: run.id });
    expect(d.status, d.error ?? '').toBe('succeeded');
    expect(answers()).toBe(2);
    expect(d.phases[0]!.steps.map((s) => s.status)).toEqual(['done', 'done']);
  }, 120_000);
});
