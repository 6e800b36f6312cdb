/** The scoring-rules form's pure model: config <-> form state, checks named by field (tests/crm/scoring-preview.test.ts has the server side). */
import { describe, expect, it } from 'vitest';
import { ScoringConfig } from '../shared/api';
import { checkDraft, fromConfig, newBehaviorRule, newFitRule, toInput } from '../renderer/src/pages/crm/scoringModel';

const config = ScoringConfig.parse({
  thresholds: { mql: 40, sql: 80 },
  fit: [
    { id: 'title', label: 'Decision maker', when: { kind: 'field', field: 'title', op: 'contains', value: 'CEO' }, points: 15 },
    { id: 'bigco', when: { kind: 'field', field: 'custom.employees', op: 'gte', value: 500 }, points: 10 },
    { id: 'vip', when: { kind: 'tag', op: 'has', tag: 'vip' }, points: 20 },
  ],
  behavior: [
    { id: 'clicks', event: 'email.clicked', points: 3, repeatable: true, cap: 15, withinDays: 30 },
    { id: 'pricing', label: 'Pricing page', event: 'page.visited', where: { path: 'url', op: 'contains', value: '/pricing' }, points: 10 },
  ],
  decay: { afterDays: 30, points: 5, everyDays: 15, max: 25 },
});

describe('scoring form model', () => {
  it('a config goes through the form unchanged', () => {
    const d = fromConfig(config);
    expect(checkDraft(d)).toEqual({ config, issues: [] });
    expect(ScoringConfig.parse(toInput(d))).toEqual(config);
    expect(checkDraft({ ...d, decayOn: false }).config?.decay).toBeNull();
  });

  it('new rules get free ids and valid defaults once their blanks are filled', () => {
    const d = fromConfig(config);
    const fit = newFitRule(d);
    const beh = newBehaviorRule(d);
    expect([fit.id, beh.id]).toEqual(['fit-1', 'behavior-1']);
    const r = checkDraft({ ...d, fit: [...d.fit, { ...fit, when: { ...fit.when, value: 'Founder' } as typeof fit.when }], behavior: [...d.behavior, beh] });
    expect(r.issues).toEqual([]);
    expect(r.config?.fit.at(-1)).toEqual({ id: 'fit-1', when: { kind: 'field', field: 'title', op: 'contains', value: 'Founder' }, points: 10 });
    expect(r.config?.behavior.at(-1)).toEqual({ id: 'behavior-1', event: 'email.clicked', points: 5, repeatable: false });
  });

  it('each bad box is named by its path', () => {
    const d = fromConfig(config);
    d.fit[0]!.points = 'lots';
    d.fit[1]!.id = 'Big Co';
    d.behavior[0]!.event = 'email.clickd';
    d.behavior[0]!.cap = '0';
    d.decay.everyDays = '';
    d.sql = '40';
    const r = checkDraft(d);
    expect(r.config).toBeNull();
    const at = Object.fromEntries(r.issues.map((i) => [i.path, i.message]));
    expect(at['fit.0.points']).toBe('use a whole number');
    expect(at['fit.1.id']).toMatch(/lower-case/);
    expect(Object.keys(at)).toEqual(expect.arrayContaining(['behavior.0.event', 'behavior.0.cap', 'decay.everyDays', 'thresholds.sql']));
    expect(at['thresholds.sql']).toBe('the SQL threshold (40) must be above the MQL threshold (40)');
  });

  it('a duplicated id is named on the second rule', () => {
    const d = fromConfig(config);
    d.behavior[1]!.id = 'vip';
    expect(checkDraft(d).issues).toEqual([{ path: 'behavior.1.id', message: 'rule id "vip" is used twice; ids must be unique' }]);
  });
});
