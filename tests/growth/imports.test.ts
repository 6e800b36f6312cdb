/**
 * Growth imports through the API on a real SQLite file: a keyword export in an
 * SEO tool's columns, Search Console's columns, an export with unknown columns
 * (the mapping dialog's error naming what is missing, nothing written), a
 * mapping given once and remembered; campaign memories with their success
 * patterns and the portfolio allocation (the documented methods, recomputed
 * here from the raw rows).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { openTestCore } from '../helpers';

let t: { core: Core; cleanup: () => Promise<void> } | null = null;
afterEach(async () => {
  await t?.cleanup();
  t = null;
});

const csvLine = (cells: (string | number)[]) => cells.map((c) => (/[",\n]/.test(String(c)) ? `"${String(c).replace(/"/g, '""')}"` : String(c))).join(',');

/** A keyword export in Semrush's "Organic Positions" columns, deterministic rows. */
function semrushExport(n: number): { csv: string; rows: { keyword: string; position: number; volume: number; kd: number }[] } {
  const rows: { keyword: string; position: number; volume: number; kd: number }[] = [];
  for (let i = 0; i < n; i++) rows.push({ keyword: `crm for plumbers ${i}`, position: 1 + ((i * 7) % 60), volume: (i * 37) % 900, kd: (i * 13) % 100 });
  const head = ['Keyword', 'Position', 'Previous position', 'Search Volume', 'Keyword Difficulty', 'CPC', 'URL', 'Traffic (%)'];
  const lines = rows.map((r) => csvLine([r.keyword, r.position, r.position + 1, r.volume.toLocaleString('en-US'), r.kd, '$1.20', `https://ours.test/p/${r.keyword.replace(/ /g, '-')}`, '0.1']));
  return { csv: [csvLine(head), ...lines].join('\r\n'), rows };
}

