/**
 * Operator tasks (the `tasks` table): created by sequences (task steps), the pipeline (a stage's task),
 * escalation rules and the crm.task.create node; listed and completed in the window (Pipeline > Tasks,
 * the contact page), over the API and with `npx baton pipeline tasks|done`.
 */
import { prep } from './prep';
import { ApiError } from '../../../shared/api';
import type { ThreadEnv } from '../env';

interface TaskRow {
  id: number;
  title: string;
  contact_id: number | null;
  deal_id: number | null;
  source: string;
  status: string;
  due_at: string | null;
  created_at: string;
  done_at: string | null;
  contact_name: string | null;
  deal_title: string | null;
}

/** A task with who it is for (the contact's name, else e-mail) and the deal's title. */
const TASK_SELECT = `SELECT t.*, COALESCE(NULLIF(TRIM(COALESCE(c.first_name, '') || ' ' || COALESCE(c.last_name, '')), ''), c.email) AS contact_name, d.title AS deal_title
  FROM tasks t LEFT JOIN contacts c ON c.id = t.contact_id LEFT JOIN deals d ON d.id = t.deal_id`;

export const toTask = (r: TaskRow) => ({
  id: r.id,
  title: r.title,
  contactId: r.contact_id,
  contactName: r.contact_name,
  dealId: r.deal_id,
  dealTitle: r.deal_title,
  source: r.source,
  status: r.status as 'open' | 'done',
  dueAt: r.due_at,
  createdAt: r.created_at,
  doneAt: r.done_at,
});
export type TaskView = ReturnType<typeof toTask>;

const taskById = (env: ThreadEnv, id: number) => prep(env.db, `${TASK_SELECT} WHERE t.id = ?`).get(id) as TaskRow | undefined;

/**
 * Tasks, filtered by status, contact or deal. Open ones come by due date (soonest first, undated last),
 * then newest first; done ones newest first.
 */
export function listTasks(env: ThreadEnv, i: { status?: 'open' | 'done' | undefined; contactId?: number | undefined; dealId?: number | undefined; dueBefore?: string | undefined; limit: number }): TaskView[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (i.dueBefore !== undefined) {
    where.push('t.due_at IS NOT NULL AND t.due_at < ?');
    args.push(new Date(i.dueBefore).toISOString());
  }
  for (const [col, v] of [['t.status', i.status], ['t.contact_id', i.contactId], ['t.deal_id', i.dealId]] as const) {
    if (v === undefined) continue;
    where.push(`${col} = ?`);
    args.push(v);
  }
  const order = i.status === 'open' ? `t.due_at IS NULL, t.due_at, t.id DESC` : 't.id DESC';
  const rows = prep(env.db, `${TASK_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ?`).all(...args, i.limit) as TaskRow[];
  return rows.map(toTask);
}

export function completeTask(env: ThreadEnv, id: number): TaskView {
  const r = prep(env.db, `UPDATE tasks SET status = 'done', done_at = COALESCE(done_at, strftime('%Y-%m-%dT%H:%M:%fZ','now')) WHERE id = ? RETURNING id, contact_id`).get(id) as
    | { id: number; contact_id: number | null }
    | undefined;
  if (!r) throw new ApiError('not_found', `id: no task with id ${id}.`, [{ path: 'id', message: 'no such task' }]);
  env.emit('sales.task.changed', { id: r.id, status: 'done', contactId: r.contact_id });
  return toTask(taskById(env, id)!);
}

/** A new open task (`key` dedupes: the same key creates one task; the existing one is returned). */
export function createTask(env: ThreadEnv, t: { title: string; contactId: number | null; dealId: number | null; source: string; key: string | null; dueAt: string | null }): { task: TaskView; created: boolean } {
  const ins = prep(env.db, `INSERT OR IGNORE INTO tasks (title, contact_id, deal_id, source, key, due_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`)
    .get(t.title, t.contactId, t.dealId, t.source, t.key, t.dueAt) as { id: number } | undefined;
  if (ins) return { task: toTask(taskById(env, ins.id)!), created: true };
  return { task: toTask(prep(env.db, `${TASK_SELECT} WHERE t.key = ?`).get(t.key) as TaskRow), created: false };
}

/** A task added by hand (the window, the API): checked contact and deal, no dedupe key. */
export function createManualTask(env: ThreadEnv, t: { title: string; contactId?: number | undefined; dealId?: number | undefined; dueAt?: string | undefined }): TaskView {
  if (t.contactId !== undefined && !prep(env.db, `SELECT 1 FROM contacts WHERE id = ? AND deleted_at IS NULL`).get(t.contactId))
    throw new ApiError('not_found', `contactId: no contact with id ${t.contactId}.`, [{ path: 'contactId', message: 'no such contact' }]);
  const deal = t.dealId === undefined ? undefined : (prep(env.db, `SELECT contact_id FROM deals WHERE id = ?`).get(t.dealId) as { contact_id: number | null } | undefined);
  if (t.dealId !== undefined && !deal) throw new ApiError('not_found', `dealId: no deal with id ${t.dealId}.`, [{ path: 'dealId', message: 'no such deal' }]);
  const contactId = t.contactId ?? deal?.contact_id ?? null;
  const { task } = createTask(env, { title: t.title, contactId, dealId: t.dealId ?? null, source: 'you', key: null, dueAt: t.dueAt ? new Date(t.dueAt).toISOString() : null });
  env.emit('sales.task.changed', { id: task.id, status: 'open', contactId });
  return task;
}

/** A task from a rule, a pipeline stage or a sequence step; the same key creates one task. */
export function addTask(env: ThreadEnv, t: { title: string; contactId?: number | null; dealId?: number | null; source: string; key: string }): boolean {
  const r = prep(env.db, `INSERT OR IGNORE INTO tasks (title, contact_id, deal_id, source, key) VALUES (?, ?, ?, ?, ?) RETURNING id`).get(t.title, t.contactId ?? null, t.dealId ?? null, t.source, t.key) as
    | { id: number }
    | undefined;
  if (r) env.emit('sales.task.changed', { id: r.id, status: 'open', contactId: t.contactId ?? null });
  return r !== undefined;
}
