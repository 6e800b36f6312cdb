/**
 * The campaign engine's data and methods (docs/growth.md, "Campaign engine"):
 * campaign memories, success/failure patterns, grounded recommendations,
 * portfolio allocation, monitoring against targets. The methods are pure
 * functions over rows, tested without a database.
 */
import type { CampaignRow, CampaignSettings, Pattern, Patterns, Portfolio } from '../../../shared/contract/growth';
import type { Sqlite } from '../db/open';
import { accessor, dayOf, num } from './csv';
import type { Candidate } from './planner';
import type { ImportCounts } from './seo';

export interface Memory {
  id: string;
  name: string;
  channel: string;
  audience: string;
  offer: string;
  budget: number;
  spend: number;
  leads: number;
  revenue: number;
  status: string;
}

/** ROI = (revenue − spend) / spend; null without spend. */
export const roiOf = (m: { spend: number; revenue: number }): number | null => (m.spend > 0 ? (m.revenue - m.spend) / m.spend : null);

const median = (xs: number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  const m = Math.floor(v.length / 2);
  return v.length === 0 ? 0 : v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
};
const r2 = (n: number) => Math.round(n * 100) / 100;

export const PATTERN_METHOD =
  'Finished campaigns with spend are ranked by ROI = (revenue − spend) / spend; the top share (setting topShare, 30 %) are the successes, the rest the others. For each feature (channel, audience, offer) and value: topShare = successes with it / successes, restShare = others with it / others, lift = (topShare + 1/n) / (restShare + 1/n). Success pattern: lift ≥ 1.5 with at least 3 successes; failure pattern: lift ≤ 0.67 with at least 3 others. Sorted by lift.';

/** Success and failure patterns (PATTERN_METHOD). */
export function patternsOf(memories: readonly Memory[], topShare: number): Patterns {
  const list = memories.filter((m) => m.status === 'finished' && m.spend > 0).map((m) => ({ ...m, roi: roiOf(m)! }));
  list.sort((a, b) => b.roi - a.roi || a.id.localeCompare(b.id));
  const n = list.length;
  const k = n ? Math.max(1, Math.ceil(n * topShare)) : 0;
  const top = list.slice(0, k);
  const rest = list.slice(k);
  const success: Pattern[] = [];
  const failure: Pattern[] = [];
  const eps = n ? 1 / n : 0;
  for (const feature of ['channel', 'audience', 'offer'] as const) {
    const values = new Set(list.map((m) => m[feature]));
    for (const value of values) {
      const inTop = top.filter((m) => m[feature] === value).length;
      const inRest = rest.filter((m) => m[feature] === value).length;
      const ts = top.length ? inTop / top.length : 0;
      const rs = rest.length ? inRest / rest.length : 0;
      const lift = (ts + eps) / (rs + eps);
      const p: Pattern = { feature, value, topShare: r2(ts), restShare: r2(rs), lift: r2(lift), count: inTop + inRest, medianRoi: r2(median(list.filter((m) => m[feature] === value).map((m) => m.roi))) };
      if (lift >= 1.5 && inTop >= 3) success.push(p);
      else if (lift <= 0.67 && inRest >= 3) failure.push(p);
    }
  }
  success.sort((a, b) => b.lift - a.lift);
  failure.sort((a, b) => a.lift - b.lift);
  const avg = (xs: { roi: number }[]) => (xs.length ? r2(xs.reduce((s, m) => s + m.roi, 0) / xs.length) : null);
  return { memories: n, top: top.length, roiThreshold: top.length ? r2(top[top.length - 1]!.roi) : null, topAvgRoi: avg(top), restAvgRoi: avg(rest), success, failure, method: PATTERN_METHOD };
}

export const RECOMMEND_METHOD =
  'Each combination of channel × audience × offer is grounded in the finished memories that share its channel and audience (and its offer, when at least 3 do): expected ROI = their median ROI, budget = their median spend (at most 20 % of the total budget), leads = budget / their median cost per lead, revenue = budget × (1 + expected ROI). Combinations with fewer than 3 such memories are not recommended. Score = expected ROI × √(memories, at most 10) + 0.5 per success pattern it matches − 0.5 per failure pattern. The memories are cited (up to 10).';

