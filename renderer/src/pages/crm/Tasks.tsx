/**
 * Operator tasks (from workflows, pipeline stages, escalation rules and sequences): open ones by due
 * date, or done ones; "Done" completes a task. On the Pipeline page for everyone, on a contact's page
 * for that contact. Reloads when a task is created or completed anywhere (sales.task.changed).
 */
import { useState } from 'react';
import type { OpOutput } from '../../../../shared/api';
import { call } from '../../api/client';
import { toApiError } from '../../api/errors';
import { useApi, useEvent } from '../../api/hooks';
import { hashWith } from '../../api/nav';
import { ErrorPanel, Loading, formatTime } from '../../components/ui';
import { plural } from './format';

type Task = OpOutput<'tasks.list'>['tasks'][number];
export type TaskFilter = 'open' | 'done';

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

export function TaskList({ status, contactId, onFilter }: { status: TaskFilter; contactId?: number; onFilter?: (f: TaskFilter) => void }) {
  const q = useApi('tasks.list', { status, limit: 200, ...(contactId !== undefined ? { contactId } : {}) });
  const [busy, setBusy] = useState<Set<number>>(new Set());
  const [problem, setProblem] = useState<string | null>(null);
  const [announce, setAnnounce] = useState('');
  const reload = q.reload;
  useEvent('sales.task.changed', (p) => (contactId === undefined || p.contactId === contactId) && reload());

  const done = async (t: Task) => {
    setProblem(null);
    setBusy((b) => new Set(b).add(t.id));
    try {
      await call('tasks.done', { id: t.id });
      q.setData((d) => (d ? { tasks: d.tasks.filter((x) => x.id !== t.id) } : d));
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
  return (
    <div className="crm-tasks" data-testid={contactId === undefined ? 'tasks' : 'contact-tasks'}>
      {onFilter ? (
        <div className="crm-tasks-bar" role="group" aria-label="Show tasks">
          {(['open', 'done'] as const).map((f) => (
            <button key={f} type="button" className="btn btn-small" aria-pressed={status === f} onClick={() => onFilter(f)}>
              {f === 'open' ? 'Open' : 'Done'}
            </button>
          ))}
        </div>
      ) : null}
      <p className="visually-hidden" role="status" aria-live="polite">
        {announce}
      </p>
      {problem ? (
        <p className="field-error" role="alert">
          {problem}
        </p>
      ) : null}
      {q.error && !q.data ? (
        <ErrorPanel what="Could not load the tasks" error={q.error} onRetry={reload} />
      ) : !q.data ? (
        <Loading label="Loading the tasks…" />
      ) : tasks.length === 0 ? (
        <p className="muted">{status === 'open' ? 'No open tasks. Workflows (crm.task.create), pipeline stages and escalation rules add them here.' : 'No task is done yet.'}</p>
      ) : (
        <>
          {contactId === undefined ? <p className="muted">{plural(tasks.length, status === 'open' ? 'open task' : 'done task')}{tasks.length >= 200 ? ' (the first 200)' : ''}.</p> : null}
          <table className="table crm-tasks-table">
            <thead>
              <tr>
                <th scope="col">Task</th>
                {contactId === undefined ? <th scope="col">For</th> : null}
                <th scope="col">{status === 'open' ? 'Due' : 'Done'}</th>
                <th scope="col">From</th>
                {status === 'open' ? (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {tasks.map((t) => (
                <tr key={t.id} data-task={t.id}>
                  <td>
                    <span className="crm-task-title">{t.title}</span>
                    {t.dealTitle ? <span className="muted crm-task-deal">Deal: {t.dealTitle}</span> : null}
                  </td>
                  {contactId === undefined ? <td>{t.contactId ? <a href={hashWith('contacts', { id: t.contactId })}>{t.contactName ?? `Contact ${t.contactId}`}</a> : <span className="muted">—</span>}</td> : null}
                  <td>{status === 'open' ? <Due task={t} now={now} /> : t.doneAt ? formatTime(t.doneAt) : '—'}</td>
                  <td className="muted">{sourceLabel(t.source)}</td>
                  {status === 'open' ? (
                    <td className="crm-task-actions">
                      <button type="button" className="btn btn-small" disabled={busy.has(t.id)} aria-label={`Done: ${t.title}`} onClick={() => void done(t)}>
                        Done
                      </button>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
