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

/** One line of the monthly summary a write moves: [currency, month, category, client, positive]. */
type SummaryKey = string;
interface SummaryDelta {
  currency: string;
  month: string;
  category: string;
  client: string;
  positive: number;
  amount: number;
  n: number;
}
/** The fields of a stored transaction the summary depends on. */
interface Summed {
  date: string;
  amount: number;
  currency: string;
  category: string | null;
  client: string | null;
}

export class FinanceStore {
  private cache = new Map<string, Statement>();
  /** The summary changes of the write in progress (FinanceStore.write), applied at its end. */
  private delta: Map<SummaryKey, SummaryDelta> | null = null;
  constructor(readonly db: Sqlite) {}

  /**
   * THE write path of finance_transactions: `fn` inserts, updates and deletes transactions with
   * insert / updateTransaction / deleteTransaction, and the monthly summary (finance_monthly, what
   * the P&L reads) moves by the same amounts in the same transaction. Those methods refuse to run
   * outside it, so no row changes without its summary. Nested calls join the outer write.
   */
  write<T>(fn: () => T): T {
    if (this.delta) return fn();
    return this.db.transaction(() => {
      this.delta = new Map();
      try {
        const out = fn();
        this.flushSummary();
        return out;
      } finally {
        this.delta = null;
      }
    })();
  }

  private mustWrite(): Map<SummaryKey, SummaryDelta> {
    if (!this.delta) throw new Error('finance_transactions may only change inside FinanceStore.write (the P&L summary would drift)');
    return this.delta;
  }

  private track(t: Summed, sign: 1 | -1): void {
    const delta = this.mustWrite();
    const positive = t.amount > 0 ? 1 : 0;
    const month = t.date.slice(0, 7);
    const category = t.category ?? '';
    const client = t.client ?? '';
    const key = `${t.currency}\u0000${month}\u0000${category}\u0000${client}\u0000${positive}`;
    const d = delta.get(key);
    if (d) {
      d.amount += sign * t.amount;
      d.n += sign;
    } else delta.set(key, { currency: t.currency, month, category, client, positive, amount: sign * t.amount, n: sign });
  }

  private flushSummary(): void {
    const upsert = this.stmt(
      `INSERT INTO finance_monthly (currency, month, category, client, positive, amount, n) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(currency, month, category, client, positive) DO UPDATE SET amount = amount + excluded.amount, n = n + excluded.n`,
    );
    const drop = this.stmt('DELETE FROM finance_monthly WHERE currency = ? AND month = ? AND category = ? AND client = ? AND positive = ? AND n = 0');
    for (const d of this.delta!.values()) {
      if (d.n === 0 && d.amount === 0) continue;
      upsert.run(d.currency, d.month, d.category, d.client, d.positive, d.amount, d.n);
      if (d.n < 0) drop.run(d.currency, d.month, d.category, d.client, d.positive);
    }
  }

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
  /** Insert unless the hash is there (inside `write`); true when inserted. */
  insert(t: NewTransaction): boolean {
    this.mustWrite();
    const inserted =
      this.stmt(
        `INSERT INTO finance_transactions (source_id, import_id, date, amount, currency, description, account, category, category_by, client, client_by, hash, line)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(hash) DO NOTHING`,
      ).run(t.sourceId, t.importId, t.date, t.amount, t.currency, t.description, t.account, t.category, t.category === null ? null : 'rule', t.client, t.client === null ? null : 'rule', t.hash, t.line).changes > 0;
    if (inserted) this.track(t, 1);
    return inserted;
  }

  private summed(id: number): Summed | undefined {
    return this.stmt('SELECT date, amount, currency, category, client FROM finance_transactions WHERE id = ?').get(id) as Summed | undefined;
  }

  /** Change the category and/or client of a transaction (inside `write`); false when there is no such row. */
  updateTransaction(id: number, set: { category?: string | null; categoryBy?: string | null; client?: string | null; clientBy?: string | null }): boolean {
    this.mustWrite();
    const old = this.summed(id);
    if (!old) return false;
    const cols: string[] = [];
    const args: unknown[] = [];
    for (const [k, col] of [['category', 'category'], ['categoryBy', 'category_by'], ['client', 'client'], ['clientBy', 'client_by']] as const) {
      if (set[k] === undefined) continue;
      cols.push(`${col} = ?`);
      args.push(set[k]);
    }
    if (!cols.length) return true;
    this.stmt(`UPDATE finance_transactions SET ${cols.join(', ')} WHERE id = ?`).run(...args, id);
    const now = { ...old, category: set.category === undefined ? old.category : set.category, client: set.client === undefined ? old.client : set.client };
    if (now.category !== old.category || now.client !== old.client) {
      this.track(old, -1);
      this.track(now, 1);
    }
    return true;
  }

  /** Delete a transaction (inside `write`); false when there is no such row. */
  deleteTransaction(id: number): boolean {
    this.mustWrite();
    const old = this.summed(id);
    if (!old) return false;
    this.stmt('DELETE FROM finance_transactions WHERE id = ?').run(id);
    this.track(old, -1);
    return true;
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
