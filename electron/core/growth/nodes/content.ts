import { z } from 'zod';
import { brandDocs } from '../../ai/workspace';
import { defineNode, NodeError } from '../../engine/registry';
import { ex } from '../../engine/nodes/util';
import { NETWORK_STEP_TIMEOUT_MS } from '../../engine/pool-limits';
import { addDays, brandVocabulary, freeSlot, idea, markSourceFailing, recomputeTrends, saveIdeas, storeFeed, trendCandidates } from '../content';
import { fetchFeed, type Feed } from '../feeds';
import { contentSettings } from '../settings';
import { growthStoreOf } from '../store';

const dayOf = (now: number) => new Date(now).toISOString().slice(0, 10);

/**
 * ANALYZING for the trend content engine: every feed is fetched (a feed that is
 * down or malformed is marked failing with the reason; the others go on), the
 * series' lifecycles, velocities and relevance to the brand documents are
 * recomputed, a relevant trend that just became EMERGING raises a
 * time-sensitive alert (escalation + trend.emerging event), and the relevant
 * trends become planning candidates. Calendar entries due today are listed for
 * production.
 */
export const contentAnalyze = defineNode({
  type: 'content.analyze',
  timeoutMs: NETWORK_STEP_TIMEOUT_MS,
  description: 'Trend analysis: fetch the feeds, lifecycle (EMERGING/PEAK/DECLINING) and velocity, relevance to the brand, alerts on emerging trends, candidates.',
  params: z.object({ limit: z.number().int().min(1).max(500).default(30), produce: z.number().int().min(0).max(50).default(5) }).strict(),
  async run(ctx) {
    const s = contentSettings(ctx.env);
    const today = dayOf(ctx.now());
    const sources = ctx.db.prepare(`SELECT id, name, url FROM growth_sources WHERE kind = 'feed' AND url IS NOT NULL ORDER BY id`).all() as { id: number; name: string; url: string }[];
    const fetched: { id: number; feed?: Feed; error?: string }[] = [];
    for (const src of sources) {
      try {
        fetched.push({ id: src.id, feed: await fetchFeed(src.url, ctx.signal) });
      } catch (e) {
        fetched.push({ id: src.id, error: (e as Error).message });
      }
    }
    const vocab = brandVocabulary(brandDocs(ctx.env.dataDir));
    const iso = new Date(ctx.now()).toISOString();
    const store = growthStoreOf(ctx.env);
    const r = ctx.once('content.analyze', () => {
      let terms = 0;
      for (const f of fetched) {
        if (f.feed) terms += storeFeed(ctx.db, f.id, f.feed, today, iso);
        else markSourceFailing(ctx.db, f.id, f.error ?? 'failed', iso);
      }
      const rc = recomputeTrends(ctx.db, s, vocab, today, iso);
      const alerts = rc.newlyEmerging.filter((t) => t.relevance >= s.minRelevance);
      const mark = ctx.db.prepare('UPDATE growth_trends SET alerted_at = ? WHERE id = ?');
      for (const a of alerts) mark.run(iso, a.id);
      const candidates = trendCandidates(ctx.db, s, ctx.params.limit);
      const due = (
        ctx.db.prepare(`SELECT id, title, angle, channel, brief FROM growth_ideas WHERE status = 'scheduled' AND day <= ? ORDER BY day, id LIMIT ?`).all(today, ctx.params.produce) as {
          id: number;
          title: string;
          angle: string;
          channel: string;
          brief: string | null;
        }[]
      ).map((d) => ({ id: d.id, title: d.title, angle: d.angle, channel: d.channel, brief: d.brief ? (JSON.parse(d.brief) as unknown) : null }));
      const count = (sql: string, ...a: unknown[]) => (ctx.db.prepare(sql).get(...a) as { n: number }).n;
      const weekAgo = new Date(ctx.now() - 7 * 86_400_000).toISOString();
      const figures = {
        sources: sources.length,
        failing: fetched.filter((f) => f.error).length,
        terms,
        trends: rc.trends,
        emerging: count(`SELECT COUNT(*) AS n FROM growth_trends WHERE lifecycle = 'EMERGING'`),
        emerging7d: count(`SELECT COUNT(*) AS n FROM growth_trends WHERE emerging_at >= ?`, weekAgo),
        alerts: alerts.length,
        candidates: candidates.length,
        due: due.length,
        brandDocuments: vocab.size > 0,
      };
      store.recordFigures('content', 'analyze', figures, iso);
      return { figures, candidates, due, alerts, failing: fetched.filter((f) => f.error).map((f) => ({ sourceId: f.id, error: f.error })) };
    });
    for (const a of r.value.alerts) {
      ctx.escalate({
        severity: 'warning',
        title: `Time-sensitive: "${a.label}" is emerging`,
        detail: `A trend relevant to your brand (relevance ${a.relevance}) is rising fast (velocity ${a.velocity}). The trend content engine plans ideas for it this cycle; publish while it is fresh.`,
        key: `trend-emerging:${a.id}`,
      });
      ctx.publish({ type: 'trend.emerging', data: { trendId: a.id, term: a.term, label: a.label, velocity: a.velocity, relevance: a.relevance }, subject: { type: 'trend', id: String(a.id) } });
    }
    for (const f of r.value.failing) ctx.log.warn('content: trend source failing', { sourceId: f.sourceId, error: f.error });
    if (!r.replayed) ctx.env.emit('growth.changed', { engine: 'content', kind: 'analyze' });
    return { output: { ...r.value, ideasPerTrend: s.ideasPerTrend, channels: s.channels.join(', ') } };
  },
});

