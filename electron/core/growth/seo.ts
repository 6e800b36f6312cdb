/**
 * The SEO engine's data and analysis (docs/growth.md, "SEO engine"): the
 * keyword universe and rank snapshots (imports), the site's pages (sitemap),
 * quick wins, rank changes, the health score, the planning candidates with
 * their targets, and what the ranks 14 and 28 days after a change say.
 */
import type { KeywordRow, SeoHealth, SeoSettings } from '../../../shared/contract/growth';
import type { Sqlite } from '../db/open';
import { accessor, dayOf, keywordOf, num } from './csv';
import type { Candidate } from './planner';
import type { GrowthStore } from './store';
import { words } from './recall';

/**
 * Click-through rate by position (a common approximation of organic CTR
 * curves: 32 % at 1, about 10 % at 3, falling with position^-1.1; 0 when not
 * ranking), used for visibility and a keyword's click opportunity.
 */
export function ctr(position: number | null): number {
  if (position === null || !(position >= 1) || position > 100) return 0;
  return 0.32 * Math.pow(position, -1.1);
}

/**
 * Opportunity of a keyword: the monthly clicks a move to position 3 would add,
 * weighted by how easy it is: volume × max(0, ctr(3) − ctr(position)) × (1 − difficulty/100).
 * Not ranking counts as position 100 (ctr 0).
 */
export function opportunity(volume: number | null, difficulty: number | null, position: number | null): number {
  const v = volume ?? 0;
  const d = Math.min(100, Math.max(0, difficulty ?? 50));
  return Math.round(v * Math.max(0, ctr(3) - ctr(position)) * (1 - d / 100) * 100) / 100;
}

// ------------------------------------------------------------------ imports

export interface ImportCounts {
  imported: number;
  updated: number;
  skipped: number;
  problems: { row: number; message: string }[];
}

const problem = (c: ImportCounts, row: number, message: string) => {
  c.skipped++;
  if (c.problems.length < 20) c.problems.push({ row, message });
};

