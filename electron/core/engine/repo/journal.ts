/** The plans and learnings tables: what agentic runs planned and learned, read by the next runs. */
import type { Learning, Plan } from '../../../../shared/api';
import type { Sqlite } from '../../db/open';
import { J, parsed, parsedNotNull, prepareAll, prepareOnce, type Stmt } from './sql';

const PLAN = 'id, workflow_id AS workflowId, run_id AS runId, title, content, created_at AS createdAt';
const LEARNING = 'id, workflow_id AS workflowId, run_id AS runId, text, tags, created_at AS createdAt';
type PlanRow = Omit<Plan, 'content'> & { content: string | null };
type LearningRow = Omit<Learning, 'tags'> & { tags: string };
const toPlan = (p: PlanRow): Plan => ({ ...p, content: parsed(p.content, 'plans.content', p.id) });
const toLearning = (l: LearningRow): Learning => ({ ...l, tags: parsedNotNull<string[]>(l.tags, 'learnings.tags', l.id) });

const PLANS = {
  insert: 'INSERT INTO plans (workflow_id, run_id, title, content, created_at) VALUES (?, ?, ?, ?, ?)',
  recent: `SELECT ${PLAN} FROM plans WHERE workflow_id = ? ORDER BY id DESC LIMIT ?`,
};

export class PlansRepo {
  readonly #db: Sqlite;
  readonly #s: Record<keyof typeof PLANS, Stmt>;

  constructor(db: Sqlite) {
    this.#db = db;
    this.#s = prepareAll(db, PLANS);
  }

  /** Record a plan (`content` stored as JSON); its id. */
  insert(workflowId: string, runId: string | null, title: string, content: unknown, at: string): number {
    return Number(this.#s.insert.run(workflowId, runId, title, J(content), at).lastInsertRowid);
  }

  /** A workflow's newest plans. */
  recent(workflowId: string, limit: number): Plan[] {
    return (this.#s.recent.all(workflowId, limit) as PlanRow[]).map(toPlan);
  }

  /** Newest first, of a workflow and/or a run. */
  list(f: { workflow?: string | undefined; runId?: string | undefined; limit: number }): Plan[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.workflow) {
      where.push('workflow_id = ?');
      args.push(f.workflow);
    }
    if (f.runId) {
      where.push('run_id = ?');
      args.push(f.runId);
    }
    const sql = `SELECT ${PLAN} FROM plans ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (prepareOnce(this.#db, sql).all(...args, f.limit) as PlanRow[]).map(toPlan);
  }
}

const LEARNINGS = {
  insert: 'INSERT INTO learnings (workflow_id, run_id, text, tags, created_at) VALUES (?, ?, ?, ?, ?)',
  recent: `SELECT ${LEARNING} FROM learnings WHERE workflow_id = ? ORDER BY id DESC LIMIT ?`,
  all: `SELECT ${LEARNING} FROM learnings ORDER BY id DESC LIMIT ?`,
};

export class LearningsRepo {
  readonly #s: Record<keyof typeof LEARNINGS, Stmt>;

  constructor(db: Sqlite) {
    this.#s = prepareAll(db, LEARNINGS);
  }

  /** Record a learning (`tags` stored as JSON); its id. */
  insert(workflowId: string, runId: string | null, text: string, tags: string[], at: string): number {
    return Number(this.#s.insert.run(workflowId, runId, text, J(tags), at).lastInsertRowid);
  }

  /** Newest first: a workflow's, or every workflow's. */
  recent(workflowId: string | undefined, limit: number): Learning[] {
    return ((workflowId ? this.#s.recent.all(workflowId, limit) : this.#s.all.all(limit)) as LearningRow[]).map(toLearning);
  }
}