const IdeaIn = z.object({ ref: z.string(), title: z.string().min(1), angle: z.string().optional(), channel: z.string() }).passthrough();

/**
 * Save Claude's ideas under the plan's trend items (an idea naming a trend the
 * plan does not hold is left out; a channel that is not configured takes the
 * item's channel); the items are done with the number of ideas. Output: the
 * ideas to brief this cycle (briefsPerCycle, one per trend first, by priority).
 */
export const contentIdeas = defineNode({
  type: 'content.ideas',
  description: 'Save content ideas for the planned trends; outputs the ones to brief this cycle.',
  params: z.object({ ideas: ex(z.array(IdeaIn)), plan: ex(z.number().int()), cost: ex(z.number().min(0)).optional() }).strict(),
  run(ctx) {
    const s = contentSettings(ctx.env);
    const store = growthStoreOf(ctx.env);
    const list = Array.isArray(ctx.params.ideas) ? ctx.params.ideas.map((i) => IdeaIn.safeParse(i)).filter((r) => r.success).map((r) => r.data!) : [];
    const planId = Number(ctx.params.plan);
    if (!Number.isInteger(planId)) throw new NodeError('content.ideas: "plan" is not a plan id', { retryable: false, code: 'bad_param' });
    const iso = new Date(ctx.now()).toISOString();
    const r = ctx.once('content.ideas', () => {
      const items = store.items({ planId, limit: 1000, offset: 0 }).items.filter((i) => i.status === 'planned');
      const byRef = new Map(items.map((i) => [i.ref, i]));
      const rows = list
        .filter((i) => byRef.has(i.ref))
        .map((i) => {
          const it = byRef.get(i.ref)!;
          return { trendId: Number(it.ref.slice(6)) || null, itemId: it.id, title: i.title, angle: i.angle ?? '', channel: s.channels.includes(i.channel) ? i.channel : it.action, priority: it.priority, lifecycle: String(it.detail.lifecycle ?? ''), trend: it.title };
        });
      const ids = saveIdeas(ctx.db, rows, ctx.run.id, iso);
      const perItem = new Map<number, number>();
      for (const x of rows) perItem.set(x.itemId, (perItem.get(x.itemId) ?? 0) + 1);
      const cost = typeof ctx.params.cost === 'number' ? ctx.params.cost : 0;
      for (const it of items) store.updateItem(it.id, perItem.has(it.id) ? { status: 'done', actual: { ideas: perItem.get(it.id) } } : { status: 'dropped', reason: 'no idea was given for this trend' }, iso);
      if (cost) store.addPlanCost(planId, cost, iso);
      // One brief per trend first (by priority), then the next ideas.
      const withIds = rows.map((x, k) => ({ ...x, id: ids[k]! })).sort((a, b) => a.priority - b.priority || a.id - b.id);
      const first: typeof withIds = [];
      const seen = new Set<number>();
      for (const x of withIds) {
        if (seen.has(x.itemId)) continue;
        seen.add(x.itemId);
        first.push(x);
      }
      for (const x of withIds) if (!first.includes(x)) first.push(x);
      const brief = first.slice(0, s.briefsPerCycle).map((x) => ({ id: x.id, title: x.title, angle: x.angle, channel: x.channel, trend: x.trend, lifecycle: x.lifecycle }));
      store.recordFigures('content', 'ideas', { ideas: ids.length, toBrief: brief.length }, iso);
      return { ideas: ids.length, brief };
    });
    if (!r.replayed) ctx.env.emit('growth.changed', { engine: 'content', kind: 'ideas' });
    return { output: r.value };
  },
});

/**
 * A calendar entry moves on: with a brief it is scheduled into the first free
 * slot of its channel from tomorrow (one per channel and day; drag to move it);
 * "produced" records the produced piece's link; "dropped" drops it.
 */
