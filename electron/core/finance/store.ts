/**
 * The finance repository: every SQL statement of the finance tables
 * (electron/core/db/schema/finance.ts), prepared once per connection.
 * Callers own the transaction.
 */
import type { Statement } from 'better-sqlite3';
import { parseStored } from '../db/integrity';
import type { Sqlite } from '../db/open';
import type { StoredMapping } from '../db/schema/finance';
import { threadService, type ThreadEnv } from '../env';

export interface SourceRow {
  id: number;
  name: string;
  name_key: string;
  mapping: string | null;
  currency: string | null;
  last_import_at: string | null;
}
export interface TransactionRow {
  id: number;
  source_id: number;
  date: string;
  amount: number;
  currency: string;
  description: string;
  account: string;
  category: string | null;
  category_by: 'rule' | 'manual' | null;
  client: string | null;
  source: string;
}
export interface RuleRow {
  id: number;
  contains: string;
  category: string;
  kind: string;
  client: string | null;
  position: number;
}
export interface NewTransaction {
  sourceId: number;
  importId: string;
  date: string;
  amount: number;
  currency: string;
  description: string;
  account: string;
  category: string | null;
  client: string | null;
  hash: string;
  line: number;
}

export class FinanceStore {
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

  source(name: string): SourceRow | undefined {
    return this.stmt('SELECT * FROM finance_sources WHERE name_key = ?').get(name.trim().toLowerCase()) as SourceRow | undefined;
  }
  sourceMapping(s: SourceRow): StoredMapping | null {
    return s.mapping === null ? null : parseStored<StoredMapping | null>(s.mapping, 'finance_sources.mapping', s.id);
  }
  /** The source by name, created when new; its mapping and currency saved. */
  saveSource(name: string, mapping: StoredMapping, currency: string | null, at: string): number {
    const key = name.trim().toLowerCase();
    this.stmt(
      `INSERT INTO finance_sources (name, name_key, mapping, currency, last_import_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(name_key) DO UPDATE SET mapping = excluded.mapping, currency = COALESCE(excluded.currency, currency), last_import_at = excluded.last_import_at,
         updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')`,
    ).run(name.trim(), key, JSON.stringify(mapping), currency, at);
    return (this.stmt('SELECT id FROM finance_sources WHERE name_key = ?').get(key) as { id: number }).id;
  }
  sources(): (SourceRow & { transactions: number })[] {
    return this.stmt('SELECT s.*, (SELECT COUNT(*) FROM finance_transactions t WHERE t.source_id = s.id) AS transactions FROM finance_sources s ORDER BY s.name_key').all() as (SourceRow & { transactions: number })[];
  }

  hasHash(hash: string): boolean {
    return this.stmt('SELECT 1 FROM finance_transactions WHERE hash = ?').get(hash) !== undefined;
  }
  /** Insert unless the hash is there; true when inserted. */
  insert(t: NewTransaction): boolean {
    return (
      this.stmt(
        `INSERT INTO finance_transactions (source_id, import_id, date, amount, currency, description, account, category, category_by, client, client_by, hash, line)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(hash) DO NOTHING`,
      ).run(t.sourceId, t.importId, t.date, t.amount, t.currency, t.description, t.account, t.category, t.category === null ? null : 'rule', t.client, t.client === null ? null : 'rule', t.hash, t.line).changes > 0
    );
  }
  recordImport(r: { id: string; sourceId: number; file: string | null; rows: number; imported: number; duplicates: number; invalid: number; errors: unknown[] }): void {
    this.stmt('INSERT INTO finance_imports (id, source_id, file, rows, imported, duplicates, invalid, errors) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
      r.id,
      r.sourceId,
      r.file,
      r.rows,
      r.imported,
      r.duplicates,
      r.invalid,
      JSON.stringify(r.errors),
    );
  }

  rules(): RuleRow[] {
    return this.stmt('SELECT r.id, r.contains, r.category, c.kind, r.client, r.position FROM finance_rules r JOIN finance_categories c ON c.name = r.category ORDER BY r.position, r.id').all() as RuleRow[];
  }
  category(name: string): { name: string; kind: string } | undefined {
    return this.stmt('SELECT name, kind FROM finance_categories WHERE name = ? COLLATE NOCASE').get(name) as { name: string; kind: string } | undefined;
  }
  setCategory(name: string, kind: string): void {
    this.stmt('INSERT INTO finance_categories (name, kind) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET kind = excluded.kind').run(name, kind);
  }

  state<T>(key: string, fallback: T): T {
    const r = this.stmt('SELECT value FROM finance_state WHERE key = ?').get(key) as { value: string } | undefined;
    return r ? parseStored<T>(r.value, 'finance_state.value', key) : fallback;
  }
  setState(key: string, value: unknown): void {
    this.stmt(
      `INSERT INTO finance_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')`,
    ).run(key, JSON.stringify(value));
  }
}

/** The finance repository of a thread (its statements live as long as the thread's connection). */
export const FINANCE_STORE = threadService('finance.store', (env) => new FinanceStore(env.db));

export function financeStoreOf(env: Pick<ThreadEnv, 'get'>): FinanceStore {
  return env.get(FINANCE_STORE);
}
