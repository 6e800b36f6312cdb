/**
 * The affiliate domain (docs/affiliate.md): programs, tracked links with the
 * public redirect /go/<slug> (clicks recorded, bots and prefetches apart),
 * commissions imported from network CSV exports (mapping remembered per
 * source, duplicates found, per-row errors, matched to links by sub-id or
 * URL), costs, EPC and ROI per link, program and content piece, the
 * `affiliate.commission` event, the `affiliate.link` node. Commissions reach
 * the P&L as income (finance/pnl.ts reads affiliateIncome) and the dashboard
 * through kpi.read (affiliateRevenue, affiliateClicks, affiliateEpc).
 */
import { affiliateEventTypes, affiliateOps, ApiError, type AffiliateCommission, type AffiliateCost, type OpInput, AffiliateMapping } from '../../../shared/api';
import type { HandlerMap } from '../api/types';
import { minorDigits, toMajor } from '../billing/money';
import type { Core, RouteLimits } from '../core';
import { parseStored } from '../db/integrity';
import type { StoredAffiliateMapping } from '../db/schema/affiliate';
import { defineDomain } from '../domain';
import type { ThreadEnv } from '../env';
import { financeCurrency } from '../finance/import';
import { importCommissions } from './import';
import { createLink, listLinks, programOut, saveProgram, updateLink } from './links';
import { AFFILIATE_NODES } from './nodes';
import { goRoute } from './route';
import { affiliateStats, exportAffiliateCsv } from './stats';
import { affiliateStoreOf } from './store';

export { affiliateIncome, affiliateKpi, affiliateStats } from './stats';

/**
 * Links sit in posts, newsletters and videos: bursts when a post is shared,
 * many visitors behind one address. The same budget as e-mail click tracking.
 */
const GO_LIMITS: RouteLimits = { bodyLimit: 1024, perIp: { perMinute: 600, burst: 120 }, global: { perMinute: 180_000, burst: 20_000 } };

function listCommissions(env: ThreadEnv, i: OpInput<'affiliate.commissions.list'>): { total: number; rows: AffiliateCommission[] } {
  const st = affiliateStoreOf(env);
  const conds: string[] = [];
  const args: unknown[] = [];
  const add = (c: string, v?: unknown) => {
    conds.push(c);
    if (v !== undefined) args.push(v);
  };
  if (i.from) add('c.date >= ?', i.from);
  if (i.to) add('c.date <= ?', i.to);
  if (i.linkId) add('c.link_id = ?', i.linkId);
  if (i.programId) add('c.program_id = ?', i.programId);
  if (i.status) add('c.status = ?', i.status);
  if (i.unmatched) add('c.link_id IS NULL');
  const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
  const total = (st.stmt(`SELECT COUNT(*) AS n FROM affiliate_commissions c ${where}`).get(...args) as { n: number }).n;
  const rows = st
    .stmt(
      `SELECT c.*, p.name AS program, l.slug, s.name AS source FROM affiliate_commissions c JOIN affiliate_sources s ON s.id = c.source_id
       LEFT JOIN affiliate_programs p ON p.id = c.program_id LEFT JOIN affiliate_links l ON l.id = c.link_id ${where} ORDER BY c.date DESC, c.id DESC LIMIT ? OFFSET ?`,
    )
    .all(...args, i.limit ?? 100, i.offset ?? 0) as {
    id: number;
    date: string;
    amount: number;
    currency: string;
    status: AffiliateCommission['status'];
    sale: number | null;
    sub_id: string | null;
    transaction_id: string | null;
    program_id: number | null;
    program: string | null;
    link_id: number | null;
    slug: string | null;
    matched_by: 'subid' | 'url' | null;
    source: string;
    line: number;
  }[];
  return {
    total,
    rows: rows.map((r) => ({
      id: r.id,
      date: r.date,
      amount: toMajor(r.amount, r.currency),
      currency: r.currency,
      status: r.status,
      sale: r.sale === null ? null : toMajor(r.sale, r.currency),
      subId: r.sub_id,
      transactionId: r.transaction_id,
      programId: r.program_id,
      program: r.program,
      linkId: r.link_id,
      slug: r.slug,
      matchedBy: r.matched_by,
      source: r.source,
      line: r.line,
    })),
  };
}

const COST_SELECT = `SELECT c.*, l.slug, p.name AS program FROM affiliate_costs c LEFT JOIN affiliate_links l ON l.id = c.link_id LEFT JOIN affiliate_programs p ON p.id = c.program_id`;
type CostRow = { id: number; date: string; amount: number; currency: string; link_id: number | null; slug: string | null; program_id: number | null; program: string | null; content: string | null; note: string | null };
const costOut = (r: CostRow): AffiliateCost => ({
  id: r.id,
  date: r.date,
  amount: toMajor(r.amount, r.currency),
  currency: r.currency,
  linkId: r.link_id,
  slug: r.slug,
  programId: r.program_id,
  program: r.program,
  content: r.content,
  note: r.note,
});

