/**
 * The finance domain (docs/finance.md): bank, card and payment exports
 * imported from CSV (mapping remembered per source, duplicates found, per-row
 * errors), categories and rules, income from billing, the AI spend per client,
 * the monthly P&L, profit per client, the tax set-aside, CSV export.
 */
import { FinanceMapping, financeOps, type FinanceTransaction, type OpInput, type OpOutput } from '../../../shared/api';
import type { HandlerMap } from '../api/types';
import { toMajor } from '../billing/money';
import type { Core } from '../core';
import { clientNames } from '../crm/clients';
import { likeEscape } from '../crm/util';
import { defineDomain } from '../domain';
import { importTransactions } from './import';
import { exportCsv, pnl } from './pnl';
import { addRule, deleteRule, ensureCategory, listRules, updateTransactions } from './rules';
import { financeStoreOf } from './store';

export { pnl } from './pnl';

function listTransactions(core: Core, i: OpInput<'finance.transactions.list'>): OpOutput<'finance.transactions.list'> {
  const st = financeStoreOf(core);
  const conds: string[] = [];
  const args: unknown[] = [];
  if (i.from) {
    conds.push('t.date >= ?');
    args.push(i.from);
  }
  if (i.to) {
    conds.push('t.date <= ?');
    args.push(i.to);
  }
  if (i.search?.trim()) {
    conds.push(`t.description LIKE ? ESCAPE '\\'`);
    args.push(`%${likeEscape(i.search.trim())}%`);
  }
  if (i.category) {
    conds.push('t.category = ? COLLATE NOCASE');
    args.push(i.category);
  }
  if (i.client) {
    conds.push('t.client = ?');
    args.push(i.client);
  }
  if (i.uncategorized) conds.push('t.category IS NULL');
  const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
  const total = (st.stmt(`SELECT COUNT(*) AS n FROM finance_transactions t ${where}`).get(...args) as { n: number }).n;
  const rows = st
    .stmt(`SELECT t.*, s.name AS source FROM finance_transactions t JOIN finance_sources s ON s.id = t.source_id ${where} ORDER BY t.date DESC, t.id DESC LIMIT ? OFFSET ?`)
    .all(...args, i.limit ?? 100, i.offset ?? 0) as {
    id: number;
    date: string;
    amount: number;
    currency: string;
    description: string;
    account: string;
    source: string;
    category: string | null;
    category_by: 'rule' | 'manual' | null;
    client: string | null;
  }[];
  const names = clientNames(
    core,
    rows.flatMap((r) => (r.client ? [r.client] : [])),
  );
  return {
    total,
    rows: rows.map(
      (r): FinanceTransaction => ({
        id: r.id,
        date: r.date,
        amount: toMajor(r.amount, r.currency),
        currency: r.currency,
        description: r.description,
        account: r.account,
        source: r.source,
        category: r.category,
        categoryBy: r.category_by,
        client: r.client,
        clientName: r.client ? (names.get(r.client) ?? null) : null,
      }),
    ),
  };
}

export function financeHandlers(core: Core): HandlerMap<keyof typeof financeOps> {
  const changed = (source: 'import' | 'rules' | 'edit' | 'categories') => core.bus.emit('finance.changed', { source });
  return {
    'finance.import': (i) => {
      const r = importTransactions(core, i);
      if (!r.dryRun) {
        core.log.info('finance: imported', { source: r.source, rows: r.rows, imported: r.imported, duplicates: r.duplicates, invalid: r.invalidCount });
        changed('import');
      }
      return r;
    },
    'finance.sources.list': () => {
      const st = financeStoreOf(core);
      return {
        sources: st.sources().map((s) => ({
          id: s.id,
          name: s.name,
          mapping: s.mapping === null ? null : FinanceMapping.parse(st.sourceMapping(s)),
          currency: s.currency,
          lastImportAt: s.last_import_at,
          transactions: s.transactions,
        })),
      };
    },
    'finance.transactions.list': (i) => listTransactions(core, i),
    'finance.transactions.update': (i) => {
      const r = updateTransactions(core, i);
      changed('edit');
      return r;
    },
    'finance.categories.list': () => ({
      categories: (
        financeStoreOf(core)
          .stmt('SELECT c.name, c.kind, (SELECT COUNT(*) FROM finance_transactions t WHERE t.category = c.name) AS transactions FROM finance_categories c ORDER BY c.kind, c.name COLLATE NOCASE')
          .all() as { name: string; kind: 'income' | 'expense' | 'excluded'; transactions: number }[]
      ).map((c) => ({ ...c })),
    }),
    'finance.categories.set': ({ name, kind }) => {
      const n = core.db.transaction(() => ensureCategory(core, name, kind))();
      changed('categories');
      return { name: n, kind };
    },
    'finance.rules.list': () => ({ rules: listRules(core) }),
    'finance.rules.add': (i) => {
      const r = addRule(core, i);
      changed('rules');
      return r;
    },
    'finance.rules.delete': ({ id }) => {
      const r = deleteRule(core, id);
      changed('rules');
      return r;
    },
    'finance.pnl': (i) => pnl(core, i),
    'finance.export': (i) => exportCsv(core, i),
  };
}

export const financeDomain = defineDomain({
  id: 'finance',
  description: 'Money in and out: bank and card CSV imports with rules, income from billing, AI spend per client, the monthly P&L, profit per client and the tax set-aside.',
  ops: financeOps,
  requires: ['crm', 'billing'],
  settings: ['finance.currency', 'finance.taxRate'],
  create(core) {
    return { handlers: financeHandlers(core) };
  },
});
