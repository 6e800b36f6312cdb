import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { inSegment } from '../../electron/core/crm';
import { refreshRollup } from '../../electron/core/crm/kpi';
import { newPending, storeOf } from '../../electron/core/crm/store';
import type { FilterInput } from '../../shared/api';
import { openTestCore } from '../helpers';

let core: Core;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ core, cleanup } = await openTestCore());
});
afterEach(async () => cleanup());

const ago = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

describe('segments', () => {
  it('compile event-history, inactivity, tag, score and field conditions to SQL and count live', async () => {
    const mk = (email: string, extra: Record<string, unknown> = {}) => core.call('contacts.create', { email, ...extra });
    const a = await mk('a@x.io', { tags: ['vip'] });
    const b = await mk('b@x.io');
    const c = await mk('c@x.io', { custom: { plan: 'pro', seats: 12 } });
    const d = await mk("o'hara@x.io");
    await core.call('events.ingest', {
      events: [
        { contactId: a.id, type: 'email.clicked', at: ago(3), data: { url: 'https://x.io/pricing' } },
        { contactId: a.id, type: 'email.clicked', at: ago(5) },
        { contactId: b.id, type: 'email.clicked', at: ago(45) },
        { contactId: c.id, type: 'page.visited', at: ago(2) },
      ],
    });
    // a, b and d were created "long ago" for the inactivity test
    core.db.prepare(`UPDATE contacts SET created_at = ? WHERE id IN (?, ?, ?)`).run(ago(90), a.id, b.id, d.id);
    const n = async (filter: FilterInput) => (await core.call('segments.count', { filter })).count;
    expect(await n({ conditions: [{ kind: 'event', type: 'email.clicked', withinDays: 30 }] })).toBe(1);
    expect(await n({ conditions: [{ kind: 'event', type: 'email.clicked' }] })).toBe(2);
    expect(await n({ conditions: [{ kind: 'event', type: 'email.clicked', minCount: 2 }] })).toBe(1);
    expect(await n({ conditions: [{ kind: 'event', type: 'email.clicked', op: 'did_not', withinDays: 30 }] })).toBe(3);
    expect(await n({ conditions: [{ kind: 'event', type: 'email.clicked', where: { path: 'url', op: 'contains', value: 'pricing' } }] })).toBe(1);
    expect(await n({ conditions: [{ kind: 'inactive', days: 30 }] })).toBe(2); // b (last click 45 days ago) and d (never active)
    expect(await n({ conditions: [{ kind: 'tag', op: 'has_not', tag: 'vip' }] })).toBe(3);
    expect(await n({ conditions: [{ kind: 'field', field: 'custom.plan', op: 'eq', value: 'pro' }] })).toBe(1);
    expect(await n({ conditions: [{ kind: 'field', field: 'custom.seats', op: 'gte', value: 10 }] })).toBe(1);
    expect(await n({ conditions: [{ kind: 'field', field: 'custom.plan', op: 'neq', value: 'pro' }] })).toBe(3);
    expect(await n({ conditions: [{ kind: 'field', field: 'stage', op: 'in', value: ['lead', 'mql'] }] })).toBe(4);
    // default rules: a has 2 recent clicks (+10); b one click (+5) but 45 days inactive (-10)
    expect(await n({ conditions: [{ kind: 'field', field: 'score', op: 'gt', value: 0 }] })).toBe(1);
    expect(await n({ conditions: [{ kind: 'field', field: 'score', op: 'lt', value: 0 }] })).toBe(1);
    // user values are bound, never spliced: quotes and LIKE wildcards are literal
    expect(await n({ conditions: [{ kind: 'field', field: 'email', op: 'eq', value: "x' OR '1'='1" }] })).toBe(0);
    expect(await n({ conditions: [{ kind: 'field', field: 'email', op: 'starts_with', value: "o'h" }] })).toBe(1);
    expect(await n({ conditions: [{ kind: 'field', field: 'email', op: 'contains', value: '%' }] })).toBe(0);
    expect(await n({ match: 'any', conditions: [{ kind: 'tag', op: 'has', tag: 'vip' }, { kind: 'field', field: 'custom.plan', op: 'exists' }] })).toBe(2);

    const seg = await core.call('segments.save', { name: 'Clicked lately', filter: { conditions: [{ kind: 'event', type: 'email.clicked', withinDays: 30 }] } });
    expect(seg.count).toBe(1);
    expect(inSegment(core, seg.id, a.id)).toBe(true);
    expect(inSegment(core, seg.id, b.id)).toBe(false);
    await core.call('events.ingest', { events: [{ contactId: b.id, type: 'email.clicked' }] });
    expect(inSegment(core, seg.id, b.id)).toBe(true);
    expect((await core.call('segments.list', {})).segments[0]!.count).toBe(2);
    expect((await core.call('contacts.list', { segmentId: seg.id })).rows.map((r) => r.email)).toEqual(['a@x.io', 'b@x.io']);
    await core.call('contacts.delete', { id: a.id });
    expect(inSegment(core, seg.id, a.id)).toBe(false);
    const clash = await core.call('segments.save', { name: 'Clicked lately', filter: { conditions: [] } }).catch((e: unknown) => e);
    expect(clash).toMatchObject({ code: 'conflict', issues: [{ path: 'name' }] });
    const badOp = await core.call('segments.count', { filter: { conditions: [{ kind: 'field', field: 'stage', op: 'in', value: 'lead' }] } }).catch((e: unknown) => e);
    expect(badOp).toMatchObject({ code: 'invalid_input', issues: [{ path: 'filter.conditions.0.value', message: 'operator in needs a list of values' }] });
  });
});

