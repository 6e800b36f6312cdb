/**
 * The built-in go-to-market playbook end to end on the engine (the real Bree
 * worker pool, the built out/ files), against the fake Messages API through the real SDK: a gate item
 * failing then fixed by its role, a conflict decided by the Coordinator, a gate
 * approved in the inbox, and the workspace history with the conventional
 * commits and merged phase branches.
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

describe('the go-to-market playbook in full mode', () => {
  it('runs all four phases: retry on a failed gate item, a conflict decided, one gate approved, phases merged into main', async () => {
    if (!existsSync(resolve(jobsDir, 'dispatcher.js'))) throw new Error('Build first (npx electron-vite build): this test runs the built worker files');
    rig = await playbookRig({ pool: jobsDir });
    const { core, claude } = rig;
    const team = scriptTeam(claude, { failOnce: ['add up to the monthly budget'], lowConfidence: ['Training covers the whole sales process'], conflictFrom: { 'Design the campaigns': 'pipeline-manager' } });
    const { run } = await core.call('playbooks.start', { playbookId: 'go-to-market', mode: 'full', scenario: 'new-product-launch', config: CONFIG });
    expect(run.status).toBe('running');
    await until('the Execution & Optimization gate to ask', async () => (await core.call('approvals.list', {})).approvals.length > 0);

    // One approval: the Execution & Optimization gate (confidence below the threshold).
    const pending = await core.call('approvals.list', {});
    expect(pending.approvals.map((a) => a.title)).toEqual(['Quality gate: Execution & Optimization (Go-to-market team)']);
    const approval = pending.approvals[0]!;
    const payload = approval.payload as { checklist: { id: string; result: string; evidence: string; confidence: number }[]; diff: { path: string; diff: string }[] };
    expect(payload.checklist.find((c) => c.id === 'training-complete')).toMatchObject({ result: 'pass', confidence: 0.4, evidence: '"Module 1: discovery"' });
    expect(payload.diff.map((d) => d.path)).toContain('sales-enablement/training-modules.md');
    expect(payload.diff.find((d) => d.path === 'sales-enablement/training-modules.md')!.diff).toMatch(/^\+# modules/m);
    let detail = await core.call('playbooks.run', { id: run.id });
    expect(detail.status).toBe('waiting');
    expect(detail.waitingFor).toMatch(/approval of the quality gate of Execution & Optimization/);
    expect(detail.phases.map((p) => p.status)).toEqual(['merged', 'merged', 'waiting_approval', 'pending']);
    expect(detail.phases[2]!.gate!.approvalId).toBe(approval.id);

    await core.call('approvals.decide', { id: approval.id, decision: 'approve', by: 'owner' });
    await until('the run to finish', async () => ['succeeded', 'failed'].includes((await core.call('playbooks.run', { id: run.id })).status));
    detail = await core.call('playbooks.run', { id: run.id });
    expect(detail.status).toBe('succeeded');
    expect(detail.phases.map((p) => [p.id, p.status, p.gate?.status])).toEqual([
      ['strategy', 'merged', 'passed'],
      ['pipeline-building', 'merged', 'passed'],
      ['execution', 'merged', 'approved'],
      ['analysis', 'merged', 'passed'],
    ]);

    // The failing gate item went back to the Coordinator with the notes and passed on the second review.
    const budget = detail.phases[0]!.gate!.items.find((i) => i.id === 'budget-adds-up')!;
    expect(budget).toMatchObject({ result: 'pass', attempts: 2 });
    expect(detail.phases[0]!.steps[0]).toMatchObject({ id: 'gtm-strategy', status: 'done', attempts: 2 });
    expect(claude.requests.some((r) => JSON.stringify(r.body.messages).includes('add up to 3500 EUR, not 3000 EUR'))).toBe(true);

    // The conflict: raised by Demand Generation, decided by the Coordinator, both roles' steps re-ran with the decision.
    expect(detail.conflicts).toHaveLength(1);
    const c = detail.conflicts[0]!;
    expect(c).toMatchObject({ kind: 'positions', raisedBy: 'demand-gen', status: 'decided', topic: 'Lead scoring weights' });
    expect(c.rerunSteps.sort()).toEqual(['campaign-design', 'crm-infrastructure']);
    expect(c.decision!.path).toMatch(/^strategy\/decisions\/.+\.md$/);
    expect(detail.decisions).toHaveLength(1);
    const decisionFile = readFileSync(join(rig.dir, 'workspace', ...c.decision!.path.split('/')), 'utf8');
    expect(decisionFile).toContain('Deals close from fit');
    expect(readFileSync(join(rig.dir, 'workspace/demand-gen/lead-scoring.md'), 'utf8')).toContain('scoring follows the decision');
    expect(team.steps.get('Design the campaigns')).toBe(2);

    // Status fields per role, estimated vs actual per step, cost.
    expect(detail.roles.find((r) => r.role === 'demand-gen')).toMatchObject({ status: 'complete', next: 'Wait for the quality gate' });
    expect(detail.phases[1]!.steps.every((s) => s.estimatedMinutes === 45 && s.actualMinutes !== null && s.costUsd > 0)).toBe(true);
    expect(detail.costUsd).toBeGreaterThan(0);
    expect(existsSync(join(rig.dir, 'workspace/status/demand-gen.md'))).toBe(true);

    // Git: conventional commits of each role, one merge commit per phase on main.
    const log = await core.call('workspace.log', { limit: 500 });
    const messages = log.commits.map((x) => x.message);
    expect(messages).toEqual(expect.arrayContaining([expect.stringMatching(/^\[coordinator\] strategy: define the go-to-market strategy/), expect.stringMatching(/^\[demand-gen\] campaign: design the campaigns/), expect.stringMatching(/^\[coordinator\] decision: Lead scoring weights/)]));
    const merges = log.commits.filter((x) => x.parents.length === 2 && /^\[baton\] merge: phase /.test(x.message));
    expect(merges.map((m) => /phase (.+) of/.exec(m.message)![1]).sort()).toEqual(['Analysis & Iteration', 'Execution & Optimization', 'Pipeline Building', 'Strategy & Foundation']);
    const history = await core.call('workspace.history', { path: 'demand-gen/lead-scoring.md', limit: 50 });
    expect(history.commits.map((x) => x.role)).toEqual(expect.arrayContaining(['demand-gen']));
    const first = history.commits[history.commits.length - 1]!;
    const diff = await core.call('workspace.diff', { path: 'demand-gen/lead-scoring.md', commit: first.oid });
    expect(diff.diff).toContain('+# lead-scoring');
    expect(diff.added).toBeGreaterThan(0);
  }, 180_000);
});
