/** The timers table: due work (wait ends, retry delays, approval expiries, run timeouts), in ms UTC. */
import type { Sqlite } from '../../db/open';
import { J, parsed, prepareAll, type Stmt } from './sql';

export type TimerKind = 'resume' | 'retry' | 'approval' | 'run_timeout';

/** A due timer, deleted as it is taken (in the transaction that applies its effect). */
export interface DueTimer {
  id: number;
  kind: TimerKind;
  runId: string;
  stepId: number | null;
  /** approval timers: { approvalId }. */
  payload: unknown;
}

const SQL = {
  insert: 'INSERT INTO timers (due_at, kind, run_id, step_id, payload) VALUES (?, ?, ?, ?, ?)',
  deleteForRun: 'DELETE FROM timers WHERE run_id = ?',
  deleteForStep: 'DELETE FROM timers WHERE step_id = ?',
  takeDue: `DELETE FROM timers WHERE id IN (SELECT id FROM timers WHERE due_at <= ? ORDER BY due_at LIMIT ?)
      RETURNING id, kind, run_id AS runId, step_id AS stepId, payload`,
  nextDueAt: 'SELECT MIN(due_at) AS t FROM timers',
  count: 'SELECT COUNT(*) AS n FROM timers',
};

export class TimersRepo {
  readonly #s: Record<keyof typeof SQL, Stmt>;

  constructor(db: Sqlite) {
    this.#s = prepareAll(db, SQL);
  }

  insert(dueAt: number, kind: TimerKind, runId: string, stepId: number | null, payload: unknown = null): void {
    this.#s.insert.run(dueAt, kind, runId, stepId, payload === null ? null : J(payload));
  }

  deleteForRun(runId: string): void {
    this.#s.deleteForRun.run(runId);
  }

  deleteForStep(stepId: number): void {
    this.#s.deleteForStep.run(stepId);
  }

  /** Delete and return up to `limit` timers due at `now` (ms), the most overdue first. */
  takeDue(now: number, limit: number): DueTimer[] {
    return (this.#s.takeDue.all(now, limit) as (Omit<DueTimer, 'payload'> & { payload: string | null })[]).map((t) => ({ ...t, payload: parsed(t.payload, 'timers.payload', t.id) }));
  }

  /** When the next timer is due (ms), or null. */
  nextDueAt(): number | null {
    return (this.#s.nextDueAt.get() as { t: number | null }).t;
  }

  count(): number {
    return (this.#s.count.get() as { n: number }).n;
  }
}
