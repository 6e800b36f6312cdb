import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { explainScore, rescore } from '../../electron/core/crm/scoring';
import { ApiError, type EventPayload, type ScoringConfigInput } from '../../shared/api';
import { openTestCore } from '../helpers';

let core: Core;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ core, cleanup } = await openTestCore());
});
afterEach(async () => cleanup());

const rules: ScoringConfigInput = {
  thresholds: { mql: 30, sql: 60 },
  fit: [
    { id: 'ceo', label: 'Decision maker', when: { kind: 'field', field: 'title', op: 'contains', value: 'ceo' }, points: 15 },
    { id: 'vip', when: { kind: 'tag', op: 'has', tag: 'vip' }, points: 5 },
  ],
  behavior: [
    { id: 'opened', event: 'email.opened', points: 3, repeatable: true, cap: 9 },
    { id: 'pricing', event: 'page.visited', where: { path: 'url', op: 'contains', value: '/pricing' }, points: 10 },
    { id: 'meeting', event: 'meeting.booked', points: 40 },
    { id: 'bounce', event: 'email.bounced', points: -5, repeatable: true, cap: 8 },
  ],
  decay: { afterDays: 30, points: 4, everyDays: 10, max: 10 },
};

const recent = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();

describe('lead scoring', () => {
  it('validates rules with messages naming the field', async () => {
    const e = (await core.call('scoring.rules.set', { config: { ...rules, thresholds: { mql: 50, sql: 40 } } }).catch((x: unknown) => x)) as ApiError;
    expect(e.code).toBe('invalid_input');
    expect(e.issues).toContainEqual({ path: 'config.thresholds.sql', message: 'the SQL threshold (40) must be above the MQL threshold (50)' });
    const e2 = (await core.call('scoring.rules.set', { config: { ...rules, behavior: [{ id: 'x', event: 'email.teleported', points: 1 }] } }).catch((x: unknown) => x)) as ApiError;
    expect(e2.issues?.[0]?.path).toBe('config.behavior.0.event');
    const e3 = (await core.call('scoring.rules.set', { config: { ...rules, fit: [{ id: 'ceo', when: { kind: 'field', field: 'shoeSize', op: 'eq', value: 1 }, points: 1 }] } }).catch((x: unknown) => x)) as ApiError;
    expect(e3.issues?.[0]?.path).toBe('config.fit.0.when.field');
    expect((await core.call('scoring.rules.get', {})).thresholds).toEqual({ mql: 50, sql: 100 }); // defaults untouched
  });

  it('scores fit + capped repeatable + negative behaviour, explains every point, and promotes across thresholds once', async () => {
    await core.call('scoring.rules.set', { config: rules });
    const crossed: EventPayload<'crm.score.crossed'>[] = [];
    core.bus.on('crm.score.crossed', (p) => crossed.push(p));
    const c = await core.call('contacts.create', { email: 'ceo@acme.io', title: 'CEO', tags: ['vip'] });
    expect(c.score).toBe(20);
    const opened = [1, 2, 3, 4, 5].map((i) => ({ contactId: c.id, type: 'email.opened' as const, at: recent(100 - i) }));
    await core.call('events.ingest', { events: [...opened, { contactId: c.id, type: 'email.bounced', at: recent(50) }] });
    // 20 + min(5*3, 9) - 5 = 24
    expect((await core.call('contacts.get', { id: c.id })).contact.score).toBe(24);
    expect(crossed).toEqual([]);
    await core.call('events.ingest', { events: [{ contactId: c.id, type: 'page.visited', at: recent(10), data: { url: 'https://acme.io/pricing?x=1' } }] });
    expect(crossed).toEqual([{ contactId: c.id, threshold: 'mql', score: 34, from: 'lead', to: 'mql' }]);
    await core.call('events.ingest', { events: [{ contactId: c.id, type: 'meeting.booked', at: recent(5) }] });
    expect(crossed[1]).toEqual({ contactId: c.id, threshold: 'sql', score: 74, from: 'mql', to: 'sql' });

    const g = await core.call('contacts.get', { id: c.id });
    expect(g.contact.stage).toBe('sql');
    expect(g.score.total).toBe(74);
    expect(g.score.total).toBe(g.contact.score);
    const byRule = Object.fromEntries(g.score.lines.map((l) => [l.rule, l]));
    expect(byRule.ceo).toMatchObject({ kind: 'fit', points: 15, label: 'Decision maker' });
    expect(byRule.vip!.points).toBe(5);
    expect(byRule.opened).toMatchObject({ points: 9, at: opened[4]!.at });
    expect(byRule.opened!.detail).toBe('5 × email.opened at 3 each, capped at 9');
    expect(byRule.bounce!.points).toBe(-5);
    expect(byRule.pricing!.points).toBe(10);
    expect(byRule.meeting!.points).toBe(40);
    const lifecycle = g.timeline.filter((e) => e.type === 'lifecycle.changed').map((e) => e.data);
    expect(lifecycle).toEqual([
      { from: 'mql', to: 'sql', reason: 'score', score: 74, threshold: 60 },
      { from: 'lead', to: 'mql', reason: 'score', score: 34, threshold: 30 },
    ]);

    // re-scoring without change crosses nothing again
    const r = await core.call('scoring.rescore', {});
    expect(r).toMatchObject({ rescored: 1, changed: 0, crossed: 0 });
  });

  it('decays inactive contacts in steps up to the maximum', async () => {
    await core.call('scoring.rules.set', { config: rules });
    const c = await core.call('contacts.create', { email: 'quiet@acme.io', title: 'CEO' });
    await core.call('events.ingest', { events: [{ contactId: c.id, type: 'meeting.booked', at: '2025-01-01T00:00:00Z' }] });
    const at = (days: number) => new Date(Date.parse('2025-01-01T00:00:00Z') + days * 86_400_000);
    const score = () => (core.db.prepare('SELECT score FROM contacts WHERE id = ?').get(c.id) as { score: number }).score;
    rescore(core, { now: at(29) });
    expect(score()).toBe(55);
    rescore(core, { now: at(30) });
    expect(score()).toBe(51);
    rescore(core, { now: at(45) });
    expect(score()).toBe(47);
    rescore(core, { now: at(400) });
    expect(score()).toBe(45);
    const { explainScore } = await import('../../electron/core/crm/scoring');
    const ex = explainScore(core, c.id, at(400));
    expect(ex.total).toBe(45);
    expect(ex.lines.find((l) => l.rule === 'decay')).toMatchObject({ points: -10, detail: 'no activity for 400 days (since 2025-01-01T00:00:00.000Z)' });
  });

  it('a rule change re-scores everyone and reports crossings', async () => {
    for (let i = 0; i < 5; i++) await core.call('contacts.create', { email: `p${i}@acme.io`, title: i < 2 ? 'CEO' : 'Intern' });
    await core.call('scoring.rules.set', { config: rules });
    const r = await core.call('scoring.rules.set', { config: { ...rules, fit: [{ id: 'ceo', when: { kind: 'field', field: 'title', op: 'eq', value: 'CEO' }, points: 35 }] } });
    expect(r).toMatchObject({ rescored: 5, changed: 2, crossed: 2 });
    expect((await core.call('contacts.list', { filter: { match: 'all', conditions: [{ kind: 'field', field: 'stage', op: 'eq', value: 'mql' }] } })).total).toBe(2);
  });

  it('re-scoring everyone (one index range per rule) gives the per-contact scores and explanations, and records crossings', async () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const ids: number[] = [];
    for (let i = 0; i < 40; i++) ids.push((await core.call('contacts.create', { email: `p${i}@acme.io`, title: i % 3 === 0 ? 'CEO' : 'Intern', tags: i % 4 === 0 ? ['vip'] : [] })).id);
    const types = ['email.opened', 'email.clicked', 'page.visited', 'meeting.booked', 'email.bounced', 'email.sent'] as const;
    const events = [];
    for (let i = 0; i < 400; i++) {
      const type = types[Math.floor(rnd() * types.length)]!;
      const daysAgo = Math.floor(rnd() * 120);
      const url = rnd() < 0.5 ? 'https://acme.io/pricing' : 'https://acme.io/blog';
      events.push({ contactId: ids[Math.floor(rnd() * ids.length)]!, type, at: new Date(Date.now() - daysAgo * 86_400_000 - 60_000).toISOString(), ...(type === 'page.visited' ? { data: { url } } : {}) });
    }
    for (let i = 0; i < events.length; i += 100) await core.call('events.ingest', { events: events.slice(i, i + 100) });
    const windowed: ScoringConfigInput = {
      ...rules,
      thresholds: { mql: 25, sql: 1000 },
      behavior: [
        { id: 'opened', event: 'email.opened', points: 3, repeatable: true, cap: 9, withinDays: 60 },
        { id: 'clicked', event: 'email.clicked', points: 4, repeatable: true },
        { id: 'pricing', event: 'page.visited', where: { path: 'url', op: 'contains', value: '/pricing' }, points: 6, repeatable: true, cap: 12, withinDays: 90 },
        { id: 'pricing-once', event: 'page.visited', where: { path: 'url', op: 'contains', value: '/pricing' }, points: 2 },
        { id: 'meeting', event: 'meeting.booked', points: 10, withinDays: 30 },
        { id: 'bounce', event: 'email.bounced', points: -7, repeatable: true, cap: 14 },
      ],
    };
    await core.call('scoring.rules.set', { config: { ...windowed, behavior: [] } }); // fit only: everyone below 25
    const crossed: EventPayload<'crm.score.crossed'>[] = [];
    core.bus.on('crm.score.crossed', (p) => crossed.push(p));
    const before = core.db.prepare(`SELECT id, score, stage FROM contacts ORDER BY id`).all() as { id: number; score: number; stage: string }[];
    const lastEvent = (core.db.prepare(`SELECT MAX(id) AS m FROM events`).get() as { m: number }).m;
    const r = await core.call('scoring.rules.set', { config: windowed });
    expect(r.rescored).toBe(40);
    const now = new Date();
    const full = core.db.prepare(`SELECT id, score, stage FROM contacts ORDER BY id`).all() as { id: number; score: number; stage: string }[];
    for (const c of full) expect({ id: c.id, score: explainScore(core, c.id, now).total }).toEqual({ id: c.id, score: c.score });
    // the per-contact path computes the same scores
    core.db.prepare(`UPDATE contacts SET score = -1000`).run();
    rescore(core, { ids, now, promote: false });
    expect(core.db.prepare(`SELECT id, score, stage FROM contacts ORDER BY id`).all()).toEqual(full);
    // every lead whose score went from below to at/above the MQL threshold was promoted once, with its score.crossed row
    const promoted = full.filter((c, i) => c.score >= 25 && before[i]!.score < 25 && before[i]!.stage === 'lead').map((c) => c.id);
    expect(promoted.length).toBeGreaterThan(0);
    expect(r.crossed).toBe(promoted.length);
    expect(crossed.map((c) => c.contactId).sort((a, b) => a - b)).toEqual(promoted);
    for (const id of promoted) expect(full.find((c) => c.id === id)!.stage).toBe('mql');
    const rows = core.db.prepare(`SELECT CAST(subject_id AS INTEGER) AS id FROM events WHERE type = 'score.crossed' AND id > ? ORDER BY 1`).all(lastEvent) as { id: number }[];
    expect(rows.map((x) => x.id)).toEqual(promoted);
  });

  it('rules with a data condition count the kept matches: filled from the events at first use and with the new events at each re-score of everyone, kept by triggers as events are moved and deleted, the same scores as explainScore', async () => {
    let seed = 11;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) ids.push((await core.call('contacts.create', { email: `s${i}@acme.io`, title: i % 2 ? 'CEO' : null })).id);
    const randomEvents = (n: number) => {
      const out = [];
      for (let i = 0; i < n; i++) {
        const opened = rnd() < 0.5;
        const at = new Date(Date.now() - Math.floor(rnd() * 120) * 86_400_000 - 60_000).toISOString();
        const data = opened ? (rnd() < 0.2 ? {} : { machine: rnd() < 0.3 }) : { url: rnd() < 0.5 ? 'https://acme.io/pricing' : 'https://acme.io/blog' };
        out.push({ contactId: ids[Math.floor(rnd() * ids.length)]!, type: opened ? ('email.opened' as const) : ('page.visited' as const), at, data });
      }
      return out;
    };
    const ingest = async (events: ReturnType<typeof randomEvents>) => {
      for (let i = 0; i < events.length; i += 100) await core.call('events.ingest', { events: events.slice(i, i + 100) });
    };
    await ingest(randomEvents(300));
    const opened = { id: 'opened', event: 'email.opened', where: { path: 'machine', op: 'eq', value: false }, points: 2, repeatable: true, cap: 12, withinDays: 60 } as const;
    const pricing = { id: 'pricing', event: 'page.visited', where: { path: 'url', op: 'contains', value: '/pricing' }, points: 5, repeatable: true, cap: 20, withinDays: 90 } as const;
    const config: ScoringConfigInput = {
      ...rules,
      behavior: [opened, pricing, { ...pricing, id: 'pricing-once', points: 3, repeatable: false, cap: undefined, withinDays: undefined }, { id: 'visited', event: 'page.visited', points: 1, repeatable: true, cap: 4, withinDays: 30 }],
    };
    // The kept matches, and the same read straight from the events (their JSON parsed here).
    const kept = () =>
      core.db.prepare(`SELECT c.key, m.contact_id AS contact, m.event_id AS event, m.at FROM crm_score_matches m JOIN crm_score_conditions c ON c.id = m.cond ORDER BY 1, m.event_id`).all();
    const fromEvents = () => {
      const conds = core.db.prepare(`SELECT key FROM crm_score_conditions ORDER BY key`).pluck().all() as string[];
      const events = core.db.prepare(`SELECT id, at, type, subject_id, data FROM events WHERE subject_type = 'contact' ORDER BY id`).all() as { id: number; at: string; type: string; subject_id: string; data: string | null }[];
      return conds.flatMap((key) => {
        const [event, path, op, value] = JSON.parse(key) as [string, string, string, unknown];
        const meets = (v: unknown) => (op === 'eq' && value === false ? !v : op === 'contains' ? typeof v === 'string' && v.includes(String(value)) : v === value);
        return events.filter((e) => e.type === event && meets((JSON.parse(e.data ?? '{}') as Record<string, unknown>)[path])).map((e) => ({ key, contact: Number(e.subject_id), event: e.id, at: e.at }));
      });
    };
    const scores = () => core.db.prepare(`SELECT id, score FROM contacts WHERE deleted_at IS NULL ORDER BY id`).all() as { id: number; score: number }[];
    const everyoneAsExplained = () => {
      const now = new Date();
      core.db.prepare(`UPDATE contacts SET score = -1000`).run();
      rescore(core, { now, promote: false });
      const s = scores();
      for (const c of s) expect({ id: c.id, score: explainScore(core, c.id, now).total }).toEqual(c);
      return s;
    };

    // First use: each condition filled from the events already stored (two rules share one condition).
    expect(kept()).toEqual([]);
    await core.call('scoring.rules.set', { config });
    expect(core.db.prepare(`SELECT COUNT(*) FROM crm_score_conditions`).pluck().get()).toBe(2);
    expect(kept().length).toBeGreaterThan(50);
    expect(kept()).toEqual(fromEvents());
    expect(everyoneAsExplained().some((c) => c.score > 20)).toBe(true);

    // New events (through the per-contact path) cost nothing more to write: the next re-score of everyone adds their matches first.
    await ingest(randomEvents(200));
    expect(kept().length).toBeLessThan(fromEvents().length);
    everyoneAsExplained();
    expect(kept()).toEqual(fromEvents());

    // A merge moves the source's events (and so their matches) to the target; a deleted event's match goes.
    await core.call('contacts.merge', { targetId: ids[0]!, sourceId: ids[1]! });
    const aMatch = core.db.prepare(`SELECT event_id FROM crm_score_matches m JOIN crm_score_conditions c ON c.id = m.cond WHERE c.key LIKE '["email.opened"%' LIMIT 1`).pluck().get() as number;
    core.db.prepare(`DELETE FROM events WHERE id = ?`).run(aMatch);
    core.db.prepare(`DELETE FROM events WHERE id = (SELECT MAX(event_id) FROM crm_score_matches)`).run();
    expect(kept()).toEqual(fromEvents());
    expect(kept().some((m) => (m as { contact: number }).contact === ids[1])).toBe(false);
    everyoneAsExplained();
    ids.splice(1, 1);
    // Events written and then changed before the next re-score of everyone: their matches once, as they are now.
    await ingest(randomEvents(100));
    core.db.prepare(`UPDATE events SET data = '{"url":"/pricing"}' WHERE id = (SELECT MAX(id) FROM events WHERE type = 'page.visited')`).run();
    core.db.prepare(`UPDATE events SET data = '{"machine":1}' WHERE id = (SELECT MAX(id) FROM events WHERE type = 'email.opened')`).run();
    everyoneAsExplained();
    expect(kept()).toEqual(fromEvents());

    // A preview with another condition keeps nothing of it; new rules drop the conditions no longer used and fill the new one.
    await core.call('scoring.preview', { config: { ...config, behavior: [{ ...pricing, where: { path: 'url', op: 'contains', value: '/blog' } }] } });
    expect(core.db.prepare(`SELECT COUNT(*) FROM crm_score_conditions`).pluck().get()).toBe(2);
    await core.call('scoring.rules.set', { config: { ...config, behavior: [opened, { ...pricing, where: { path: 'url', op: 'contains', value: '/blog' } }] } });
    expect((core.db.prepare(`SELECT key FROM crm_score_conditions ORDER BY key`).pluck().all() as string[]).map((k) => JSON.parse(k)[3])).toEqual([false, '/blog']);
    await ingest(randomEvents(100));
    everyoneAsExplained();
    expect(kept()).toEqual(fromEvents());
  });
});
