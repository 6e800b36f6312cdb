import { z } from 'zod';
import { defineNode, NodeError } from '../../engine/registry';
import { ex } from '../../engine/nodes/util';
import { NETWORK_STEP_TIMEOUT_MS } from '../../engine/pool-limits';
import { gapAnalysis, linkCandidates, linkTo, markReplies, recordCheck, targetsToCheck } from '../links';
import { actionScores } from '../planner';
import { linkSettings } from '../settings';
import { growthStoreOf } from '../store';

/** HEAD, then GET when the server refuses HEAD: the status a browser would see (redirects followed); 0 when it does not answer. */
async function httpStatus(url: string, signal: AbortSignal): Promise<{ status: number; error?: string }> {
  const one = async (method: 'HEAD' | 'GET') => {
    const res = await fetch(url, { method, redirect: 'follow', signal: AbortSignal.any([signal, AbortSignal.timeout(15_000)]), headers: { 'user-agent': 'Baton link check' } });
    if (method === 'GET') await res.body?.cancel();
    return res.status;
  };
  try {
    const s = await one('HEAD');
    return { status: s === 405 || s === 501 ? await one('GET') : s };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    return { status: 0, error: err.cause?.code ?? err.message };
  }
}

/**
 * ANALYZING for the link-building engine: the gap analysis (domains linking to
 * competitors, not to us), broken-link checks of the competitors' linked pages
 * (real HTTP HEAD/GET through the outbox, `checksPerCycle` per cycle: a 404 or
 * 410 makes a broken-link opportunity), replies detected (email.replied on a
 * contacted prospect), and the candidates for outreach.
 */
export const linksAnalyze = defineNode({
  type: 'links.analyze',
  timeoutMs: NETWORK_STEP_TIMEOUT_MS,
  description: 'Link analysis: gap analysis against competitors, broken-link checks over HTTP (outbox), replies, scored outreach candidates.',
  params: z.object({ limit: z.number().int().min(1).max(500).default(100) }).strict(),
  async run(ctx) {
    const s = linkSettings(ctx.env);
    const store = growthStoreOf(ctx.env);
    const iso = new Date(ctx.now()).toISOString();
    const gap = ctx.once('links.gap', () => gapAnalysis(ctx.db, iso));
    const targets = targetsToCheck(ctx.db, s.checksPerCycle);
    const checks: { id: number; target: string; status: number; error?: string }[] = [];
    for (const t of targets) {
      if (!t.target) continue;
      const r = await ctx.outbox('links.check', { method: 'HEAD', url: t.target }, async () => ({ ok: true, value: await httpStatus(t.target, ctx.signal) }));
      checks.push({ id: t.id, target: t.target, ...r.value });
    }
    const learned = actionScores(store.recall('links', 'action', 20, ctx.now()));
    const r = ctx.once('links.analyze', () => {
      let broken = 0;
      for (const c of checks) if (recordCheck(ctx.db, c.id, c.target, c.status, iso)) broken++;
      const replies = markReplies(ctx.db, iso);
      const candidates = linkCandidates(ctx.db, learned, ctx.params.limit);
      const count = (sql: string, ...a: unknown[]) => (ctx.db.prepare(sql).get(...a) as { n: number }).n;
      const weekAgo = new Date(ctx.now() - 7 * 86_400_000).toISOString();
      const figures = {
        gapDomains: gap.value.domains,
        newOpportunities: gap.value.added,
        opportunities7d: count('SELECT COUNT(*) AS n FROM growth_opportunities WHERE found_at >= ?', weekAgo),
        checked: checks.length,
        broken,
        unreachable: checks.filter((c) => c.status === 0).length,
        replies,
        candidates: candidates.length,
        withoutEmail: count(`SELECT COUNT(*) AS n FROM growth_opportunities WHERE status = 'new' AND contact_email IS NULL`),
      };
      store.recordFigures('links', 'analyze', figures, iso);
      return { figures, candidates };
    });
    if (!r.replayed) ctx.env.emit('growth.changed', { engine: 'links', kind: 'analyze' });
    return { output: { ...r.value, outreachPerCycle: s.outreachPerCycle } };
  },
});

/** Record that a prospect was contacted: its contact, sequence enrollment and the cost of its first line. */
export const linksOutreach = defineNode({
  type: 'links.outreach',
  description: 'Record an outreach to a link prospect (contact, sequence enrollment, cost).',
  params: z.object({ item: ex(z.number().int().positive()), contactId: ex(z.number().int().positive()), enrollmentId: ex(z.number().int().positive()).optional(), cost: ex(z.number().min(0)).optional() }).strict(),
  run(ctx) {
    const store = growthStoreOf(ctx.env);
    const it = store.itemRow(Number(ctx.params.item));
    const oppId = it && /^opp:(\d+)$/.exec(it.ref)?.[1];
    if (!it || !oppId) throw new NodeError(`links.outreach: ${JSON.stringify(ctx.params.item)} is not a plan item of a link opportunity`, { retryable: false, code: 'no_item' });
    const iso = new Date(ctx.now()).toISOString();
    const r = ctx.once('links.outreach', () => {
      ctx.db
        .prepare(`UPDATE growth_opportunities SET status = 'outreach', contact_id = ?, enrollment_id = ?, outreach_at = ?, cost_usd = cost_usd + ?, updated_at = ? WHERE id = ?`)
        .run(Number(ctx.params.contactId), typeof ctx.params.enrollmentId === 'number' ? ctx.params.enrollmentId : null, iso, typeof ctx.params.cost === 'number' ? ctx.params.cost : 0, iso, Number(oppId));
      return { opportunityId: Number(oppId), status: 'outreach' };
    });
    if (!r.replayed) ctx.env.emit('growth.changed', { engine: 'links', kind: 'outreach' });
    return { output: r.value };
  },
});

