import { z } from 'zod';
import { defineNode } from '../../engine/registry';
import { NETWORK_STEP_TIMEOUT_MS } from '../../engine/pool-limits';
import { candidates, fetchSitemap, health, learnRanks, rankChanges, storePages } from '../seo';
import { syncSearchConsole } from '../searchConsole';
import { seoSettings } from '../settings';
import { growthStoreOf } from '../store';

const today = (now: number) => new Date(now).toISOString().slice(0, 10);

/**
 * ANALYZING for the SEO engine: the site's pages from its sitemap (a fetch
 * that fails is reported, the analysis goes on with the pages known), quick
 * wins, rank changes over the rank window, the health score, and the planning
 * candidates (the best `planSize` keywords with their targets).
 */
export const seoAnalyze = defineNode({
  type: 'seo.analyze',
  timeoutMs: NETWORK_STEP_TIMEOUT_MS,
  description: 'SEO analysis: sitemap pages, quick wins, rank changes, health score and the planning candidates with their targets.',
  params: z.object({}).strict(),
  async run(ctx) {
    const s = seoSettings(ctx.env);
    const day = today(ctx.now());
    let pages: { loc: string; lastmod: string | null }[] | null = null;
    let sitemapError: string | null = null;
    if (s.sitemapUrl) {
      try {
        pages = await fetchSitemap(s.sitemapUrl, ctx.signal);
      } catch (e) {
        sitemapError = (e as Error).message;
      }
    }
    // Search Console (when a property is set): its rows become today's rank snapshots before the
    // analysis, as an export's import would; a refusal is reported (naming the fix) and the
    // analysis goes on with the ranks known. A retried step imports the same snapshots again (an upsert).
    let searchConsole: Awaited<ReturnType<typeof syncSearchConsole>> = null;
    let searchConsoleError: string | null = null;
    if (s.searchConsoleSite) {
      try {
        searchConsole = await syncSearchConsole({ db: ctx.db, secrets: ctx.env.secrets }, s, ctx.now(), ctx.signal);
      } catch (e) {
        searchConsoleError = (e as Error).message;
      }
    }
    const iso = new Date(ctx.now()).toISOString();
    const store = growthStoreOf(ctx.env);
    const r = ctx.once('seo.analyze', () => {
      const site = pages ? storePages(ctx.db, pages, iso) : null;
      const c = candidates(ctx.db, s, day, s.planSize);
      const ch = rankChanges(ctx.db, day, s.rankDays, 0);
      const h = health(ctx.db, s, day);
      const figures = {
        keywords: h.keywords,
        quickWins: c.quickWins,
        candidates: c.candidates.length,
        improved: ch.improved,
        declined: ch.declined,
        health: h.score,
        pages: site?.pages ?? h.pages,
        pagesAdded: site?.added ?? 0,
        pagesGone: site?.gone ?? 0,
        sitemapError,
        ...(s.searchConsoleSite ? { searchConsoleQueries: searchConsole?.queries ?? 0, searchConsoleError } : {}),
      };
      store.recordFigures('seo', 'analyze', figures, iso);
      return { figures, candidates: c.candidates };
    });
    if (sitemapError) ctx.log.warn('seo: sitemap fetch failed', { error: sitemapError });
    if (searchConsoleError) ctx.log.warn('seo: Search Console sync failed', { error: searchConsoleError });
    if (!r.replayed) ctx.env.emit('growth.changed', { engine: 'seo', kind: 'analyze' });
    return { output: r.value };
  },
});

/**
 * LEARNING for the SEO engine: ranks 14 and 28 days after each change against
 * the rank before it; one learning per change type (action) learned this cycle:
 * what worked (a mean gain), what did not, confidence from the number of
 * changes and how much they agree, evidence = the runs and each keyword's delta.
 */
export const seoLearn = defineNode({
  type: 'seo.learn',
  description: 'SEO learning: rank 14 and 28 days after each change vs before, one learning per change type.',
  params: z.object({ expiresInDays: z.number().int().min(1).max(3650).default(180) }).strict(),
  run(ctx) {
    const store = growthStoreOf(ctx.env);
    const iso = new Date(ctx.now()).toISOString();
    const r = ctx.once('seo.learn', () => {
      const res = learnRanks(ctx.db, store, ctx.now(), iso);
      const learnings: number[] = [];
      for (const a of res.byAction) {
        const agree = Math.max(a.improved, a.items - a.improved) / a.items;
        const confidence = Math.round(Math.min(0.95, 0.35 + 0.1 * a.items) * agree * 100) / 100;
        const text = `"${a.action}" changes: keywords moved ${a.meanGain > 0 ? 'up' : a.meanGain < 0 ? 'down' : 'nowhere'} ${Math.abs(a.meanGain)} places on average 28 days later (${a.improved} of ${a.items} improved)`;
        const l = store.addLearning(
          {
            engine: 'seo',
            workflowId: ctx.run.workflowId,
            runId: ctx.run.id,
            subject: `action:${a.action}`,
            whatWorked: a.meanGain > 0 ? text : '',
            whatDidNot: a.meanGain > 0 ? '' : text,
            confidence,
            evidence: { runIds: a.runIds, deltas: a.deltas, score: a.meanGain, items: a.items } as never,
            tags: ['action', a.action],
            expiresAt: new Date(ctx.now() + ctx.params.expiresInDays * 86_400_000).toISOString(),
          },
          iso,
        );
        learnings.push(l.id);
      }
      const figures = { checked14: res.checked14, learned: res.learned, learnings: learnings.length, byAction: Object.fromEntries(res.byAction.map((a) => [a.action, a.meanGain])) };
      store.recordFigures('seo', 'learn', figures, iso);
      return { figures, learnings };
    });
    if (!r.replayed) ctx.env.emit('growth.changed', { engine: 'seo', kind: 'learning' });
    return { output: r.value };
  },
});
