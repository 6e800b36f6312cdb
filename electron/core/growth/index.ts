/**
 * The growth domain (docs/growth.md): four self-improving engines — SEO, trend
 * content, link building, campaigns — each a workflow that goes IDLE ->
 * ANALYZING -> PLANNING -> EXECUTING -> LEARNING -> IDLE on a schedule or by
 * hand; the shared machinery (engine state and phase transitions, plans with
 * items, learnings recalled into every planning prompt, locks on assets, one
 * budget cap); the master controller (start / stop, priorities, health); the
 * imports of SEO, backlink, campaign and trend exports; the agent.* nodes.
 */
import { ApiError } from '../../../shared/contract/base';
import { engineOfWorkflow, growthEventTypes, growthOps, type GrowthImportKind, type Source } from '../../../shared/api';
import type { HandlerMap } from '../api/types';
import type { Core, Service } from '../core';
import { defineDomain } from '../domain';
import { brandDocs } from '../ai/workspace';
import { campaignRows, importCampaigns, memoriesOf, patternsOf, roiOf } from './campaigns';
import { brandVocabulary, calendar, freeSlot, idea, ideas, importTrends, isWideTrends, markSourceFailing, recomputeTrends, storeFeed, trendRow, unscheduled } from './content';
import { ensureEngines, engineStates, health, runEngine, setPriorities, settleFinishedCycles, start, status, stop } from './controller';
import { FIELDS, parseCsv, rememberMapping, requireFields, resolveMapping } from './csv';
import { fetchFeed } from './feeds';
import { importBacklinks, linkRoi, listOpportunities } from './links';
import { GROWTH_NODES } from './nodes';
import { portfolio } from './nodes/campaigns';
import { report } from './report';
import { fetchSitemap, health as seoHealth, importKeywords, importRanks, importSerp, opportunities, quickWins, rankChanges, storePages, type ImportCounts } from './seo';
import { budgetSettings, campaignSettings, contentSettings, linkSettings, seoSettings } from './settings';
import { growthStoreOf } from './store';
import { SearchConsoleError, syncSearchConsole } from './searchConsole';

export { growthStoreOf } from './store';

const iso = (core: Core) => new Date(core.now()).toISOString();
const today = (core: Core) => iso(core).slice(0, 10);

function doImport(core: Core, i: { kind: GrowthImportKind; csv: string; mapping?: Record<string, string> | undefined; day?: string | undefined; owner?: string | undefined; source?: string | undefined }) {
  const t0 = performance.now();
  const store = growthStoreOf(core);
  const { headers, rows } = parseCsv(i.csv);
  const wide = i.kind === 'content.trends' && !i.mapping && isWideTrends(headers);
  const r = wide ? { mapping: {}, remembered: false, missing: [] } : resolveMapping(store, i.kind, headers, i.mapping);
  if (!wide) requireFields(i.kind, headers, r);
  const day = i.day ?? today(core);
  const at = iso(core);
  const source = i.source ?? (i.kind === 'seo.keywords' ? 'keyword export' : i.kind === 'seo.ranks' ? 'rank export' : 'import');
  const counts = core.db.transaction((): ImportCounts => {
    let c: ImportCounts;
    switch (i.kind) {
      case 'seo.keywords':
        c = importKeywords(core.db, headers, rows, r.mapping, source, day, at);
        break;
      case 'seo.ranks':
        c = importRanks(core.db, headers, rows, r.mapping, source, day, at);
        break;
      case 'seo.serp':
        c = importSerp(core.db, headers, rows, r.mapping, source, at);
        break;
      case 'links.backlinks':
        c = importBacklinks(core.db, headers, rows, r.mapping, i.owner ?? null, linkSettings(core).domain, at);
        break;
      case 'campaigns.memories':
        c = importCampaigns(core.db, headers, rows, r.mapping, at);
        break;
      case 'content.trends': {
        c = importTrends(core.db, headers, rows, wide ? null : r.mapping, i.source ?? 'trend import', day, at);
        recomputeTrends(core.db, contentSettings(core), brandVocabulary(brandDocs(core.dataDir)), today(core), at);
        break;
      }
    }
    if (!wide) rememberMapping(store, i.kind, headers, r.mapping);
    return c;
  })();
  const engine = i.kind.split('.')[0]!;
  core.bus.emit('growth.changed', { engine: engine === 'links' ? 'links' : engine, kind: 'import' });
  return { kind: i.kind, rows: rows.length, imported: counts.imported, updated: counts.updated, skipped: counts.skipped, mapping: r.mapping, problems: counts.problems, ms: Math.round(performance.now() - t0) };
}

