/**
 * The contact table: a virtualised list over the API's `total` (100,000 rows and more),
 * loading pages of 200 as they scroll into view: after a loaded page by keyset, else by offset. Pages are cached per query
 * (search, stage, segment, sort); answers for an older query are dropped. A list's total is counted up to 1,000
 * (contacts.list totalUpTo: a wide search answers without reading every match) and shown as "1,000+" when there are
 * more; scrolling to the end of those asks for the exact count, so every match can be reached.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useId, useReducer, useRef, useState, type MouseEvent } from 'react';
import { CONTACT_TABLE_TOTAL_UP_TO, STAGES, type ApiError, type Contact, type OpInput, type Stage } from '../../../../shared/api';
import { call } from '../../api/client';
import { toApiError } from '../../api/errors';
import { useApi, useConnection, useEvent } from '../../api/hooks';
import { hashWith } from '../../api/nav';
import { ErrorPanel } from '../../components/ui';
import { RestoreButton } from './RestoreButton';
import { useDebounced } from './useDebounced';
import { STAGE_LABEL, formatDay, personName, plural } from './format';

export const PAGE_SIZE = 200;
const ROW_HEIGHT = 48;

type SortField = 'lastName' | 'email' | 'stage' | 'score' | 'lastActivityAt' | 'createdAt';
type Sort = { field: SortField; dir: 'asc' | 'desc' } | null;

interface Column {
  id: string;
  label: string;
  sort?: SortField;
  /** First click sorts this way (scores and dates: highest / newest first). */
  firstDir?: 'asc' | 'desc';
  className?: string;
}
const COLUMNS: Column[] = [
  { id: 'name', label: 'Name', sort: 'lastName' },
  { id: 'email', label: 'E-mail', sort: 'email' },
  { id: 'stage', label: 'Stage', sort: 'stage' },
  { id: 'score', label: 'Score', sort: 'score', firstDir: 'desc', className: 'num' },
  { id: 'tags', label: 'Tags' },
  { id: 'activity', label: 'Last activity', sort: 'lastActivityAt', firstDir: 'desc' },
  { id: 'created', label: 'Created', sort: 'createdAt', firstDir: 'desc' },
];

const DELETED_COLUMN: Column = { id: 'deleted', label: 'Deleted' };

interface Cache {
  key: string;
  gen: number;
  total: number | null;
  /** `total` is a lower bound (more match); `exact`: ask for the exact count from now on. */
  capped: boolean;
  exact: boolean;
  pages: Map<number, Contact[]>;
  /** The previous generation's pages, shown until fresh ones arrive (no flicker on refresh). */
  stale: Map<number, Contact[]>;
  pending: Set<number>;
  error: ApiError | null;
}
const freshCache = (key: string): Cache => ({ key, gen: 0, total: null, capped: false, exact: false, pages: new Map(), stale: new Map(), pending: new Set(), error: null });

type ListInput = OpInput<'contacts.list'>;

