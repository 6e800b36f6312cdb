/**
 * The finance benchmark driver, built as out/main/finance-bench.js and called by
 * bench/finance.mjs (`npm run bench`), on a real core (a SQLite file):
 * - a bank CSV of 100,000 transactions over 3 years imported through finance.import
 *   (rows/s), then the monthly P&L of those 36 months through finance.pnl (median and
 *   worst of several runs; target < 150 ms);
 * - a 6-page client report with 4 charts rendered through reports.render (median time
 *   per report; target < 2 s) and the process's peak RSS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBaton } from '../index';
import { EnvSecretStore } from '../secrets';

export interface FinanceBenchResult {
  transactions: number;
  importMs: number;
  importPerSec: number;
  months: number;
  pnlMedianMs: number;
  pnlMaxMs: number;
  pnlRuns: number;
  /** The yardstick in the same run: SQLite summing the same rows by month, one plain GROUP BY (median). */
  rawMonthSumMs: number;
  reportPages: number;
  reportCharts: number;
  reportMedianMs: number;
  reportMaxMs: number;
  reportRuns: number;
  peakRssMb: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const PAYEES = ['ADOBE CREATIVE CLOUD', 'AWS EMEA', 'Coworking rent', 'Acme Corp retainer', 'Globex project', 'Google Workspace', 'Train ticket', 'Lunch with client', 'Notion Labs', 'Stripe payout'];

/** A checking account's CSV: `n` rows spread over the 36 months from `startYear`-01. */
function bankCsv(n: number, startYear: number): string {
  const lines = ['Date,Description,Amount,Reference'];
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < n; i++) {
    const month = Math.floor((i / n) * 36);
    const y = startYear + Math.floor(month / 12);
    const m = (month % 12) + 1;
    const d = 1 + Math.floor(rnd() * 28);
    const payee = PAYEES[Math.floor(rnd() * PAYEES.length)]!;
    const income = payee.includes('retainer') || payee.includes('project');
    const amount = income ? (500 + rnd() * 4000).toFixed(2) : (-(5 + rnd() * 300)).toFixed(2);
    lines.push(`${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')},${payee},${amount},ref-${i}`);
  }
  return lines.join('\n');
}

export async function runFinanceBench(opts: { quick?: boolean } = {}): Promise<FinanceBenchResult> {
  const n = opts.quick ? 10_000 : 100_000;
  const dir = mkdtempSync(join(tmpdir(), 'baton-finance-bench-'));
  const core = await openBaton({ dataDir: dir, host: 'cli', secrets: new EnvSecretStore({}, 'bench'), logLevel: 'warn' });
  try {
    core.setSetting('finance.currency', 'USD');
    core.setSetting('finance.taxRate', 25);
    core.setSetting('brand.name', 'Solo Studio');
    const company = await core.call('contacts.create', { email: 'ada@acme.test', firstName: 'Ada', companyDomain: 'acme.test' });
    const client = `company:${company.companyId}`;
    await core.call('finance.rules.add', { contains: 'ADOBE', category: 'Software', kind: 'expense' });
    await core.call('finance.rules.add', { contains: 'AWS', category: 'Hosting', kind: 'expense' });
    await core.call('finance.rules.add', { contains: 'Acme Corp', category: 'Retainers', kind: 'income', client });
    await core.call('finance.rules.add', { contains: 'Stripe payout', category: 'Transfers', kind: 'excluded' });

    // 100,000 transactions over 2024-01 .. 2026-12.
    const csv = bankCsv(n, 2024);
    const t0 = performance.now();
    const imp = await core.call('finance.import', { source: 'Business checking', csv, file: 'bench.csv' });
    const importMs = performance.now() - t0;
    if (imp.imported !== n) throw new Error(`imported ${imp.imported} of ${n} rows (${imp.invalid[0]?.reason ?? 'no reason given'})`);

    // The P&L of the 36 months, and its yardstick: the same rows summed per month by SQLite alone
    // (one plain GROUP BY). Taken in turns so both meet the same load of the machine; the first
    // P&L (cold) is the worst case, the medians leave it out.
    const raw = core.db.prepare(`SELECT substr(date, 1, 7) AS m, SUM(amount) AS s, COUNT(*) AS n FROM finance_transactions WHERE currency = ? AND date >= ? AND date <= ? GROUP BY 1`);
    const pnlTimes: number[] = [];
    const rawTimes: number[] = [];
    let months = 0;
    for (let i = 0; i < 15; i++) {
      let t = performance.now();
      const p = await core.call('finance.pnl', { from: '2024-01', to: '2026-12' });
      pnlTimes.push(performance.now() - t);
      months = p.months.length;
      t = performance.now();
      raw.all('USD', '2024-01-01', '2026-12-31');
      rawTimes.push(performance.now() - t);
    }

    // A 6-page report with 4 charts: new leads (1 chart) and 3 imported metrics (3 charts), plus text.
    const lead = await core.call('contacts.create', { email: 'bob@acme.test', firstName: 'Bob', companyDomain: 'acme.test' });
    core.db.prepare(`UPDATE contacts SET created_at = ? WHERE id IN (?, ?)`).run('2026-03-10T09:00:00.000Z', company.id, lead.id);
    const metricRows = ['date,Sessions,Signups,Revenue'];
    for (let d = 1; d <= 31; d++) metricRows.push(`2026-03-${String(d).padStart(2, '0')},${100 + d * 7},${d % 9},${(d * 113) % 900}`);
    await core.call('reports.metrics.import', { client, source: 'Analytics', csv: metricRows.join('\n') });
    const para = 'This month we tightened the funnel from the first visit to the booked call: the landing page copy was rewritten around the outcome, the form lost two fields, and every new lead now gets a reply within the hour. ';
    const text = (k: number) => ({ kind: 'text' as const, title: `Notes ${k}`, text: para.repeat(20).slice(0, 4900) });
    await core.call('reports.definitions.set', {
      client,
      title: 'Acme monthly report',
      recipient: 'ada@acme.test',
      sections: [{ kind: 'summary' }, { kind: 'leads' }, { kind: 'metrics', metrics: ['Sessions', 'Signups', 'Revenue'], chart: 'bar' }, text(1), text(2), text(3), text(4), text(5), text(6), text(7)],
    });
    const reportTimes: number[] = [];
    let pages = 0;
    const runs = opts.quick ? 3 : 7;
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      const r = await core.call('reports.render', { client, from: '2026-03-01', to: '2026-03-31' });
      reportTimes.push(performance.now() - t);
      pages = r.pages;
    }
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    return {
      transactions: imp.imported,
      importMs,
      importPerSec: imp.imported / (importMs / 1000),
      months,
      pnlMedianMs: median(pnlTimes.slice(1)),
      pnlMaxMs: Math.max(...pnlTimes),
      pnlRuns: pnlTimes.length,
      rawMonthSumMs: median(rawTimes.slice(1)),
      reportPages: pages,
      reportCharts: 4,
      reportMedianMs: median(reportTimes),
      reportMaxMs: Math.max(...reportTimes),
      reportRuns: runs,
      peakRssMb,
    };
  } finally {
    await core.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
