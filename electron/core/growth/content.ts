/**
 * The trend content engine's data (docs/growth.md, "Trend content engine"):
 * trend sources (feeds, CSV and search-interest exports), trend series, their
 * lifecycle and relevance to the brand, ideas, briefs and the calendar.
 */
import type { CalendarEntry, ContentSettings, TrendRow } from '../../../shared/contract/growth';
import type { Sqlite } from '../db/open';
import { accessor, dayOf, num } from './csv';
import type { Feed } from './feeds';
import { lifecycleOf } from './lifecycle';
import type { Candidate } from './planner';
import type { ImportCounts } from './seo';

const STOP = new Set(
  'a an and are as at be but by for from has have how i in is it its of on or our so that the their this to was we what when why will with you your new more most can all about into over than not no do does get got just now why who'.split(' '),
);

export const tokens = (s: string): string[] =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9\s-]/g, ' ')
    .split(/[\s-]+/)
    .filter((w) => w.length > 2 && !STOP.has(w));

export const termOf = (s: string): string => s.toLowerCase().replace(/\s+/g, ' ').trim();

// ------------------------------------------------------------------ relevance

/** The brand's vocabulary: every word of the brand documents (stop words left out). */
export function brandVocabulary(docs: { content: string }[]): Set<string> {
  const v = new Set<string>();
  for (const d of docs) for (const w of tokens(d.content)) v.add(w);
  return v;
}

/**
 * Relevance of a trend to the brand, 0..1: 0.7 × the share of the term's words
 * found in the brand documents + 0.3 × the share of its sample headlines' words
 * found there. Without brand documents every trend is 0.5 (unknown).
 */
export function relevanceOf(term: string, samples: string[], vocab: Set<string>): number {
  if (!vocab.size) return 0.5;
  const t = tokens(term);
  const s = samples.flatMap(tokens);
  const share = (ws: string[]) => (ws.length ? ws.filter((w) => vocab.has(w)).length / ws.length : 0);
  return Math.round((0.7 * share(t) + 0.3 * share(s)) * 1000) / 1000;
}

// ------------------------------------------------------------------ sources and series

/**
 * Terms of a feed: each item's categories, and the two-word phrases of titles
 * that occur in at least 3 items of the feed. Counted per item day.
 */
export function feedTerms(feed: Feed, fallbackDay: string): Map<string, { label: string; days: Map<string, number>; samples: string[] }> {
  const out = new Map<string, { label: string; days: Map<string, number>; samples: string[] }>();
  const add = (label: string, day: string, title: string) => {
    const term = termOf(label);
    if (!term || term.length > 120) return;
    const t = out.get(term) ?? { label: label.trim(), days: new Map<string, number>(), samples: [] as string[] };
    t.days.set(day, (t.days.get(day) ?? 0) + 1);
    if (title && t.samples.length < 5 && !t.samples.includes(title)) t.samples.push(title);
    out.set(term, t);
  };
  const bigrams = new Map<string, number>();
  const perItem = feed.items.map((i) => {
    const ws = tokens(i.title);
    const bg = new Set<string>();
    for (let k = 1; k < ws.length; k++) bg.add(`${ws[k - 1]} ${ws[k]}`);
    for (const b of bg) bigrams.set(b, (bigrams.get(b) ?? 0) + 1);
    return bg;
  });
  feed.items.forEach((i, n) => {
    const day = i.date ? i.date.slice(0, 10) : fallbackDay;
    const seen = new Set<string>();
    for (const c of i.categories) {
      const k = termOf(c);
      if (seen.has(k)) continue;
      seen.add(k);
      add(c, day, i.title);
    }
    for (const b of perItem[n]!) if ((bigrams.get(b) ?? 0) >= 3 && !seen.has(b)) add(b, day, i.title);
  });
  return out;
}

