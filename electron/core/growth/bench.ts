/**
 * Growth bench (built as out/main/growth-bench.js, driven by bench/growth.mjs): the
 * performance targets of the growth engines (docs/growth.md), each next to raw SQLite
 * doing the nearest plain job on the same file in the same run:
 * - a 50,000-row keyword export through growth.import (< 10 s) vs raw INSERTs of the rows;
 * - the quick-win analysis over 50,000 keywords with 12 months of rank snapshots (< 500 ms)
 *   vs a raw scan of the same filter;
 * - the trend lifecycles of 10,000 series (< 5 s) vs reading their points;
 * - the portfolio allocation over 200 running campaigns (< 100 ms) vs reading them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBaton } from '../index';
import { EnvSecretStore } from '../secrets';
import { recomputeTrends } from './content';
import { portfolio } from './nodes/campaigns';
import { quickWins } from './seo';
import { contentSettings, seoSettings } from './settings';

export interface BenchFigure {
  name: string;
  ms: number;
  /** The raw SQLite yardstick of the same run. */
  rawMs: number;
  rawWhat: string;
  target: number;
  detail?: string;
}

function timed<T>(fn: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t0 };
}
async function timedAsync<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const DAY = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A deterministic pseudo-random stream (mulberry32). */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function runGrowthBench(opts: { quick?: boolean } = {}): Promise<BenchFigure[]> {
  const keywords = opts.quick ? 5_000 : 50_000;
  const series = opts.quick ? 1_000 : 10_000;
  const campaigns = 200;
  const out: BenchFigure[] = [];
  const root = mkdtempSync(join(tmpdir(), 'baton-growth-bench-'));
  const core = await openBaton({ dataDir: join(root, 'data'), host: 'cli', secrets: new EnvSecretStore({}, 'bench'), logLevel: 'warn' });
  try {
    const db = core.db;
    const now = core.now();
    const today = dayOf(now);
    const rand = rng(14);

    // 1. Keyword import: the CSV through growth.import, against raw INSERTs of the same rows.
    const lines = ['Keyword,Position,Search Volume,Keyword Difficulty,URL,CPC'];
    const rows: [string, number, number, number, string, number][] = [];
    for (let i = 0; i < keywords; i++) {
      const r: [string, number, number, number, string, number] = [`keyword ${i} ${Math.floor(rand() * 1e6).toString(36)}`, 1 + Math.floor(rand() * 60), Math.floor(rand() * 5000), Math.floor(rand() * 100), `https://shop.example/p/${i % 2000}`, Math.round(rand() * 500) / 100];
      rows.push(r);
      lines.push(r.join(','));
    }
    const csv = lines.join('\n');
    const imp = await timedAsync(() => core.call('growth.import', { kind: 'seo.keywords', csv }));
    db.exec('CREATE TABLE bench_raw_keywords (id INTEGER PRIMARY KEY, keyword TEXT NOT NULL UNIQUE, position REAL, volume INTEGER, difficulty REAL, url TEXT, cpc REAL)');
    const ins = db.prepare('INSERT INTO bench_raw_keywords (keyword, position, volume, difficulty, url, cpc) VALUES (?, ?, ?, ?, ?, ?)');
    const raw1 = timed(() => db.transaction(() => rows.forEach((r) => ins.run(...r)))());
    out.push({ name: `keyword import: ${keywords.toLocaleString('en-US')} rows (CSV parse, mapping, upsert, rank snapshot)`, ms: imp.ms, rawMs: raw1.ms, rawWhat: 'raw INSERT of the parsed rows in one transaction', target: 10_000, detail: `${imp.value.imported.toLocaleString('en-US')} imported` });

    // 2. Quick wins over the keywords with 12 monthly rank snapshots each.
    const ids = db.prepare('SELECT id, position FROM growth_keywords').all() as { id: number; position: number | null }[];
    const snap = db.prepare('INSERT OR REPLACE INTO growth_ranks (keyword_id, day, position) VALUES (?, ?, ?)');
    db.transaction(() => {
      for (const k of ids) for (let m = 1; m <= 12; m++) snap.run(k.id, dayOf(now - m * 30 * DAY), Math.max(1, (k.position ?? 50) + Math.round((rand() - 0.5) * 20)));
    })();
    db.exec('ANALYZE');
    const s = seoSettings(core);
    const qwRuns: number[] = [];
    let qw: ReturnType<typeof quickWins> | null = null;
    for (let i = 0; i < 5; i++) {
      const t = timed(() => quickWins(db, s, today, 100, 0));
      qwRuns.push(t.ms);
      qw = t.value;
    }
    const rawQ = db.prepare('SELECT id, keyword, volume, difficulty, position FROM bench_raw_keywords WHERE position BETWEEN ? AND ? AND difficulty < ? AND volume > ? ORDER BY volume DESC LIMIT 100');
    const rawQw = median([0, 1, 2, 3, 4].map(() => timed(() => rawQ.all(s.minPosition, s.maxPosition, s.maxDifficulty, s.minVolume)).ms));
    out.push({
      name: `quick-win analysis: ${keywords.toLocaleString('en-US')} keywords × 12 monthly rank snapshots (median of 5)`,
      ms: median(qwRuns),
      rawMs: rawQw,
      rawWhat: 'raw SELECT of the same filter without rank history',
      target: 500,
      detail: `${qw!.total.toLocaleString('en-US')} quick wins`,
    });

    // 3. Trend lifecycles of many series (28 daily points each).
    const src = Number(db.prepare(`INSERT INTO growth_sources (kind, name, status, created_at) VALUES ('csv', 'bench', 'ok', ?)`).run(new Date(now).toISOString()).lastInsertRowid);
    const tr = db.prepare('INSERT INTO growth_trends (term, label, source_id, first_seen, updated_at) VALUES (?, ?, ?, ?, ?)');
    const pt = db.prepare('INSERT INTO growth_trend_points (trend_id, day, value) VALUES (?, ?, ?)');
    const iso = new Date(now).toISOString();
    db.transaction(() => {
      for (let i = 0; i < series; i++) {
        const id = Number(tr.run(`trend ${i}`, `Trend ${i}`, src, today, iso).lastInsertRowid);
        const shape = i % 4;
        for (let d = 27; d >= 0; d--) {
          const x = 27 - d;
          const v = shape === 0 ? 2 * 1.15 ** x : shape === 1 ? 40 - x : shape === 2 ? 20 + 10 * Math.sin(x / 4) : 10 + rand() * 3;
          pt.run(id, dayOf(now - d * DAY), Math.max(0, Math.round(v * 10) / 10));
        }
      }
    })();
    const vocab = new Set(['trend', 'crm', 'plumbing']);
    const life = timed(() => db.transaction(() => recomputeTrends(db, contentSettings(core), vocab, today, iso))());
    const rawT = timed(() => db.prepare('SELECT trend_id, COUNT(*) AS n, AVG(value) AS v FROM growth_trend_points GROUP BY trend_id').all());
    const byLife = db.prepare('SELECT lifecycle, COUNT(*) AS n FROM growth_trends GROUP BY lifecycle ORDER BY lifecycle').all() as { lifecycle: string; n: number }[];
    out.push({
      name: `trend lifecycles: ${series.toLocaleString('en-US')} series × 28 days`,
      ms: life.ms,
      rawMs: rawT.ms,
      rawWhat: 'raw GROUP BY over the same points',
      target: 5_000,
      detail: byLife.map((l) => `${l.lifecycle} ${l.n.toLocaleString('en-US')}`).join(', '),
    });

    // 4. Portfolio allocation over running campaigns.
    const camp = db.prepare(`INSERT INTO growth_campaigns (id, name, channel, audience, offer, budget, spend, leads, revenue, status, started_on, expected_roi, imported_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)`);
    db.transaction(() => {
      for (let i = 0; i < campaigns; i++) {
        const budget = 500 + Math.round(rand() * 5000);
        const spend = Math.round(budget * rand());
        camp.run(`bench-${i}`, `Campaign ${i}`, ['email', 'search', 'social', 'display'][i % 4]!, ['customers', 'cold', 'lapsed'][i % 3]!, ['bundle', 'discount', 'trial'][i % 3]!, budget, spend, Math.round(spend / 40), Math.round(spend * (0.5 + rand() * 3)), dayOf(now - 20 * DAY), Math.round((rand() * 3 - 0.5) * 100) / 100, iso, iso);
      }
    })();
    const pfRuns: number[] = [];
    let pf: ReturnType<typeof portfolio> | null = null;
    for (let i = 0; i < 5; i++) {
      const t = timed(() => portfolio(core, now, { totalBudget: 300_000 }));
      pfRuns.push(t.ms);
      pf = t.value;
    }
    const rawP = db.prepare(`SELECT id, budget, spend, revenue FROM growth_campaigns WHERE status = 'running'`);
    const rawPf = median([0, 1, 2, 3, 4].map(() => timed(() => rawP.all()).ms));
    out.push({
      name: `portfolio allocation: ${campaigns} running campaigns (median of 5)`,
      ms: median(pfRuns),
      rawMs: rawPf,
      rawWhat: 'raw SELECT of the running campaigns',
      target: 100,
      detail: `${pf!.allocations.length} allocations, $${Math.round(pf!.allocated).toLocaleString('en-US')} of $300,000 allocated`,
    });
    return out;
  } finally {
    await core.close();
    rmSync(root, { recursive: true, force: true });
  }
}
