/**
 * EPC and ROI (docs/affiliate.md, "EPC and ROI"), for a range of UTC days, in
 * one currency (the input's, else finance.currency; other currencies are
 * counted apart, not converted):
 *
 *   clicks     = people's clicks on /go/<slug> in the range (machine clicks apart)
 *   revenue    = commissions dated in the range, not reversed (pending ones included, shown apart)
 *   cost       = costs dated in the range tagged to it (a program's and a content piece's
 *                include the costs tagged to their links), plus the AI spend in the range
 *                of the runs that made its links (split equally among a run's links)
 *   EPC        = revenue / clicks                     (null without clicks)
 *   profit     = revenue - cost
 *   ROI        = (revenue - cost) / cost × 100 %      (null without costs)
 *   conversion = commissions / clicks × 100 %
 *
 * Per link: its clicks and the commissions matched to it. Per program: the
 * clicks of its links and every commission of the program (matched to a link
 * or only to the program). Per content piece: the links naming it. Totals: all
 * clicks, all commissions (unmatched ones too), all costs.
 */
import { lazyRequire } from '../lazy';
import type { AffiliateStatLine, AffiliateStats, OpInput, OpOutput } from '../../../shared/api';
import { toMajor } from '../billing/money';
import type { ThreadEnv } from '../env';
import { financeCurrency } from '../finance/import';
import { linkBase, trackedUrl } from './links';
import { affiliateStoreOf, type LinkRow } from './store';

// Loaded on first use: a CSV import or export, not the start (docs/bench.md, "Memory and start").
const papa = lazyRequire<typeof import('papaparse')>('papaparse');

interface Acc {
  clicks: number;
  machine: number;
  commissions: number;
  revenue: number;
  pending: number;
  cost: number;
  /** Of cost: AI spend (USD cents). */
  ai: number;
}
const acc = (): Acc => ({ clicks: 0, machine: 0, commissions: 0, revenue: 0, pending: 0, cost: 0, ai: 0 });
const round2 = (n: number) => Math.round(n * 100) / 100;

function line(key: string, label: string, a: Acc, currency: string): AffiliateStatLine {
  const revenue = toMajor(a.revenue, currency);
  const cost = toMajor(a.cost, currency);
  return {
    key,
    label,
    clicks: a.clicks,
    machineClicks: a.machine,
    commissions: a.commissions,
    revenue,
    pending: toMajor(a.pending, currency),
    cost,
    aiCost: toMajor(a.ai, currency),
    epc: a.clicks ? round2(revenue / a.clicks) : null,
    profit: round2(revenue - cost),
    roi: a.cost ? Math.round(((a.revenue - a.cost) / a.cost) * 1000) / 10 : null,
    conversion: a.clicks ? Math.round((a.commissions / a.clicks) * 1000) / 10 : null,
  };
}

