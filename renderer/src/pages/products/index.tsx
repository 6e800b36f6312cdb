/**
 * Products (docs/products.md): the products sold (Stripe prices, access kind,
 * modules released over days, upsell), the grants with revoke, and the CSV
 * import of sales made elsewhere. Live on `products.changed` through the query
 * cache.
 */
import { useState } from 'react';
import type { ImportResult, OpOutput, Product } from '../../../../shared/api';
import { call } from '../../api/client';
import { useAction } from '../../api/hooks';
import { useQuery } from '../../data/query';
import { DataTable, type Column } from '../../components/DataTable';
import { Card, ErrorPanel, PageHeader, QueryView } from '../../components/ui';
import './products.css';

interface Draft {
  id: string;
  name: string;
  access: 'license' | 'link';
  priceIds: string;
  modules: string;
  linkDays: string;
  upsellDays: string;
  upsellSubject: string;
  upsellHtml: string;
  upsellUrl: string;
}

const EMPTY: Draft = { id: '', name: '', access: 'link', priceIds: '', modules: '0 | Module 1 | https://', linkDays: '30', upsellDays: '', upsellSubject: '', upsellHtml: '', upsellUrl: '' };

/** One module a line: "afterDays | title | url". */
const modulesText = (p: Product) => p.modules.map((m) => [String(m.afterDays), m.title, m.url ?? ''].join(' | ')).join('\n');

function draftOf(p: Product): Draft {
  return {
    id: p.id,
    name: p.name,
    access: p.access,
    priceIds: p.priceIds.join(', '),
    modules: modulesText(p),
    linkDays: String(p.linkDays),
    upsellDays: p.upsell ? String(p.upsell.afterDays) : '',
    upsellSubject: p.upsell?.subject ?? '',
    upsellHtml: p.upsell?.html ?? '',
    upsellUrl: p.upsell?.url ?? '',
  };
}

function toInput(d: Draft) {
  const modules = d.modules
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [days = '', title = '', url = ''] = l.split('|').map((x) => x.trim());
      return { title, afterDays: days === '' ? Number.NaN : Number(days), ...(url && url !== 'https://' ? { url } : {}) };
    });
  const upsell = d.upsellSubject.trim() ? { afterDays: Number(d.upsellDays || '0'), subject: d.upsellSubject.trim(), html: d.upsellHtml, ...(d.upsellUrl.trim() ? { url: d.upsellUrl.trim() } : {}) } : null;
  return {
    id: d.id.trim(),
    name: d.name,
    access: d.access,
    priceIds: d.priceIds.split(/[\s,]+/).filter(Boolean),
    modules,
    upsell,
    linkDays: Number(d.linkDays),
  };
}

export function Products() {
  // Live: products.changed (a grant, a revoke, a released module, an import) refetches both (data/invalidation.ts).
  const products = useQuery('products.list', {});
  const [status, setStatus] = useState<'' | 'active' | 'revoked'>('');
  const grants = useQuery('products.grants.list', { limit: 100, ...(status ? { status } : {}) });
  const reload = () => {
    products.reload();
    grants.reload();
  };
  const [draft, setDraft] = useState<Draft | null>(null);
  return (
    <>
      <PageHeader
        title="Products"
        intro="What you sell and who has access: a Stripe payment or an imported sale grants a license key or a magic link, modules go out by e-mail over days, a refund revokes."
        actions={
          <button type="button" className="btn btn-primary" onClick={() => setDraft({ ...EMPTY })}>
            New product
          </button>
        }
      />
      <div className="stack">
        {draft ? <Editor draft={draft} onClose={() => setDraft(null)} onSaved={reload} /> : null}
        <Card title="Products" id="products-list">
          <QueryView q={products} what="Could not load the products" loading="Loading products…" isEmpty={(d) => d.products.length === 0} empty={<p className="muted">No products yet: add one with New product.</p>}>
            {(d) => (
              <div className="products-table-wrap">
                <DataTable rows={d.products} columns={productColumns((p) => setDraft(draftOf(p)))} rowKey={(p) => p.id} label="Products" rowProps={() => ({ 'data-testid': 'product-row' })} />
              </div>
            )}
          </QueryView>
        </Card>
        <Card title="Grants" id="products-grants">
          <div className="list-toolbar">
            <label htmlFor="products-grant-filter">Show</label>
            <select id="products-grant-filter" value={status} onChange={(e) => setStatus(e.target.value as '' | 'active')}>
              <option value="">All grants</option>
              <option value="active">Active</option>
              <option value="revoked">Revoked</option>
            </select>
          </div>
          <QueryView q={grants} what="Could not load the grants" loading="Loading grants…" isEmpty={(d) => d.rows.length === 0} empty={<p className="muted">No grants{status ? ' with this status' : ' yet'}.</p>}>
            {(d) => <GrantTable rows={d.rows} onChanged={reload} />}
          </QueryView>
        </Card>
        <ImportCard products={products.data?.products ?? []} onDone={reload} />
      </div>
    </>
  );
}