/** Pages of the current query, loaded on demand; a change of query starts a new cache. */
function useContactPages(input: ListInput) {
  const key = JSON.stringify(input);
  const cache = useRef<Cache>(freshCache(key));
  const [, bump] = useReducer((n: number) => n + 1, 0);
  if (cache.current.key !== key) cache.current = freshCache(key);

  const ensure = useCallback((page: number) => {
    const c = cache.current;
    if (c.pages.has(page) || c.pending.has(page) || c.error) return;
    c.pending.add(page);
    const { key: k, gen } = c;
    const current = () => cache.current.key === k && cache.current.gen === gen;
    const input = JSON.parse(k) as ListInput;
    // Scrolling on: the page after a loaded one by keyset (no offset walk on the server); a jump: by offset.
    const prev = c.pages.get(page - 1);
    const last = prev?.length === PAGE_SIZE ? prev[PAGE_SIZE - 1] : undefined;
    const where = last ? { after: { id: last.id, value: input.sort ? last[input.sort.field] : last.id } } : { offset: page * PAGE_SIZE };
    call('contacts.list', { ...input, ...where, limit: PAGE_SIZE, ...(c.exact ? {} : { totalUpTo: CONTACT_TABLE_TOTAL_UP_TO }) }).then(
      (r) => {
        if (!current()) return; // an older query or generation: dropped
        c.pending.delete(page);
        c.pages.set(page, r.rows);
        c.total = r.total;
        c.capped = r.totalCapped;
        bump();
      },
      (e: unknown) => {
        if (!current()) return;
        c.pending.delete(page);
        c.error = toApiError(e);
        bump();
      },
    );
  }, []);

  /** The end of a capped total is in view: count every match (once per query), and do so for the pages after. */
  const countAll = useCallback(() => {
    const c = cache.current;
    if (c.exact || !c.capped) return;
    c.exact = true;
    const { key: k, gen } = c;
    call('contacts.list', { ...(JSON.parse(k) as ListInput), offset: 0, limit: 1 }).then(
      (r) => {
        if (cache.current.key !== k || cache.current.gen !== gen) return;
        c.total = r.total;
        c.capped = false;
        bump();
      },
      (e: unknown) => {
        if (cache.current.key !== k || cache.current.gen !== gen) return;
        c.error = toApiError(e);
        bump();
      },
    );
  }, []);

  /** Load again (data changed): keep showing what we have until the new pages arrive. */
  const refresh = useCallback(() => {
    const c = cache.current;
    c.stale = new Map([...c.stale, ...c.pages]);
    c.pages = new Map();
    c.pending = new Set();
    c.error = null;
    c.gen++;
    bump();
  }, []);

  const c = cache.current;
  return {
    key,
    total: c.total,
    capped: c.capped,
    error: c.error,
    gen: c.gen,
    row: (i: number) => (c.pages.get(Math.floor(i / PAGE_SIZE)) ?? c.stale.get(Math.floor(i / PAGE_SIZE)))?.[i % PAGE_SIZE],
    ensure,
    refresh,
    countAll,
  };
}

