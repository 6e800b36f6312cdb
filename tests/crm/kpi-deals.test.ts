// The dashboard's deal figures read kpi_open_deals (the open deals by the day they opened, kept by
// triggers on `deals`, migration 0030) and ranges of the won / lost indexes. For any range they must
// equal the straightforward queries over every deal row that they replaced, after every kind of
// deal write (open, move, re-value, win, lose, delete, a raw UPDATE), and the migration's backfill
// must build the same table from the deals already stored.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { resourcesDir } from '../../electron/core/resources';
import { openTestCore } from '../helpers';

let core: Core;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ core, cleanup } = await openTestCore());
});
afterEach(async () => cleanup());

const DAY = 86_400_000;
const dayAdd = (d: string, n: number) => new Date(Date.parse(d + 'T00:00:00Z') + n * DAY).toISOString().slice(0, 10);

/** The pipeline at the end of `to` as the dashboard computed it before the rollup: every deal row. */
function plainPipeline(to: string) {
  const end = dayAdd(to, 1) + 'T00:00:00.000Z';
  const rows = core.db
    .prepare(
      `SELECT CASE WHEN (won_at IS NOT NULL OR lost_at IS NOT NULL) THEN 'closed since' ELSE stage END AS stage, currency, COUNT(*) AS count, SUM(value) AS value
       FROM deals NOT INDEXED WHERE opened_at < ? AND (won_at IS NULL OR won_at >= ?) AND (lost_at IS NULL OR lost_at >= ?)
       GROUP BY 1, 2 ORDER BY 1, 2`,
    )
    .all(end, end, end) as { stage: string; currency: string; count: number; value: number }[];
  return rows.map((p) => ({ ...p, value: Math.round(p.value * 100) / 100 }));
}
function plainCycle(from: string, to: string) {
  const days = core.db
    .prepare(`SELECT AVG(julianday(won_at) - julianday(opened_at)) FROM deals NOT INDEXED WHERE won_at >= ? AND won_at < ?`)
    .pluck()
    .get(from + 'T00:00:00.000Z', dayAdd(to, 1) + 'T00:00:00.000Z') as number | null;
  return days === null ? null : Math.round(days * 10) / 10;
}
const fromSums = () => core.db.prepare(`SELECT stage, currency, day, n, value FROM kpi_open_deals WHERE n != 0 ORDER BY 1, 2, 3`).all() as { value: number }[];
const recount = () =>
  core.db
    .prepare(`SELECT stage, currency, substr(opened_at, 1, 10) AS day, COUNT(*) AS n, SUM(value) AS value FROM deals NOT INDEXED WHERE won_at IS NULL AND lost_at IS NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`)
    .all() as { value: number }[];
const cents = (rows: { value: number }[]) => rows.map((r) => ({ ...r, value: Math.round(r.value * 100) / 100 }));

async function agree(ranges: [string, string][]) {
  expect(cents(fromSums())).toEqual(cents(recount()));
  for (const [from, to] of ranges) {
    const k = await core.call('kpi.dashboard', { from, to });
    const n = Math.round((Date.parse(to) - Date.parse(from)) / DAY) + 1;
    expect({ from, to, pipeline: k.current.pipeline }).toEqual({ from, to, pipeline: plainPipeline(to) });
    expect({ from, to, previous: k.previous.pipeline }).toEqual({ from, to, previous: plainPipeline(dayAdd(from, -1)) });
    expect({ from, to, cycle: k.engagement.current.salesCycleDays }).toEqual({ from, to, cycle: plainCycle(from, to) });
    expect({ from, to, cycle: k.engagement.previous.salesCycleDays }).toEqual({ from, to, cycle: plainCycle(dayAdd(from, -n), dayAdd(from, -1)) });
  }
}