/**
 * LEARNING for the link-building engine: contacted prospects' pages are fetched
 * and a link to our domain makes the link acquired (link.acquired event);
 * outreach without a reply after 30 days is lost; per opportunity type, the
 * reply rate of the contacted prospects against the overall rate (a learning
 * when the figures changed, at least 3 contacted).
 */
export const linksLearn = defineNode({
  type: 'links.learn',
  timeoutMs: NETWORK_STEP_TIMEOUT_MS,
  description: 'Link learning: verify acquired links by fetching the pages, close silent outreach, learn reply rates per opportunity type.',
  params: z.object({ verify: z.number().int().min(0).max(500).default(50) }).strict(),
  async run(ctx) {
    const s = linkSettings(ctx.env);
    const store = growthStoreOf(ctx.env);
    const iso = new Date(ctx.now()).toISOString();
    const toVerify = s.domain
      ? (ctx.db.prepare(`SELECT id, domain, url FROM growth_opportunities WHERE status IN ('outreach','replied') AND link_url IS NULL ORDER BY outreach_at LIMIT ?`).all(ctx.params.verify) as { id: number; domain: string; url: string }[])
      : [];
    const found: { id: number; domain: string; url: string; link: string }[] = [];
    for (const o of toVerify) {
      try {
        const res = await fetch(o.url, { signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(15_000)]), headers: { 'user-agent': 'Baton link check' } });
        if (!res.ok) continue;
        const link = linkTo(await res.text(), s.domain!);
        if (link) found.push({ ...o, link });
      } catch {
        // Not reachable now: checked again next cycle.
      }
    }
    const r = ctx.once('links.learn', () => {
      const won = ctx.db.prepare(`UPDATE growth_opportunities SET status = 'won', link_url = ?, verified_at = ?, updated_at = ? WHERE id = ?`);
      for (const f of found) won.run(f.link, iso, iso, f.id);
      const lost = ctx.db.prepare(`UPDATE growth_opportunities SET status = 'lost', updated_at = ? WHERE status = 'outreach' AND outreach_at < ?`).run(iso, new Date(ctx.now() - 30 * 86_400_000).toISOString()).changes;
      const stats = ctx.db
        .prepare(`SELECT type, COUNT(*) AS n, SUM(status IN ('replied','won')) AS replied, SUM(status = 'won') AS won FROM growth_opportunities WHERE outreach_at IS NOT NULL AND outreach_at >= ? GROUP BY type`)
        .all(new Date(ctx.now() - 90 * 86_400_000).toISOString()) as { type: string; n: number; replied: number; won: number }[];
      const all = stats.reduce((a, x) => ({ n: a.n + x.n, replied: a.replied + x.replied }), { n: 0, replied: 0 });
      const overall = all.n ? all.replied / all.n : 0;
      const last = store.state<Record<string, string>>('links.learnedStats', {});
      const learnings: number[] = [];
      for (const x of stats) {
        const key = `${x.n}/${x.replied}/${x.won}`;
        if (x.n < 3 || last[x.type] === key) continue;
        last[x.type] = key;
        const rate = x.replied / x.n;
        const score = Math.round((rate - overall) * 100) / 100;
        const text = `${x.type.replace('_', ' ')} pitches: ${x.replied} of ${x.n} prospects replied (${Math.round(rate * 100)} % vs ${Math.round(overall * 100)} % overall), ${x.won} link(s) won`;
        learnings.push(
          store.addLearning(
            {
              engine: 'links',
              workflowId: ctx.run.workflowId,
              runId: ctx.run.id,
              subject: `action:${x.type}`,
              whatWorked: score >= 0 && x.replied > 0 ? text : '',
              whatDidNot: score >= 0 && x.replied > 0 ? '' : text,
              confidence: Math.round(Math.min(0.9, 0.3 + 0.05 * x.n) * 100) / 100,
              evidence: { runIds: [ctx.run.id], deltas: [{ metric: 'reply rate', before: overall, after: rate, delta: score }], score } as never,
              tags: ['action', x.type],
              expiresAt: new Date(ctx.now() + 180 * 86_400_000).toISOString(),
            },
            iso,
          ).id,
        );
      }
      store.setState('links.learnedStats', last);
      const weekAgo = new Date(ctx.now() - 7 * 86_400_000).toISOString();
      const figures = {
        verified: toVerify.length,
        won: found.length,
        lost,
        learnings: learnings.length,
        outreach7d: (ctx.db.prepare('SELECT COUNT(*) AS n FROM growth_opportunities WHERE outreach_at >= ?').get(weekAgo) as { n: number }).n,
        domainSet: !!s.domain,
      };
      store.recordFigures('links', 'learn', figures, iso);
      return { figures, found };
    });
    for (const f of r.value.found) ctx.publish({ type: 'link.acquired', data: { opportunityId: f.id, domain: f.domain, url: f.url, linkUrl: f.link }, subject: { type: 'opportunity', id: String(f.id) } });
    if (!r.replayed) ctx.env.emit('growth.changed', { engine: 'links', kind: 'learning' });
    return { output: r.value };
  },
});