export function ContactTable({
  onOpen,
  refreshToken,
  segmentId,
  companyId,
  onFilter,
}: {
  onOpen: (id: number) => void;
  refreshToken: number;
  /** The segment and the company the list is narrowed to: kept in the address by the page. */
  segmentId: number | null;
  companyId: number | null;
  onFilter: (f: { segmentId: number | null; companyId: number | null }) => void;
}) {
  const [text, setText] = useState('');
  const search = useDebounced(text.trim(), 250);
  const [stage, setStage] = useState<Stage | ''>('');
  const [sort, setSort] = useState<Sort>(null);
  const [showDeleted, setShowDeleted] = useState(false);
  const segments = useApi('segments.list', {});
  const ids = useId();

  const input: ListInput = {
    ...(search ? { search } : {}),
    ...(stage ? { filter: { match: 'all', conditions: [{ kind: 'field', field: 'stage', op: 'eq', value: stage }] } } : {}),
    ...(segmentId !== null ? { segmentId } : {}),
    ...(companyId !== null ? { companyId } : {}),
    ...(sort ? { sort } : {}),
    ...(showDeleted ? { deleted: true } : {}),
  };
  const pages = useContactPages(input);
  const scrollRef = useRef<HTMLDivElement>(null);
  const total = pages.total ?? 0;
  const virtualizer = useVirtualizer({ count: total, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  const { ensure, refresh, countAll, key, gen } = pages;

  // Load the pages the visible rows fall on (the first page gives the total).
  useEffect(() => {
    if (pages.total === null) ensure(0);
    else if (total > 0) for (let p = Math.floor(first / PAGE_SIZE); p <= Math.floor(last / PAGE_SIZE); p++) ensure(p);
    if (pages.capped && last >= total - PAGE_SIZE) countAll();
  });
  // A new query starts at the top.
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
  }, [key]);

  // Data changed elsewhere: load again (debounced; an import or a re-score changes many rows at once).
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const soon = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      refresh();
      segments.reload();
    }, 600);
  }, [refresh, segments.reload]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  useEvent('crm.contact.changed', soon);
  useEvent('crm.contacts.imported', soon);
  useEvent('crm.scoring.changed', soon);
  const epoch = useConnection((s) => s.epoch);
  const firstEpoch = useRef(epoch);
  useEffect(() => {
    if (epoch !== firstEpoch.current) refresh();
  }, [epoch, refresh]);
  const firstToken = useRef(refreshToken);
  useEffect(() => {
    if (refreshToken !== firstToken.current) {
      refresh();
      segments.reload();
    }
  }, [refreshToken, refresh]); // eslint-disable-line react-hooks/exhaustive-deps

  // A segment chosen elsewhere (Segments › Show contacts, a link) that this list has not seen yet: load the list again.
  const knownSegment = segmentId === null || !segments.data || segments.data.segments.some((s) => s.id === segmentId);
  useEffect(() => {
    if (!knownSegment) segments.reload();
  }, [segmentId]); // eslint-disable-line react-hooks/exhaustive-deps

  const sortBy = (col: Column) => {
    if (!col.sort) return;
    const field = col.sort;
    setSort((s) => (s?.field === field ? { field, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { field, dir: col.firstDir ?? 'asc' }));
  };
  const filtered = Boolean(search || stage || segmentId !== null || companyId !== null || showDeleted);
  const segmentList = segments.data?.segments ?? [];
  const open = (e: MouseEvent, id: number) => {
    e.preventDefault();
    onOpen(id);
  };

  return (
    <div className="ct-wrap">
      <div className="crm-toolbar" role="search" aria-label="Find contacts">
        <div className="crm-toolbar-field crm-toolbar-grow">
          <label htmlFor={`${ids}-q`}>Search</label>
          <input id={`${ids}-q`} type="search" placeholder="Name or e-mail" value={text} onChange={(e) => setText(e.target.value)} autoComplete="off" />
        </div>
        <div className="crm-toolbar-field">
          <label htmlFor={`${ids}-stage`}>Stage</label>
          <select id={`${ids}-stage`} value={stage} onChange={(e) => setStage(e.target.value as Stage | '')}>
            <option value="">All stages</option>
            {STAGES.map((s) => (
              <option key={s} value={s}>
                {STAGE_LABEL[s]}
              </option>
            ))}
          </select>
        </div>
        <div className="crm-toolbar-field">
          <label htmlFor={`${ids}-seg`}>Segment</label>
          <select id={`${ids}-seg`} value={segmentId ?? ''} onChange={(e) => onFilter({ segmentId: e.target.value ? Number(e.target.value) : null, companyId })} disabled={!segments.data && !segments.error}>
            <option value="">{segments.error ? 'Segments unavailable' : 'All contacts'}</option>
            {segmentId !== null && !segmentList.some((s) => s.id === segmentId) ? <option value={segmentId}>Segment {segmentId}</option> : null}
            {segmentList.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name} ({s.count.toLocaleString()})
              </option>
            ))}
          </select>
        </div>
        <div className="crm-toolbar-field">
          <label htmlFor={`${ids}-show`}>Show</label>
          <select id={`${ids}-show`} value={showDeleted ? 'deleted' : 'live'} onChange={(e) => setShowDeleted(e.target.value === 'deleted')}>
            <option value="live">Live contacts</option>
            <option value="deleted">Deleted (restorable)</option>
          </select>
        </div>
        {filtered ? (
          <button
            type="button"
            className="btn btn-quiet crm-toolbar-clear"
            onClick={() => {
              setText('');
              setStage('');
              onFilter({ segmentId: null, companyId: null });
              setShowDeleted(false);
            }}
          >
            Clear filters
          </button>
        ) : null}
      </div>
      {companyId !== null ? <CompanyFilter id={companyId} onClear={() => onFilter({ segmentId, companyId: null })} /> : null}
      <p className="ct-count" aria-live="polite" data-testid="contact-total" data-total={pages.total ?? ''} data-capped={pages.capped ? 'true' : undefined}>
        {pages.total === null
          ? 'Counting contacts…'
          : pages.capped
            ? `${total.toLocaleString()}+ ${showDeleted ? 'deleted contacts' : 'contacts'} match (more than ${total.toLocaleString()}; scroll to the end to count them all)`
            : showDeleted
              ? `${plural(total, 'deleted contact')}`
              : filtered
                ? `${plural(total, 'contact')} match`
                : plural(total, 'contact')}
      </p>
      {pages.error ? (
        <ErrorPanel what="Could not load contacts" error={pages.error} onRetry={refresh} />
      ) : (
        <div className={showDeleted ? 'ct ct-show-deleted' : 'ct'} role="table" aria-label="Contacts" aria-rowcount={total + 1} aria-busy={pages.total === null}>
          <div role="rowgroup" className="ct-head">
            <div role="row" aria-rowindex={1} className="ct-row">
              {(showDeleted ? COLUMNS.map((c) => (c.id === 'created' ? DELETED_COLUMN : c)) : COLUMNS).map((col) => (
                <div
                  key={col.id}
                  role="columnheader"
                  className={col.className}
                  aria-sort={col.sort ? (sort?.field === col.sort ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none') : undefined}
                >
                  {col.sort ? (
                    <button type="button" className="ct-sort" onClick={() => sortBy(col)}>
                      {col.label}
                      <span className="ct-sort-mark" aria-hidden="true">
                        {sort?.field === col.sort ? (sort.dir === 'asc' ? '▲' : '▼') : '↕'}
                      </span>
                    </button>
                  ) : (
                    col.label
                  )}
                </div>
              ))}
            </div>
          </div>
          <div role="rowgroup" className="ct-body" ref={scrollRef} data-gen={gen}>
            {pages.total === null ? (
              <p className="ct-note" role="status">
                <span className="spinner" aria-hidden="true" /> Loading contacts…
              </p>
            ) : total === 0 ? (
              <div className="ct-note">
                <strong>{showDeleted ? 'No deleted contacts' : filtered ? 'No contacts match' : 'No contacts yet'}</strong>
                <p className="muted">{filtered ? 'Try another search, stage, segment or company.' : 'Import a CSV file, or let a form or workflow add the first ones.'}</p>
              </div>
            ) : (
              <div className="ct-space" style={{ height: virtualizer.getTotalSize() }}>
                {items.map((vi) => {
                  const c = pages.row(vi.index);
                  return (
                    <div
                      key={vi.key}
                      role="row"
                      aria-rowindex={vi.index + 2}
                      className={c ? 'ct-row ct-item' : 'ct-row ct-item ct-pending'}
                      style={{ transform: `translateY(${vi.start}px)`, height: ROW_HEIGHT }}
                      onClick={c ? (e) => open(e, c.id) : undefined}
                      data-index={vi.index}
                    >
                      {c ? (
                        <>
                          <div role="cell" className="ct-name">
                            <a href={hashWith('contacts', { id: c.id })} onClick={(e) => open(e, c.id)}>
                              {personName(c)}
                            </a>
                            {c.companyName ? <span className="muted ct-sub">{c.companyName}</span> : null}
                          </div>
                          <div role="cell" className="ct-email">
                            {c.email}
                          </div>
                          <div role="cell">
                            <span className={`crm-stage crm-stage-${c.stage}`}>{STAGE_LABEL[c.stage]}</span>
                          </div>
                          <div role="cell" className="num" data-testid="score">
                            {c.score}
                          </div>
                          <div role="cell" className="ct-tags">
                            {c.tags.slice(0, 3).map((t) => (
                              <span key={t} className="crm-chip">
                                {t}
                              </span>
                            ))}
                            {c.tags.length > 3 ? <span className="muted">+{c.tags.length - 3}</span> : null}
                          </div>
                          <div role="cell">{formatDay(c.lastActivityAt)}</div>
                          {showDeleted ? (
                            <div role="cell" className="ct-deleted">
                              <span className="muted">{formatDay(c.deletedAt)}</span>
                              {c.mergedInto ? <span className="muted">merged</span> : <RestoreButton contact={c} onRestored={refresh} />}
                            </div>
                          ) : (
                            <div role="cell">{formatDay(c.createdAt)}</div>
                          )}
                        </>
                      ) : (
                        <div role="cell" className="ct-skeleton">
                          <span className="visually-hidden">Loading row {vi.index + 1}…</span>
                        </div>
                      )}
                    </div>
                  );
                })}
              </div>
            )}
          </div>
        </div>
      )}
    </div>
  );
}

/** "Company: Acme (acme.com) · 12 contacts" above the table, with a button to show everyone again. */
function CompanyFilter({ id, onClear }: { id: number; onClear: () => void }) {
  const q = useApi('companies.list', { id, limit: 1 });
  const co = q.data?.rows[0];
  const label = co ? `${co.name ?? co.domain ?? `Company ${co.id}`}${co.name && co.domain ? ` (${co.domain})` : ''}` : q.data ? `company ${id} (not found)` : `company ${id}`;
  return (
    <div className="ct-company" role="group" aria-label="Company filter" data-testid="company-filter">
      <span>
        Only the contacts of <strong data-testid="company-filter-name">{label}</strong>
      </span>
      {q.error ? <span className="field-error">Could not load the company: {q.error.message}</span> : null}
      <button type="button" className="btn btn-small" onClick={onClear} aria-label="Remove the company filter">
        Remove ✕
      </button>
    </div>
  );
}
