/** scoring.preview: what new rules would do, on a real store, with nothing stored (rules, scores and stages unchanged). */
import { afterEach, describe, expect, it } from 'vitest';
import { openTestCore } from '../helpers';

let done: (() => Promise<void>) | null = null;
afterEach(async () => {
  await done?.();
  done = null;
});

describe('scoring.preview', () => {
  it('says how scores would change, for a sample and for everyone, and stores nothing', async () => {
    const t = await openTestCore();
    done = t.cleanup;
    const { core } = t;
    const ann = await core.call('contacts.create', { email: 'ann@p.test', tags: ['vip'] });
    const ben = await core.call('contacts.create', { email: 'ben@p.test' });
    await core.call('contacts.create', { email: 'cy@p.test', tags: ['vip'] });
    const rules = await core.call('scoring.rules.get', {});
    const before = await core.call('contacts.list', { limit: 10 });
    const next = { ...rules, fit: [...rules.fit, { id: 'vip', when: { kind: 'tag' as const, op: 'has' as const, tag: 'vip' }, points: rules.thresholds.mql + 1 }] };

    const p = await core.call('scoring.preview', { config: next, contactIds: [ann.id, ben.id] });
    expect(p.everyone).toEqual({ rescored: 3, changed: 2, crossed: 2 });
    expect(p.sample.map((s) => [s.email, s.after - s.before])).toEqual([
      ['ann@p.test', rules.thresholds.mql + 1],
      ['ben@p.test', 0],
    ]);
    expect(p.sample[0]!.lines.some((l) => l.rule === 'vip')).toBe(true);
    // Nothing stored: rules, scores and stages as before.
    expect(await core.call('scoring.rules.get', {})).toEqual(rules);
    expect(await core.call('contacts.list', { limit: 10 })).toEqual(before);
    // Saving does what the preview said.
    const saved = await core.call('scoring.rules.set', { config: next });
    expect({ rescored: saved.rescored, changed: saved.changed, crossed: saved.crossed }).toEqual(p.everyone);
    expect((await core.call('contacts.get', { id: ann.id })).score.total).toBe(p.sample[0]!.after);

    // Without ids: a few contacts are picked; bad rules and unknown ids are named.
    expect((await core.call('scoring.preview', { config: rules })).sample.length).toBeGreaterThan(0);
    await expect(core.call('scoring.preview', { config: { ...rules, thresholds: { mql: 10, sql: 5 } } })).rejects.toThrow(/thresholds\.sql/);
    await expect(core.call('scoring.preview', { config: rules, contactIds: [9999] })).rejects.toThrow(/contactIds: no contact with id 9999/);
  });
});