export class TrendWriter {
  private find;
  private ins;
  private point;
  private samples;
  constructor(
    private readonly db: Sqlite,
    private readonly iso: string,
  ) {
    this.find = db.prepare('SELECT id, samples FROM growth_trends WHERE term = ?');
    this.ins = db.prepare('INSERT INTO growth_trends (term, label, source_id, first_seen, samples, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
    this.point = db.prepare(`INSERT INTO growth_trend_points (trend_id, day, value) VALUES (?, ?, ?) ON CONFLICT(trend_id, day) DO UPDATE SET value = excluded.value`);
    this.samples = db.prepare('UPDATE growth_trends SET samples = ?, updated_at = ? WHERE id = ?');
  }

  trend(term: string, label: string, sourceId: number | null, samples: string[] = []): number {
    const r = this.find.get(term) as { id: number; samples: string } | undefined;
    if (r) {
      if (samples.length) {
        const old = JSON.parse(r.samples) as string[];
        const merged = [...new Set([...samples, ...old])].slice(0, 5);
        this.samples.run(JSON.stringify(merged), this.iso, r.id);
      }
      return r.id;
    }
    return Number(this.ins.run(term, label.slice(0, 200), sourceId, this.iso, JSON.stringify(samples.slice(0, 5)), this.iso).lastInsertRowid);
  }

  /** Set a point; `keepMax`: a feed seen again keeps the larger count of a day (older items fall out of a feed). */
  set(trendId: number, day: string, value: number, keepMax = false): void {
    if (keepMax) {
      this.db.prepare(`INSERT INTO growth_trend_points (trend_id, day, value) VALUES (?, ?, ?) ON CONFLICT(trend_id, day) DO UPDATE SET value = MAX(value, excluded.value)`).run(trendId, day, value);
    } else this.point.run(trendId, day, value);
  }
}

/** Store a fetched feed's terms as trend points. Caller owns the transaction. */
export function storeFeed(db: Sqlite, sourceId: number, feed: Feed, day: string, iso: string): number {
  const w = new TrendWriter(db, iso);
  const terms = feedTerms(feed, day);
  for (const [term, t] of terms) {
    const id = w.trend(term, t.label, sourceId, t.samples);
    for (const [d, n] of t.days) w.set(id, d, n, true);
  }
  db.prepare(`UPDATE growth_sources SET status = 'ok', last_error = NULL, last_fetch_at = ?, items = ? WHERE id = ?`).run(iso, feed.items.length, sourceId);
  return terms.size;
}

export function markSourceFailing(db: Sqlite, sourceId: number, error: string, iso: string): void {
  db.prepare(`UPDATE growth_sources SET status = 'failing', last_error = ?, last_fetch_at = ? WHERE id = ?`).run(error.slice(0, 500), iso, sourceId);
}

/**
 * Trend series from CSV: long form (term, date, value) or a search-interest
 * export in wide form (a first column Week/Day/Month, then one column per term,
 * "term: (Worldwide)"), which is read before any mapping.
 */
export function isWideTrends(headers: string[]): boolean {
  return headers.length >= 2 && /^(week|day|month|date|time)$/i.test(headers[0]!.trim()) && headers.slice(1).every((h) => !/^(term|topic|trend|query|keyword|value|interest|volume|count)$/i.test(h.trim()));
}

export function importTrends(db: Sqlite, headers: string[], rows: string[][], mapping: Record<string, string> | null, source: string, day: string, iso: string): ImportCounts {
  const c: ImportCounts = { imported: 0, updated: 0, skipped: 0, problems: [] };
  const skip = (row: number, message: string) => {
    c.skipped++;
    if (c.problems.length < 20) c.problems.push({ row, message });
  };
  let src = db.prepare(`SELECT id FROM growth_sources WHERE kind IN ('csv','search') AND name = ?`).pluck().get(source) as number | undefined;
  const wide = mapping === null;
  if (src === undefined) src = Number(db.prepare(`INSERT INTO growth_sources (kind, name, status, created_at) VALUES (?, ?, 'ok', ?)`).run(wide ? 'search' : 'csv', source, iso).lastInsertRowid);
  const w = new TrendWriter(db, iso);
  if (wide) {
    const terms = headers.slice(1).map((h) => h.replace(/:\s*\(.*\)\s*$/, '').trim());
    const ids = terms.map((t) => w.trend(termOf(t), t, src!));
    rows.forEach((row, i) => {
      const d = dayOf(String(row[0] ?? ''));
      if (!d) return skip(i + 2, `"${row[0]}" is not a date`);
      ids.forEach((id, k) => {
        const v = num(String(row[k + 1] ?? ''));
        if (v === null) return;
        w.set(id, d, v);
        c.imported++;
      });
    });
  } else {
    const get = accessor(headers, mapping);
    rows.forEach((row, i) => {
      const label = get(row, 'term');
      const v = num(get(row, 'value'));
      const raw = get(row, 'date');
      const d = raw ? dayOf(raw) : day;
      if (!label) return skip(i + 2, 'no term');
      if (v === null) return skip(i + 2, 'no value');
      if (!d) return skip(i + 2, `"${raw}" is not a date`);
      w.set(w.trend(termOf(label), label, src!), d, v);
      c.imported++;
    });
  }
  db.prepare(`UPDATE growth_sources SET last_fetch_at = ?, items = items + ? WHERE id = ?`).run(iso, c.imported, src);
  return c;
}

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/**
 * Recompute lifecycle, velocity, peak and relevance of the trends with points
 * in the last `lookbackDays` days. Feed series are daily counts: missing days
 * up to today count as 0. Returns the trends that became EMERGING now (their
 * `emerging_at` set). Caller owns the transaction.
 */
export function recomputeTrends(db: Sqlite, s: ContentSettings, vocab: Set<string>, today: string, iso: string, lookbackDays = 120): { trends: number; newlyEmerging: { id: number; term: string; label: string; velocity: number; relevance: number }[] } {
  const since = addDays(today, -lookbackDays);
  const trends = db
    .prepare(`SELECT t.id, t.term, t.label, t.samples, t.lifecycle, t.emerging_at, s.kind FROM growth_trends t LEFT JOIN growth_sources s ON s.id = t.source_id WHERE EXISTS (SELECT 1 FROM growth_trend_points p WHERE p.trend_id = t.id AND p.day >= ?)`)
    .all(since) as { id: number; term: string; label: string; samples: string; lifecycle: string; emerging_at: string | null; kind: string | null }[];
  const pts = db.prepare('SELECT day, value FROM growth_trend_points WHERE trend_id = ? AND day >= ? ORDER BY day');
  const up = db.prepare('UPDATE growth_trends SET lifecycle = ?, velocity = ?, relevance = ?, last_value = ?, peak_value = ?, emerging_at = ?, updated_at = ? WHERE id = ?');
  const newly: { id: number; term: string; label: string; velocity: number; relevance: number }[] = [];
  for (const t of trends) {
    const series = pts.all(t.id, since) as { day: string; value: number }[];
    let values = series.map((p) => p.value);
    if (t.kind === 'feed' && series.length) {
      const byDay = new Map(series.map((p) => [p.day, p.value]));
      values = [];
      for (let d = series[0]!.day; d <= today; d = addDays(d, 1)) values.push(byDay.get(d) ?? 0);
    }
    const lc = lifecycleOf(values, s.window);
    const rel = relevanceOf(t.label, JSON.parse(t.samples) as string[], vocab);
    let emergingAt = t.emerging_at;
    if (lc.lifecycle === 'EMERGING' && t.lifecycle !== 'EMERGING') {
      emergingAt = iso;
      newly.push({ id: t.id, term: t.term, label: t.label, velocity: lc.velocity, relevance: rel });
    }
    up.run(lc.lifecycle, lc.velocity, rel, lc.last, lc.peak, emergingAt, iso, t.id);
  }
  return { trends: trends.length, newlyEmerging: newly };
}

const STAGE_WEIGHT: Record<string, number> = { EMERGING: 1.5, PEAK: 1, STEADY: 0.5, DECLINING: 0.2 };

/**
 * Planning candidates: trends at or above the relevance threshold that are not
 * DECLINING, by relevance × (1 + max(velocity, 0)) × stage weight (EMERGING
 * 1.5, PEAK 1, STEADY 0.5). Action = the channel: EMERGING goes to the fastest
 * channel (the second configured, e.g. linkedin), PEAK to the first (blog),
 * STEADY to the last (newsletter); the others are alternatives.
 */
export function trendCandidates(db: Sqlite, s: ContentSettings, limit: number): Candidate[] {
  const rows = db
    .prepare(`SELECT id, term, label, lifecycle, velocity, relevance, last_value, samples FROM growth_trends WHERE relevance >= ? AND lifecycle <> 'DECLINING' ORDER BY relevance DESC LIMIT 2000`)
    .all(s.minRelevance) as { id: number; term: string; label: string; lifecycle: string; velocity: number; relevance: number; last_value: number; samples: string }[];
  const ch = s.channels;
  const pick = (lc: string) => (lc === 'EMERGING' ? (ch[1] ?? ch[0]!) : lc === 'PEAK' ? ch[0]! : ch[ch.length - 1]!);
  return rows
    .map((r) => {
      const action = pick(r.lifecycle);
      return {
        ref: `trend:${r.id}`,
        title: r.label,
        action,
        alternatives: ch.filter((c) => c !== action),
        score: Math.round(r.relevance * (1 + Math.max(0, r.velocity)) * (STAGE_WEIGHT[r.lifecycle] ?? 0.5) * 1000) / 1000,
        expected: { metric: 'pieces', value: 1 },
        detail: { trendId: r.id, term: r.term, lifecycle: r.lifecycle, velocity: r.velocity, relevance: r.relevance, samples: JSON.parse(r.samples) as string[] },
        summary: `${r.lifecycle}, velocity ${r.velocity}, relevance ${r.relevance}`,
      };
    })
    .sort((a, b) => b.score - a.score)
    .slice(0, limit);
}

// ------------------------------------------------------------------ ideas, briefs, calendar

interface IdeaRow {
  id: number;
  trend_id: number | null;
  title: string;
  angle: string;
  channel: string;
  status: string;
  brief: string | null;
  day: string | null;
  link: string | null;
  created_at: string;
  trend_label: string | null;
  lifecycle: string | null;
}

const IDEA_SELECT = `SELECT i.*, t.label AS trend_label, t.lifecycle AS lifecycle FROM growth_ideas i LEFT JOIN growth_trends t ON t.id = i.trend_id`;

export function entryOut(r: IdeaRow): CalendarEntry {
  return {
    id: r.id,
    title: r.title,
    angle: r.angle,
    channel: r.channel,
    day: r.day,
    status: r.status as CalendarEntry['status'],
    trend: r.trend_label,
    lifecycle: r.lifecycle,
    brief: r.brief ? (JSON.parse(r.brief) as unknown) : null,
    link: r.link,
    createdAt: r.created_at,
  };
}

export function idea(db: Sqlite, id: number): CalendarEntry | undefined {
  const r = db.prepare(`${IDEA_SELECT} WHERE i.id = ?`).get(id) as IdeaRow | undefined;
  return r ? entryOut(r) : undefined;
}

export function ideas(db: Sqlite, status: string | undefined, limit: number, offset: number): { total: number; rows: CalendarEntry[] } {
  const w = status ? 'WHERE i.status = ?' : '';
  const args = status ? [status] : [];
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM growth_ideas i ${w}`).get(...args) as { n: number }).n;
  const rows = db.prepare(`${IDEA_SELECT} ${w} ORDER BY i.id DESC LIMIT ? OFFSET ?`).all(...args, limit, offset) as IdeaRow[];
  return { total, rows: rows.map(entryOut) };
}

export function calendar(db: Sqlite, from: string, to: string): CalendarEntry[] {
  return (db.prepare(`${IDEA_SELECT} WHERE i.day >= ? AND i.day <= ? ORDER BY i.day, i.channel, i.id`).all(from, to) as IdeaRow[]).map(entryOut);
}

/** Ideas and briefs without a day (the calendar's Unscheduled list): briefs first, then the newest ideas. */
export function unscheduled(db: Sqlite, limit = 200): CalendarEntry[] {
  return (db.prepare(`${IDEA_SELECT} WHERE i.day IS NULL AND i.status IN ('idea','briefed') ORDER BY (i.status = 'briefed') DESC, i.created_at DESC, i.id DESC LIMIT ?`).all(limit) as IdeaRow[]).map(entryOut);
}

/** The next day from `from` on which the channel has no entry (one slot per channel and day). */
export function freeSlot(db: Sqlite, channel: string, from: string): string {
  const taken = new Set(db.prepare(`SELECT day FROM growth_ideas WHERE channel = ? AND day >= ? AND status IN ('scheduled','produced')`).pluck().all(channel, from) as string[]);
  let d = from;
  while (taken.has(d)) d = addDays(d, 1);
  return d;
}

export function saveIdeas(db: Sqlite, list: { trendId: number | null; itemId: number | null; title: string; angle: string; channel: string }[], runId: string, iso: string): number[] {
  const ins = db.prepare(`INSERT INTO growth_ideas (trend_id, item_id, title, angle, channel, status, run_id, created_at) VALUES (?, ?, ?, ?, ?, 'idea', ?, ?)`);
  return list.map((i) => Number(ins.run(i.trendId, i.itemId, i.title.slice(0, 300), i.angle.slice(0, 1000), i.channel, runId, iso).lastInsertRowid));
}

export function trendRow(r: { id: number; term: string; label: string; lifecycle: string; velocity: number; relevance: number; last_value: number; peak_value: number; source: string | null; emerging_at: string | null; samples: string }): TrendRow {
  return {
    id: r.id,
    term: r.term,
    label: r.label,
    lifecycle: r.lifecycle as TrendRow['lifecycle'],
    velocity: r.velocity,
    relevance: r.relevance,
    lastValue: r.last_value,
    peakValue: r.peak_value,
    source: r.source,
    emergingAt: r.emerging_at,
    samples: JSON.parse(r.samples) as string[],
  };
}

export { addDays };
