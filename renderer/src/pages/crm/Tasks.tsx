/**
 * Operator tasks (from workflows, pipeline stages, escalation rules and sequences): open ones by due
 * date, or done ones; "Done" completes a task. On the Pipeline page for everyone, on a contact's page
 * for that contact, on the Tasks page (`#/tasks`) with due filters, and on a deal's panel. Data from the query
 * cache: refetched when a task is created or completed anywhere (sales.task.changed).
 */
import { useId, useMemo, useState, type FormEvent } from 'react';
import type { OpOutput } from '../../../../shared/api';
import { call } from '../../api/client';
import { toApiError } from '../../api/errors';
import { hashWith } from '../../api/nav';
import { DataTable, type Column } from '../../components/DataTable';
import { ErrorPanel, Loading, formatTime } from '../../components/ui';
import { invalidate, useQuery } from '../../data/query';
import { plural } from './format';

type Task = OpOutput<'tasks.list'>['tasks'][number];
export type TaskFilter = 'open' | 'done';
export type DueFilter = 'any' | 'overdue' | 'today' | 'week';
export const DUE_LABEL: Record<DueFilter, string> = { any: 'Any time', overdue: 'Overdue', today: 'Due today', week: 'Due this week' };

/** The `dueBefore` of a due filter, from the local clock: now, the end of today, the end of the 7th day. */
export function dueBefore(due: DueFilter, now: Date): string | undefined {
  if (due === 'any') return undefined;
  if (due === 'overdue') return new Date(Math.floor(now.getTime() / 60_000) * 60_000).toISOString();
  const end = new Date(now.getFullYear(), now.getMonth(), now.getDate() + (due === 'today' ? 1 : 7));
  return end.toISOString();
}

/** Where a task came from, in words. */
function sourceLabel(source: string): string {
  const [kind, rest] = [source.slice(0, source.indexOf(':')), source.slice(source.indexOf(':') + 1)];
  if (kind === 'workflow') return `Workflow ${rest}`;
  if (kind === 'pipeline') return `Stage ${rest}`;
  if (kind === 'rule') return `Rule ${rest}`;
  if (kind === 'sequence') return `Sequence ${rest}`;
  return source;
}

function Due({ task, now }: { task: Task; now: number }) {
  if (!task.dueAt) return <span className="muted">—</span>;
  const overdue = task.status === 'open' && Date.parse(task.dueAt) < now;
  return (
    <time dateTime={task.dueAt} className={overdue ? 'crm-task-overdue' : undefined}>
      {overdue ? 'Overdue: ' : ''}
      {formatTime(task.dueAt)}
    </time>
  );
}