export function affiliateStats(env: ThreadEnv, q: { from: string; to: string; currency?: string | undefined }): AffiliateStats {
  const st = affiliateStoreOf(env);
  const currency = (q.currency ?? financeCurrency(env)).toUpperCase();
  const links = st.links();
  const programs = st.programs();
  const byLink = new Map<number, Acc>();
  const byProgram = new Map<number, Acc>();
  const byContent = new Map<string, Acc & { links: Set<number> }>();
  const get = <K,>(m: Map<K, Acc>, k: K) => {
    let a = m.get(k);
    if (!a) m.set(k, (a = acc()));
    return a;
  };
  const content = (k: string) => {
    let a = byContent.get(k);
    if (!a) byContent.set(k, (a = { ...acc(), links: new Set() }));
    return a;
  };
  const linkById = new Map(links.map((l) => [l.id, l]));
  const total = acc();

  for (const r of st
    .stmt('SELECT link_id, SUM(machine = 0) AS people, SUM(machine = 1) AS machine FROM affiliate_clicks WHERE day >= ? AND day <= ? GROUP BY link_id')
    .all(q.from, q.to) as { link_id: number; people: number; machine: number }[]) {
    const l = linkById.get(r.link_id);
    if (!l) continue;
    for (const a of [get(byLink, l.id), get(byProgram, l.program_id), total, ...(l.content ? [content(l.content)] : [])]) {
      a.clicks += r.people;
      a.machine += r.machine;
    }
    if (l.content) content(l.content).links.add(l.id);
  }

  const others = new Map<string, { currency: string; commissions: number; revenue: number; cost: number }>();
  const other = (c: string) => {
    let o = others.get(c);
    if (!o) others.set(c, (o = { currency: c, commissions: 0, revenue: 0, cost: 0 }));
    return o;
  };
  const unmatched = { commissions: 0, revenue: 0 };
  for (const r of st
    .stmt(
      `SELECT link_id, program_id, currency, COUNT(*) AS n, SUM(amount) AS amount, SUM(CASE WHEN status = 'pending' THEN amount ELSE 0 END) AS pending
       FROM affiliate_commissions WHERE date >= ? AND date <= ? AND status != 'reversed' GROUP BY link_id, program_id, currency`,
    )
    .all(q.from, q.to) as { link_id: number | null; program_id: number | null; currency: string; n: number; amount: number; pending: number }[]) {
    if (r.currency !== currency) {
      const o = other(r.currency);
      o.commissions += r.n;
      o.revenue += r.amount;
      continue;
    }
    const l = r.link_id === null ? undefined : linkById.get(r.link_id);
    const targets = [total];
    if (l) {
      targets.push(get(byLink, l.id));
      if (l.content) {
        targets.push(content(l.content));
        content(l.content).links.add(l.id);
      }
    } else {
      unmatched.commissions += r.n;
      unmatched.revenue += r.amount;
    }
    if (r.program_id !== null) targets.push(get(byProgram, r.program_id));
    for (const a of targets) {
      a.commissions += r.n;
      a.revenue += r.amount;
      a.pending += r.pending;
    }
  }

  for (const r of st
    .stmt('SELECT link_id, program_id, content, currency, SUM(amount) AS amount FROM affiliate_costs WHERE date >= ? AND date <= ? GROUP BY link_id, program_id, content, currency')
    .all(q.from, q.to) as { link_id: number | null; program_id: number | null; content: string | null; currency: string; amount: number }[]) {
    if (r.currency !== currency) {
      other(r.currency).cost += r.amount;
      continue;
    }
    const targets = [total];
    const l = r.link_id === null ? undefined : linkById.get(r.link_id);
    if (l) {
      targets.push(get(byLink, l.id), get(byProgram, l.program_id));
      if (l.content) {
        targets.push(content(l.content));
        content(l.content).links.add(l.id);
      }
    }
    if (r.program_id !== null) targets.push(get(byProgram, r.program_id));
    if (r.content !== null) targets.push(content(r.content));
    for (const a of targets) a.cost += r.amount;
  }

  // AI spend (docs/affiliate.md, "AI spend"): the usage ledger's calls in the range of each run that
  // made links (the affiliate.link step records its top-level run), its forEach bodies and
  // sub-workflows included, split equally among the links it made, each share counted like a cost
  // tagged to that link (the link, its program, its content piece). The ledger is in USD.
  const spend = st
    .stmt(
      `WITH RECURSIVE tree(root, id) AS (
         SELECT DISTINCT run_id, run_id FROM affiliate_links WHERE run_id IS NOT NULL
         UNION ALL SELECT tree.root, r.id FROM runs r JOIN tree ON r.parent_run_id = tree.id)
       SELECT tree.root, SUM(u.cost_usd) AS usd FROM tree JOIN ai_usage u ON u.run_id = tree.id WHERE u.day >= ? AND u.day <= ? GROUP BY tree.root`,
    )
    .all(q.from, q.to) as { root: string; usd: number }[];
  if (spend.length) {
    const byRun = new Map<string, LinkRow[]>();
    for (const l of links) if (l.run_id) byRun.set(l.run_id, [...(byRun.get(l.run_id) ?? []), l]);
    for (const r of spend) {
      const made = byRun.get(r.root) ?? [];
      const cents = Math.round(r.usd * 100);
      if (!made.length || cents <= 0) continue;
      if (currency !== 'USD') {
        other('USD').cost += cents;
        continue;
      }
      // Whole cents per link; the remainder to the first links, so the shares add up to the run's spend.
      const share = Math.floor(cents / made.length);
      made.forEach((l, i) => {
        const c = share + (i < cents - share * made.length ? 1 : 0);
        const targets = [total, get(byLink, l.id), get(byProgram, l.program_id)];
        if (l.content) {
          targets.push(content(l.content));
          content(l.content).links.add(l.id);
        }
        for (const a of targets) {
          a.cost += c;
          a.ai += c;
        }
      });
    }
  }

  // Every live link and program is listed (a link without clicks yet too); archived ones when they had activity.
  for (const l of links) {
    if (l.archived_at === null) {
      get(byLink, l.id);
      if (l.content) content(l.content).links.add(l.id);
    }
  }
  for (const p of programs) get(byProgram, p.id);
  const base = linkBase(env);
  const order = (a: AffiliateStatLine, b: AffiliateStatLine) => b.revenue - a.revenue || b.clicks - a.clicks || a.label.localeCompare(b.label);
  const programName = new Map(programs.map((p) => [p.id, p]));
  return {
    range: { from: q.from, to: q.to },
    currency,
    totals: line('total', 'All links', total, currency),
    links: [...byLink.entries()]
      .flatMap(([id, a]) => {
        const l = linkById.get(id);
        return l ? [{ ...line(String(id), l.slug, a, currency), linkId: id, slug: l.slug, programId: l.program_id, program: l.program, content: l.content, trackedUrl: trackedUrl(base, l.slug) }] : [];
      })
      .sort(order),
    programs: [...byProgram.entries()]
      .flatMap(([id, a]) => {
        const p = programName.get(id);
        return p ? [{ ...line(String(id), p.name, a, currency), programId: id, network: p.network }] : [];
      })
      .sort(order),
    content: [...byContent.entries()].map(([k, a]) => ({ ...line(k, k, a, currency), links: a.links.size })).sort(order),
    unmatched: { commissions: unmatched.commissions, revenue: toMajor(unmatched.revenue, currency) },
    otherCurrencies: [...others.values()].map((o) => ({ ...o, revenue: toMajor(o.revenue, o.currency), cost: toMajor(o.cost, o.currency) })).sort((a, b) => a.currency.localeCompare(b.currency)),
  };
}