describe('growth imports', () => {
  it('imports a keyword export in an SEO tool\'s columns; quick wins follow the thresholds', async () => {
    t = await openTestCore();
    const core = t.core;
    const { csv, rows } = semrushExport(400);
    const preview = await core.call('growth.import.preview', { kind: 'seo.keywords', csv });
    expect(preview.missing).toEqual([]);
    expect(preview.mapping).toMatchObject({ keyword: 'Keyword', position: 'Position', volume: 'Search Volume', difficulty: 'Keyword Difficulty', url: 'URL', cpc: 'CPC' });
    expect(preview.rows).toBe(400);

    const r = await core.call('growth.import', { kind: 'seo.keywords', csv, day: '2026-03-02' });
    expect(r).toMatchObject({ rows: 400, imported: 400, updated: 0, skipped: 0 });
    const n = (core.db.prepare('SELECT COUNT(*) AS n FROM growth_keywords').get() as { n: number }).n;
    expect(n).toBe(400);
    // "1,200"-style volumes are read as numbers.
    const big = rows.find((x) => x.volume >= 1000) ?? rows.reduce((a, b) => (b.volume > a.volume ? b : a));
    expect((core.db.prepare('SELECT volume FROM growth_keywords WHERE keyword = ?').get(big.keyword) as { volume: number }).volume).toBe(big.volume);

    const q = await core.call('seo.quickWins', { limit: 1000, offset: 0 });
    const th = q.thresholds as { maxDifficulty: number; minVolume: number; minPosition: number; maxPosition: number };
    const expected = rows.filter((x) => x.position >= th.minPosition && x.position <= th.maxPosition && x.kd < th.maxDifficulty && x.volume > th.minVolume);
    expect(expected.length).toBeGreaterThan(10);
    expect(q.total).toBe(expected.length);
    expect(new Set(q.rows.map((x) => x.keyword))).toEqual(new Set(expected.map((x) => x.keyword)));
    // Ordered by opportunity.
    for (let i = 1; i < q.rows.length; i++) expect(q.rows[i - 1]!.opportunity).toBeGreaterThanOrEqual(q.rows[i]!.opportunity);

    // Thresholds are settings.
    await core.call('settings.set', { key: 'growth.seo', value: { maxDifficulty: 20 } });
    const q2 = await core.call('seo.quickWins', { limit: 1000, offset: 0 });
    expect(q2.total).toBe(expected.filter((x) => x.kd < 20).length);
    expect(q2.total).toBeLessThan(q.total);

    // The same export again updates, it does not duplicate.
    const again = await core.call('growth.import', { kind: 'seo.keywords', csv, day: '2026-03-09' });
    expect(again).toMatchObject({ imported: 0, updated: 400 });
  });

  it('Search Console columns are recognised; an export with unknown columns names what is missing and writes nothing; a given mapping is remembered', async () => {
    t = await openTestCore();
    const core = t.core;
    const gsc = [csvLine(['Top queries', 'Clicks', 'Impressions', 'CTR', 'Position']), csvLine(['baton crm', 12, 400, '3%', 5.2]), csvLine(['solo crm', 3, 900, '0.3%', 14.8])].join('\n');
    const r = await core.call('growth.import', { kind: 'seo.ranks', csv: gsc, day: '2026-03-02' });
    expect(r.imported).toBe(2);
    expect(r.mapping).toMatchObject({ keyword: 'Top queries', position: 'Position', clicks: 'Clicks', impressions: 'Impressions' });

    const odd = [csvLine(['Suchbegriff', 'Suchvolumen', 'Rang']), csvLine(['crm handwerk', 500, 7]), csvLine(['crm maler', 300, 12])].join('\n');
    const before = (core.db.prepare('SELECT COUNT(*) AS n FROM growth_keywords').get() as { n: number }).n;
    const err = await core.call('growth.import', { kind: 'seo.keywords', csv: odd }).then(
      () => null,
      (e: unknown) => e as { code: string; message: string; issues: { path: string; message: string }[] },
    );
    expect(err?.code).toBe('invalid_input');
    expect(err?.message).toContain('"keyword"');
    expect(err?.message).toContain('Suchbegriff, Suchvolumen, Rang');
    expect(err?.issues.map((i) => i.path)).toContain('mapping.keyword');
    expect((core.db.prepare('SELECT COUNT(*) AS n FROM growth_keywords').get() as { n: number }).n).toBe(before);

    // A mapping naming a column the file does not have is refused, naming it.
    const bad = await core.call('growth.import', { kind: 'seo.keywords', csv: odd, mapping: { keyword: 'Keyword' } }).then(
      () => null,
      (e: unknown) => e as { code: string; issues: { path: string; message: string }[] },
    );
    expect(bad?.issues[0]).toMatchObject({ path: 'mapping.keyword' });
    expect(bad?.issues[0]?.message).toContain('no column "Keyword"');

    const ok = await core.call('growth.import', { kind: 'seo.keywords', csv: odd, mapping: { keyword: 'Suchbegriff', volume: 'Suchvolumen', position: 'Rang' } });
    expect(ok.imported).toBe(2);
    // The next export with the same columns needs no mapping.
    const next = [csvLine(['Suchbegriff', 'Suchvolumen', 'Rang']), csvLine(['crm dachdecker', 250, 9])].join('\n');
    const preview = await core.call('growth.import.preview', { kind: 'seo.keywords', csv: next });
    expect(preview).toMatchObject({ remembered: true, missing: [] });
    const r2 = await core.call('growth.import', { kind: 'seo.keywords', csv: next });
    expect(r2.imported).toBe(1);
    expect(core.db.prepare('SELECT volume, position FROM growth_keywords WHERE keyword = ?').get('crm dachdecker')).toEqual({ volume: 250, position: 9 });
  });

  it('campaign memories: success patterns by the documented lift method, and a portfolio allocation under the total budget', async () => {
    t = await openTestCore();
    const core = t.core;
    // 20 finished campaigns: e-mail to existing customers pays, display to cold audiences does not.
    const head = ['Campaign', 'Channel', 'Audience', 'Offer', 'Budget', 'Cost', 'Conversions', 'Revenue', 'Status', 'Start date', 'End date'];
    const lines: string[] = [csvLine(head)];
    const mem: { channel: string; audience: string; offer: string; spend: number; revenue: number }[] = [];
    for (let i = 0; i < 20; i++) {
      const good = i % 3 === 0;
      const m = good
        ? { channel: 'email', audience: 'customers', offer: i % 2 ? 'upgrade' : 'bundle', spend: 500 + i * 10, revenue: 2500 + i * 40 }
        : { channel: i % 2 ? 'display' : 'social', audience: 'cold', offer: i % 2 ? 'discount' : 'bundle', spend: 1000 + i * 20, revenue: 700 + i * 15 };
      mem.push(m);
      lines.push(csvLine([`Campaign ${i}`, m.channel, m.audience, m.offer, m.spend, m.spend, 10 + i, m.revenue, 'finished', '2025-01-01', '2025-01-31']));
    }
    // Two running campaigns share the portfolio.
    lines.push(csvLine(['Spring e-mail', 'email', 'customers', 'bundle', 1000, 400, 30, 1600, 'running', '2026-02-01', '']));
    lines.push(csvLine(['Spring display', 'display', 'cold', 'discount', 1000, 600, 5, 300, 'running', '2026-02-01', '']));
    const r = await core.call('growth.import', { kind: 'campaigns.memories', csv: lines.join('\n') });
    expect(r).toMatchObject({ imported: 22, skipped: 0 });
    expect(r.mapping).toMatchObject({ name: 'Campaign', spend: 'Cost', leads: 'Conversions' });

    const p = await core.call('campaigns.patterns', {});
    const roi = mem.map((m) => (m.revenue - m.spend) / m.spend).sort((a, b) => b - a);
    const k = Math.ceil(20 * 0.3);
    expect(p).toMatchObject({ memories: 20, top: k });
    expect(p.roiThreshold).toBeCloseTo(roi[k - 1]!, 2);
    expect(p.success.map((x) => `${x.feature}=${x.value}`)).toEqual(expect.arrayContaining(['channel=email', 'audience=customers']));
    expect(p.failure.map((x) => `${x.feature}=${x.value}`)).toContain('audience=cold');

    const port = await core.call('campaigns.portfolio', { totalBudget: 1500 });
    expect(port.allocations).toHaveLength(2);
    const sum = port.allocations.reduce((a, x) => a + x.allocated, 0);
    expect(sum).toBeLessThanOrEqual(1500 + 0.01);
    const email = port.allocations.find((x) => x.name === 'Spring e-mail')!;
    const display = port.allocations.find((x) => x.name === 'Spring display')!;
    // The better marginal ROI gets more, every campaign within its floor and cap.
    expect(email.allocated).toBeGreaterThan(display.allocated);
    for (const a of port.allocations) {
      expect(a.allocated).toBeGreaterThanOrEqual(a.floor - 0.01);
      expect(a.allocated).toBeLessThanOrEqual(a.cap + 0.01);
    }
  });
});
