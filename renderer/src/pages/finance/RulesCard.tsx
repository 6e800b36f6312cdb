/** Category rules, "description contains X -> category", tried in order: add and delete; each change re-categorises what rules categorised. */
import { useCallback, useId, useState } from 'react';
import { CATEGORY_KINDS, type FinanceRule, type OpOutput } from '../../../../shared/api';
import { call } from '../../api/client';
import { useAction } from '../../api/hooks';
import { DataTable, type Column } from '../../components/DataTable';
import { Card, ErrorPanel, QueryView } from '../../components/ui';
import { invalidate, useQuery } from '../../data/query';
import { ClientPicker } from './ClientPicker';

type Categories = OpOutput<'finance.categories.list'>['categories'];
const KIND_LABEL: Record<(typeof CATEGORY_KINDS)[number], string> = { income: 'Income', expense: 'Expense', excluded: 'Left out (transfers, payouts)' };

export function RulesCard({ categories }: { categories: Categories }) {
  const rules = useQuery('finance.rules.list', {});
  const uid = useId();
  const [contains, setContains] = useState('');
  const [category, setCategory] = useState('');
  const [kind, setKind] = useState<(typeof CATEGORY_KINDS)[number]>('expense');
  const [client, setClient] = useState<{ value: string; label: string } | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const known = categories.find((c) => c.name.toLowerCase() === category.trim().toLowerCase());
  const after = () => invalidate('finance.rules.list', 'finance.pnl', 'finance.categories.list', 'finance.transactions.list');
  const add = useAction(useCallback(() => call('finance.rules.add', { contains: contains.trim(), category: category.trim(), ...(known ? {} : { kind }), ...(client ? { client: client.value } : {}) }), [contains, category, kind, known, client]));
  const del = useAction(useCallback((id: number) => call('finance.rules.delete', { id }), []));

  const columns: Column<FinanceRule>[] = [
    { key: 'pos', header: '#', className: 'num', cell: (r) => r.position },
    { key: 'contains', header: 'Description contains', primary: true, cell: (r) => <code>{r.contains}</code> },
    { key: 'category', header: 'Category', cell: (r) => r.category },
    { key: 'kind', header: 'Kind', cell: (r) => KIND_LABEL[r.kind] },
    { key: 'client', header: 'Client', cell: (r) => r.clientName ?? r.client ?? '–' },
    {
      key: 'actions',
      header: <span className="sr-only">Actions</span>,
      label: 'Actions',
      className: 'dt-actions',
      cell: (r) => (
        <button
          type="button"
          className="btn btn-small btn-quiet"
          aria-label={`Delete the rule “${r.contains}” → ${r.category}`}
          disabled={del.pending}
          onClick={async () => {
            const out = await del.run(r.id);
            if (out) {
              setNote(`Rule deleted; ${out.categorized} transaction${out.categorized === 1 ? '' : 's'} categorised again.`);
              after();
            }
          }}
        >
          Delete
        </button>
      ),
    },
  ];

  return (
    <Card title="Category rules" id="finance-rules">
      <p className="hint">Tried in order on each transaction you did not categorise by hand; the first rule whose text the description contains wins.</p>
      <QueryView q={rules} what="Could not load the rules" loading="Loading the rules…" isEmpty={(d) => d.rules.length === 0} empty={<p className="muted">No rules yet.</p>}>
        {(d) => <DataTable rows={d.rules} columns={columns} rowKey={(r) => r.id} label="Category rules" rowProps={(r) => ({ 'data-testid': 'finance-rule-row', 'data-rule': r.id })} />}
      </QueryView>
      <form
        className="fin-rule-form"
        onSubmit={async (e) => {
          e.preventDefault();
          setNote(null);
          const out = await add.run();
          if (out) {
            setNote(`Rule added; ${out.categorized} transaction${out.categorized === 1 ? '' : 's'} categorised.`);
            setContains('');
            setClient(null);
            after();
          }
        }}
      >
        <div className="fin-field">
          <label htmlFor={`${uid}-contains`}>Description contains</label>
          <input className="control" id={`${uid}-contains`} value={contains} onChange={(e) => setContains(e.target.value)} placeholder="e.g. ADOBE" autoComplete="off" />
        </div>
        <div className="fin-field">
          <label htmlFor={`${uid}-cat`}>Category</label>
          <input className="control" id={`${uid}-cat`} list={`${uid}-cats`} value={category} onChange={(e) => setCategory(e.target.value)} placeholder="e.g. Software" autoComplete="off" />
          <datalist id={`${uid}-cats`}>
            {categories.map((c) => (
              <option key={c.name} value={c.name} />
            ))}
          </datalist>
        </div>
        <div className="fin-field">
          <label htmlFor={`${uid}-kind`}>Kind{known ? ' (of the existing category)' : ''}</label>
          <select className="control" id={`${uid}-kind`} value={known ? known.kind : kind} disabled={!!known} onChange={(e) => setKind(e.target.value as typeof kind)}>
            {CATEGORY_KINDS.map((k) => (
              <option key={k} value={k}>
                {KIND_LABEL[k]}
              </option>
            ))}
          </select>
        </div>
        <ClientPicker label="Client (optional)" value={client} onChange={setClient} />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={add.pending || contains.trim().length < 2 || !category.trim()}>
            Add rule
          </button>
        </div>
      </form>
      {add.error ? <ErrorPanel what="The rule was not added" error={add.error} /> : null}
      {del.error ? <ErrorPanel what="The rule was not deleted" error={del.error} /> : null}
      {note ? (
        <p className="success" role="status" data-testid="finance-rule-note">
          {note}
        </p>
      ) : null}
    </Card>
  );
}
