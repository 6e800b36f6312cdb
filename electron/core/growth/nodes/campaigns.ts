import { z } from 'zod';
import type { Portfolio } from '../../../../shared/contract/growth';
import type { Sqlite } from '../../db/open';
import { defineNode } from '../../engine/registry';
import { ex } from '../../engine/nodes/util';
import { allocate, memoriesOf, offTrack, patternsOf, recommend, roiOf, ALLOCATION_METHOD } from '../campaigns';
import { budgetOf, campaignSettings } from '../settings';
import { growthStoreOf } from '../store';
import type { ThreadEnv } from '../../env';

const dayOf = (now: number) => new Date(now).toISOString().slice(0, 10);

/**
 * The portfolio allocation over the running campaigns under the total budget,
 * itself held to the growth budget cap (what the campaigns engine may still
 * spend this month plus what running campaigns already hold). `write` stores
 * each campaign's allocation.
 */
export function portfolio(env: Pick<ThreadEnv, 'db' | 'setting' | 'get'>, now: number, opts: { totalBudget?: number; write?: boolean } = {}): Portfolio {
  const s = campaignSettings(env);
  const db: Sqlite = env.db;
  const running = db.prepare(`SELECT id, name, budget, allocated, spend, revenue, expected_roi FROM growth_campaigns WHERE status = 'running' ORDER BY id`).all() as {
    id: string;
    name: string;
    budget: number;
    allocated: number | null;
    spend: number;
    revenue: number;
    expected_roi: number | null;
  }[];
  const b = budgetOf(env, now);
  const room = b.headroom.campaigns;
  const wanted = opts.totalBudget ?? s.totalBudget;
  const total = room === null || room === undefined ? wanted : Math.min(wanted, room + b.adUsd);
  const allocations = allocate(
    running.map((r) => ({ id: r.id, name: r.name, current: r.budget, roi: r.spend > 0 ? roiOf(r) : r.expected_roi })),
    total,
    s.floor,
    s.cap,
  );
  if (opts.write) {
    const up = db.prepare('UPDATE growth_campaigns SET allocated = ?, updated_at = ? WHERE id = ?');
    const iso = new Date(now).toISOString();
    for (const a of allocations) up.run(a.allocated, iso, a.id);
  }
  return { totalBudget: Math.round(total * 100) / 100, allocated: Math.round(allocations.reduce((a, x) => a + x.allocated, 0) * 100) / 100, allocations, method: ALLOCATION_METHOD };
}

/**
 * ANALYZING for the campaign engine: success and failure patterns of the
 * memories (top share by ROI against the rest), running campaigns against
 * their targets (off track: escalation + campaign.offtrack event, once a day),
 * and grounded recommendations as candidates (each citing its memories).
 */
export const campaignsAnalyze = defineNode({
  type: 'campaigns.analyze',
  description: 'Campaign analysis: success/failure patterns, monitoring against targets (escalations), grounded recommendations.',
  params: z.object({ limit: z.number().int().min(1).max(200).default(20) }).strict(),
  run(ctx) {
    const s = campaignSettings(ctx.env);
    const store = growthStoreOf(ctx.env);
    const iso = new Date(ctx.now()).toISOString();
    const today = dayOf(ctx.now());
    const r = ctx.once('campaigns.analyze', () => {
      const mem = memoriesOf(ctx.db);
      const p = patternsOf(mem, s.topShare);
      const candidates = recommend(mem, p, s, ctx.params.limit);
      const off = offTrack(ctx.db, s, today);
      const mark = ctx.db.prepare('UPDATE growth_campaigns SET off_track_on = ? WHERE id = ?');
      for (const o of off) mark.run(today, o.id);
      const figures = {
        memories: p.memories,
        top: p.top,
        topAvgRoi: p.topAvgRoi,
        restAvgRoi: p.restAvgRoi,
        successPatterns: p.success.length,
        failurePatterns: p.failure.length,
        candidates: candidates.length,
        running: (ctx.db.prepare(`SELECT COUNT(*) AS n FROM growth_campaigns WHERE status = 'running'`).get() as { n: number }).n,
        offTrack: off.length,
      };
      store.recordFigures('campaigns', 'analyze', figures, iso);
      return { figures, candidates, offTrack: off, success: p.success.slice(0, 5), failure: p.failure.slice(0, 5) };
    });
    for (const o of r.value.offTrack) {
      ctx.escalate({
        severity: 'warning',
        title: `Campaign "${o.name}" is off track`,
        detail: `${o.metric}: ${o.actual} so far against a target of ${o.target}, ${Math.round(o.pace * 100)} % of the pace expected by now (below ${Math.round(s.offTrack * 100)} %, setting growth.campaigns offTrack).`,
        key: `campaign-offtrack:${o.id}:${today}`,
      });
      ctx.publish({ type: 'campaign.offtrack', data: { campaignId: o.id, name: o.name, metric: o.metric, target: o.target, actual: o.actual, pace: o.pace }, subject: { type: 'campaign', id: o.id } });
    }
    if (!r.replayed) ctx.env.emit('growth.changed', { engine: 'campaigns', kind: 'analyze' });
    return { output: { ...r.value, plansPerCycle: s.plansPerCycle } };
  },
});

