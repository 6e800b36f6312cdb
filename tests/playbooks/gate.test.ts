/**
 * A quality gate reviews each checklist item as its own ai.review step (the
 * item's files quoted as untrusted data, no approval of its own): the gate's
 * result lists each item pass/fail with the reviewer's reason and evidence; an
 * item still failing after its role's fix blocks the phase's merge and asks
 * one approval, as the gate does.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIG, playbookRig, scriptTeam, type Rig } from './support';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('quality gates, one ai.review per checklist item', () => {
  it('one item failing after the fix blocks the merge; each item lists pass/fail with its reason', async () => {
    rig = await playbookRig();
    const r = rig;
    const { reviews } = scriptTeam(r.claude, { failAlways: ['add up to the monthly budget'] });
    const { run } = await r.core.call('playbooks.start', { playbookId: 'go-to-market', mode: 'strategy-only', config: CONFIG });
    await r.engine.drain();

    const d = await r.core.call('playbooks.run', { id: run.id });
    const phase = d.phases[0]!;
    expect(phase.status).toBe('waiting_approval');
    expect(phase.mergeCommit).toBeNull();
    expect(existsSync(join(r.dir, 'workspace/strategy/budget-allocation.md'))).toBe(false);
    const gate = phase.gate!;
    expect(gate.status).toBe('waiting_approval');
    // Every item, with its verdict and reason; only the budget fails (reviewed twice: before and after its role's fix).
    expect(gate.items.map((i) => [i.id, i.result])).toEqual([
      ['strategy-complete', 'pass'],
      ['budget-adds-up', 'fail'],
      ['personas-usable', 'pass'],
      ['positioning-differentiated', 'pass'],
      ['value-props-proven', 'pass'],
      ['kpis-cover-funnel', 'pass'],
      ['experiments-sized', 'pass'],
    ]);
    const budget = gate.items.find((i) => i.id === 'budget-adds-up')!;
    expect(budget).toMatchObject({ attempts: 2, evidence: '"Paid search: 2000 EUR"', notes: 'Still wrong (review 2): the budgets add up to 3500 EUR, not 3000 EUR.', files: ['strategy/budget-allocation.md'] });
    expect(gate.items.find((i) => i.id === 'strategy-complete')).toMatchObject({ attempts: 1, evidence: '"quoted from the file"', notes: '' });
    expect(reviews.get('The channel budgets add up to the monthly budget and each has a reason.')).toBe(2);

    // Each item was its own ai.review step of the phase's run (7 in round 1, the failing one again in round 2).
    const phaseRun = r.core.db.prepare("SELECT run_id FROM steps WHERE node_id = 'gate' ORDER BY id DESC LIMIT 1").get() as { run_id: string };
    const detail = await r.core.call('runs.get', { id: phaseRun.run_id });
    const reviewsRan = detail.steps.filter((s) => /^g\d+_\d+$/.test(s.nodeId) && s.status === 'succeeded');
    expect(reviewsRan.map((s) => s.nodeId).sort()).toEqual(['g0_0', 'g0_1', 'g0_2', 'g0_3', 'g0_4', 'g0_5', 'g0_6', 'g1_1']);
    expect(detail.steps.find((s) => s.nodeId === 'g1_1')!.branch).toBe('rejected');
    // Each review request: one checklist item, the files quoted in the data block.
    const reviewReqs = r.claude.requests.filter((q) => q.body.tool_choice?.name === 'submit_review');
    expect(reviewReqs).toHaveLength(8);
    for (const q of reviewReqs) {
      const text = q.body.messages[0]!.content as string;
      const [, items, data] = /^Checklist \(from the business owner\):\n(1\. [^\n]+)\n[\s\S]*?(<<DATA [\s\S]*<<END DATA)/.exec(text) ?? [];
      expect(items).toBeTruthy();
      expect(text).not.toMatch(/\n2\. /);
      expect(data).toContain('"files": {');
    }
    // The role got the reviewer's reason as a correction.
    const fix = r.claude.requests.filter((q) => q.body.tool_choice?.name === 'answer' && JSON.stringify(q.body.messages).includes('Quality gate item'));
    expect(fix).toHaveLength(1);
    expect(JSON.stringify(fix[0]!.body.messages)).toContain('the budgets add up to 3500 EUR, not 3000 EUR.');

    // One approval, the gate's (the item reviews create none), listing each item.
    const { approvals } = await r.core.call('approvals.list', {});
    expect(approvals.map((a) => a.title)).toEqual(['Quality gate: Strategy & Foundation (Go-to-market team)']);
    const payload = approvals[0]!.payload as { checklist: { id: string; result: string; notes: string }[]; reason: string };
    expect(payload.checklist.filter((c) => c.result === 'fail').map((c) => c.id)).toEqual(['budget-adds-up']);
    expect(payload.reason).toContain('budget-adds-up (Still wrong (review 2)');
  }, 120_000);
});