function addCost(env: ThreadEnv, i: OpInput<'affiliate.costs.add'>): { cost: AffiliateCost } {
  const st = affiliateStoreOf(env);
  if (i.linkId && !st.link(i.linkId)) throw new ApiError('not_found', `linkId: there is no link ${i.linkId} (affiliate.links.list gives them)`, [{ path: 'linkId', message: 'no such link' }]);
  if (i.programId && !st.program(i.programId)) throw new ApiError('not_found', `programId: there is no program ${i.programId} (affiliate.programs.list gives them)`, [{ path: 'programId', message: 'no such program' }]);
  const currency = (i.currency ?? financeCurrency(env)).toUpperCase();
  const minor = Math.round(i.amount * 10 ** minorDigits(currency));
  const id = Number(
    st.stmt('INSERT INTO affiliate_costs (date, amount, currency, link_id, program_id, content, note) VALUES (?, ?, ?, ?, ?, ?, ?)').run(i.date, minor, currency, i.linkId ?? null, i.programId ?? null, i.content ?? null, i.note ?? null)
      .lastInsertRowid,
  );
  return { cost: costOut(st.stmt(`${COST_SELECT} WHERE c.id = ?`).get(id) as CostRow) };
}

export function affiliateHandlers(core: Core): HandlerMap<keyof typeof affiliateOps> {
  const changed = (source: 'programs' | 'links' | 'import' | 'costs') => core.bus.emit('affiliate.changed', { source });
  return {
    'affiliate.programs.list': () => ({ programs: affiliateStoreOf(core).programs().map(programOut) }),
    'affiliate.programs.save': (i) => {
      const r = saveProgram(core, i);
      changed('programs');
      if (r.payoutRule) core.bus.emit('finance.changed', { source: 'rules' });
      return r;
    },
    'affiliate.links.list': (i) => listLinks(core, i),
    'affiliate.links.create': (i) => {
      const r = createLink(core, i);
      if (r.created) changed('links');
      return r;
    },
    'affiliate.links.update': (i) => {
      const r = updateLink(core, i);
      changed('links');
      return r;
    },
    'affiliate.import': (i) => {
      const r = importCommissions(core, i);
      if (!r.dryRun) {
        core.log.info('affiliate: imported commissions', { source: r.source, rows: r.rows, imported: r.imported, updated: r.updated, duplicates: r.duplicates, invalid: r.invalidCount });
        changed('import');
        // Commissions are P&L income.
        if (r.imported || r.updated) core.bus.emit('finance.changed', { source: 'import' });
      }
      return r;
    },
    'affiliate.sources.list': () => {
      const st = affiliateStoreOf(core);
      const rows = st
        .stmt('SELECT s.*, p.name AS program, (SELECT COUNT(*) FROM affiliate_commissions c WHERE c.source_id = s.id) AS commissions FROM affiliate_sources s LEFT JOIN affiliate_programs p ON p.id = s.program_id ORDER BY s.name_key')
        .all() as { id: number; name: string; mapping: string | null; program: string | null; currency: string | null; last_import_at: string | null; commissions: number }[];
      return {
        sources: rows.map((s) => ({
          id: s.id,
          name: s.name,
          mapping: s.mapping === null ? null : AffiliateMapping.parse(parseStored<StoredAffiliateMapping>(s.mapping, 'affiliate_sources.mapping', s.id)),
          program: s.program,
          currency: s.currency,
          lastImportAt: s.last_import_at,
          commissions: s.commissions,
        })),
      };
    },
    'affiliate.commissions.list': (i) => listCommissions(core, i),
    'affiliate.costs.add': (i) => {
      const r = addCost(core, i);
      changed('costs');
      return r;
    },
    'affiliate.costs.list': (i) => {
      const st = affiliateStoreOf(core);
      const conds: string[] = [];
      const args: unknown[] = [];
      if (i.from) {
        conds.push('c.date >= ?');
        args.push(i.from);
      }
      if (i.to) {
        conds.push('c.date <= ?');
        args.push(i.to);
      }
      const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
      const total = (st.stmt(`SELECT COUNT(*) AS n FROM affiliate_costs c ${where}`).get(...args) as { n: number }).n;
      const rows = st.stmt(`${COST_SELECT} ${where} ORDER BY c.date DESC, c.id DESC LIMIT ? OFFSET ?`).all(...args, i.limit ?? 100, i.offset ?? 0) as CostRow[];
      return { total, rows: rows.map(costOut) };
    },
    'affiliate.costs.delete': ({ id }) => {
      const deleted = affiliateStoreOf(core).stmt('DELETE FROM affiliate_costs WHERE id = ?').run(id).changes > 0;
      if (!deleted) throw new ApiError('not_found', `id: there is no cost ${id} (affiliate.costs.list gives them)`, [{ path: 'id', message: 'no such cost' }]);
      changed('costs');
      return { deleted };
    },
    'affiliate.stats': (i) => affiliateStats(core, i),
    'affiliate.export': (i) => exportAffiliateCsv(core, i),
  };
}

export const affiliateDomain = defineDomain({
  id: 'affiliate',
  description: 'Affiliate links with click tracking (/go/<slug>), commissions imported from network CSV exports, EPC and ROI per link, program and content piece.',
  ops: affiliateOps,
  events: affiliateEventTypes,
  nodes: AFFILIATE_NODES,
  requires: ['tracking', 'finance'],
  settings: ['affiliate.linkBase'],
  create(core) {
    return {
      handlers: affiliateHandlers(core),
      routes: { go: { handler: goRoute(core), limits: GO_LIMITS } },
    };
  },
});