/** Grounded recommendations (RECOMMEND_METHOD) as planning candidates. */
export function recommend(memories: readonly Memory[], p: Patterns, s: CampaignSettings, limit: number): Candidate[] {
  const done = memories.filter((m) => m.status === 'finished' && m.spend > 0);
  const combos = new Map<string, { channel: string; audience: string; offer: string }>();
  for (const m of done) combos.set(`${m.channel}|${m.audience}|${m.offer}`, { channel: m.channel, audience: m.audience, offer: m.offer });
  const succ = new Set(p.success.map((x) => `${x.feature}:${x.value}`));
  const fail = new Set(p.failure.map((x) => `${x.feature}:${x.value}`));
  const out: Candidate[] = [];
  for (const [key, c] of combos) {
    const base = done.filter((m) => m.channel === c.channel && m.audience === c.audience);
    const exact = base.filter((m) => m.offer === c.offer);
    const basis = exact.length >= 3 ? exact : base;
    if (basis.length < 3) continue;
    const roi = median(basis.map((m) => roiOf(m)!));
    const spend = median(basis.map((m) => m.spend));
    const budget = r2(Math.min(spend, s.totalBudget * 0.2));
    const withLeads = basis.filter((m) => m.leads > 0);
    const cpl = withLeads.length ? median(withLeads.map((m) => m.spend / m.leads)) : null;
    const matches = ['channel', 'audience', 'offer'].map((f) => `${f}:${c[f as 'channel']}`);
    const patternBonus = matches.filter((x) => succ.has(x)).length * 0.5 - matches.filter((x) => fail.has(x)).length * 0.5;
    const cited = [...basis].sort((a, b) => (roiOf(b) ?? 0) - (roiOf(a) ?? 0)).slice(0, 10);
    out.push({
      ref: `combo:${key}`,
      title: `${c.channel} × ${c.audience} × ${c.offer}`,
      action: c.channel,
      score: r2(roi * Math.sqrt(Math.min(basis.length, 10)) + patternBonus),
      expected: { metric: 'roi', roi: r2(roi), revenue: r2(budget * (1 + roi)), leads: cpl ? Math.round(budget / cpl) : null },
      detail: { ...c, budget, expectedRoi: r2(roi), targets: { leads: cpl ? Math.round(budget / cpl) : null, revenue: r2(budget * (1 + roi)), roi: r2(roi), cpl: cpl ? r2(cpl) : null }, basis: basis.length, exactOffer: basis === exact },
      sources: cited.map((m) => m.id),
      summary: `expected ROI ${r2(roi)} from ${basis.length} memories${patternBonus ? `, patterns ${patternBonus > 0 ? '+' : ''}${patternBonus}` : ''}`,
    });
  }
  return out.sort((a, b) => b.score - a.score).slice(0, limit);
}

export const ALLOCATION_METHOD =
  'Running campaigns share the total budget in proportion to their marginal ROI: with a concave response (revenue ∝ budget^0.7), the return of the next dollar is 0.7 × (1 + ROI), ROI measured (spend > 0) or else expected. Each gets at least floor × its current budget and at most cap × it; what the floors and caps hold back is shared again among the others (water-filling) until it is all placed or every campaign is at its cap. When the floors alone exceed the total, every floor is scaled down alike.';

export interface AllocInput {
  id: string;
  name: string;
  current: number;
  roi: number | null;
}

/** Portfolio allocation (ALLOCATION_METHOD). Pure. */
export function allocate(list: readonly AllocInput[], total: number, floor: number, cap: number): Portfolio['allocations'] {
  const rows = list.map((c) => {
    const roi = c.roi ?? 0;
    const marginal = r2(0.7 * (1 + roi));
    return { ...c, marginalRoi: marginal, weight: Math.max(0.01, marginal), lo: Math.max(0, c.current * floor), hi: Math.max(0, c.current * cap), alloc: 0 };
  });
  if (!rows.length) return [];
  const floors = rows.reduce((a, r) => a + r.lo, 0);
  if (floors >= total) {
    const k = floors > 0 ? total / floors : 0;
    for (const r of rows) r.alloc = r.lo * k;
  } else {
    for (const r of rows) r.alloc = r.lo;
    let left = total - floors;
    let open = rows.filter((r) => r.alloc < r.hi);
    for (let round = 0; left > 1e-9 && open.length && round < 100; round++) {
      const w = open.reduce((a, r) => a + r.weight, 0);
      let placed = 0;
      for (const r of open) {
        const give = Math.min(r.hi - r.alloc, (left * r.weight) / w);
        r.alloc += give;
        placed += give;
      }
      left -= placed;
      open = open.filter((r) => r.hi - r.alloc > 1e-9);
      if (placed < 1e-9) break;
    }
  }
  return rows.map((r) => ({ id: r.id, name: r.name, current: r2(r.current), allocated: r2(r.alloc), roi: r.roi === null ? null : r2(r.roi), marginalRoi: r.marginalRoi, floor: r2(r.lo), cap: r2(r.hi) }));
}

// ------------------------------------------------------------------ store

interface CampRow {
  id: string;
  name: string;
  channel: string;
  audience: string;
  offer: string;
  budget: number;
  spend: number;
  leads: number;
  revenue: number;
  status: string;
  started_on: string | null;
  ended_on: string | null;
  allocated: number | null;
  targets: string | null;
  sources: string;
  expected_roi: number | null;
  plan_item_id: number | null;
  off_track_on: string | null;
}

export function campaignOut(r: CampRow): CampaignRow {
  return {
    id: r.id,
    name: r.name,
    channel: r.channel,
    audience: r.audience,
    offer: r.offer,
    budget: r.budget,
    spend: r.spend,
    leads: r.leads,
    revenue: r.revenue,
    roi: roiOf(r) === null ? null : r2(roiOf(r)!),
    status: r.status as CampaignRow['status'],
    startedOn: r.started_on,
    endedOn: r.ended_on,
    allocated: r.allocated,
    targets: r.targets ? (JSON.parse(r.targets) as Record<string, unknown>) : null,
    expectedRoi: r.expected_roi,
    sources: JSON.parse(r.sources) as string[],
  };
}

