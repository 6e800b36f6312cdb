/**
 * The Finance page's Affiliate tab (docs/affiliate.md): EPC and ROI per link, program and content
 * piece for the page's months (affiliate.stats), CSV export; programs; tracked links with their
 * /go/<slug> address to copy; a network's commission CSV with its column mapping; costs.
 * Lists come from the query cache, refreshed by `affiliate.changed` (data/invalidation.ts).
 */
import { useCallback, useId, useMemo, useState, type FormEvent } from 'react';
import type { AffiliateImportResult, AffiliateMapping, AffiliateStatLine, AffiliateStats, OpInput, OpOutput } from '../../../../../shared/api';
import { call } from '../../../api/client';
import { useAction, type Query } from '../../../api/hooks';
import { DataTable, type Column } from '../../../components/DataTable';
import { Card, ErrorPanel, QueryView } from '../../../components/ui';
import { invalidate, useQuery } from '../../../data/query';
import { CsvExportButton } from '../ExportButton';
import { ColumnSelect, ImportOutcome, MappingSection, NumberFormats, SourceAndFile, useCsvImport, type CsvFile } from '../CsvImport';
import { fmtMoney } from '../model';
import { AFF_COLUMNS, EMPTY_AFF_FORM, EMPTY_PROGRAM_FORM, affFormOf, affMappingOf, daysOf, fmtEpc, fmtPct, programFormOf, programInput, type AffColumn, type AffMappingForm, type ProgramForm } from './model';

const AFF_OPS = ['affiliate.stats', 'affiliate.links.list', 'affiliate.programs.list', 'affiliate.sources.list', 'affiliate.commissions.list', 'affiliate.costs.list', 'finance.pnl', 'kpi.summary'] as const;
const refresh = () => invalidate(...AFF_OPS);

export function AffiliateTab({ range }: { range: { from: string; to: string } }) {
  const days = daysOf(range);
  const stats = useQuery('affiliate.stats', days);
  const programs = useQuery('affiliate.programs.list', {});
  const links = useQuery('affiliate.links.list', { limit: 500 });
  const progs = programs.data?.programs ?? [];
  const contents = useMemo(() => [...new Set((links.data?.links ?? []).flatMap((l) => (l.content ? [l.content] : [])))].sort(), [links.data]);
  // The site's pages (the growth domain reads them from the sitemap): offered as content pieces too.
  const pages = useQuery('seo.pages', { limit: 500 });
  const suggestions = useMemo(() => [...new Set([...contents, ...(pages.data?.rows ?? []).flatMap((p) => (p.goneAt ? [] : [p.url]))])], [contents, pages.data]);
  return (
    <div className="stack">
      <QueryView q={stats} what="Could not load the affiliate numbers" loading="Loading the affiliate numbers…">
        {(s) => <StatsCard s={s} days={days} />}
      </QueryView>
      <LinksCard programs={progs} contents={suggestions} links={links} />
      <ImportCard programs={progs} />
      <ProgramsCard programs={progs} q={programs} />
      <CostsCard links={links.data?.links ?? []} programs={progs} contents={contents} days={days} />
    </div>
  );
}

/* ---------------- EPC and ROI ---------------- */

type View = 'links' | 'programs' | 'content';