const PlanItemIn = z.object({ id: z.number().int(), title: z.string(), detail: z.record(z.string(), z.unknown()), sources: z.array(z.string()).optional() }).passthrough();

/** EXECUTING (1/2): the planned items become planned campaigns with budget, KPI targets and the memories they cite; output for the approval. */
export const campaignsExecute = defineNode({
  type: 'campaigns.execute',
  description: 'Turn planned campaign items into planned campaigns (budget, KPI targets, cited memories) for approval.',
  params: z.object({ items: ex(z.array(PlanItemIn)) }).strict(),
  run(ctx) {
    const store = growthStoreOf(ctx.env);
    const iso = new Date(ctx.now()).toISOString();
    const items = Array.isArray(ctx.params.items) ? ctx.params.items.map((i) => PlanItemIn.parse(i)) : [];
    const r = ctx.once('campaigns.execute', () => {
      const ins = ctx.db.prepare(
        `INSERT INTO growth_campaigns (id, name, channel, audience, offer, budget, status, targets, sources, expected_roi, plan_item_id, imported_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 'planned', ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
      );
      const out = items.map((it) => {
        const d = it.detail as { channel: string; audience: string; offer: string; budget: number; expectedRoi: number; targets: Record<string, unknown> };
        const row = store.itemRow(it.id);
        const sources = it.sources ?? (row ? (JSON.parse(row.sources) as string[]) : []);
        const id = `plan-${it.id}`;
        const targets = { ...d.targets, days: 30 };
        ins.run(id, it.title, d.channel, d.audience, d.offer, d.budget, JSON.stringify(targets), JSON.stringify(sources), d.expectedRoi, it.id, iso, iso);
        store.updateItem(it.id, { status: 'executing', runId: ctx.run.id }, iso);
        return { id, name: it.title, budget: d.budget, expectedRoi: d.expectedRoi, targets, sources };
      });
      return { campaigns: out, ids: out.map((c) => c.id), budget: Math.round(out.reduce((a, c) => a + c.budget, 0) * 100) / 100 };
    });
    if (!r.replayed) ctx.env.emit('growth.changed', { engine: 'campaigns', kind: 'plan' });
    return { output: r.value };
  },
});

/** EXECUTING (2/2): approved campaigns start (running) and the portfolio budget is allocated again; refused ones are stopped and their items dropped. */
export const campaignsLaunch = defineNode({
  type: 'campaigns.launch',
  description: 'Start the approved planned campaigns and allocate the portfolio budget; drop the refused ones.',
  params: z.object({ ids: ex(z.array(z.string())), decision: ex(z.string()) }).strict(),
  run(ctx) {
    const store = growthStoreOf(ctx.env);
    const iso = new Date(ctx.now()).toISOString();
    const ids = Array.isArray(ctx.params.ids) ? ctx.params.ids.map(String) : [];
    const approved = ctx.params.decision === 'approved';
    const r = ctx.once('campaigns.launch', () => {
      const get = ctx.db.prepare('SELECT plan_item_id FROM growth_campaigns WHERE id = ?').pluck();
      const set = ctx.db.prepare(`UPDATE growth_campaigns SET status = ?, started_on = ?, updated_at = ? WHERE id = ? AND status = 'planned'`);
      for (const id of ids) {
        set.run(approved ? 'running' : 'stopped', approved ? dayOf(ctx.now()) : null, iso, id);
        const item = get.get(id) as number | null;
        if (item) store.updateItem(item, approved ? { status: 'done', actual: { launched: true, campaignId: id } } : { status: 'dropped', reason: `the launch was not approved (${String(ctx.params.decision)})` }, iso);
      }
      const p = portfolio(ctx.env, ctx.now(), { write: true });
      const figures = { launched: approved ? ids.length : 0, refused: approved ? 0 : ids.length, allocated: p.allocated, totalBudget: p.totalBudget, running: p.allocations.length };
      store.recordFigures('campaigns', 'execute', figures, iso);
      return { figures, allocations: p.allocations };
    });
    if (!r.replayed) ctx.env.emit('growth.changed', { engine: 'campaigns', kind: 'portfolio' });
    return { output: r.value };
  },
});

/** LEARNING for the campaign engine: finished campaigns it planned, actual ROI against expected; one learning per channel. */
export const campaignsLearn = defineNode({
  type: 'campaigns.learn',
  description: 'Campaign learning: finished planned campaigns, actual ROI against the expected, per channel.',
  params: z.object({}).strict(),
  run(ctx) {
    const store = growthStoreOf(ctx.env);
    const iso = new Date(ctx.now()).toISOString();
    const r = ctx.once('campaigns.learn', () => {
      const rows = ctx.db
        .prepare(
          `SELECT c.id, c.channel, c.spend, c.revenue, c.expected_roi, c.plan_item_id, i.run_id FROM growth_campaigns c JOIN growth_plan_items i ON i.id = c.plan_item_id WHERE c.status = 'finished' AND i.learned_at IS NULL`,
        )
        .all() as { id: string; channel: string; spend: number; revenue: number; expected_roi: number | null; plan_item_id: number; run_id: string | null }[];
      const by = new Map<string, { deltas: { ref: string; metric: string; before: number | null; after: number | null; delta: number | null }[]; runIds: Set<string> }>();
      for (const c of rows) {
        const actual = roiOf(c);
        const delta = actual !== null && c.expected_roi !== null ? Math.round((actual - c.expected_roi) * 100) / 100 : null;
        store.updateItem(c.plan_item_id, { actual: { roi: actual === null ? null : Math.round(actual * 100) / 100, expectedRoi: c.expected_roi, delta, spend: c.spend, revenue: c.revenue }, learned: true }, iso);
        const g = by.get(c.channel) ?? { deltas: [], runIds: new Set<string>() };
        g.deltas.push({ ref: c.id, metric: 'roi', before: c.expected_roi, after: actual, delta });
        if (c.run_id) g.runIds.add(c.run_id);
        by.set(c.channel, g);
      }
      const learnings: number[] = [];
      for (const [channel, g] of by) {
        const ds = g.deltas.map((d) => d.delta).filter((d): d is number => d !== null);
        if (!ds.length) continue;
        const mean = Math.round((ds.reduce((a, b) => a + b, 0) / ds.length) * 100) / 100;
        const text = `${channel} campaigns returned ${mean >= 0 ? `${mean} more` : `${-mean} less`} ROI than expected (${ds.length} campaign(s))`;
        learnings.push(
          store.addLearning(
            {
              engine: 'campaigns',
              workflowId: ctx.run.workflowId,
              runId: ctx.run.id,
              subject: `action:${channel}`,
              whatWorked: mean >= 0 ? text : '',
              whatDidNot: mean >= 0 ? '' : text,
              confidence: Math.round(Math.min(0.9, 0.4 + 0.15 * ds.length) * 100) / 100,
              evidence: { runIds: [...g.runIds], deltas: g.deltas, score: mean } as never,
              tags: ['action', channel],
              expiresAt: new Date(ctx.now() + 365 * 86_400_000).toISOString(),
            },
            iso,
          ).id,
        );
      }
      const figures = { finished: rows.length, learnings: learnings.length };
      store.recordFigures('campaigns', 'learn', figures, iso);
      return { figures, learnings };
    });
    if (!r.replayed) ctx.env.emit('growth.changed', { engine: 'campaigns', kind: 'learning' });
    return { output: r.value };
  },
});