export function memoriesOf(db: Sqlite): Memory[] {
  return db.prepare(`SELECT id, name, channel, audience, offer, budget, spend, leads, revenue, status FROM growth_campaigns`).all() as Memory[];
}

export function campaignRows(db: Sqlite, status?: string, limit = 1000, offset = 0): { total: number; rows: CampaignRow[] } {
  const w = status ? 'WHERE status = ?' : '';
  const a = status ? [status] : [];
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM growth_campaigns ${w}`).get(...a) as { n: number }).n;
  const rows = db.prepare(`SELECT * FROM growth_campaigns ${w} ORDER BY COALESCE(started_on, '') DESC, id LIMIT ? OFFSET ?`).all(...a, limit, offset) as CampRow[];
  return { total, rows: rows.map(campaignOut) };
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 80);

/** Campaign memories (and updates of running campaigns' figures): upserted by id. Caller owns the transaction. */
export function importCampaigns(db: Sqlite, headers: string[], rows: string[][], mapping: Record<string, string>, iso: string): ImportCounts {
  const get = accessor(headers, mapping);
  const c: ImportCounts = { imported: 0, updated: 0, skipped: 0, problems: [] };
  const exists = db.prepare('SELECT 1 FROM growth_campaigns WHERE id = ?');
  const up = db.prepare(
    `INSERT INTO growth_campaigns (id, name, channel, audience, offer, budget, spend, leads, revenue, status, started_on, ended_on, imported_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(id) DO UPDATE SET name = excluded.name, channel = excluded.channel, audience = excluded.audience, offer = excluded.offer, budget = excluded.budget,
       spend = excluded.spend, leads = excluded.leads, revenue = excluded.revenue, status = excluded.status, started_on = COALESCE(excluded.started_on, started_on),
       ended_on = COALESCE(excluded.ended_on, ended_on), updated_at = excluded.updated_at`,
  );
  rows.forEach((row, i) => {
    const name = get(row, 'name');
    const channel = get(row, 'channel').toLowerCase();
    const audience = get(row, 'audience').toLowerCase();
    const offer = get(row, 'offer').toLowerCase();
    const spend = num(get(row, 'spend'));
    const revenue = num(get(row, 'revenue'));
    if (!name || !channel || !audience || !offer) {
      c.skipped++;
      if (c.problems.length < 20) c.problems.push({ row: i + 2, message: 'name, channel, audience and offer are needed' });
      return;
    }
    if (spend === null || revenue === null || spend < 0) {
      c.skipped++;
      if (c.problems.length < 20) c.problems.push({ row: i + 2, message: 'spend and revenue must be numbers' });
      return;
    }
    const id = get(row, 'id') || slug(name);
    const st = get(row, 'status').toLowerCase();
    const status = ['running', 'active', 'live'].includes(st) ? 'running' : ['planned'].includes(st) ? 'planned' : ['stopped', 'paused', 'cancelled'].includes(st) ? 'stopped' : 'finished';
    const had = exists.get(id);
    up.run(id, name, channel, audience, offer, num(get(row, 'budget')) ?? spend, spend, Math.round(num(get(row, 'leads')) ?? 0), revenue, status, dayOf(get(row, 'start')), dayOf(get(row, 'end')), iso, iso);
    if (had) c.updated++;
    else c.imported++;
  });
  return c;
}

/**
 * Monitoring: a running campaign with lead or revenue targets is compared with
 * the pace expected by now (days since start / planned days, 30 by default);
 * below `offTrack` × that pace it is off track (once a day).
 */
export function offTrack(db: Sqlite, s: CampaignSettings, today: string): { id: string; name: string; metric: string; target: number; actual: number; pace: number }[] {
  const rows = db.prepare(`SELECT * FROM growth_campaigns WHERE status = 'running' AND targets IS NOT NULL AND started_on IS NOT NULL AND (off_track_on IS NULL OR off_track_on < ?)`).all(today) as CampRow[];
  const out: { id: string; name: string; metric: string; target: number; actual: number; pace: number }[] = [];
  for (const r of rows) {
    const t = JSON.parse(r.targets!) as { leads?: number | null; revenue?: number | null; days?: number };
    const days = t.days ?? 30;
    const elapsed = Math.max(0, (Date.parse(`${today}T00:00:00Z`) - Date.parse(`${r.started_on}T00:00:00Z`)) / 86_400_000);
    const frac = Math.min(1, elapsed / days);
    if (frac < 0.2) continue; // too early to judge
    for (const [metric, target, actual] of [
      ['leads', t.leads, r.leads],
      ['revenue', t.revenue, r.revenue],
    ] as const) {
      if (!target) continue;
      const pace = actual / (target * frac);
      if (pace < s.offTrack) {
        out.push({ id: r.id, name: r.name, metric, target, actual, pace: r2(pace) });
        break;
      }
    }
  }
  return out;
}
