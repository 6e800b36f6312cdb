/**
 * Companies: name, domain and number of live contacts, by name, searchable (name or
 * domain), 100 a page. A company opens the contacts list filtered to its contacts.
 */
import { useEffect, useId, useState } from 'react';
import { useApi, useEvent } from '../../api/hooks';
import { hashWith } from '../../api/nav';
import { EmptyState, ErrorPanel, Loading } from '../../components/ui';
import { pageRange } from './format';
import { useDebounced, useDebouncedCall } from './useDebounced';

const COMPANY_PAGE = 100;

export function Companies({ onOpen }: { onOpen: (companyId: number) => void }) {
  const ids = useId();
  const [text, setText] = useState('');
  const search = useDebounced(text.trim(), 250);
  const [offset, setOffset] = useState(0);
  useEffect(() => setOffset(0), [search]);
  const q = useApi('companies.list', { ...(search ? { search } : {}), offset, limit: COMPANY_PAGE });
  // Contact counts change with contacts (debounced: an import changes many at once).
  const soon = useDebouncedCall(q.reload, 800);
  useEvent('crm.contacts.imported', soon);
  useEvent('crm.contact.changed', soon);
  const rows = q.data?.rows ?? [];
  const total = q.data?.total ?? 0;

  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <div className="card-head">
        <h2 id={`${ids}-title`}>Companies</h2>
      </div>
      <p className="hint">Made from your contacts&apos; company name and e-mail domain (one company per domain). Open one to see its contacts.</p>
      <div className="crm-toolbar co-toolbar" role="search" aria-label="Find companies">
        <div className="crm-toolbar-field crm-toolbar-grow">
          <label htmlFor={`${ids}-q`}>Search companies</label>
          <input id={`${ids}-q`} type="search" placeholder="Name or domain" value={text} onChange={(e) => setText(e.target.value)} autoComplete="off" />
        </div>
      </div>
      <p className="ct-count" aria-live="polite" data-testid="company-total" data-total={q.data ? total : ''}>
        {!q.data ? 'Counting companies…' : search ? `${total.toLocaleString()} ${total === 1 ? 'company matches' : 'companies match'}` : `${total.toLocaleString()} ${total === 1 ? 'company' : 'companies'}`}
      </p>
      {q.error ? (
        <ErrorPanel what="Could not load the companies" error={q.error} onRetry={q.reload} />
      ) : !q.data ? (
        <Loading label="Loading companies…" />
      ) : total === 0 ? (
        search ? (
          <EmptyState title="No companies match">
            <p>No company name or domain contains “{search}”.</p>
          </EmptyState>
        ) : (
          <EmptyState title="No companies yet" icon="▦">
            <p>Companies appear when contacts have a company name or a work e-mail domain: import a CSV, or let a form or workflow add contacts.</p>
          </EmptyState>
        )
      ) : (
        <>
          <div className="table-wrap">
            <table className="table co-table" aria-label="Companies" aria-busy={q.loading}>
              <thead>
                <tr>
                  <th scope="col">Company</th>
                  <th scope="col">Domain</th>
                  <th scope="col" className="num">
                    Contacts
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((c) => (
                  <tr key={c.id} data-company-id={c.id} data-testid="company-row" className="co-row" onClick={() => onOpen(c.id)}>
                    <td>
                      <a
                        href={hashWith('contacts', { company: c.id })}
                        onClick={(e) => {
                          e.preventDefault();
                          e.stopPropagation();
                          onOpen(c.id);
                        }}
                      >
                        {c.name ?? c.domain ?? `Company ${c.id}`}
                      </a>
                    </td>
                    <td className="muted">{c.domain ?? '—'}</td>
                    <td className="num" data-testid="company-contacts">
                      {c.contacts.toLocaleString()}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {total > COMPANY_PAGE ? (
            <nav className="co-pager" aria-label="Company pages">
              <button type="button" className="btn btn-small" disabled={offset === 0 || q.loading} onClick={() => setOffset(Math.max(0, offset - COMPANY_PAGE))}>
                ← Previous
              </button>
              <span data-testid="company-range">{pageRange(offset, rows.length, total)}</span>
              <button type="button" className="btn btn-small" disabled={offset + COMPANY_PAGE >= total || q.loading} onClick={() => setOffset(offset + COMPANY_PAGE)}>
                Next →
              </button>
            </nav>
          ) : null}
        </>
      )}
    </section>
  );
}
