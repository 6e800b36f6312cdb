/**
 * The reports repository: every SQL statement of the report tables
 * (electron/core/db/schema/reports.ts), prepared once per connection.
 * Callers own the transaction.
 */
import type { Statement } from 'better-sqlite3';
import { parseStored } from '../db/integrity';
import type { Sqlite } from '../db/open';
import { threadService, type ThreadEnv } from '../env';

export interface DefinitionRow {
  id: number;
  client: string;
  title: string;
  recipient: string | null;
  sections: string;
  enabled: number;
}
export interface RenderRow {
  id: string;
  definition_id: number | null;
  client: string;
  title: string;
  period_from: string;
  period_to: string;
  path: string;
  pages: number;
  bytes: number;
  sha256: string;
  missing: string;
  render_ms: number;
  run_id: string | null;
  created_at: string;
}

export class ReportsStore {
  private cache = new Map<string, Statement>();
  constructor(readonly db: Sqlite) {}

  stmt(sql: string): Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  definitions(): DefinitionRow[] {
    return this.stmt('SELECT * FROM report_definitions ORDER BY client').all() as DefinitionRow[];
  }
  definition(client: string): DefinitionRow | undefined {
    return this.stmt('SELECT * FROM report_definitions WHERE client = ?').get(client) as DefinitionRow | undefined;
  }
  sectionsOf(d: DefinitionRow): unknown[] {
    return parseStored<unknown[]>(d.sections, 'report_definitions.sections', d.id);
  }
  setDefinition(d: { client: string; title: string; recipient: string | null; sections: unknown[]; enabled: boolean }): void {
    this.stmt(
      `INSERT INTO report_definitions (client, title, recipient, sections, enabled) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(client) DO UPDATE SET title = excluded.title, recipient = excluded.recipient, sections = excluded.sections, enabled = excluded.enabled,
         updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')`,
    ).run(d.client, d.title, d.recipient, JSON.stringify(d.sections), d.enabled ? 1 : 0);
  }
  deleteDefinition(client: string): boolean {
    return this.stmt('DELETE FROM report_definitions WHERE client = ?').run(client).changes > 0;
  }

  putMetric(client: string, source: string, metric: string, day: string, value: number): void {
    this.stmt(
      `INSERT INTO report_metrics (client, source, metric, day, value) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(client, metric, source, day) DO UPDATE SET value = excluded.value, imported_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')`,
    ).run(client, source, metric, day, value);
  }
  metricsOf(client: string): { metric: string; source: string; first: string; last: string; values: number }[] {
    return this.stmt('SELECT metric, source, MIN(day) AS first, MAX(day) AS last, COUNT(*) AS "values" FROM report_metrics WHERE client = ? GROUP BY metric, source ORDER BY metric, source').all(client) as {
      metric: string;
      source: string;
      first: string;
      last: string;
      values: number;
    }[];
  }
  metricValues(client: string, metric: string, source: string | null, from: string, to: string): { day: string; value: number }[] {
    return this.stmt(
      `SELECT day, SUM(value) AS value FROM report_metrics WHERE client = ? AND metric = ? COLLATE NOCASE AND (? IS NULL OR source = ? COLLATE NOCASE) AND day >= ? AND day <= ? GROUP BY day ORDER BY day`,
    ).all(client, metric, source, source, from, to) as { day: string; value: number }[];
  }

  insertRender(r: Omit<RenderRow, 'created_at' | 'missing'> & { missing: string[]; created_at: string }): void {
    this.stmt(
      `INSERT INTO report_renders (id, definition_id, client, title, period_from, period_to, path, pages, bytes, sha256, missing, render_ms, run_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(r.id, r.definition_id, r.client, r.title, r.period_from, r.period_to, r.path, r.pages, r.bytes, r.sha256, JSON.stringify(r.missing), r.render_ms, r.run_id, r.created_at);
  }
  render(id: string): RenderRow | undefined {
    return this.stmt('SELECT * FROM report_renders WHERE id = ?').get(id) as RenderRow | undefined;
  }
  renders(client: string | undefined, limit: number): RenderRow[] {
    return this.stmt('SELECT * FROM report_renders WHERE (? IS NULL OR client = ?) ORDER BY created_at DESC, id DESC LIMIT ?').all(client ?? null, client ?? null, limit) as RenderRow[];
  }
  lastRender(client: string): RenderRow | undefined {
    return this.stmt('SELECT * FROM report_renders WHERE client = ? ORDER BY created_at DESC, id DESC LIMIT 1').get(client) as RenderRow | undefined;
  }
  missingOf(r: RenderRow): string[] {
    return parseStored<string[]>(r.missing, 'report_renders.missing', r.id);
  }
}

/** The reports repository of a thread. */
export const REPORTS_STORE = threadService('reports.store', (env) => new ReportsStore(env.db));

export function reportsStoreOf(env: Pick<ThreadEnv, 'get'>): ReportsStore {
  return env.get(REPORTS_STORE);
}