function Editor({ draft, onClose, onSaved }: { draft: Draft; onClose: () => void; onSaved: () => void }) {
  const [d, setD] = useState(draft);
  const [warnings, setWarnings] = useState<string[]>([]);
  const save = useAction(async () => {
    const r = await call('products.save', { product: toInput(d) });
    setWarnings(r.warnings);
    onSaved();
    if (!r.warnings.length) onClose();
  });
  const set = (k: keyof Draft) => (e: { target: { value: string } }) => setD({ ...d, [k]: e.target.value });
  const issue = (path: string) => save.error?.issues?.filter((i) => i.path === path || i.path.startsWith(`${path}.`)).map((i) => i.message).join('; ');
  const field = (k: keyof Draft, label: string, path: string, opts: { multiline?: boolean; hint?: string } = {}) => (
    <div className="field">
      <label htmlFor={`product-${k}`}>{label}</label>
      {opts.multiline ? <textarea id={`product-${k}`} className="control" rows={4} value={d[k]} onChange={set(k)} /> : <input id={`product-${k}`} value={d[k]} onChange={set(k)} />}
      {opts.hint ? <p className="hint">{opts.hint}</p> : null}
      {issue(path) ? (
        <p className="field-error" role="alert">
          {issue(path)}
        </p>
      ) : null}
    </div>
  );
  return (
    <Card title={draft.id ? `Edit ${draft.name}` : 'New product'} id="product-editor">
      <form
        className="products-form"
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        {field('id', 'Id', 'product.id', { hint: 'lower-case letters, digits and dashes, such as course-seo' })}
        {field('name', 'Name', 'product.name')}
        <div className="field">
          <label htmlFor="product-access">Access</label>
          <select id="product-access" className="control" value={d.access} onChange={set('access')}>
            <option value="link">Magic link</option>
            <option value="license">License key (and magic link)</option>
          </select>
        </div>
        {field('priceIds', 'Stripe price ids', 'product.priceIds', { hint: 'price_… ids separated by commas (Billing mirrors them)' })}
        {field('modules', 'Modules', 'product.modules', { multiline: true, hint: 'one a line: days after the purchase | title | address' })}
        {field('linkDays', 'Days a magic link stays valid', 'product.linkDays')}
        {field('upsellDays', 'Upsell: days after the last module', 'product.upsell.afterDays')}
        {field('upsellSubject', 'Upsell e-mail subject (empty: no upsell)', 'product.upsell.subject')}
        {field('upsellHtml', 'Upsell e-mail', 'product.upsell.html', { multiline: true })}
        {field('upsellUrl', 'Upsell offer address', 'product.upsell.url')}
        {save.error && !save.error.issues?.length ? <ErrorPanel what="Could not save the product" error={save.error} /> : null}
        {warnings.map((w) => (
          <p key={w} className="muted" role="status">
            {w}
          </p>
        ))}
        <div className="row-actions">
          <button type="submit" className="btn btn-primary" disabled={save.pending}>
            Save product
          </button>
          <button type="button" className="btn" onClick={onClose}>
            Close
          </button>
        </div>
      </form>
    </Card>
  );
}

const productColumns = (onEdit: (p: Product) => void): Column<Product>[] => [
  {
    key: 'product',
    header: 'Product',
    primary: true,
    cell: (p) => (
      <>
        {p.name} <span className="muted">{p.id}</span>
      </>
    ),
  },
  { key: 'access', header: 'Access', cell: (p) => (p.access === 'license' ? 'License key' : 'Magic link') },
  { key: 'prices', header: 'Stripe prices', cell: (p) => p.prices.map((x) => `${x.product ?? x.id}${x.amountText ? ` (${x.amountText})` : ' (not mirrored)'}`).join(', ') || '–' },
  { key: 'modules', header: 'Modules', className: 'num', cell: (p) => p.modules.length },
  { key: 'grants', header: 'Active grants', className: 'num', cell: (p) => p.grants.active },
  {
    key: 'actions',
    header: <span className="sr-only">Actions</span>,
    label: 'Actions',
    cell: (p) => (
      <button type="button" className="btn" onClick={() => onEdit(p)} aria-label={`Edit ${p.name}`}>
        Edit
      </button>
    ),
  },
];

type Grant = OpOutput<'products.grants.list'>['rows'][number];

