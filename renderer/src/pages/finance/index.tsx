/**
 * Finance (docs/finance.md): the monthly P&L for a range of months with a chart (income from
 * billing and imported money, expenses, AI spend, profit, tax set-aside), profit and AI spend
 * per client, per category, CSV export; importing a bank or card CSV with its column mapping;
 * category rules. Every list comes from the query cache, refreshed by `finance.changed` and
 * `billing.changed` (data/invalidation.ts).
 */
import { useCallback, useId, useState } from 'react';
import type { OpInput, Pnl } from '../../../../shared/api';
import { call } from '../../api/client';
import { useAction } from '../../api/hooks';
import { DataTable, type Column } from '../../components/DataTable';
import { useHashQuery } from '../../components/hashQuery';
import { Tabs } from '../../components/Tabs';
import { Card, ErrorPanel, PageHeader, QueryView } from '../../components/ui';
import { invalidate, useQuery } from '../../data/query';
import { AffiliateTab } from './affiliate/AffiliateTab';
import { CsvExportButton } from './ExportButton';
import { ImportCard } from './ImportCard';
import { PnlChart } from './PnlChart';
import { RulesCard } from './RulesCard';
import { fmtMoney, monthLabel, rangeFrom } from './model';
import './finance.css';

const TABS = [
  { id: 'pnl', label: 'Profit and loss' },
  { id: 'affiliate', label: 'Affiliate' },
] as const;
type Tab = (typeof TABS)[number]['id'];
type Month = Pnl['months'][number];
type ClientLine = Pnl['clients'][number];
type CategoryLine = Pnl['categories'][number];

export function Finance() {
  const [query, setQuery] = useHashQuery('finance');
  const range = rangeFrom(query, new Date());
  const pnl = useQuery('finance.pnl', range);
  const sources = useQuery('finance.sources.list', {});
  const categories = useQuery('finance.categories.list', {});
  const uid = useId();
  const tab: Tab = query.tab === 'affiliate' ? 'affiliate' : 'pnl';
  return (
    <>
      <PageHeader title="Finance" intro="Your profit and loss: income from billing, your bank and affiliate programs, expenses, AI spend, and what to set aside for taxes, per month and per client." />
      <div className="stack fin-page">
        <div className="filter-bar fin-range">
          <div>
            <label htmlFor={`${uid}-from`}>From</label>
            <input className="control" id={`${uid}-from`} type="month" value={range.from} max={range.to} onChange={(e) => e.target.value && setQuery({ ...query, from: e.target.value })} />
          </div>
          <div>
            <label htmlFor={`${uid}-to`}>To</label>
            <input className="control" id={`${uid}-to`} type="month" value={range.to} min={range.from} onChange={(e) => e.target.value && setQuery({ ...query, to: e.target.value })} />
          </div>
        </div>
        <Tabs
          tabs={TABS}
          value={tab}
          onChange={(t) => setQuery({ ...query, tab: t === 'pnl' ? undefined : t })}
          idPrefix="finance"
          label="Finance views"
          className="fin-tabs"
        />
        {tab === 'affiliate' ? (
          <div role="tabpanel" id="finance-panel-affiliate" aria-labelledby="finance-tab-affiliate">
            <AffiliateTab range={range} />
          </div>
        ) : (
        <div role="tabpanel" id="finance-panel-pnl" aria-labelledby="finance-tab-pnl" className="stack">
        <QueryView q={pnl} what="Could not load the P&L" loading="Loading the P&L…">
          {(p) => (
            <>
              <Totals p={p} />
              <Card title="Monthly profit and loss" id="finance-months" actions={<ExportButton range={range} what="months" />}>
                <PnlChart pnl={p} label={`Profit, income and expenses per month, ${monthLabel(p.from)} to ${monthLabel(p.to)}`} />
                <MonthTable p={p} />
                {p.otherCurrencies.length ? (
                  <p className="hint">
                    Not converted, left out:{' '}
                    {p.otherCurrencies.map((o) => `${o.transactions} transaction${o.transactions === 1 ? '' : 's'} in ${o.currency} (in ${fmtMoney(o.income, o.currency)}, out ${fmtMoney(o.expenses, o.currency)})`).join('; ')}.
                  </p>
                ) : null}
              </Card>
              <Card title="Profit per client" id="finance-clients" actions={<ExportButton range={range} what="clients" />}>
                <ClientTable p={p} />
              </Card>
              <Card title="Per category" id="finance-categories" actions={<ExportButton range={range} what="categories" />}>
                <CategoryTable p={p} />
              </Card>
            </>
          )}
        </QueryView>
        <ImportCard sources={sources.data?.sources ?? []} />
        <RulesCard categories={categories.data?.categories ?? []} />
        </div>
        )}
      </div>
    </>
  );
}