/** The dashboard tile's numbers (kpi.read's affiliateRevenue, affiliateClicks, affiliateEpc): the totals of affiliate.stats. */
export function affiliateKpi(env: ThreadEnv, from: string, to: string): { currency: string; revenue: number; clicks: number; epc: number | null } {
  const s = affiliateStats(env, { from, to });
  return { currency: s.currency, revenue: s.totals.revenue, clicks: s.totals.clicks, epc: s.totals.epc };
}

/**
 * Commissions as P&L income (finance.pnl, category "Affiliate"): approved or
 * paid commissions per month and currency (pending ones may still be
 * reversed; reversed ones never count). Amounts in minor units.
 */
export function affiliateIncome(env: Pick<ThreadEnv, 'get'>, q: { from: string; to: string }): { month: string; currency: string; amount: number; commissions: number }[] {
  return affiliateStoreOf(env)
    .stmt(
      `SELECT substr(date, 1, 7) AS month, currency, SUM(amount) AS amount, COUNT(*) AS commissions FROM affiliate_commissions
       WHERE date >= ? AND date <= ? AND status IN ('approved', 'paid') GROUP BY 1, 2`,
    )
    .all(q.from, q.to) as { month: string; currency: string; amount: number; commissions: number }[];
}

/** affiliate.export: the table (links, programs, content) or the commissions of a range as CSV. */
export function exportAffiliateCsv(env: ThreadEnv, q: OpInput<'affiliate.export'>): OpOutput<'affiliate.export'> {
  const what = q.what ?? 'links';
  let data: (string | number | null)[][];
  if (what === 'commissions') {
    const rows = affiliateStoreOf(env)
      .stmt(
        `SELECT c.date, c.amount, c.currency, c.status, c.sale, c.sub_id, c.transaction_id, p.name AS program, l.slug, l.content, s.name AS source
         FROM affiliate_commissions c JOIN affiliate_sources s ON s.id = c.source_id LEFT JOIN affiliate_programs p ON p.id = c.program_id LEFT JOIN affiliate_links l ON l.id = c.link_id
         WHERE c.date >= ? AND c.date <= ? ORDER BY c.date, c.id`,
      )
      .all(q.from, q.to) as { date: string; amount: number; currency: string; status: string; sale: number | null; sub_id: string | null; transaction_id: string | null; program: string | null; slug: string | null; content: string | null; source: string }[];
    data = [['Date', 'Commission', 'Currency', 'Status', 'Sale', 'Sub-id', 'Transaction', 'Program', 'Link', 'Content', 'Source']];
    for (const r of rows) data.push([r.date, toMajor(r.amount, r.currency), r.currency, r.status, r.sale === null ? null : toMajor(r.sale, r.currency), r.sub_id, r.transaction_id, r.program, r.slug, r.content, r.source]);
  } else {
    const s = affiliateStats(env, q);
    const head = [`Revenue (${s.currency})`, 'Pending', 'Commissions', 'Clicks', 'Machine clicks', 'EPC', 'Cost', 'Of which AI', 'Profit', 'ROI %', 'Conversion %'];
    const nums = (l: AffiliateStatLine) => [l.revenue, l.pending, l.commissions, l.clicks, l.machineClicks, l.epc, l.cost, l.aiCost, l.profit, l.roi, l.conversion];
    if (what === 'links') {
      data = [['Link', 'Tracked URL', 'Program', 'Content', ...head]];
      for (const l of s.links) data.push([l.slug, l.trackedUrl, l.program, l.content, ...nums(l)]);
    } else if (what === 'programs') {
      data = [['Program', 'Network', ...head]];
      for (const l of s.programs) data.push([l.label, l.network, ...nums(l)]);
    } else {
      data = [['Content', 'Links', ...head]];
      for (const l of s.content) data.push([l.label, l.links, ...nums(l)]);
    }
    data.push(['Total', ...(what === 'programs' || what === 'content' ? [null] : [null, null, null]), ...nums(s.totals)]);
  }
  return { filename: `baton-affiliate-${what}-${q.from}-to-${q.to}.csv`, csv: papa().unparse(data, { newline: '\n', escapeFormulae: true }) + '\n', rows: data.length - 1 };
}