function GrantTable({ rows, onChanged }: { rows: Grant[]; onChanged: () => void }) {
  const [revoking, setRevoking] = useState<number | null>(null);
  const [reason, setReason] = useState('refund');
  const revoke = useAction(async (id: number) => {
    await call('products.grants.revoke', { id, reason });
    setRevoking(null);
    onChanged();
  });
  const columns: Column<Grant>[] = [
    { key: 'buyer', header: 'Buyer', primary: true, cell: (g) => g.email },
    {
      key: 'product',
      header: 'Product',
      cell: (g) => (
        <>
          {g.productName}
          {g.licenseKey ? <div className="muted">{g.licenseKey}</div> : null}
        </>
      ),
    },
    { key: 'sale', header: 'Sale', cell: (g) => `${g.source}: ${g.saleId}` },
    {
      key: 'status',
      header: 'Status',
      cell: (g) => (
        <>
          <span className={g.status === 'active' ? 'badge badge-ok' : 'badge badge-neutral'}>{g.status}</span>
          {g.revokeReason ? <span className="muted"> {g.revokeReason}</span> : null}
        </>
      ),
    },
    { key: 'released', header: 'Released', cell: (g) => `${g.released} of ${g.modules}` },
    {
      key: 'actions',
      header: <span className="sr-only">Actions</span>,
      label: 'Actions',
      cell: (g) =>
        g.status !== 'active' ? null : revoking === g.id ? (
          <form
            className="products-revoke"
            onSubmit={(e) => {
              e.preventDefault();
              void revoke.run(g.id);
            }}
          >
            <label htmlFor={`revoke-reason-${g.id}`}>Reason</label>
            <input id={`revoke-reason-${g.id}`} value={reason} onChange={(e) => setReason(e.target.value)} />
            <button type="submit" className="btn btn-danger" disabled={revoke.pending}>
              Revoke access
            </button>
            {revoke.error ? <p className="field-error">{revoke.error.message}</p> : null}
          </form>
        ) : (
          <button type="button" className="btn" onClick={() => setRevoking(g.id)} aria-label={`Revoke ${g.email}'s access to ${g.productName}`}>
            Revoke
          </button>
        ),
    },
  ];
  return (
    <div className="products-table-wrap">
      <DataTable rows={rows} columns={columns} rowKey={(g) => g.id} label="Grants" rowProps={(g) => ({ 'data-testid': 'grant-row', 'data-status': g.status })} />
    </div>
  );
}

function ImportCard({ products, onDone }: { products: Product[]; onDone: () => void }) {
  const [csv, setCsv] = useState('');
  const [email, setEmail] = useState('email');
  const [sale, setSale] = useState('order_id');
  const [productCol, setProductCol] = useState('');
  const [productId, setProductId] = useState('');
  const [startDrip, setStartDrip] = useState(false);
  const [result, setResult] = useState<ImportResult | null>(null);
  const go = useAction(async (dryRun: boolean) => {
    const r = await call('products.import', { csv, mapping: { email, saleId: sale, ...(productCol ? { product: productCol } : {}) }, ...(productId ? { productId } : {}), dryRun, startDrip });
    setResult(r);
    if (!dryRun) onDone();
  });
  return (
    <Card title="Import sales (CSV)" id="products-import">
      <div className="products-form">
      <p className="muted">Sales from Gumroad, Podia, Teachable …: one grant per sale, never twice. Imported sales e-mail nobody unless you tick "Start the drip".</p>
      <div className="field">
        <label htmlFor="products-import-file">CSV file</label>
        <input id="products-import-file" type="file" accept=".csv,text/csv" onChange={(e) => void e.target.files?.[0]?.text().then(setCsv)} />
      </div>
      <div className="field">
        <label htmlFor="products-import-email">E-mail column</label>
        <input id="products-import-email" value={email} onChange={(e) => setEmail(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="products-import-sale">Order id column</label>
        <input id="products-import-sale" value={sale} onChange={(e) => setSale(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="products-import-product">Product of every row</label>
        <select id="products-import-product" className="control" value={productId} onChange={(e) => setProductId(e.target.value)}>
          <option value="">From a column</option>
          {products.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="products-import-product-col">Product column (id or name)</label>
        <input id="products-import-product-col" value={productCol} onChange={(e) => setProductCol(e.target.value)} />
      </div>
      <div className="field">
        <label>
          <input
            type="checkbox"
            checked={startDrip}
            onChange={(e) => {
              setStartDrip(e.target.checked);
              setResult(null);
            }}
          />{' '}
          Start the drip for these sales
        </label>
        <p className="hint">
          Off (the default): nothing is e-mailed. On: each new sale is delivered like a live one by your enabled delivery workflow (the access e-mail, the modules over days, the upsell). Check (dry run) says exactly what will start.
        </p>
      </div>
      <div className="row-actions">
        <button type="button" className="btn" disabled={!csv || go.pending} onClick={() => void go.run(true)}>
          Check (dry run)
        </button>
        <button type="button" className="btn btn-primary" disabled={!csv || go.pending} onClick={() => void go.run(false)}>
          Import
        </button>
      </div>
      {go.error ? <ErrorPanel what="Could not import" error={go.error} /> : null}
      {result ? (
        <div role="status" data-testid="products-import-result">
          <p>
            {result.dryRun ? 'Would grant' : 'Granted'} {result.granted} of {result.rows} row(s); {result.duplicates} already granted, {result.skipped} refunded, {result.errors.length} bad.
          </p>
          <p data-testid="products-import-drip">
            {result.drip.summary}
            {!result.dryRun && result.drip.requested ? ` Started ${result.drip.started} delivery run(s).` : ''}
          </p>
          {result.errors.length ? (
            <ul>
              {result.errors.map((e) => (
                <li key={`${e.line}-${e.field}`}>
                  Line {e.line}, {e.field}: {e.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      </div>
    </Card>
  );
}