function StatsCard({ s, days }: { s: AffiliateStats; days: { from: string; to: string } }) {
  const [view, setView] = useState<View>('links');
  const m = (n: number) => fmtMoney(n, s.currency);
  const t = s.totals;
  const common: Column<AffiliateStatLine>[] = [
    { key: 'clicks', header: 'Clicks', className: 'num', cell: (r) => <span title={r.machineClicks ? `${r.machineClicks} more by bots and prefetches, not counted` : undefined}>{r.clicks.toLocaleString()}</span> },
    { key: 'commissions', header: 'Sales', className: 'num', cell: (r) => r.commissions.toLocaleString() },
    { key: 'revenue', header: 'Revenue', className: 'num', cell: (r) => <>{m(r.revenue)}{r.pending ? <span className="fact-sub muted"> ({m(r.pending)} pending)</span> : null}</> },
    { key: 'epc', header: 'EPC', className: 'num', cell: (r) => <span data-testid="aff-epc" data-value={r.epc ?? ''}>{fmtEpc(r.epc, s.currency)}</span> },
    { key: 'cost', header: 'Cost', className: 'num', cell: (r) => <>{m(r.cost)}{r.aiCost ? <span className="fact-sub muted" data-testid="aff-ai-cost"> (AI {m(r.aiCost)})</span> : null}</> },
    { key: 'profit', header: 'Profit', className: 'num', cell: (r) => <span className={r.profit < 0 ? 'fin-neg' : undefined}>{m(r.profit)}</span> },
    { key: 'roi', header: 'ROI', className: 'num', cell: (r) => fmtPct(r.roi) },
  ];
  const rowProps = (kind: View) => (r: AffiliateStatLine) => ({ 'data-testid': `aff-${kind}-row`, 'data-key': r.key });
  const tables: Record<View, { label: string; node: React.ReactNode }> = {
    links: {
      label: 'Per link',
      node: (
        <DataTable
          rows={s.links}
          columns={[{ key: 'link', header: 'Link', primary: true, cell: (r) => <><code>/go/{r.slug}</code><span className="fact-sub muted"> {r.program}</span></> }, ...(common as Column<(typeof s.links)[number]>[])]}
          rowKey={(r) => r.key}
          label="EPC and ROI per link"
          rowProps={rowProps('links')}
        />
      ),
    },
    programs: {
      label: 'Per program',
      node: <DataTable rows={s.programs} columns={[{ key: 'program', header: 'Program', primary: true, cell: (r) => r.label }, ...(common as Column<(typeof s.programs)[number]>[])]} rowKey={(r) => r.key} label="EPC and ROI per program" rowProps={rowProps('programs')} />,
    },
    content: {
      label: 'Per content piece',
      node: s.content.length ? (
        <DataTable
          rows={s.content}
          columns={[{ key: 'content', header: 'Content', primary: true, cell: (r) => (/^https?:\/\//.test(r.label) ? <a href={r.label} target="_blank" rel="noreferrer noopener">{r.label}</a> : r.label) }, ...(common as Column<(typeof s.content)[number]>[])]}
          rowKey={(r) => r.key}
          label="EPC and ROI per content piece"
          rowProps={rowProps('content')}
        />
      ) : (
        <p className="muted">No link names the content piece it appears in yet.</p>
      ),
    },
  };
  return (
    <Card title="Affiliate: EPC and ROI" id="affiliate-stats" actions={<ExportButton days={days} what={view} />}>
      <dl className="facts facts-inline fin-totals" data-testid="aff-totals" data-currency={s.currency}>
        <div>
          <dt>Revenue</dt>
          <dd data-testid="aff-revenue" data-value={t.revenue}>
            {m(t.revenue)}
            <span className="fact-sub muted">{t.pending ? `${m(t.pending)} still pending` : `${t.commissions} sale${t.commissions === 1 ? '' : 's'}`}</span>
          </dd>
        </div>
        <div>
          <dt>Clicks</dt>
          <dd data-testid="aff-clicks" data-value={t.clicks}>
            {t.clicks.toLocaleString()}
            <span className="fact-sub muted">{t.machineClicks ? `${t.machineClicks} by bots left out` : 'people only'}</span>
          </dd>
        </div>
        <div>
          <dt>EPC</dt>
          <dd data-testid="aff-total-epc" data-value={t.epc ?? ''}>
            {fmtEpc(t.epc, s.currency)}
            <span className="fact-sub muted">earnings per click</span>
          </dd>
        </div>
        <div>
          <dt>ROI</dt>
          <dd data-testid="aff-roi" data-value={t.roi ?? ''}>
            {fmtPct(t.roi)}
            <span className="fact-sub muted">
              after {m(t.cost)} of costs{t.aiCost ? `, ${m(t.aiCost)} of them AI` : ''}
            </span>
          </dd>
        </div>
      </dl>
      <div className="seg fin-seg" role="group" aria-label="Show the table">
        {(Object.keys(tables) as View[]).map((v) => (
          <button key={v} type="button" className="seg-btn" aria-pressed={view === v} onClick={() => setView(v)}>
            {tables[v].label}
          </button>
        ))}
      </div>
      {tables[view].node}
      {s.unmatched.commissions ? (
        <p className="hint" data-testid="aff-unmatched">
          {s.unmatched.commissions} sale{s.unmatched.commissions === 1 ? '' : 's'} ({m(s.unmatched.revenue)}) matched no link: in the totals, and in their program when the export named it.
        </p>
      ) : null}
      {s.otherCurrencies.length ? <p className="hint">Not converted, left out: {s.otherCurrencies.map((o) => `${o.commissions} sale${o.commissions === 1 ? '' : 's'} in ${o.currency} (${fmtMoney(o.revenue, o.currency)})`).join('; ')}.</p> : null}
      <p className="hint">
        EPC = revenue ÷ people’s clicks; ROI = (revenue − cost) ÷ cost. Revenue counts every sale not reversed, pending ones too; the P&L counts approved and paid ones. Cost includes the AI spend of the workflow
        runs that made the links (shared equally among the links a run made).
      </p>
    </Card>
  );
}

function ExportButton({ days, what }: { days: { from: string; to: string }; what: OpInput<'affiliate.export'>['what'] }) {
  return <CsvExportButton load={useCallback(() => call('affiliate.export', { ...days, what }), [days, what])} />;
}

/* ---------------- links ---------------- */

type Programs = OpOutput<'affiliate.programs.list'>['programs'];
type Link = OpOutput<'affiliate.links.list'>['links'][number];

function CopyButton({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState<'copied' | 'failed' | null>(null);
  return (
    <>
      <button
        type="button"
        className="btn btn-small"
        aria-label={label}
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(text);
            setDone('copied');
          } catch {
            setDone('failed');
          }
        }}
      >
        Copy
      </button>
      <span role="status" className="hint">
        {done === 'copied' ? 'Copied.' : done === 'failed' ? 'Select the address and copy it.' : ''}
      </span>
    </>
  );
}

function LinksCard({ programs, contents, links }: { programs: Programs; contents: string[]; links: Query<OpOutput<'affiliate.links.list'>> }) {
  const uid = useId();
  const [program, setProgram] = useState('');
  const [destination, setDestination] = useState('');
  const [slug, setSlug] = useState('');
  const [content, setContent] = useState('');
  const [made, setMade] = useState<Link | null>(null);
  const [editing, setEditing] = useState<Link | null>(null);
  const archived = useQuery('affiliate.links.list', { archived: true, limit: 500 });
  const archive = useAction(useCallback((id: number, on: boolean) => call('affiliate.links.update', { id, archived: on }), []));
  const setArchived = async (r: Link, on: boolean) => {
    if (await archive.run(r.id, on)) {
      if (editing?.id === r.id) setEditing(null);
      refresh();
    }
  };
  const chosen = program || (programs.length === 1 ? String(programs[0]!.id) : '');
  const create = useAction(
    useCallback(
      () => call('affiliate.links.create', { program: Number(chosen), destination: destination.trim(), ...(slug.trim() ? { slug: slug.trim() } : {}), ...(content.trim() ? { content: content.trim() } : {}) }),
      [chosen, destination, slug, content],
    ),
  );
  const columns: Column<Link>[] = [
    { key: 'slug', header: 'Tracked link', primary: true, cell: (r) => <code data-testid="aff-tracked-url">{r.trackedUrl}</code> },
    { key: 'copy', header: <span className="sr-only">Copy</span>, label: 'Copy', cell: (r) => <CopyButton text={r.trackedUrl} label={`Copy the tracked link /go/${r.slug}`} /> },
    { key: 'program', header: 'Program', cell: (r) => r.program },
    { key: 'dest', header: 'Goes to', cell: (r) => <span className="fin-wrap">{r.target}</span> },
    { key: 'content', header: 'In', cell: (r) => r.content ?? '–' },
    { key: 'clicks', header: 'Clicks', className: 'num', cell: (r) => r.clicks.toLocaleString() },
  ];
  const active: Column<Link>[] = [
    ...columns,
    {
      key: 'actions',
      header: <span className="sr-only">Actions</span>,
      label: 'Actions',
      className: 'dt-actions',
      cell: (r) => (
        <>
          <button type="button" className="btn btn-small" aria-label={`Edit /go/${r.slug}`} onClick={() => setEditing(r)}>
            Edit
          </button>
          <button type="button" className="btn btn-small btn-quiet" aria-label={`Archive /go/${r.slug}`} disabled={archive.pending} onClick={() => void setArchived(r, true)}>
            Archive
          </button>
        </>
      ),
    },
  ];
  const archivedColumns: Column<Link>[] = [
    ...columns,
    {
      key: 'actions',
      header: <span className="sr-only">Actions</span>,
      label: 'Actions',
      className: 'dt-actions',
      cell: (r) => (
        <button type="button" className="btn btn-small" aria-label={`Unarchive /go/${r.slug}`} disabled={archive.pending} onClick={() => void setArchived(r, false)}>
          Unarchive
        </button>
      ),
    },
  ];
  return (
    <Card title="Tracked links" id="affiliate-links">
      <p className="hint">Put the tracked address in your post or e-mail: each visit is counted (bots and prefetches apart) and sent on to the offer with your sub-id.</p>
      <QueryView q={links} what="Could not load the links" loading="Loading the links…" isEmpty={(d) => d.links.length === 0} empty={<p className="muted">No tracked links yet.</p>}>
        {(d) => <DataTable rows={d.links} columns={active} rowKey={(r) => r.id} label="Tracked links" rowProps={(r) => ({ 'data-testid': 'aff-link-row', 'data-slug': r.slug })} />}
      </QueryView>
      {editing ? <LinkEditForm key={editing.id} link={editing} contents={contents} onDone={() => setEditing(null)} /> : null}
      {archive.error ? <ErrorPanel what="The link was not changed" error={archive.error} /> : null}
      <details className="aff-archived" data-testid="aff-archived">
        <summary>Archived links ({archived.data?.total ?? 0})</summary>
        <p className="hint">An archived link still redirects; it only leaves the lists.</p>
        <QueryView q={archived} what="Could not load the archived links" loading="Loading the archived links…" isEmpty={(d) => d.links.length === 0} empty={<p className="muted">No archived links.</p>}>
          {(d) => <DataTable rows={d.links} columns={archivedColumns} rowKey={(r) => r.id} label="Archived links" rowProps={(r) => ({ 'data-testid': 'aff-archived-row', 'data-slug': r.slug })} />}
        </QueryView>
      </details>
      {programs.length === 0 ? (
        <p className="notice">Add a program first (below): a link belongs to one.</p>
      ) : (
        <form
          className="fin-rule-form"
          onSubmit={async (e: FormEvent) => {
            e.preventDefault();
            setMade(null);
            const out = await create.run();
            if (out) {
              setMade(out.link);
              setDestination('');
              setSlug('');
              refresh();
            }
          }}
        >
          <div className="fin-field">
            <label htmlFor={`${uid}-prog`}>Program</label>
            <select className="control" id={`${uid}-prog`} value={chosen} onChange={(e) => setProgram(e.target.value)}>
              <option value="">Choose a program…</option>
              {programs.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </div>
          <div className="fin-field">
            <label htmlFor={`${uid}-dest`}>Destination (your affiliate link)</label>
            <input className="control" id={`${uid}-dest`} type="url" value={destination} onChange={(e) => setDestination(e.target.value)} placeholder="https://www.example.com/product?ref=you" autoComplete="off" />
          </div>
          <div className="fin-field">
            <label htmlFor={`${uid}-slug`}>Short name (optional)</label>
            <input className="control" id={`${uid}-slug`} value={slug} onChange={(e) => setSlug(e.target.value)} placeholder="e.g. best-mic" autoComplete="off" />
          </div>
          <div className="fin-field">
            <label htmlFor={`${uid}-content`}>Appears in (post URL or name, optional)</label>
            <input className="control" id={`${uid}-content`} list={`${uid}-contents`} value={content} onChange={(e) => setContent(e.target.value)} placeholder="https://blog.example.com/best-mics" autoComplete="off" />
            <datalist id={`${uid}-contents`}>
              {contents.map((c) => (
                <option key={c} value={c} />
              ))}
            </datalist>
          </div>
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={create.pending || !chosen || !destination.trim()}>
              Create link
            </button>
          </div>
        </form>
      )}
      {create.error ? <ErrorPanel what="The link was not created" error={create.error} /> : null}
      {made ? (
        <p className="success" role="status" data-testid="aff-link-made">
          Tracked link ready: <code>{made.trackedUrl}</code> <CopyButton text={made.trackedUrl} label={`Copy the new tracked link /go/${made.slug}`} />
        </p>
      ) : null}
    </Card>
  );
}

/** Change a link's destination and content piece; its short name (/go/<slug>) stays, so addresses already shared keep working. */
function LinkEditForm({ link, contents, onDone }: { link: Link; contents: string[]; onDone: () => void }) {
  const uid = useId();
  const [destination, setDestination] = useState(link.destination);
  const [content, setContent] = useState(link.content ?? '');
  const save = useAction(useCallback(() => call('affiliate.links.update', { id: link.id, destination: destination.trim(), content: content.trim() || null }), [link.id, destination, content]));
  return (
    <form
      className="fin-rule-form"
      noValidate
      aria-labelledby={`${uid}-h`}
      data-testid="aff-link-edit"
      onSubmit={async (e: FormEvent) => {
        e.preventDefault();
        if (await save.run()) {
          refresh();
          onDone();
        }
      }}
    >
      <h3 id={`${uid}-h`}>
        Edit /go/{link.slug}
      </h3>
      <p className="hint">The short name stays: addresses already shared keep working.</p>
      <div className="fin-field">
        <label htmlFor={`${uid}-dest`}>New destination</label>
        <input className="control" id={`${uid}-dest`} type="url" value={destination} onChange={(e) => setDestination(e.target.value)} autoComplete="off" />
      </div>
      <div className="fin-field">
        <label htmlFor={`${uid}-content`}>Content piece (empty for none)</label>
        <input className="control" id={`${uid}-content`} list={`${uid}-contents`} value={content} onChange={(e) => setContent(e.target.value)} autoComplete="off" />
        <datalist id={`${uid}-contents`}>
          {contents.map((c) => (
            <option key={c} value={c} />
          ))}
        </datalist>
      </div>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={save.pending || !destination.trim()}>
          Save link
        </button>
        <button type="button" className="btn" onClick={onDone}>
          Cancel
        </button>
      </div>
      {save.error ? <ErrorPanel what="The link was not saved" error={save.error} /> : null}
    </form>
  );
}

/* ---------------- programs ---------------- */

function ProgramsCard({ programs, q }: { programs: Programs; q: Query<OpOutput<'affiliate.programs.list'>> }) {
  const uid = useId();
  const [f, setF] = useState<ProgramForm>(EMPTY_PROGRAM_FORM);
  const [editId, setEditId] = useState<number | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const set = (k: keyof ProgramForm) => (e: { target: { value: string } }) => setF((x) => ({ ...x, [k]: e.target.value }));
  const save = useAction(useCallback(() => call('affiliate.programs.save', programInput(f, editId)), [f, editId]));
  const startEdit = (p: Programs[number]) => {
    setNote(null);
    setEditId(p.id);
    setF(programFormOf(p));
  };
  const stopEdit = () => {
    setEditId(null);
    setF(EMPTY_PROGRAM_FORM);
  };
  const columns: Column<Programs[number]>[] = [
    { key: 'name', header: 'Program', primary: true, cell: (r) => r.name },
    { key: 'network', header: 'Network', cell: (r) => r.network ?? '–' },
    { key: 'commission', header: 'Commission', cell: (r) => r.commission ?? '–' },
    { key: 'cookie', header: 'Cookie', cell: (r) => (r.cookieDays === null ? '–' : `${r.cookieDays} days`) },
    { key: 'subid', header: 'Sub-id parameter', cell: (r) => (r.subIdParam ? <code>{r.subIdParam}</code> : '–') },
    { key: 'payout', header: 'Bank payout text', cell: (r) => r.payoutMatch ?? '–' },
    { key: 'links', header: 'Links', className: 'num', cell: (r) => r.links },
    {
      key: 'actions',
      header: <span className="sr-only">Actions</span>,
      label: 'Actions',
      className: 'dt-actions',
      cell: (r) => (
        <button type="button" className="btn btn-small" aria-label={`Edit the program ${r.name}`} onClick={() => startEdit(r)}>
          Edit
        </button>
      ),
    },
  ];
  return (
    <Card title="Affiliate programs" id="affiliate-programs">
      <QueryView q={q} what="Could not load the programs" loading="Loading the programs…" isEmpty={() => programs.length === 0} empty={<p className="muted">No programs yet.</p>}>
        {() => <DataTable rows={programs} columns={columns} rowKey={(r) => r.id} label="Affiliate programs" rowProps={(r) => ({ 'data-testid': 'aff-program-row', 'data-program': r.id })} />}
      </QueryView>
      <form
        className="fin-rule-form"
        onSubmit={async (e) => {
          e.preventDefault();
          setNote(null);
          const out = await save.run();
          if (out) {
            setNote(`Program “${out.program.name}” saved${out.payoutRule ? '; its bank payouts are now left out of the P&L (a category rule)' : ''}.`);
            stopEdit();
            refresh();
            invalidate('finance.rules.list', 'finance.categories.list');
          }
        }}
        aria-label={editId === null ? 'Add a program' : `Edit the program ${programs.find((p) => p.id === editId)?.name ?? ''}`}
        data-testid="aff-program-form"
        data-editing={editId ?? ''}
      >
        {editId !== null ? <p className="hint">Editing a program: an emptied field is cleared.</p> : null}
        <div className="fin-field">
          <label htmlFor={`${uid}-name`}>Program name</label>
          <input className="control" id={`${uid}-name`} value={f.name} onChange={set('name')} placeholder="e.g. Acme Audio" autoComplete="off" />
        </div>
        <div className="fin-field">
          <label htmlFor={`${uid}-network`}>Network (optional)</label>
          <input className="control" id={`${uid}-network`} value={f.network} onChange={set('network')} placeholder="Awin, Impact, Amazon…" autoComplete="off" />
        </div>
        <div className="fin-field">
          <label htmlFor={`${uid}-commission`}>Commission (optional, for you)</label>
          <input className="control" id={`${uid}-commission`} value={f.commission} onChange={set('commission')} placeholder="e.g. 8% of the sale" autoComplete="off" />
        </div>
        <div className="fin-field">
          <label htmlFor={`${uid}-cookie`}>Cookie days (optional)</label>
          <input className="control" id={`${uid}-cookie`} type="number" min={0} max={3650} value={f.cookieDays} onChange={set('cookieDays')} />
        </div>
        <div className="fin-field">
          <label htmlFor={`${uid}-subid`}>Sub-id parameter (optional)</label>
          <input className="control" id={`${uid}-subid`} value={f.subIdParam} onChange={set('subIdParam')} placeholder="subid, clickref, ascsubtag…" autoComplete="off" />
        </div>
        <div className="fin-field">
          <label htmlFor={`${uid}-payout`}>Bank payout text (optional)</label>
          <input className="control" id={`${uid}-payout`} value={f.payoutMatch} onChange={set('payoutMatch')} placeholder="e.g. AWIN LTD" autoComplete="off" />
        </div>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={save.pending || !f.name.trim()}>
            {editId === null ? 'Add program' : 'Save program'}
          </button>
          {editId !== null ? (
            <button type="button" className="btn" onClick={stopEdit}>
              Cancel
            </button>
          ) : null}
        </div>
      </form>
      <p className="hint">With a sub-id parameter, each link sends its short name to the network, and the network’s export names the link again. The bank payout text keeps the network’s payouts out of the P&L, where the commissions are counted already.</p>
      {save.error ? <ErrorPanel what="The program was not saved" error={save.error} /> : null}
      {note ? (
        <p className="success" role="status">
          {note}
        </p>
      ) : null}
    </Card>
  );
}

/* ---------------- commission import ---------------- */

const FIELD_LABEL: Record<AffColumn, { label: string; optional?: boolean }> = {
  date: { label: 'Date' },
  commission: { label: 'Commission (what you earn)' },
  status: { label: 'Status', optional: true },
  subId: { label: 'Sub-id (click reference)', optional: true },
  transactionId: { label: 'Transaction id', optional: true },
  program: { label: 'Program / advertiser', optional: true },
  url: { label: 'Clicked or landing URL', optional: true },
  sale: { label: 'Sale amount', optional: true },
  currency: { label: 'Currency', optional: true },
};

const guessAff = (source: string, f: CsvFile) => call('affiliate.import', { source, csv: f.text, file: f.name, dryRun: true });

function ImportCard({ programs }: { programs: Programs }) {
  const uid = useId();
  const sources = useQuery('affiliate.sources.list', {});
  const [program, setProgram] = useState('');
  const list = useMemo(() => sources.data?.sources ?? [], [sources.data]);
  const send = useCallback(
    async (source: string, f: CsvFile, mapping: AffiliateMapping, dryRun: boolean) => {
      const r = await call('affiliate.import', { source, csv: f.text, file: f.name, mapping, ...(program ? { program: Number(program) } : {}), dryRun });
      if (!dryRun) refresh();
      return r;
    },
    [program],
  );
  const imp = useCsvImport<AffMappingForm, AffiliateMapping, AffiliateImportResult>({ sources: list, empty: EMPTY_AFF_FORM, formOf: affFormOf, mappingOf: affMappingOf, guess: guessAff, send });
  const { form, set } = imp;
  const result = imp.result;
  return (
    <Card title="Import commissions from a network" id="affiliate-import">
      <SourceAndFile uid={uid} imp={imp} label="Source (the network or program the file comes from)" placeholder="e.g. Awin" testId="affiliate" sources={list}>
        <div className="fin-field">
          <label htmlFor={`${uid}-program`}>Program of rows that name none (optional)</label>
          <select className="control" id={`${uid}-program`} value={program} onChange={(e) => setProgram(e.target.value)}>
            <option value="">(from the file, or none)</option>
            {programs.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
      </SourceAndFile>
      {!imp.file ? <p className="hint">Export the transactions or commissions report of the network as CSV. Rows imported before are skipped; a status that changed (pending → approved) is updated.</p> : null}
      <MappingSection uid={uid} imp={imp} testId="affiliate">
        {AFF_COLUMNS.map((k) => (
          <ColumnSelect key={k} id={`${uid}-col-${k}`} label={FIELD_LABEL[k].label} optional={FIELD_LABEL[k].optional} header={imp.preview?.header ?? []} value={form[k]} problem={imp.problem(k)} onChange={(v) => set(k, v)} />
        ))}
        <NumberFormats uid={uid} dateFormat={form.dateFormat} decimal={form.decimal} onDateFormat={(v) => set('dateFormat', v)} onDecimal={(v) => set('decimal', v)} />
      </MappingSection>
      {imp.error ? <ErrorPanel what="The file was not imported" error={imp.error} /> : null}
      {result ? (
        <ImportOutcome testId="affiliate" dryRun={result.dryRun} invalid={result.invalid} invalidCount={result.invalidCount}>
          {result.dryRun ? `Check only, nothing imported: ${result.imported} of ${result.rows} rows would be imported` : `Imported ${result.imported} of ${result.rows} rows from “${result.source}”`}
          {result.updated ? `; ${result.updated} updated (status or amount changed)` : ''}
          {result.duplicates ? `; ${result.duplicates} already imported before` : ''}
          {result.invalidCount ? `; ${result.invalidCount} row${result.invalidCount === 1 ? '' : 's'} with errors, left out` : ''}. Matched: {result.matchedLinks} to a link, {result.matchedPrograms} to a program only, {result.unmatched} to nothing.
        </ImportOutcome>
      ) : null}
    </Card>
  );
}

/* ---------------- costs ---------------- */

function CostsCard({ links, programs, contents, days }: { links: Link[]; programs: Programs; contents: string[]; days: { from: string; to: string } }) {
  const uid = useId();
  const costs = useQuery('affiliate.costs.list', { ...days, limit: 200 });
  const [f, setF] = useState({ date: days.to, amount: '', tag: '', note: '' });
  const add = useAction(
    useCallback(() => {
      const [kind, ...rest] = f.tag.split(':');
      const v = rest.join(':');
      const tag = kind === 'link' ? { linkId: Number(v) } : kind === 'program' ? { programId: Number(v) } : { content: v };
      return call('affiliate.costs.add', { date: f.date, amount: Number(f.amount), ...tag, ...(f.note.trim() ? { note: f.note.trim() } : {}) });
    }, [f]),
  );
  const del = useAction(useCallback((id: number) => call('affiliate.costs.delete', { id }), []));
  type Cost = OpOutput<'affiliate.costs.list'>['rows'][number];
  const columns: Column<Cost>[] = [
    { key: 'date', header: 'Date', primary: true, cell: (r) => r.date },
    { key: 'amount', header: 'Amount', className: 'num', cell: (r) => fmtMoney(r.amount, r.currency) },
    { key: 'for', header: 'For', cell: (r) => (r.slug ? `/go/${r.slug}` : (r.program ?? r.content ?? '–')) },
    { key: 'note', header: 'Note', cell: (r) => r.note ?? '' },
    {
      key: 'actions',
      header: <span className="sr-only">Actions</span>,
      label: 'Actions',
      className: 'dt-actions',
      cell: (r) => (
        <button
          type="button"
          className="btn btn-small btn-quiet"
          aria-label={`Delete the cost of ${r.date}`}
          disabled={del.pending}
          onClick={async () => {
            if (await del.run(r.id)) refresh();
          }}
        >
          Delete
        </button>
      ),
    },
  ];
  return (
    <Card title="Costs (for ROI)" id="affiliate-costs">
      <p className="hint">What a link, a program or a piece of content cost you: writing, video, ads, tools. ROI counts the costs dated in the months shown.</p>
      <QueryView q={costs} what="Could not load the costs" loading="Loading the costs…" isEmpty={(d) => d.rows.length === 0} empty={<p className="muted">No costs in these months.</p>}>
        {(d) => <DataTable rows={d.rows} columns={columns} rowKey={(r) => r.id} label="Costs" />}
      </QueryView>
      <form
        className="fin-rule-form"
        onSubmit={async (e) => {
          e.preventDefault();
          if (await add.run()) {
            setF((x) => ({ ...x, amount: '', note: '' }));
            refresh();
          }
        }}
      >
        <div className="fin-field">
          <label htmlFor={`${uid}-date`}>Date</label>
          <input className="control" id={`${uid}-date`} type="date" value={f.date} onChange={(e) => setF((x) => ({ ...x, date: e.target.value }))} />
        </div>
        <div className="fin-field">
          <label htmlFor={`${uid}-amount`}>Amount</label>
          <input className="control" id={`${uid}-amount`} type="number" min={0} step="0.01" value={f.amount} onChange={(e) => setF((x) => ({ ...x, amount: e.target.value }))} />
        </div>
        <div className="fin-field">
          <label htmlFor={`${uid}-tag`}>For</label>
          <select className="control" id={`${uid}-tag`} value={f.tag} onChange={(e) => setF((x) => ({ ...x, tag: e.target.value }))}>
            <option value="">Choose…</option>
            {contents.length ? (
              <optgroup label="Content">
                {contents.map((c) => (
                  <option key={c} value={`content:${c}`}>
                    {c}
                  </option>
                ))}
              </optgroup>
            ) : null}
            <optgroup label="Links">
              {links.map((l) => (
                <option key={l.id} value={`link:${l.id}`}>
                  /go/{l.slug}
                </option>
              ))}
            </optgroup>
            <optgroup label="Programs">
              {programs.map((p) => (
                <option key={p.id} value={`program:${p.id}`}>
                  {p.name}
                </option>
              ))}
            </optgroup>
          </select>
        </div>
        <div className="fin-field">
          <label htmlFor={`${uid}-note`}>Note (optional)</label>
          <input className="control" id={`${uid}-note`} value={f.note} onChange={(e) => setF((x) => ({ ...x, note: e.target.value }))} autoComplete="off" />
        </div>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={add.pending || !f.tag || !f.amount || !f.date}>
            Add cost
          </button>
        </div>
      </form>
      {add.error ? <ErrorPanel what="The cost was not added" error={add.error} /> : null}
      {del.error ? <ErrorPanel what="The cost was not deleted" error={del.error} /> : null}
    </Card>
  );
}
