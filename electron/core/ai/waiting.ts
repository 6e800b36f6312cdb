/**
 * AI steps that wait: for the Anthropic key and the person's go-ahead (wait
 * event "ai.key"), or for budget ("ai.budget"). Read from the steps'
 * wait_event (the steps_wait_event partial index).
 */
import type { AiWaiting } from '../../../shared/contract/ai';
import type { Sqlite } from '../db/open';
import { AI_BUDGET_EVENT, AI_KEY_EVENT } from './node-support';

export function waitingAiSteps(db: Sqlite, keyPresent: boolean): AiWaiting {
  const rows = db
    .prepare(
      `SELECT r.workflow_id AS id, COALESCE(w.name, r.workflow_id) AS name, s.wait_event AS ev, COUNT(*) AS n
       FROM steps s JOIN runs r ON r.id = s.run_id LEFT JOIN workflows w ON w.id = r.workflow_id
       WHERE s.wait_event IN (?, ?) AND s.status = 'waiting' GROUP BY r.workflow_id, s.wait_event ORDER BY n DESC`,
    )
    .all(AI_KEY_EVENT, AI_BUDGET_EVENT) as { id: string; name: string; ev: string; n: number }[];
  const byWf = new Map<string, AiWaiting['workflows'][number]>();
  let key = 0;
  let budget = 0;
  for (const r of rows) {
    const w = byWf.get(r.id) ?? { id: r.id, name: r.name, key: 0, budget: 0 };
    if (r.ev === AI_KEY_EVENT) {
      w.key += r.n;
      key += r.n;
    } else {
      w.budget += r.n;
      budget += r.n;
    }
    byWf.set(r.id, w);
  }
  return { key, budget, keyPresent, decisionNeeded: keyPresent && key > 0, workflows: [...byWf.values()] };
}

/** The steps waiting for the key, and the top-level runs they belong to (a forEach body or sub-workflow run's root). */
export function waitingForKeyRuns(db: Sqlite): { steps: number; roots: string[] } {
  const rows = db
    .prepare(
      `WITH RECURSIVE up(id, parent) AS (
         SELECT r.id, r.parent_run_id FROM steps s JOIN runs r ON r.id = s.run_id WHERE s.wait_event = ? AND s.status = 'waiting'
         UNION SELECT p.id, p.parent_run_id FROM runs p JOIN up ON p.id = up.parent
       ) SELECT DISTINCT id FROM up WHERE parent IS NULL`,
    )
    .all(AI_KEY_EVENT) as { id: string }[];
  const steps = (db.prepare(`SELECT COUNT(*) AS n FROM steps WHERE wait_event = ? AND status = 'waiting'`).get(AI_KEY_EVENT) as { n: number }).n;
  return { steps, roots: rows.map((r) => r.id) };
}