function Totals({ p }: { p: Pnl }) {
  const m = (n: number) => fmtMoney(n, p.currency);
  return (
    <Card title={`${monthLabel(p.from)} to ${monthLabel(p.to)}`} id="finance-totals">
      <dl className="facts facts-inline fin-totals" data-testid="finance-totals" data-currency={p.currency}>
        <div>
          <dt>Income</dt>
          <dd data-testid="finance-income" data-value={p.totals.income}>
            {m(p.totals.income)}
            <span className="fact-sub muted">
              billing {m(p.totals.billing)} · imported {m(p.totals.imported)}
            </span>
          </dd>
        </div>
        <div>
          <dt>Expenses</dt>
          <dd data-testid="finance-expenses" data-value={p.totals.expenses}>
            {m(p.totals.expenses)}
          </dd>
        </div>
        <div>
          <dt>AI spend</dt>
          <dd data-testid="finance-ai" data-value={p.aiUsd}>
            {p.aiCounted ? m(p.totals.ai) : fmtMoney(p.aiUsd, 'USD')}
            {!p.aiCounted && p.aiUsd > 0 ? <span className="fact-sub muted">in USD, not in this P&L’s {p.currency}</span> : null}
          </dd>
        </div>
        <div>
          <dt>Profit</dt>
          <dd data-testid="finance-profit" data-value={p.totals.profit} className={p.totals.profit < 0 ? 'fin-neg' : undefined}>
            {m(p.totals.profit)}
          </dd>
        </div>
        <div>
          <dt>Tax set-aside</dt>
          <dd data-testid="finance-tax" data-value={p.totals.taxSetAside}>
            {m(p.totals.taxSetAside)}
            <TaxRate rate={p.taxRate} />
          </dd>
        </div>
        <div>
          <dt>After tax</dt>
          <dd data-testid="finance-after-tax" data-value={p.totals.afterTax}>
            {m(p.totals.afterTax)}
          </dd>
        </div>
      </dl>
    </Card>
  );
}

/** The tax set-aside percentage (setting finance.taxRate), editable in place. */
function TaxRate({ rate }: { rate: number }) {
  const uid = useId();
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(String(rate));
  const save = useAction(useCallback((v: number) => call('settings.set', { key: 'finance.taxRate', value: v }), []));
  if (!editing)
    return (
      <span className="fact-sub muted">
        {rate}% of each month’s profit{' '}
        <button
          type="button"
          className="btn-link"
          onClick={() => {
            setValue(String(rate));
            setEditing(true);
          }}
        >
          Change
        </button>
      </span>
    );
  return (
    <form
      className="fin-tax-form"
      onSubmit={async (e) => {
        e.preventDefault();
        const ok = await save.run(Number(value));
        if (ok !== undefined) {
          invalidate('finance.pnl', 'settings.get');
          setEditing(false);
        }
      }}
    >
      <label htmlFor={`${uid}-tax`}>Tax set-aside (%)</label>
      <input className="control" id={`${uid}-tax`} type="number" min={0} max={100} step="0.5" value={value} onChange={(e) => setValue(e.target.value)} />
      <button type="submit" className="btn btn-small" disabled={save.pending || value.trim() === ''}>
        Save
      </button>
      <button type="button" className="btn btn-small btn-quiet" onClick={() => setEditing(false)}>
        Cancel
      </button>
      {save.error ? <ErrorPanel what="The rate was not saved" error={save.error} /> : null}
    </form>
  );
}

