/**
 * Operator tasks (the `tasks` table): created by sequences (task steps), the pipeline (a stage's task),
 * escalation rules and the crm.task.create node; listed and completed in the window (Pipeline > Tasks,
 * the contact page), over the API and with `npx baton pipeline tasks|done`.
 */
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
}

export const toTask = (r: TaskRow) => ({
  id: r.id,
  title: r.title,
  contactId: r.contact_id,
  dealId: r.deal_id,
  source: r.source,
  status: r.status as 'open' | 'done',
  dueAt: r.due_at,
  createdAt: r.created_at,
  doneAt: r.done_at,
});
export type TaskView = ReturnType<typeof toTask>;

export function listTasks(env: ThreadEnv, i: { status?: 'open' | 'done' | undefined; contactId?: number | undefined; dealId?: number | undefined; limit: number }): TaskView[] {
  const where: string[] = [];
  const args: unknown[] = [];
  for (const [col, v] of [['status', i.status], ['contact_id', i.contactId], ['deal_id', i.dealId]] as const) {
    if (v === undefined) continue;
    where.push(`${col} = ?`);
    args.push(v);
  }
  const rows = env.db.prepare(`SELECT * FROM tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`).all(...args, i.limit) as TaskRow[];
  return rows.map(toTask);
}

export function completeTask(env: ThreadEnv, id: number): TaskView {
  const r = env.db.prepare(`UPDATE tasks SET status = 'done', done_at = COALESCE(done_at, strftime('%Y-%m-%dT%H:%M:%fZ','now')) WHERE id = ? RETURNING *`).get(id) as TaskRow | undefined;
  if (!r) throw new ApiError('not_found', `id: no task with id ${id}.`, [{ path: 'id', message: 'no such task' }]);
  env.emit('sales.task.changed', { id: r.id, status: 'done', contactId: r.contact_id });
  return toTask(r);
}

/** A new open task (`key` dedupes: the same key creates one task; the existing one is returned). */
export function createTask(env: ThreadEnv, t: { title: string; contactId: number | null; dealId: number | null; source: string; key: string | null; dueAt: string | null }): { task: TaskView; created: boolean } {
  const ins = env.db
    .prepare(`INSERT OR IGNORE INTO tasks (title, contact_id, deal_id, source, key, due_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *`)
    .get(t.title, t.contactId, t.dealId, t.source, t.key, t.dueAt) as TaskRow | undefined;
  if (ins) return { task: toTask(ins), created: true };
  return { task: toTask(env.db.prepare(`SELECT * FROM tasks WHERE key = ?`).get(t.key) as TaskRow), created: false };
}

/** A task from a rule, a pipeline stage or a sequence step; the same key creates one task. */
export function addTask(env: ThreadEnv, t: { title: string; contactId?: number | null; dealId?: number | null; source: string; key: string }): boolean {
  const r = env.db.prepare(`INSERT OR IGNORE INTO tasks (title, contact_id, deal_id, source, key) VALUES (?, ?, ?, ?, ?) RETURNING id`).get(t.title, t.contactId ?? null, t.dealId ?? null, t.source, t.key) as
    | { id: number }
    | undefined;
  if (r) env.emit('sales.task.changed', { id: r.id, status: 'open', contactId: t.contactId ?? null });
  return r !== undefined;
}
