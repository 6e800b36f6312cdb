/**
 * The deal panel (`#/pipeline?deal=12`), beside the board: the deal's stage (with its Move to
 * menu), contact and company, value, expected close date; an edit form (title, value, close
 * date: only what changed is sent, problems named by field); the owner's notes (oldest first)
 * and a box to add one; the activity (opened, each move, won or lost); the deal's tasks.
 * Data from the query cache (deals.get), refetched when the deal changes anywhere.
 */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { ApiIssue, DealListRow, OpOutput } from '../../../../shared/api';
import { call } from '../../api/client';
import { toApiError } from '../../api/errors';
import { hashWith } from '../../api/nav';
import { DataTable } from '../../components/DataTable';
import { Field } from '../../components/Field';
import { QueryView, formatTime } from '../../components/ui';
import { invalidate, useQuery } from '../../data/query';
import { formatDay, formatMoney, plural } from '../crm/format';
import { TaskList } from '../crm/Tasks';
import { checkEdit } from './model';
import './pipeline.css';
import { MoveMenu, type MoveTarget } from './MoveMenu';

type Got = OpOutput<'deals.get'>;
type Activity = Got['activity'][number];

export function DealPanel({ id, targets, onClose, onMove, onSaved }: { id: number; targets: MoveTarget[]; onClose: () => void; onMove: (deal: DealListRow, to: string) => void; onSaved: () => void }) {
  const q = useQuery('deals.get', { id });
  const heading = useRef<HTMLHeadingElement>(null);
  const loaded = Boolean(q.data);
  useEffect(() => {
    if (loaded) heading.current?.focus({ preventScroll: true });
  }, [loaded, id]);
  const title = q.data ? (q.data.deal.title ?? `Deal ${id}`) : `Deal ${id}`;
  return (
    <aside
      className="pl-panel"
      aria-labelledby="deal-panel-title"
      data-testid="deal-panel"
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !(e.target as HTMLElement).closest('[role=menu]')) onClose();
      }}
    >
      <div className="pl-panel-head">
        <h2 id="deal-panel-title" ref={heading} tabIndex={-1}>
          {title}
        </h2>
        <button type="button" className="btn btn-small" onClick={onClose} aria-label={`Close the panel of “${title}”`}>
          Close
        </button>
      </div>
      <QueryView q={q} what={`Could not load deal ${id}`} loading="Loading the deal…">
        {(d) => <PanelBody key={d.deal.id} got={d} targets={targets} onMove={onMove} onSaved={onSaved} />}
      </QueryView>
    </aside>
  );
}

function stageLabel(targets: MoveTarget[], d: DealListRow): string {
  if (d.wonAt) return `Won on ${formatDay(d.wonAt)}`;
  if (d.lostAt) return `Lost on ${formatDay(d.lostAt)}`;
  return targets.find((t) => t.id === d.stage)?.name ?? d.stage;
}

function PanelBody({ got, targets, onMove, onSaved }: { got: Got; targets: MoveTarget[]; onMove: (deal: DealListRow, to: string) => void; onSaved: () => void }) {
  const d = got.deal;
  const title = d.title ?? `Deal ${d.id}`;
  const closed = Boolean(d.wonAt || d.lostAt);
  const name = (s: string) => targets.find((t) => t.id === s)?.name ?? s;
  const what = (e: Activity): string => {
    const data = (e.data ?? {}) as { from?: string; to?: string; value?: number; currency?: string };
    if (e.type === 'deal.stage_changed') return `Moved from ${name(data.from ?? '?')} to ${name(data.to ?? '?')}`;
    if (e.type === 'deal.opened') return `Opened${typeof data.value === 'number' ? ` at ${formatMoney(data.value, data.currency ?? d.currency)}` : ''}`;
    if (e.type === 'deal.won') return 'Won';
    if (e.type === 'deal.lost') return 'Lost';
    return e.type;
  };
  return (
    <div className="pl-panel-body">
      <dl className="pl-facts">
        <div>
          <dt>Stage</dt>
          <dd data-testid="deal-stage">
            {stageLabel(targets, d)}
            {closed ? null : ` · ${plural(d.daysInStage, 'day')} in stage`}
          </dd>
        </div>
        <div>
          <dt>Value</dt>
          <dd data-testid="deal-value">{formatMoney(d.value, d.currency)}</dd>
        </div>
        <div>
          <dt>Contact</dt>
          <dd>
            {d.contactId ? <a href={hashWith('contacts', { id: d.contactId })}>{d.contactName ?? d.contactEmail ?? `Contact ${d.contactId}`}</a> : <span className="muted">None</span>}
            {d.companyName ? ` · ${d.companyName}` : ''}
          </dd>
        </div>
        <div>
          <dt>Expected close</dt>
          <dd>{d.closeDate ? formatDay(d.closeDate) : <span className="muted">Not set</span>}</dd>
        </div>
        <div>
          <dt>Opened</dt>
          <dd>{formatDay(d.openedAt)}</dd>
        </div>
      </dl>
      {closed ? null : <MoveMenu title={title} current={d.stage} targets={targets} onMove={(to) => onMove(d, to)} />}
      <EditDeal deal={d} onSaved={onSaved} />
      <Notes dealId={d.id} notes={got.notes} />
      <section aria-labelledby="deal-activity" className="pl-section">
        <h3 id="deal-activity">Activity</h3>
        {got.activity.length === 0 ? (
          <p className="muted">Nothing recorded yet.</p>
        ) : (
          <DataTable
            label="Deal activity"
            rows={got.activity}
            rowKey={(e) => e.id}
            columns={[
              { key: 'what', header: 'What', primary: true, cell: what },
              { key: 'when', header: 'When', cell: (e) => <time dateTime={e.at}>{formatTime(e.at)}</time> },
            ]}
          />
        )}
      </section>
      <section aria-labelledby="deal-tasks" className="pl-section">
        <h3 id="deal-tasks">Tasks</h3>
        <TaskList status="open" dealId={d.id} canAdd />
      </section>
    </div>
  );
}