/** Keywords (SEO tool exports, Search Console queries): upserted by keyword; a position becomes today's rank snapshot. Caller owns the transaction. */
export function importKeywords(db: Sqlite, headers: string[], rows: string[][], mapping: Record<string, string>, source: string, day: string, iso: string): ImportCounts {
  const get = accessor(headers, mapping);
  const c: ImportCounts = { imported: 0, updated: 0, skipped: 0, problems: [] };
  const find = db.prepare('SELECT id FROM growth_keywords WHERE keyword = ?').pluck();
  const ins = db.prepare(
    `INSERT INTO growth_keywords (keyword, volume, difficulty, cpc, intent, url, position, position_day, source, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const up = db.prepare(
    `UPDATE growth_keywords SET volume = COALESCE(?, volume), difficulty = COALESCE(?, difficulty), cpc = COALESCE(?, cpc), intent = COALESCE(?, intent), url = COALESCE(?, url),
       position = CASE WHEN ? IS NOT NULL AND (position_day IS NULL OR position_day <= ?) THEN ? ELSE position END,
       position_day = CASE WHEN ? IS NOT NULL AND (position_day IS NULL OR position_day <= ?) THEN ? ELSE position_day END,
       source = ?, imported_at = ? WHERE id = ?`,
  );
  const rank = db.prepare(`INSERT INTO growth_ranks (keyword_id, day, position, url) VALUES (?, ?, ?, ?) ON CONFLICT(keyword_id, day) DO UPDATE SET position = excluded.position, url = COALESCE(excluded.url, url)`);
  rows.forEach((row, i) => {
    const kw = keywordOf(get(row, 'keyword'));
    if (!kw) return problem(c, i + 2, 'no keyword');
    if (kw.length > 300) return problem(c, i + 2, 'keyword longer than 300 characters');
    const volume = num(get(row, 'volume'));
    const difficulty = num(get(row, 'difficulty'));
    if (difficulty !== null && (difficulty < 0 || difficulty > 100)) return problem(c, i + 2, `difficulty ${difficulty} is not between 0 and 100`);
    const position = num(get(row, 'position'));
    const pos = position !== null && position >= 1 ? position : null;
    const url = get(row, 'url') || null;
    const cpc = num(get(row, 'cpc'));
    const intent = get(row, 'intent') || null;
    const vol = volume === null ? null : Math.round(volume);
    const id = find.get(kw) as number | undefined;
    let kid: number;
    if (id === undefined) {
      kid = Number(ins.run(kw, vol, difficulty, cpc, intent, url, pos, pos === null ? null : day, source, iso).lastInsertRowid);
      c.imported++;
    } else {
      up.run(vol, difficulty, cpc, intent, url, pos, day, pos, pos, day, day, source, iso, id);
      kid = id;
      c.updated++;
    }
    if (pos !== null) rank.run(kid, day, pos, url);
  });
  return c;
}

/** Rank snapshots (rank trackers, Search Console): one row per keyword and day; the keyword's latest position follows. */
export function importRanks(db: Sqlite, headers: string[], rows: string[][], mapping: Record<string, string>, source: string, day: string, iso: string): ImportCounts {
  const get = accessor(headers, mapping);
  const c: ImportCounts = { imported: 0, updated: 0, skipped: 0, problems: [] };
  const find = db.prepare('SELECT id FROM growth_keywords WHERE keyword = ?').pluck();
  const ins = db.prepare(`INSERT INTO growth_keywords (keyword, source, imported_at) VALUES (?, ?, ?)`);
  const rank = db.prepare(
    `INSERT INTO growth_ranks (keyword_id, day, position, url, clicks, impressions) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(keyword_id, day) DO UPDATE SET position = excluded.position, url = COALESCE(excluded.url, url), clicks = COALESCE(excluded.clicks, clicks), impressions = COALESCE(excluded.impressions, impressions)`,
  );
  const latest = db.prepare(`UPDATE growth_keywords SET position = ?, position_day = ?, url = COALESCE(?, url) WHERE id = ? AND (position_day IS NULL OR position_day <= ?)`);
  rows.forEach((row, i) => {
    const kw = keywordOf(get(row, 'keyword'));
    if (!kw) return problem(c, i + 2, 'no keyword');
    const p = num(get(row, 'position'));
    const position = p !== null && p >= 1 ? p : null;
    const rawDay = get(row, 'date');
    const d = rawDay ? dayOf(rawDay) : day;
    if (!d) return problem(c, i + 2, `"${rawDay}" is not a date`);
    let id = find.get(kw) as number | undefined;
    if (id === undefined) id = Number(ins.run(kw, source, iso).lastInsertRowid);
    const url = get(row, 'url') || null;
    const r = rank.run(id, d, position, url, num(get(row, 'clicks')), num(get(row, 'impressions')));
    if (r.changes) c.imported++;
    latest.run(position, d, url, id, d);
  });
  return c;
}

/** Figures of the pages ranking on top (SERP exports), for the plan's targets. */
export function importSerp(db: Sqlite, headers: string[], rows: string[][], mapping: Record<string, string>, source: string, iso: string): ImportCounts {
  const get = accessor(headers, mapping);
  const c: ImportCounts = { imported: 0, updated: 0, skipped: 0, problems: [] };
  const find = db.prepare('SELECT id FROM growth_keywords WHERE keyword = ?').pluck();
  const ins = db.prepare(`INSERT INTO growth_keywords (keyword, source, imported_at) VALUES (?, ?, ?)`);
  const put = db.prepare(
    `INSERT INTO growth_serp (keyword_id, rank, url, title_length, meta_length, word_count, headings) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(keyword_id, rank) DO UPDATE SET url = excluded.url, title_length = excluded.title_length, meta_length = excluded.meta_length, word_count = excluded.word_count, headings = excluded.headings`,
  );
  rows.forEach((row, i) => {
    const kw = keywordOf(get(row, 'keyword'));
    const rank = num(get(row, 'rank'));
    const url = get(row, 'url');
    if (!kw || rank === null || !url) return problem(c, i + 2, 'keyword, rank and url are needed');
    let id = find.get(kw) as number | undefined;
    if (id === undefined) id = Number(ins.run(kw, source, iso).lastInsertRowid);
    const title = get(row, 'title');
    const meta = get(row, 'meta');
    put.run(id, Math.round(rank), url, title ? title.length : null, meta ? meta.length : null, num(get(row, 'words')), num(get(row, 'headings')));
    c.imported++;
  });
  return c;
}

// ------------------------------------------------------------------ sitemap

const decode = (s: string) => s.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").trim();

/**
 * The URLs of a sitemap (sitemaps.org protocol: <urlset><url><loc>, with an
 * optional <lastmod>) or the child sitemaps of a sitemap index. The protocol
 * is flat, so its elements are read directly (CDATA and entities handled).
 */
export function parseSitemap(xml: string): { urls: { loc: string; lastmod: string | null }[]; sitemaps: string[] } {
  const text = xml.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_m, c: string) => c.replace(/&/g, '&amp;'));
  if (!/<(urlset|sitemapindex)[\s>]/.test(text)) throw new Error('it is not a sitemap (no <urlset> or <sitemapindex> element)');
  const urls: { loc: string; lastmod: string | null }[] = [];
  const sitemaps: string[] = [];
  for (const m of text.matchAll(/<url>([\s\S]*?)<\/url>/g)) {
    const loc = /<loc>([\s\S]*?)<\/loc>/.exec(m[1]!);
    if (loc) urls.push({ loc: decode(loc[1]!), lastmod: /<lastmod>([\s\S]*?)<\/lastmod>/.exec(m[1]!)?.[1]?.trim() ?? null });
  }
  for (const m of text.matchAll(/<sitemap>([\s\S]*?)<\/sitemap>/g)) {
    const loc = /<loc>([\s\S]*?)<\/loc>/.exec(m[1]!);
    if (loc) sitemaps.push(decode(loc[1]!));
  }
  return { urls, sitemaps };
}

/** Fetch a sitemap (and up to 50 child sitemaps of an index) over HTTP. */
export async function fetchSitemap(url: string, signal?: AbortSignal): Promise<{ loc: string; lastmod: string | null }[]> {
  const get = async (u: string) => {
    let res: Response;
    try {
      res = await fetch(u, { signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(30_000)]) : AbortSignal.timeout(30_000), headers: { accept: 'application/xml,text/xml;q=0.9,*/*;q=0.5' } });
    } catch (e) {
      throw new Error(`the sitemap ${u} did not answer (${(e as Error & { cause?: { code?: string } }).cause?.code ?? (e as Error).message})`);
    }
    if (!res.ok) throw new Error(`the sitemap ${u} answered HTTP ${res.status}`);
    try {
      return parseSitemap(await res.text());
    } catch (e) {
      throw new Error(`${u}: ${(e as Error).message}`);
    }
  };
  const first = await get(url);
  const urls = [...first.urls];
  for (const child of first.sitemaps.slice(0, 50)) urls.push(...(await get(child)).urls);
  return urls;
}

/** Store the sitemap's pages; pages no longer in it are marked gone (a plan item on one is dropped). */
export function storePages(db: Sqlite, pages: { loc: string; lastmod: string | null }[], iso: string): { pages: number; added: number; gone: number } {
  const up = db.prepare(
    `INSERT INTO growth_pages (url, lastmod, first_seen, last_seen, gone_at) VALUES (?, ?, ?, ?, NULL)
     ON CONFLICT(url) DO UPDATE SET lastmod = excluded.lastmod, last_seen = excluded.last_seen, gone_at = NULL`,
  );
  const before = new Set((db.prepare('SELECT url FROM growth_pages WHERE gone_at IS NULL').pluck().all() as string[]));
  let added = 0;
  const seen = new Set<string>();
  for (const p of pages) {
    if (seen.has(p.loc)) continue;
    seen.add(p.loc);
    if (!before.has(p.loc)) added++;
    up.run(p.loc, p.lastmod, iso, iso);
  }
  let gone = 0;
  const mark = db.prepare('UPDATE growth_pages SET gone_at = ? WHERE url = ? AND gone_at IS NULL');
  for (const u of before) if (!seen.has(u)) gone += mark.run(iso, u).changes;
  return { pages: seen.size, added, gone };
}

// ------------------------------------------------------------------ analysis

interface KwRow {
  id: number;
  keyword: string;
  volume: number | null;
  difficulty: number | null;
  position: number | null;
  url: string | null;
  before: number | null;
}

const minusDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);

function rowOut(r: KwRow): KeywordRow {
  return {
    id: r.id,
    keyword: r.keyword,
    volume: r.volume,
    difficulty: r.difficulty,
    position: r.position,
    url: r.url,
    change: r.before !== null && r.position !== null ? Math.round((r.position - r.before) * 10) / 10 : null,
    opportunity: opportunity(r.volume, r.difficulty, r.position),
  };
}

/** Quick wins: position within [minPosition, maxPosition], difficulty below maxDifficulty, volume above minVolume; by opportunity. */
export function quickWins(db: Sqlite, s: SeoSettings, today: string, limit: number, offset: number): { total: number; rows: KeywordRow[] } {
  const cutoff = minusDays(today, s.rankDays);
  const rows = db
    .prepare(
      `SELECT k.id, k.keyword, k.volume, k.difficulty, k.position, k.url,
              (SELECT r.position FROM growth_ranks r WHERE r.keyword_id = k.id AND r.day <= ? ORDER BY r.day DESC LIMIT 1) AS before
         FROM growth_keywords k
        WHERE k.position >= ? AND k.position <= ? AND k.difficulty < ? AND k.volume > ?`,
    )
    .all(cutoff, s.minPosition, s.maxPosition, s.maxDifficulty, s.minVolume) as KwRow[];
  const out = rows.map(rowOut).sort((a, b) => b.opportunity - a.opportunity || a.id - b.id);
  return { total: out.length, rows: out.slice(offset, offset + limit) };
}

/** Every keyword with volume by opportunity (quick wins among them). */
export function opportunities(db: Sqlite, limit: number, offset: number): { total: number; rows: KeywordRow[] } {
  const rows = db.prepare(`SELECT id, keyword, volume, difficulty, position, url, NULL AS before FROM growth_keywords WHERE volume > 0`).all() as KwRow[];
  const out = rows.map(rowOut).sort((a, b) => b.opportunity - a.opportunity || a.id - b.id);
  return { total: out.length, rows: out.slice(offset, offset + limit) };
}

/** Position now against the last snapshot on or before `days` ago; moves of at least one place, largest first. */
export function rankChanges(db: Sqlite, today: string, days: number, limit: number): { days: number; improved: number; declined: number; rows: KeywordRow[] } {
  const cutoff = minusDays(today, days);
  const rows = db
    .prepare(
      `SELECT * FROM (SELECT k.id, k.keyword, k.volume, k.difficulty, k.position, k.url,
              (SELECT r.position FROM growth_ranks r WHERE r.keyword_id = k.id AND r.day <= ? ORDER BY r.day DESC LIMIT 1) AS before
         FROM growth_keywords k WHERE k.position IS NOT NULL) WHERE before IS NOT NULL AND ABS(position - before) >= 1`,
    )
    .all(cutoff) as KwRow[];
  const out = rows.map(rowOut);
  const improved = out.filter((r) => (r.change ?? 0) < 0).length;
  const declined = out.length - improved;
  out.sort((a, b) => Math.abs(b.change ?? 0) - Math.abs(a.change ?? 0) || a.id - b.id);
  return { days, improved, declined, rows: out.slice(0, limit) };
}

export const HEALTH_FORMULA =
  'health = 100 × (0.40 × visibility + 0.25 × momentum + 0.20 × coverage + 0.15 × top10 share); visibility = Σ volume × ctr(position) / Σ volume × ctr(1) over keywords with volume; momentum = (1 + (improved − declined) / keywords with history over the rank window) / 2; coverage = keywords with volume that rank (top 100) / keywords with volume; top10 share = keywords in the top 10 / ranking keywords; ctr(p) = 0.32 × p^−1.1.';

export function health(db: Sqlite, s: SeoSettings, today: string): SeoHealth {
  const rows = db.prepare('SELECT volume, position FROM growth_keywords').all() as { volume: number | null; position: number | null }[];
  let vis = 0;
  let best = 0;
  let withVolume = 0;
  let rankingWithVolume = 0;
  let ranking = 0;
  let top10 = 0;
  for (const r of rows) {
    if (r.position !== null) {
      ranking++;
      if (r.position <= 10) top10++;
    }
    if (!r.volume || r.volume <= 0) continue;
    withVolume++;
    if (r.position !== null) rankingWithVolume++;
    vis += r.volume * ctr(r.position);
    best += r.volume * ctr(1);
  }
  const ch = rankChanges(db, today, s.rankDays, 0);
  const withHistory = (db.prepare(`SELECT COUNT(*) AS n FROM growth_keywords k WHERE k.position IS NOT NULL AND EXISTS (SELECT 1 FROM growth_ranks r WHERE r.keyword_id = k.id AND r.day <= ?)`).get(minusDays(today, s.rankDays)) as { n: number }).n;
  const visibility = best > 0 ? vis / best : 0;
  const momentum = withHistory > 0 ? (1 + (ch.improved - ch.declined) / withHistory) / 2 : 0.5;
  const coverage = withVolume > 0 ? rankingWithVolume / withVolume : 0;
  const top10Share = ranking > 0 ? top10 / ranking : 0;
  const r3 = (n: number) => Math.round(n * 1000) / 1000;
  const pages = (db.prepare('SELECT COUNT(*) AS n FROM growth_pages WHERE gone_at IS NULL').get() as { n: number }).n;
  return {
    score: Math.round(100 * (0.4 * visibility + 0.25 * momentum + 0.2 * coverage + 0.15 * top10Share) * 10) / 10,
    parts: { visibility: r3(visibility), momentum: r3(momentum), coverage: r3(coverage), top10Share: r3(top10Share) },
    keywords: rows.length,
    ranking,
    top10,
    pages,
    formula: HEALTH_FORMULA,
  };
}

// ------------------------------------------------------------------ planning candidates

/** Targets when no SERP figures were imported for a keyword. */
export const DEFAULT_TARGETS = { titleLength: 55, metaLength: 150, words: 1500, headings: 6 };

const median = (xs: number[]): number | null => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
};

/** The slug of a page URL (its last path segment), for updating the WordPress post. */
export function slugOf(url: string | null): string | null {
  if (!url) return null;
  try {
    const seg = new URL(url).pathname.split('/').filter(Boolean).pop();
    return seg && /^[a-z0-9-]{1,190}$/.test(seg) ? seg : null;
  } catch {
    return null;
  }
}

/**
 * Planning candidates: the quick wins, then the other keywords by opportunity,
 * `limit` in all. Action: positions 1-10 "title" (title and meta rewrite; or
 * "expand"), 11-30 "expand" (more depth; or "title", "internal-links"),
 * elsewhere or without a page "new-page". Targets: the medians of the top 3
 * results' figures (SERP imports), else DEFAULT_TARGETS; internal links: the
 * three pages of the site whose URL words overlap the keyword most.
 */
export function candidates(db: Sqlite, s: SeoSettings, today: string, limit: number): { candidates: Candidate[]; quickWins: number } {
  const qw = quickWins(db, s, today, limit, 0);
  const picked = [...qw.rows];
  if (picked.length < limit) {
    const seen = new Set(picked.map((r) => r.id));
    for (const r of opportunities(db, limit * 2, 0).rows) {
      if (picked.length >= limit) break;
      if (!seen.has(r.id)) picked.push(r);
    }
  }
  const quick = new Set(qw.rows.map((r) => r.id));
  const pages = (db.prepare('SELECT url FROM growth_pages WHERE gone_at IS NULL').pluck().all() as string[]).map((url) => ({ url, words: new Set(words(new URL(url).pathname)) }));
  const serp = db.prepare('SELECT title_length, meta_length, word_count, headings FROM growth_serp WHERE keyword_id = ? AND rank <= 3');
  const out: Candidate[] = picked.slice(0, limit).map((r) => {
    const top = serp.all(r.id) as { title_length: number | null; meta_length: number | null; word_count: number | null; headings: number | null }[];
    const targets = {
      titleLength: median(top.map((t) => t.title_length ?? NaN)) ?? DEFAULT_TARGETS.titleLength,
      metaLength: median(top.map((t) => t.meta_length ?? NaN)) ?? DEFAULT_TARGETS.metaLength,
      words: Math.round((median(top.map((t) => t.word_count ?? NaN)) ?? DEFAULT_TARGETS.words) * 1.1),
      headings: median(top.map((t) => t.headings ?? NaN)) ?? DEFAULT_TARGETS.headings,
      fromSerp: top.length > 0,
    };
    const kw = new Set(words(r.keyword));
    const links = pages
      .filter((p) => p.url !== r.url)
      .map((p) => ({ url: p.url, n: [...kw].filter((w) => p.words.has(w)).length }))
      .filter((p) => p.n > 0)
      .sort((a, b) => b.n - a.n || a.url.localeCompare(b.url))
      .slice(0, 3)
      .map((p) => p.url);
    const onPage = r.url !== null && r.position !== null && r.position <= 30;
    const action = !onPage ? 'new-page' : r.position! <= 10 ? 'title' : 'expand';
    const alternatives = action === 'new-page' ? [] : action === 'title' ? ['expand'] : ['title', 'internal-links'];
    const slug = onPage ? slugOf(r.url) : null;
    return {
      ref: `kw:${r.id}`,
      title: r.keyword,
      action,
      alternatives,
      score: r.opportunity,
      asset: onPage ? r.url : null,
      expected: { metric: 'position', from: r.position, to: 3, clicksPerMonth: Math.round(opportunity(r.volume, 0, r.position)) },
      detail: { keywordId: r.id, keyword: r.keyword, position: r.position, volume: r.volume, difficulty: r.difficulty, url: r.url, slug, quickWin: quick.has(r.id), targets, internalLinks: links },
      summary: `position ${r.position ?? 'none'}, volume ${r.volume ?? '?'}, difficulty ${r.difficulty ?? '?'}${quick.has(r.id) ? ', quick win' : ''}`,
    };
  });
  return { candidates: out, quickWins: qw.total };
}

// ------------------------------------------------------------------ learning

export interface SeoLearnResult {
  checked14: number;
  learned: number;
  byAction: { action: string; items: number; meanGain: number; improved: number; deltas: { ref: string; metric: string; before: number | null; after: number | null; delta: number | null }[]; runIds: string[] }[];
}

/**
 * Rank after the change against the rank before it: at 14 days the item's
 * `actual.after14` is recorded; at 28 days `actual.after28` and the item is
 * learned. Gain = position before − position after (positive = moved up; a page
 * that dropped out of the top 100 counts as position 100). Per action, the mean
 * gain of the items learned now. Caller owns the transaction.
 */
export function learnRanks(db: Sqlite, store: GrowthStore, now: number, iso: string): SeoLearnResult {
  const pos = db.prepare('SELECT position FROM growth_keywords WHERE id = ?').pluck();
  const at14 = new Date(now - 14 * 86_400_000).toISOString();
  const at28 = new Date(now - 28 * 86_400_000).toISOString();
  const byAction = new Map<string, SeoLearnResult['byAction'][number]>();
  let checked14 = 0;
  let learned = 0;
  for (const it of store.itemsToLearn('seo', at14)) {
    const d = JSON.parse(it.detail) as { keywordId?: number; position?: number | null };
    if (typeof d.keywordId !== 'number') continue;
    const before = typeof d.position === 'number' ? d.position : 100;
    const current = (pos.get(d.keywordId) as number | null | undefined) ?? null;
    const after = current ?? 100;
    const gain = Math.round((before - after) * 10) / 10;
    const actual = { ...(it.actual ? (JSON.parse(it.actual) as Record<string, unknown>) : {}) };
    if ((it.executed_at ?? '') <= at28) {
      actual.after28 = current;
      actual.gain28 = gain;
      store.updateItem(it.id, { actual: { ...actual, before }, learned: true }, iso);
      learned++;
      const a = byAction.get(it.action) ?? { action: it.action, items: 0, meanGain: 0, improved: 0, deltas: [], runIds: [] };
      a.items++;
      a.meanGain += gain;
      if (gain > 0) a.improved++;
      a.deltas.push({ ref: it.ref, metric: 'position', before, after: current, delta: gain });
      if (it.run_id && !a.runIds.includes(it.run_id)) a.runIds.push(it.run_id);
      byAction.set(it.action, a);
    } else if (actual.after14 === undefined) {
      actual.after14 = current;
      actual.gain14 = gain;
      store.updateItem(it.id, { actual: { ...actual, before } }, iso);
      checked14++;
    }
  }
  const list = [...byAction.values()].map((a) => ({ ...a, meanGain: Math.round((a.meanGain / a.items) * 100) / 100 }));
  return { checked14, learned, byAction: list };
}
