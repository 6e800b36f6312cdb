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