function EditDeal({ deal: d, onSaved }: { deal: DealListRow; onSaved: () => void }) {
  const id = useId();
  const [title, setTitle] = useState(d.title ?? '');
  const [value, setValue] = useState(String(d.value));
  const [closeDate, setCloseDate] = useState(d.closeDate ?? '');
  const [issues, setIssues] = useState<ApiIssue[]>([]);
  const [status, setStatus] = useState('');
  const [pending, setPending] = useState(false);
  // The stored deal changed (saved here or elsewhere): the form follows it.
  useEffect(() => {
    setTitle(d.title ?? '');
    setValue(String(d.value));
    setCloseDate(d.closeDate ?? '');
  }, [d.title, d.value, d.closeDate]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setStatus('');
    const checked = checkEdit(d.id, { title, value, closeDate }, d);
    if (!checked.ok) {
      setIssues(checked.issues);
      return;
    }
    setIssues([]);
    if (!checked.changed) {
      setStatus('Nothing to save.');
      return;
    }
    setPending(true);
    try {
      await call('deals.update', checked.input as never);
      invalidate('deals.get', 'deals.list', 'contacts.get');
      onSaved();
      setStatus('Saved.');
    } catch (err) {
      const a = toApiError(err);
      setIssues(a.issues?.length ? a.issues.map((i) => ({ path: i.path, message: i.message })) : [{ path: '', message: a.message }]);
    } finally {
      setPending(false);
    }
  }
  return (
    <form className="pl-form pl-section" onSubmit={submit} noValidate aria-label="Edit deal">
      <h3>Edit</h3>
      <Field id={`${id}-t`} label="Title" path="title" issues={issues} className="field">
        {(p) => <input {...p} value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} />}
      </Field>
      <div className="pl-form-row">
        <Field id={`${id}-v`} label={`Value (${d.currency})`} path="value" issues={issues} className="field">
          {(p) => <input {...p} value={value} inputMode="decimal" onChange={(e) => setValue(e.target.value)} />}
        </Field>
        <Field id={`${id}-c`} label="Expected close" path="closeDate" issues={issues} className="field">
          {(p) => <input {...p} type="date" value={closeDate} onChange={(e) => setCloseDate(e.target.value)} />}
        </Field>
      </div>
      {issues.some((i) => i.path === '') ? (
        <p className="field-error" role="alert">
          Could not save: {issues.find((i) => i.path === '')!.message}
        </p>
      ) : issues.length ? (
        <p className="field-error" role="alert">
          Fix {issues.map((i) => i.path).join(', ')}: nothing was saved.
        </p>
      ) : null}
      <div className="pl-form-actions">
        <button type="submit" className="btn btn-primary" disabled={pending}>
          {pending ? 'Saving…' : 'Save changes'}
        </button>
        <span role="status" className="muted">
          {status}
        </span>
      </div>
    </form>
  );
}

function Notes({ dealId, notes }: { dealId: number; notes: Got['notes'] }) {
  const id = useId();
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!text.trim()) {
      setProblem('text: write the note first');
      return;
    }
    setPending(true);
    setProblem(null);
    try {
      await call('deals.notes.add', { dealId, text });
      setText('');
      invalidate('deals.get');
    } catch (err) {
      const a = toApiError(err);
      setProblem(a.issues?.[0] ? `${a.issues[0].path}: ${a.issues[0].message}` : a.message);
    } finally {
      setPending(false);
    }
  }
  return (
    <section aria-labelledby={`${id}-h`} className="pl-section">
      <h3 id={`${id}-h`}>Notes</h3>
      {notes.length === 0 ? (
        <p className="muted">No notes yet.</p>
      ) : (
        <ol className="pl-notes" aria-label="Notes">
          {notes.map((n) => (
            <li key={n.id}>
              <p>{n.text}</p>
              <time className="muted" dateTime={n.createdAt}>
                {formatTime(n.createdAt)}
              </time>
            </li>
          ))}
        </ol>
      )}
      <form onSubmit={submit} noValidate aria-label="Add a note" className="pl-form">
        <div className="field">
          <label htmlFor={`${id}-n`}>New note</label>
          <textarea id={`${id}-n`} rows={2} maxLength={5000} value={text} onChange={(e) => setText(e.target.value)} aria-invalid={problem ? true : undefined} aria-describedby={problem ? `${id}-e` : undefined} />
        </div>
        {problem ? (
          <p id={`${id}-e`} className="field-error" role="alert">
            {problem}
          </p>
        ) : null}
        <div className="pl-form-actions">
          <button type="submit" className="btn" disabled={pending}>
            {pending ? 'Adding…' : 'Add note'}
          </button>
        </div>
      </form>
    </section>
  );
}
