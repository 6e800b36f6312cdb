/**
 * Execution modes: each mode of the go-to-market playbook runs only its
 * phases (and single agent only the chosen role's steps); the others stay
 * skipped and no model call is made for them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIG, playbookRig, scriptTeam, type Rig } from './support';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const titles = (rig: Rig, from: number) =>
  rig.claude.requests
    .slice(from)
    .filter((r) => r.body.tool_choice?.name === 'answer')
    .map((r) => /Your step: ([^\n.]+)\./.exec(r.body.messages[0]!.content as string)?.[1])
    .sort();

describe('execution modes', () => {
  it('each mode runs only its phases and steps', async () => {
    rig = await playbookRig();
    scriptTeam(rig.claude);
    const pb = await rig.core.call('playbooks.get', { id: 'go-to-market' });
    const cases: { mode: string; role?: string; phases: string[] }[] = [
      { mode: 'strategy-only', phases: ['strategy'] },
      { mode: 'build-execute', phases: ['pipeline-building', 'execution'] },
      { mode: 'analysis-only', phases: ['analysis'] },
      { mode: 'scale', phases: ['pipeline-building', 'execution', 'analysis'] },
      { mode: 'quarterly', phases: ['strategy', 'analysis'] },
      { mode: 'single-agent', role: 'demand-gen', phases: ['pipeline-building', 'execution'] },
    ];
    for (const c of cases) {
      const from = rig.claude.requests.length;
      const { run } = await rig.core.call('playbooks.start', { playbookId: 'go-to-market', mode: c.mode, config: CONFIG, ...(c.role ? { role: c.role } : {}) });
      await rig.engine.drain();
      const d = await rig.core.call('playbooks.run', { id: run.id });
      expect(d.status, `${c.mode}: ${d.error}`).toBe('succeeded');
      expect(d.phases.filter((p) => p.status === 'merged').map((p) => p.id), c.mode).toEqual(c.phases);
      expect(d.phases.filter((p) => p.status !== 'merged').every((p) => p.status === 'skipped'), c.mode).toBe(true);
      const ran = d.phases.flatMap((p) => p.steps.filter((s) => s.status === 'done').map((s) => s.title)).sort();
      const expected = pb.definition.phases
        .filter((p) => c.phases.includes(p.id))
        .flatMap((p) => p.steps.filter((s) => !c.role || s.role === c.role).map((s) => s.title))
        .sort();
      expect(ran, c.mode).toEqual(expected);
      // One model call per step that ran: none for the phases outside the mode.
      expect(titles(rig, from), c.mode).toEqual(expected);
      if (c.role) expect(d.role).toBe(c.role);
    }
  }, 240_000);
});