export function TaskList({
  status,
  contactId,
  dealId,
  due = 'any',
  onFilter,
  onDue,
  canAdd = false,
}: {
  status: TaskFilter;
  contactId?: number;
  dealId?: number;
  due?: DueFilter;
  onFilter?: (f: TaskFilter) => void;
  onDue?: (d: DueFilter) => void;
  canAdd?: boolean;
}) {
  const before = useMemo(() => (status === 'open' ? dueBefore(due, new Date()) : undefined), [due, status]);
  const q = useQuery('tasks.list', { status, limit: 200, ...(contactId !== undefined ? { contactId } : {}), ...(dealId !== undefined ? { dealId } : {}), ...(before ? { dueBefore: before } : {}) });
  const [busy, setBusy] = useState<Set<number>>(new Set());
  const [problem, setProblem] = useState<string | null>(null);
  const [announce, setAnnounce] = useState('');

  const done = async (t: Task) => {
    setProblem(null);
    setBusy((b) => new Set(b).add(t.id));
    try {
      await call('tasks.done', { id: t.id });
      q.setData((d) => (d ? { tasks: d.tasks.filter((x) => x.id !== t.id) } : d));
      invalidate('tasks.list');
      setAnnounce(`Done: “${t.title}”.`);
    } catch (e) {
      setProblem(`Could not mark “${t.title}” as done: ${toApiError(e).message}`);
    } finally {
      setBusy((b) => {
        const n = new Set(b);
        n.delete(t.id);
        return n;
      });
    }
  };

  const now = Date.now();
  const tasks = q.data?.tasks ?? [];
  const scoped = contactId !== undefined || dealId !== undefined;
  const columns: Column<Task>[] = [
    {
      key: 'task',
      header: 'Task',
      primary: true,
      cell: (t) => (
        <>
          <span className="crm-task-title">{t.title}</span>
          {t.dealTitle && dealId === undefined ? <span className="muted crm-task-deal">Deal: {t.dealTitle}</span> : null}
        </>
      ),
    },
    ...(scoped
      ? []
      : [{ key: 'for', header: 'For', cell: (t: Task) => (t.contactId ? <a href={hashWith('contacts', { id: t.contactId })}>{t.contactName ?? `Contact ${t.contactId}`}</a> : <span className="muted">—</span>) }]),
    { key: 'due', header: status === 'open' ? 'Due' : 'Done', cell: (t) => (status === 'open' ? <Due task={t} now={now} /> : t.doneAt ? formatTime(t.doneAt) : '—') },
    { key: 'from', header: 'From', className: 'muted', cell: (t) => sourceLabel(t.source) },
    ...(status === 'open'
      ? [
          {
            key: 'act',
            header: <span className="visually-hidden">Actions</span>,
            label: 'Actions',
            className: 'crm-task-actions',
            cell: (t: Task) => (
              <button type="button" className="btn btn-small" disabled={busy.has(t.id)} aria-label={`Done: ${t.title}`} onClick={() => void done(t)}>
                Done
              </button>
            ),
          },
        ]
      : []),
  ];
  return (
    <div className="crm-tasks" data-testid={dealId !== undefined ? 'deal-tasks' : contactId === undefined ? 'tasks' : 'contact-tasks'}>
      {onFilter || onDue ? (
        <div className="crm-tasks-bar">
          {onFilter ? (
            <div role="group" aria-label="Show tasks" className="crm-tasks-group">
              {(['open', 'done'] as const).map((f) => (
                <button key={f} type="button" className="btn btn-small" aria-pressed={status === f} onClick={() => onFilter(f)}>
                  {f === 'open' ? 'Open' : 'Done'}
                </button>
              ))}
            </div>
          ) : null}
          {onDue && status === 'open' ? (
            <div role="group" aria-label="Due" className="crm-tasks-group">
              {(Object.keys(DUE_LABEL) as DueFilter[]).map((d) => (
                <button key={d} type="button" className="btn btn-small" aria-pressed={due === d} onClick={() => onDue(d)}>
                  {DUE_LABEL[d]}
                </button>
              ))}
            </div>
          ) : null}
        </div>
      ) : null}
      {canAdd ? <NewTask contactId={contactId} dealId={dealId} onAdded={(t) => setAnnounce(`Added: “${t.title}”.`)} /> : null}
      <p className="visually-hidden" role="status" aria-live="polite">
        {announce}
      </p>
      {problem ? (
        <p className="field-error" role="alert">
          {problem}
        </p>
      ) : null}
      {q.error && !q.data ? (
        <ErrorPanel what="Could not load the tasks" error={q.error} onRetry={q.reload} />
      ) : !q.data ? (
        <Loading label="Loading the tasks…" />
      ) : tasks.length === 0 ? (
        <p className="muted">
          {status === 'done' ? 'No task is done yet.' : due !== 'any' ? `Nothing ${DUE_LABEL[due].toLowerCase()}.` : 'No open tasks. Workflows (crm.task.create), pipeline stages and escalation rules add them here.'}
        </p>
      ) : (
        <>
          {!scoped ? (
            <p className="muted">
              {plural(tasks.length, status === 'open' ? 'open task' : 'done task')}
              {tasks.length >= 200 ? ' (the first 200)' : ''}.
            </p>
          ) : null}
          <DataTable label={status === 'open' ? 'Open tasks' : 'Done tasks'} className="crm-tasks-table" rows={tasks} columns={columns} rowKey={(t) => t.id} rowProps={(t) => ({ 'data-task': t.id })} />
        </>
      )}
    </div>
  );
}

/** Add a task by hand: what, and optionally when it is due (local date and time). */
function NewTask({ contactId, dealId, onAdded }: { contactId?: number | undefined; dealId?: number | undefined; onAdded: (t: Task) => void }) {
  const [title, setTitle] = useState('');
  const [due, setDue] = useState('');
  const [problem, setProblem] = useState<{ field: 'title' | 'dueAt' | null; text: string } | null>(null);
  const [pending, setPending] = useState(false);
  const id = useId();
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!title.trim()) {
      setProblem({ field: 'title', text: 'Say what is to be done.' });
      return;
    }
    const dueAt = due ? new Date(due) : null;
    if (dueAt && Number.isNaN(dueAt.getTime())) {
      setProblem({ field: 'dueAt', text: 'Pick a date and time, or leave it empty.' });
      return;
    }
    setPending(true);
    setProblem(null);
    try {
      const t = await call('tasks.create', { title: title.trim(), ...(contactId !== undefined ? { contactId } : {}), ...(dealId !== undefined ? { dealId } : {}), ...(dueAt ? { dueAt: dueAt.toISOString() } : {}) });
      setTitle('');
      setDue('');
      invalidate('tasks.list');
      onAdded(t);
    } catch (err) {
      const a = toApiError(err);
      const f = a.issues?.[0]?.path;
      setProblem({ field: f === 'title' || f === 'dueAt' ? f : null, text: a.message });
    } finally {
      setPending(false);
    }
  }
  return (
    <form className="crm-new-task" onSubmit={submit} noValidate aria-label="New task">
      <div className="field">
        <label htmlFor={`${id}-t`}>New task</label>
        <input id={`${id}-t`} value={title} maxLength={500} placeholder="Call about the proposal" onChange={(e) => setTitle(e.target.value)} aria-invalid={problem?.field === 'title' || undefined} aria-describedby={problem ? `${id}-e` : undefined} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-d`}>Due (optional)</label>
        <input id={`${id}-d`} type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} aria-invalid={problem?.field === 'dueAt' || undefined} aria-describedby={problem ? `${id}-e` : undefined} />
      </div>
      <button type="submit" className="btn" disabled={pending}>
        {pending ? 'Adding…' : 'Add task'}
      </button>
      {problem ? (
        <p id={`${id}-e`} className="field-error" role="alert">
          {problem.text}
        </p>
      ) : null}
    </form>
  );
}