describe('kpi: deals', () => {
  it('pipeline and sales cycle equal the straightforward queries after every kind of deal write', async () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const base = Date.parse('2025-01-01T00:00:00Z');
    // Opening times on midnights too (the boundary of a day), else anywhere in 120 days.
    const time = (d0: number, d1: number) => new Date(base + Math.floor(d0 + rnd() * (d1 - d0)) * DAY + (rnd() < 0.2 ? 0 : Math.floor(rnd() * DAY))).toISOString();
    const ranges: [string, string][] = [];
    for (let i = 0; i < 12; i++) {
      const from = new Date(base + Math.floor(rnd() * 140) * DAY).toISOString().slice(0, 10);
      ranges.push([from, dayAdd(from, pick([0, 6, 29, 89]))]);
    }
    ranges.push(['2025-01-01', '2025-12-31'], ['2024-01-01', '2024-12-31']);
    const ids: number[] = [];
    for (let i = 0; i < 240; i++) {
      const openedAt = time(0, 120);
      const d = await core.call('deals.create', { stage: pick(['qualification', 'proposal', 'negotiation'] as const), value: Math.round(rnd() * 100_000) / 100, currency: pick(['USD', 'EUR', 'JPY']), openedAt });
      ids.push(d.id);
    }
    // Created won / lost straight away, too.
    for (let i = 0; i < 20; i++) await core.call('deals.create', { stage: pick(['won', 'lost'] as const), value: 10 + i, currency: 'USD', openedAt: time(0, 120) });
    await agree(ranges);
    // Moves, new values, wins and losses (closing after opening, some on a later midnight).
    for (const id of ids) {
      const opened = core.db.prepare(`SELECT opened_at FROM deals WHERE id = ?`).pluck().get(id) as string;
      const r = rnd();
      const later = new Date(Date.parse(opened) + Math.floor(rnd() * 40 * DAY)).toISOString();
      if (r < 0.25) await core.call('deals.update', { id, stage: 'won', at: later });
      else if (r < 0.45) await core.call('deals.update', { id, stage: 'lost', at: later });
      else if (r < 0.6) await core.call('deals.update', { id, stage: pick(['qualification', 'proposal', 'negotiation'] as const) });
      else if (r < 0.7) await core.call('deals.update', { id, value: Math.round(rnd() * 50_000) / 100 });
    }
    await agree(ranges);
    // Writes outside the API: a deleted deal, a raw change of currency and of opening time, a deal re-opened.
    core.db.prepare(`DELETE FROM deals WHERE id IN (?, ?, ?)`).run(ids[0], ids[1], ids[2]);
    core.db.prepare(`UPDATE deals SET currency = 'GBP' WHERE id IN (?, ?)`).run(ids[3], ids[4]);
    core.db.prepare(`UPDATE deals SET opened_at = '2025-02-01T00:00:00.000Z' WHERE id IN (?, ?)`).run(ids[5], ids[6]);
    core.db.prepare(`UPDATE deals SET won_at = NULL, lost_at = NULL, stage = 'proposal' WHERE id IN (SELECT id FROM deals WHERE won_at IS NOT NULL LIMIT 3)`).run();
    await agree(ranges);
    expect(plainPipeline('2025-03-01').length).toBeGreaterThan(4); // not vacuous: several stages and currencies
    expect(plainCycle('2025-01-01', '2025-12-31')).not.toBeNull();
  });

  it("the migration's backfill builds the table from the deals already stored", async () => {
    for (let i = 0; i < 30; i++) {
      const d = await core.call('deals.create', { stage: i % 2 ? 'proposal' : 'negotiation', value: 100 + i, currency: i % 3 ? 'USD' : 'EUR', openedAt: new Date(Date.parse('2025-03-01') + i * 3_600_000 * 7).toISOString() });
      if (i % 5 === 0) await core.call('deals.update', { id: d.id, stage: 'won' });
    }
    const before = cents(fromSums());
    expect(before.length).toBeGreaterThan(3);
    // As if the store predated the migration: the table is empty; the migration's last statement fills it.
    core.db.exec(`DELETE FROM kpi_open_deals`);
    const file = readdirSync(join(resourcesDir(), 'migrations')).find((f) => readFileSync(join(resourcesDir(), 'migrations', f), 'utf8').includes('CREATE TABLE `kpi_open_deals`'))!;
    core.db.exec(readFileSync(join(resourcesDir(), 'migrations', file), 'utf8').split('--> statement-breakpoint').pop()!);
    expect(cents(fromSums())).toEqual(before);
    await agree([['2025-03-01', '2025-03-31']]);
  });

  it('the dashboard reads the pipeline and the cycle from the rollup and the won / lost indexes, not from every deal', () => {
    const plan = (sql: string, ...p: unknown[]) => (core.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...p) as { detail: string }[]).map((r) => r.detail).join(' | ');
    const e = '2025-03-01T00:00:00.000Z';
    expect(plan(`SELECT currency, value FROM deals WHERE won_at >= ? AND (lost_at IS NULL OR lost_at >= ?) AND opened_at < ?`, e, e, e)).toMatch(/COVERING INDEX deals_won_since \(won_at>\?\)/);
    expect(plan(`SELECT currency, value FROM deals WHERE lost_at >= ? AND won_at IS NULL AND opened_at < ?`, e, e)).toMatch(/COVERING INDEX deals_lost_since \(lost_at>\?\)/);
    expect(plan(`SELECT AVG(julianday(won_at) - julianday(opened_at)) FROM deals WHERE won_at >= ? AND won_at < ?`, e, e)).toMatch(/COVERING INDEX deals_won_since/);
  });
});