export const contentSchedule = defineNode({
  type: 'content.schedule',
  description: 'Schedule a briefed idea into the content calendar (first free slot of its channel), or record it produced / dropped.',
  params: z
    .object({
      idea: ex(z.number().int().positive()),
      brief: ex(z.record(z.string(), z.unknown())).optional(),
      status: z.enum(['scheduled', 'produced', 'dropped']).default('scheduled'),
      link: ex(z.string()).optional(),
      cost: ex(z.number().min(0)).optional(),
    })
    .strict(),
  run(ctx) {
    const id = Number(ctx.params.idea);
    const cur = idea(ctx.db, id);
    if (!cur) throw new NodeError(`content.schedule: there is no idea ${JSON.stringify(ctx.params.idea)}`, { retryable: false, code: 'no_idea' });
    const iso = new Date(ctx.now()).toISOString();
    const st = ctx.params.status;
    const r = ctx.once('content.schedule', () => {
      if (st === 'scheduled') {
        const brief = ctx.params.brief && typeof ctx.params.brief === 'object' ? ctx.params.brief : null;
        const day = cur.day ?? freeSlot(ctx.db, cur.channel, addDays(dayOf(ctx.now()), 1));
        ctx.db.prepare(`UPDATE growth_ideas SET status = 'scheduled', brief = COALESCE(?, brief), briefed_at = COALESCE(briefed_at, ?), day = ? WHERE id = ?`).run(brief ? JSON.stringify(brief) : null, iso, day, id);
      } else if (st === 'produced') {
        ctx.db.prepare(`UPDATE growth_ideas SET status = 'produced', link = ?, outcome_at = ? WHERE id = ?`).run(typeof ctx.params.link === 'string' ? ctx.params.link : null, iso, id);
      } else ctx.db.prepare(`UPDATE growth_ideas SET status = 'dropped', outcome_at = ? WHERE id = ?`).run(iso, id);
      const cost = typeof ctx.params.cost === 'number' ? ctx.params.cost : 0;
      const item = ctx.db.prepare('SELECT item_id FROM growth_ideas WHERE id = ?').pluck().get(id) as number | null;
      if (cost && item) growthStoreOf(ctx.env).updateItem(item, { addCostUsd: cost }, iso);
      return idea(ctx.db, id)!;
    });
    if (!r.replayed) ctx.env.emit('growth.changed', { engine: 'content', kind: 'calendar' });
    return { output: r.value };
  },
});

/**
 * LEARNING for the trend content engine: per channel, the pieces produced
 * against those dropped in review since the last cycle (at least 2 outcomes):
 * score = (produced − dropped) / outcomes; and the week's figures.
 */
export const contentLearn = defineNode({
  type: 'content.learn',
  description: 'Trend content learning: which channels got pieces through review; the week\'s trends, ideas and briefs.',
  params: z.object({}).strict(),
  run(ctx) {
    const store = growthStoreOf(ctx.env);
    const iso = new Date(ctx.now()).toISOString();
    const r = ctx.once('content.learn', () => {
      const since = store.state<string>('content.learnedUntil', '');
      const rows = ctx.db
        .prepare(`SELECT channel, status, run_id FROM growth_ideas WHERE status IN ('produced','dropped') AND briefed_at IS NOT NULL AND outcome_at > ?`)
        .all(since) as { channel: string; status: string; run_id: string | null }[];
      const by = new Map<string, { produced: number; dropped: number; runIds: Set<string> }>();
      for (const x of rows) {
        const c = by.get(x.channel) ?? { produced: 0, dropped: 0, runIds: new Set<string>() };
        if (x.status === 'produced') c.produced++;
        else c.dropped++;
        if (x.run_id) c.runIds.add(x.run_id);
        by.set(x.channel, c);
      }
      const learnings: number[] = [];
      for (const [channel, c] of by) {
        const n = c.produced + c.dropped;
        if (n < 2) continue;
        const score = Math.round(((c.produced - c.dropped) / n) * 100) / 100;
        const text = `${channel}: ${c.produced} of ${n} briefed pieces passed review and were produced`;
        learnings.push(
          store.addLearning(
            {
              engine: 'content',
              workflowId: ctx.run.workflowId,
              runId: ctx.run.id,
              subject: `action:${channel}`,
              whatWorked: score > 0 ? text : '',
              whatDidNot: score > 0 ? '' : text,
              confidence: Math.round(Math.min(0.9, 0.3 + 0.1 * n) * 100) / 100,
              evidence: { runIds: [...c.runIds], deltas: [{ metric: 'produced share', before: null, after: c.produced / n, delta: null }], score } as never,
              tags: ['action', channel],
              expiresAt: new Date(ctx.now() + 120 * 86_400_000).toISOString(),
            },
            iso,
          ).id,
        );
      }
      store.setState('content.learnedUntil', iso);
      const weekAgo = new Date(ctx.now() - 7 * 86_400_000).toISOString();
      const count = (sql: string) => (ctx.db.prepare(sql).get(weekAgo) as { n: number }).n;
      const figures = {
        learnings: learnings.length,
        trends7d: count(`SELECT COUNT(*) AS n FROM growth_trends WHERE emerging_at >= ?`),
        ideas7d: count(`SELECT COUNT(*) AS n FROM growth_ideas WHERE created_at >= ?`),
        briefs7d: count(`SELECT COUNT(*) AS n FROM growth_ideas WHERE briefed_at >= ?`),
      };
      store.recordFigures('content', 'learn', figures, iso);
      return { figures, learnings };
    });
    if (!r.replayed) ctx.env.emit('growth.changed', { engine: 'content', kind: 'learning' });
    return { output: r.value };
  },
});