function sourceOut(r: { id: number; kind: string; name: string; url: string | null; status: string; last_error: string | null; last_fetch_at: string | null; items: number }): Source {
  return { id: r.id, kind: r.kind as Source['kind'], name: r.name, url: r.url, status: r.status as Source['status'], lastError: r.last_error, lastFetchAt: r.last_fetch_at, items: r.items };
}
const sources = (core: Core) => (core.db.prepare('SELECT * FROM growth_sources ORDER BY id').all() as Parameters<typeof sourceOut>[0][]).map(sourceOut);

/** Fetch every feed now (a failing one is marked with the reason; the others go on) and recompute the lifecycles. */
async function refreshFeeds(core: Core) {
  const list = core.db.prepare(`SELECT id, url FROM growth_sources WHERE kind = 'feed' AND url IS NOT NULL ORDER BY id`).all() as { id: number; url: string }[];
  const got: { id: number; feed?: Awaited<ReturnType<typeof fetchFeed>>; error?: string }[] = [];
  for (const s of list) {
    try {
      got.push({ id: s.id, feed: await fetchFeed(s.url) });
    } catch (e) {
      got.push({ id: s.id, error: (e as Error).message });
    }
  }
  const at = iso(core);
  const trends = core.db.transaction(() => {
    for (const g of got) {
      if (g.feed) storeFeed(core.db, g.id, g.feed, today(core), at);
      else markSourceFailing(core.db, g.id, g.error ?? 'failed', at);
    }
    return recomputeTrends(core.db, contentSettings(core), brandVocabulary(brandDocs(core.dataDir)), today(core), at).trends;
  })();
  core.bus.emit('growth.changed', { engine: 'content', kind: 'sources' });
  return { sources: sources(core), trends };
}