describe('funnel KPIs', () => {
  it('computes the funnel, revenue and pipeline for a range and the previous period (hand-checked)', async () => {
    const store = storeOf(core);
    const p = newPending();
    const at = (d: string) => `2025-${d}T12:00:00.000Z`;
    const create = (email: string, stage: string, d: string) =>
      core.db.transaction(() => store.write(p, { fields: { email, stage } }, { mode: 'create', reason: 'test', at: at(d) }).id)();
    const stage = (id: number, s: string, d: string) => core.db.transaction(() => store.write(p, { fields: { stage: s } }, { mode: 'patch', id, reason: 'test', at: at(d) }))();
    // previous period: 2025-02-19 .. 2025-02-28
    create('g@x.io', 'lead', '02-10'); // before both periods
    const e = create('e@x.io', 'lead', '02-20');
    create('f@x.io', 'lead', '02-25');
    stage(e, 'mql', '02-26');
    // current period: 2025-03-01 .. 2025-03-10
    const a = create('a@x.io', 'lead', '03-01');
    const b = create('b@x.io', 'lead', '03-02');
    create('c@x.io', 'mql', '03-02');
    const d = create('d@x.io', 'subscriber', '03-05');
    stage(d, 'lead', '03-06');
    stage(a, 'mql', '03-03');
    stage(a, 'sql', '03-04');
    stage(b, 'sql', '03-05'); // a jump counts for mql too
    const dealA = await core.call('deals.create', { contactId: a, value: 1000, currency: 'EUR', stage: 'negotiation', openedAt: at('03-04') });
    await core.call('deals.update', { id: dealA.id, stage: 'won', at: at('03-08') });
    await core.call('deals.create', { contactId: b, value: 500, stage: 'proposal', openedAt: at('03-06') });
    const dealE = await core.call('deals.create', { contactId: e, value: 200, stage: 'qualification', openedAt: at('02-27') });
    await core.call('deals.update', { id: dealE.id, stage: 'lost', at: at('03-09') });
    await stage(a, 'churned', '03-09'); // not progress

    const k = await core.call('kpi.dashboard', { from: '2025-03-01', to: '2025-03-10' });
    expect(k.previousRange).toEqual({ from: '2025-02-19', to: '2025-02-28' });
    expect(k.current).toEqual({
      newLeads: 4,
      reachedMql: 3,
      reachedSql: 2,
      dealsWon: 1,
      leadToMql: 75,
      mqlToSql: 66.7,
      sqlToWon: 50,
      revenueWon: [{ currency: 'EUR', value: 1000 }],
      pipeline: [{ stage: 'proposal', currency: 'USD', count: 1, value: 500 }],
    });
    expect(k.previous).toEqual({
      newLeads: 2,
      reachedMql: 1,
      reachedSql: 0,
      dealsWon: 0,
      leadToMql: 50,
      mqlToSql: 0,
      sqlToWon: null,
      revenueWon: [],
      pipeline: [{ stage: 'closed since', currency: 'USD', count: 1, value: 200 }],
    });
    expect(k.newLeadsPerDay.filter((x) => x.count > 0)).toEqual([
      { day: '2025-03-01', count: 1 },
      { day: '2025-03-02', count: 2 },
      { day: '2025-03-06', count: 1 },
    ]);
    expect(k.newLeadsPerDay).toHaveLength(10);
    expect(k.previousNewLeadsPerDay.reduce((s, x) => s + x.count, 0)).toBe(2);

    // the rollup is incremental: nothing to do when nothing happened, new events are folded in
    expect(refreshRollup(core)).toBe(0);
    create('h@x.io', 'lead', '03-10');
    expect(refreshRollup(core)).toBe(1);
    expect((await core.call('kpi.dashboard', { from: '2025-03-01', to: '2025-03-10' })).current.newLeads).toBe(5);
    const bad = await core.call('kpi.dashboard', { from: '2025-03-10', to: '2025-03-01' }).catch((x: unknown) => x);
    expect(bad).toMatchObject({ code: 'invalid_input', issues: [{ path: 'to' }] });
  });

  it('e-mail rates, sequence completion, sales cycle and time in stage (hand-checked); an old rollup is rebuilt', async () => {
    const at = (d: string) => `2025-${d}T12:00:00.000Z`;
    const mail = (email: string, type: string, d: string) => ({ email, type, at: at(d) });
    await core.call('events.ingest', {
      events: [
        mail('m1@x.io', 'email.sent', '04-01'),
        mail('m2@x.io', 'email.sent', '04-01'),
        mail('m3@x.io', 'email.sent', '04-02'),
        mail('m4@x.io', 'email.sent', '04-03'),
        mail('m1@x.io', 'email.replied', '04-02'),
        mail('m2@x.io', 'email.bounced', '04-02'),
        mail('m3@x.io', 'email.unsubscribed', '04-04'),
        mail('m9@x.io', 'email.sent', '03-30'), // previous period
      ],
    });
    await core.call('sequences.save', { id: 'kpi-seq', name: 'KPI', steps: [{ type: 'task', title: 'Call' }] });
    const ids = (await core.call('contacts.list', { search: '@x.io', limit: 10 })).rows.map((r) => r.id);
    const enroll = core.db.prepare(`INSERT INTO enrollments (sequence_id, contact_id, status, next_at, enrolled_at, finished_at) VALUES ('kpi-seq', ?, ?, 0, ?, ?)`);
    enroll.run(ids[0], 'completed', at('03-20'), at('04-02'));
    enroll.run(ids[1], 'completed', at('03-20'), at('04-03'));
    enroll.run(ids[2], 'exited', at('03-20'), at('04-04'));
    enroll.run(ids[3], 'active', at('03-20'), null);
    const won = await core.call('deals.create', { contactId: ids[0], value: 10, stage: 'proposal', openedAt: at('03-25') });
    await core.call('deals.update', { id: won.id, stage: 'won', at: at('04-04') });
    const open = await core.call('deals.create', { contactId: ids[1], value: 10, stage: 'negotiation', openedAt: new Date(Date.now() - 4 * 86_400_000).toISOString() });

    const k = await core.call('kpi.dashboard', { from: '2025-04-01', to: '2025-04-05' });
    expect(k.engagement.current).toEqual({
      emailsSent: 4,
      replies: 1,
      replyRate: 25,
      bounces: 1,
      bounceRate: 25,
      unsubscribes: 1,
      unsubscribeRate: 25,
      complaints: 0,
      sequencesEnded: 3,
      sequencesCompleted: 2,
      sequenceCompletionRate: 66.7,
      salesCycleDays: 10,
    });
    expect(k.engagement.previous).toMatchObject({ emailsSent: 1, replyRate: 0, sequencesEnded: 0, sequenceCompletionRate: null, salesCycleDays: null });
    expect(k.timeInStage.find((t) => t.stage === 'negotiation')).toEqual({ stage: 'negotiation', deals: 1, avgDays: 4 });
    expect(open.stage).toBe('negotiation');

    // A store rolled up before e-mail metrics existed (version 1) is rebuilt from the first event.
    core.db.prepare(`DELETE FROM kpi_daily WHERE metric LIKE 'email_%'`).run();
    core.db.prepare(`DELETE FROM crm_state WHERE key = 'kpi.version'`).run();
    expect((await core.call('kpi.dashboard', { from: '2025-04-01', to: '2025-04-05' })).engagement.current.emailsSent).toBe(4);
  });
});
