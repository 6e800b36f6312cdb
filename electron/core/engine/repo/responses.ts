/**
 * The run_responses table: the answer a `respond` node recorded for the caller waiting on a
 * top-level run (engine/respond.ts); the first one wins.
 */
import type { Sqlite } from '../../db/open';
import type { runResponses } from '../../db/schema/engine';
import { J, parsedNotNull, prepareAll, type Stmt } from './sql';

type Row = typeof runResponses.$inferSelect;
/** A recorded answer (headers parsed). */
export type RunResponseRecord = Omit<Row, 'headers'> & { headers: Record<string, string> };

const SQL = {
  insert: `INSERT OR IGNORE INTO run_responses (run_id, from_run_id, node_id, status, headers, body, redirect, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  get: 'SELECT run_id AS runId, from_run_id AS fromRunId, node_id AS nodeId, status, headers, body, redirect, created_at AS createdAt FROM run_responses WHERE run_id = ?',
};

export class ResponsesRepo {
  readonly #s: Record<keyof typeof SQL, Stmt>;

  constructor(db: Sqlite) {
    this.#s = prepareAll(db, SQL);
  }

  /** Record the answer for `runId` (the top-level run); false when it already had one. */
  insert(r: Omit<RunResponseRecord, 'createdAt'> & { at: string }): boolean {
    return this.#s.insert.run(r.runId, r.fromRunId, r.nodeId, r.status, J(r.headers), r.body, r.redirect, r.at).changes > 0;
  }

  get(runId: string): RunResponseRecord | undefined {
    const r = this.#s.get.get(runId) as Row | undefined;
    return r && { ...r, headers: parsedNotNull<Record<string, string>>(r.headers, 'run_responses.headers', runId) };
  }
}