export function growthHandlers(core: Core): HandlerMap<keyof typeof growthOps> {
  const store = () => growthStoreOf(core);
  return {
    'growth.status': () => status(core),
    'growth.run': ({ engine }) => runEngine(core, engine),
    'growth.start': ({ engine, run }) => start(core, engine, run),
    'growth.stop': ({ engine }) => stop(core, engine),
    'growth.priorities.set': ({ order }) => setPriorities(core, order),
    'growth.phases': ({ engine, limit }) => {
      ensureEngines(core);
      return { transitions: store().transitions(engine, limit) };
    },
    'growth.health': () => health(core),
    'growth.dashboard': () => ({ engines: engineStates(core), health: health(core), report: report(core) }),
    'growth.report': () => report(core),
    'growth.settings': () => ({ seo: seoSettings(core), content: contentSettings(core), links: linkSettings(core), campaigns: campaignSettings(core), budget: budgetSettings(core) }),
    'growth.import.preview': ({ kind, csv }) => {
      const { headers, rows } = parseCsv(csv);
      const fields = FIELDS[kind].map((f) => ({ name: f.name, required: f.required, description: f.description }));
      const wide = kind === 'content.trends' && isWideTrends(headers);
      const r = wide ? { mapping: {}, remembered: false, missing: [] } : resolveMapping(store(), kind, headers);
      const sample = rows.slice(0, 5).map((row) => Object.fromEntries(headers.map((h, k) => [h, String(row[k] ?? '')])));
      return { kind, headers, mapping: r.mapping, remembered: r.remembered, missing: r.missing, fields, sample, rows: rows.length };
    },
    'growth.import': (i) => doImport(core, i),
    'plans.list': (f) => ({ plans: store().listPlans(f) }),
    'plans.add': ({ workflow, engine, runId, title, content }) => {
      if (workflow && !core.db.prepare('SELECT 1 FROM workflows WHERE id = ?').get(workflow)) throw new ApiError('not_found', `No workflow "${workflow}".`);
      const e = engine ?? (workflow ? (engineOfWorkflow(workflow) ?? 'workflow') : 'workflow');
      const id = store().createPlan({ engine: e, workflowId: workflow ?? null, runId: runId ?? null, goal: title, content: content ?? null }, iso(core));
      core.bus.emit('growth.changed', { engine: e, kind: 'plan' });
      return store().plan(id)!;
    },
    'plans.items': (f) => store().items(f),
    'plans.item.set': ({ id, status: st, reason }) => {
      const it = store().itemRow(id);
      if (!it) throw new ApiError('not_found', `No plan item ${id}.`);
      const out = core.db.transaction(() => {
        const r = store().updateItem(id, { status: st, ...(reason !== undefined ? { reason } : st === 'dropped' ? { reason: 'dropped by hand' } : {}) }, iso(core));
        if ((st === 'done' || st === 'dropped') && it.asset) store().unlock(it.asset, it.engine);
        return r;
      })();
      core.bus.emit('growth.changed', { engine: it.engine, kind: 'plan' });
      return out;
    },
    'learnings.list': (f) => ({ learnings: store().listLearnings(f, iso(core)) }),
    'learnings.add': (l) => {
      if (l.workflow && !core.db.prepare('SELECT 1 FROM workflows WHERE id = ?').get(l.workflow)) throw new ApiError('not_found', `No workflow "${l.workflow}".`);
      const engine = l.engine ?? engineOfWorkflow(l.workflow!) ?? 'workflow';
      const out = store().addLearning(
        {
          engine,
          workflowId: l.workflow ?? null,
          runId: l.runId ?? null,
          subject: l.subject ?? l.tags[0] ?? '',
          whatWorked: l.whatWorked ?? l.text ?? '',
          whatDidNot: l.whatDidNot ?? '',
          ...(l.confidence !== undefined ? { confidence: l.confidence } : {}),
          ...(l.evidence ? { evidence: l.evidence } : {}),
          tags: l.tags,
          expiresAt: l.expiresInDays ? new Date(core.now() + l.expiresInDays * 86_400_000).toISOString() : null,
        },
        iso(core),
      );
      core.bus.emit('growth.changed', { engine, kind: 'learning' });
      return out;
    },
    'learnings.recall': ({ engine, subject, limit }) => ({ learnings: store().recall(engine, subject, limit, core.now()) }),
    // SEO
    'seo.quickWins': ({ limit, offset }) => {
      const s = seoSettings(core);
      return { ...quickWins(core.db, s, today(core), limit, offset), thresholds: { maxDifficulty: s.maxDifficulty, minVolume: s.minVolume, minPosition: s.minPosition, maxPosition: s.maxPosition, rankDays: s.rankDays } };
    },
    'seo.opportunities': ({ limit, offset }) => opportunities(core.db, limit, offset),
    'seo.rankChanges': ({ days, limit }) => rankChanges(core.db, today(core), days ?? seoSettings(core).rankDays, limit),
    'seo.health': () => seoHealth(core.db, seoSettings(core), today(core)),
    'seo.pages': ({ limit, offset }) => {
      const total = (core.db.prepare('SELECT COUNT(*) AS n FROM growth_pages').get() as { n: number }).n;
      const rows = (core.db.prepare('SELECT url, lastmod, last_seen, gone_at FROM growth_pages ORDER BY gone_at IS NOT NULL, url LIMIT ? OFFSET ?').all(limit, offset) as { url: string; lastmod: string | null; last_seen: string; gone_at: string | null }[]).map((r) => ({
        url: r.url,
        lastmod: r.lastmod,
        lastSeen: r.last_seen,
        goneAt: r.gone_at,
      }));
      return { total, rows };
    },
    'seo.searchConsole.sync': async () => {
      const s = seoSettings(core);
      if (!s.searchConsoleSite) throw new ApiError('invalid_input', 'No Search Console property: set growth.seo searchConsoleSite (https://example.com/ or sc-domain:example.com) and store the token in the secret SEARCH_CONSOLE_TOKEN.', [{ path: 'searchConsoleSite', message: 'not set' }]);
      let r;
      try {
        r = await syncSearchConsole(core, s, core.now());
      } catch (e) {
        if (e instanceof SearchConsoleError) throw new ApiError('unavailable', `${e.message} The rank snapshots so far are kept.`);
        throw e;
      }
      core.bus.emit('growth.changed', { engine: 'seo', kind: 'import' });
      return r!;
    },
    'seo.sitemap.refresh': async () => {
      const url = seoSettings(core).sitemapUrl;
      if (!url) throw new ApiError('invalid_input', 'No sitemap address: set growth.seo sitemapUrl (Growth page, SEO settings), e.g. https://example.com/sitemap.xml.', [{ path: 'sitemapUrl', message: 'not set' }]);
      let pages;
      try {
        pages = await fetchSitemap(url);
      } catch (e) {
        throw new ApiError('unavailable', `Could not read the sitemap: ${(e as Error).message}. The pages known so far are kept.`);
      }
      const r = core.db.transaction(() => storePages(core.db, pages, iso(core)))();
      core.bus.emit('growth.changed', { engine: 'seo', kind: 'pages' });
      return r;
    },
    // trend content
    'content.sources.list': () => ({ sources: sources(core) }),
    'content.sources.add': ({ url, name }) => {
      if (core.db.prepare(`SELECT 1 FROM growth_sources WHERE kind = 'feed' AND url = ?`).get(url)) throw new ApiError('conflict', `The feed ${url} is already a source.`);
      const id = Number(core.db.prepare(`INSERT INTO growth_sources (kind, name, url, status, created_at) VALUES ('feed', ?, ?, 'new', ?)`).run(name ?? new URL(url).hostname, url, iso(core)).lastInsertRowid);
      core.bus.emit('growth.changed', { engine: 'content', kind: 'sources' });
      return sources(core).find((s) => s.id === id)!;
    },
    'content.sources.remove': ({ id }) => {
      if (!core.db.prepare('DELETE FROM growth_sources WHERE id = ?').run(id).changes) throw new ApiError('not_found', `No trend source ${id}.`);
      core.bus.emit('growth.changed', { engine: 'content', kind: 'sources' });
      return { ok: true as const };
    },
    'content.refresh': () => refreshFeeds(core),
    'content.trending': ({ lifecycle, minRelevance, series, limit, offset }) => {
      const where: string[] = [];
      const args: unknown[] = [];
      if (lifecycle) {
        where.push('t.lifecycle = ?');
        args.push(lifecycle);
      }
      if (minRelevance !== undefined) {
        where.push('t.relevance >= ?');
        args.push(minRelevance);
      }
      const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const total = (core.db.prepare(`SELECT COUNT(*) AS n FROM growth_trends t ${w}`).get(...args) as { n: number }).n;
      const rows = core.db
        .prepare(`SELECT t.*, s.name AS source FROM growth_trends t LEFT JOIN growth_sources s ON s.id = t.source_id ${w} ORDER BY (t.lifecycle = 'EMERGING') DESC, t.relevance DESC, t.velocity DESC, t.id LIMIT ? OFFSET ?`)
        .all(...args, limit, offset) as Parameters<typeof trendRow>[0][];
      const pts = core.db.prepare('SELECT day, value FROM growth_trend_points WHERE trend_id = ? ORDER BY day DESC LIMIT 90');
      return { total, rows: rows.map((r) => ({ ...trendRow(r), ...(series ? { series: (pts.all(r.id) as { day: string; value: number }[]).reverse() } : {}) })) };
    },
    'content.ideas': ({ status: st, limit, offset }) => ideas(core.db, st, limit, offset),
    'content.calendar': ({ from, to }) => {
      if (from > to) throw new ApiError('invalid_input', 'from must be on or before to.', [{ path: 'to', message: 'before from' }]);
      return { channels: contentSettings(core).channels, entries: calendar(core.db, from, to), unscheduled: unscheduled(core.db) };
    },
    'content.calendar.move': ({ id, day, channel }) => {
      const cur = idea(core.db, id);
      if (!cur) throw new ApiError('not_found', `No calendar entry ${id}.`);
      if (cur.status === 'produced' || cur.status === 'dropped') throw new ApiError('conflict', `"${cur.title}" is already ${cur.status}; only ideas, briefs and scheduled entries move.`);
      const today = new Date(core.now()).toISOString().slice(0, 10);
      if (day < today) throw new ApiError('invalid_input', `${day} is in the past: move "${cur.title}" to today (${today}) or a later day.`, [{ path: 'day', message: 'in the past' }]);
      const ch = channel ?? cur.channel;
      const channels = contentSettings(core).channels;
      if (!channels.includes(ch)) throw new ApiError('invalid_input', `"${ch}" is not a channel of the calendar (${channels.join(', ')}).`, [{ path: 'channel', message: 'unknown channel' }]);
      const taken = core.db.prepare(`SELECT id, title FROM growth_ideas WHERE channel = ? AND day = ? AND id <> ? AND status IN ('scheduled','produced')`).get(ch, day, id) as { id: number; title: string } | undefined;
      if (taken) throw new ApiError('conflict', `${day} already has "${taken.title}" on ${ch} (one slot per channel and day); the next free day is ${freeSlot(core.db, ch, day)}.`);
      // An idea or brief without a day is scheduled by this (the calendar's Unscheduled list); others keep their status.
      const status = cur.day === null && (cur.status === 'briefed' || cur.status === 'idea') ? 'scheduled' : cur.status;
      core.db.prepare('UPDATE growth_ideas SET day = ?, channel = ?, status = ? WHERE id = ?').run(day, ch, status, id);
      core.bus.emit('growth.changed', { engine: 'content', kind: 'calendar' });
      return idea(core.db, id)!;
    },
    // link building
    'links.opportunities': ({ status: st, type, limit, offset }) => listOpportunities(core.db, { status: st, type, limit, offset }),
    'links.outreachQueue': ({ limit, offset }) => listOpportunities(core.db, { statuses: ['queued', 'outreach', 'replied', 'won'], limit, offset }),
    'links.roi': () => linkRoi(core.db, linkSettings(core)),
    // campaigns
    'campaigns.patterns': () => patternsOf(memoriesOf(core.db), campaignSettings(core).topShare),
    'campaigns.portfolio': ({ totalBudget }) => portfolio(core, core.now(), totalBudget !== undefined ? { totalBudget } : {}),
    'campaigns.roi': () => {
      const all = memoriesOf(core.db).filter((m) => m.spend > 0);
      const by = new Map<string, { spend: number; revenue: number; campaigns: number }>();
      for (const m of all) {
        const g = by.get(m.channel) ?? { spend: 0, revenue: 0, campaigns: 0 };
        g.spend += m.spend;
        g.revenue += m.revenue;
        g.campaigns++;
        by.set(m.channel, g);
      }
      const spend = all.reduce((a, m) => a + m.spend, 0);
      const revenue = all.reduce((a, m) => a + m.revenue, 0);
      const r2 = (n: number) => Math.round(n * 100) / 100;
      const roi = (g: { spend: number; revenue: number }) => (roiOf(g) === null ? null : r2(roiOf(g)!));
      return {
        spend: r2(spend),
        revenue: r2(revenue),
        roi: roi({ spend, revenue }),
        byChannel: [...by.entries()].map(([channel, g]) => ({ channel, spend: r2(g.spend), revenue: r2(g.revenue), roi: roi(g), campaigns: g.campaigns })).sort((a, b) => (b.roi ?? -1e9) - (a.roi ?? -1e9)),
        campaigns: [...campaignRows(core.db, 'running').rows, ...campaignRows(core.db, 'planned').rows],
      };
    },
    'campaigns.list': ({ status: st, limit, offset }) => campaignRows(core.db, st, limit, offset),
  };
}

/** A cycle's run that failed or was cancelled puts its engine back to IDLE (with the reason) at once. */
function growthService(core: Core): Service {
  let off: (() => void) | null = null;
  return {
    name: 'growth',
    start() {
      off = core.bus.on('run.updated', (p) => {
        if (!engineOfWorkflow(p.workflowId) || !['failed', 'cancelled'].includes(p.status)) return;
        try {
          settleFinishedCycles(core);
        } catch (e) {
          core.log.error('growth: could not settle a finished cycle', { error: e as Error });
        }
      });
    },
    stop() {
      off?.();
      off = null;
    },
  };
}

export const growthDomain = defineDomain({
  id: 'growth',
  description: 'Growth engines (SEO, trend content, link building, campaigns) that analyze, plan, execute and learn under one master controller; plans, learnings and the agent.* nodes.',
  ops: growthOps,
  events: growthEventTypes,
  nodes: GROWTH_NODES,
  requires: ['engine', 'crm', 'ai', 'sales', 'wordpress'],
  settings: ['growth.seo', 'growth.content', 'growth.links', 'growth.campaigns', 'growth.budget', 'growth.priorities'],
  create(core) {
    return { handlers: growthHandlers(core), services: [growthService(core)] };
  },
});