function MonthTable({ p }: { p: Pnl }) {
  const m = (n: number) => fmtMoney(n, p.currency);
  const columns: Column<Month>[] = [
    { key: 'month', header: 'Month', primary: true, cell: (r) => monthLabel(r.month) },
    { key: 'income', header: 'Income', className: 'num', cell: (r) => m(r.income) },
    { key: 'expenses', header: 'Expenses', className: 'num', cell: (r) => m(r.expenses) },
    { key: 'ai', header: 'AI spend', className: 'num', cell: (r) => m(r.ai) },
    { key: 'profit', header: 'Profit', className: 'num', cell: (r) => <span className={r.profit < 0 ? 'fin-neg' : undefined}>{m(r.profit)}</span> },
    { key: 'tax', header: 'Tax set-aside', className: 'num', cell: (r) => m(r.taxSetAside) },
  ];
  const rows = [...p.months].reverse();
  return (
    <details className="chart-table fin-table-details">
      <summary>The months as a table</summary>
      <DataTable rows={rows} columns={columns} rowKey={(r) => r.month} label="Profit and loss per month" rowProps={(r) => ({ 'data-testid': 'finance-month-row', 'data-month': r.month, 'data-profit': r.profit })} />
    </details>
  );
}

function ClientTable({ p }: { p: Pnl }) {
  const m = (n: number) => fmtMoney(n, p.currency);
  if (!p.clients.length) return <p className="muted">No income, expenses or AI spend tagged to a client in these months. Category rules and billing link money to clients.</p>;
  const columns: Column<ClientLine>[] = [
    { key: 'client', header: 'Client', primary: true, cell: (r) => <a href={clientHref(r.client)}>{r.name ?? r.client}</a> },
    { key: 'income', header: 'Income', className: 'num', cell: (r) => m(r.income) },
    { key: 'expenses', header: 'Expenses', className: 'num', cell: (r) => m(r.expenses) },
    { key: 'ai', header: 'AI spend', className: 'num', cell: (r) => (p.aiCounted ? m(r.ai) : fmtMoney(r.ai, 'USD')) },
    { key: 'profit', header: 'Profit', className: 'num', cell: (r) => <span className={r.profit < 0 ? 'fin-neg' : undefined}>{m(r.profit)}</span> },
  ];
  return <DataTable rows={p.clients} columns={columns} rowKey={(r) => r.client} label="Profit per client" rowProps={(r) => ({ 'data-testid': 'finance-client-row', 'data-client': r.client })} />;
}

function clientHref(key: string): string {
  const [kind, id] = key.split(':');
  return kind === 'company' ? `#/contacts?company=${id}` : `#/contacts?id=${id}`;
}

function CategoryTable({ p }: { p: Pnl }) {
  const m = (n: number) => fmtMoney(n, p.currency);
  if (!p.categories.length) return <p className="muted">No imported transactions in these months yet.</p>;
  const columns: Column<CategoryLine>[] = [
    { key: 'category', header: 'Category', primary: true, cell: (r) => r.category },
    { key: 'kind', header: 'Kind', cell: (r) => (r.kind === 'income' ? 'Income' : 'Expense') },
    { key: 'amount', header: 'Amount', className: 'num', cell: (r) => m(r.amount) },
    { key: 'n', header: 'Transactions', className: 'num', cell: (r) => r.transactions.toLocaleString() },
  ];
  return <DataTable rows={p.categories} columns={columns} rowKey={(r) => `${r.kind}:${r.category}`} label="Per category" />;
}

function ExportButton({ range, what }: { range: { from: string; to: string }; what: OpInput<'finance.export'>['what'] }) {
  const { from, to } = range;
  return <CsvExportButton load={useCallback(() => call('finance.export', { from, to, what }), [from, to, what])} />;
}
