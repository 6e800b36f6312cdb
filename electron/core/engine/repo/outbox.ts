/**
 * The outbox: one row per side effect (HTTP call, email …) under a key stable across retries and
 * crashes (docs/engine.md, "Outbox"). The caller records it before sending (insert, sending) and
 * after (done); a row found `sent` is replayed without sending again.
 */
import type { Sqlite } from '../../db/open';
import { J, parsedNotNull, prepareAll, type Stmt } from './sql';

/** A recorded effect: `sent` rows carry the recorded response. */
export type OutboxEntry = { status: 'sent'; response: unknown; sends: number } | { status: 'pending' | 'failed'; sends: number };

const SQL = {
  get: 'SELECT status, response, sends FROM outbox WHERE key = ?',
  insert: `INSERT OR IGNORE INTO outbox (key, run_id, node_id, kind, request, status, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?)`,
  sending: 'UPDATE outbox SET sends = sends + 1 WHERE key = ?',
  done: 'UPDATE outbox SET status = ?, response = ?, sent_at = ? WHERE key = ?',
  recordSent: `INSERT INTO outbox (key, run_id, node_id, kind, request, status, response, sends, created_at, sent_at) VALUES (?, ?, ?, ?, NULL, 'sent', ?, 1, ?, ?)
    ON CONFLICT(key) DO UPDATE SET status = 'sent', response = excluded.response, sends = sends + 1, sent_at = excluded.sent_at`,
};

export class OutboxRepo {
  readonly #s: Record<keyof typeof SQL, Stmt>;

  constructor(db: Sqlite) {
    this.#s = prepareAll(db, SQL);
  }

  get(key: string): OutboxEntry | undefined {
    const r = this.#s.get.get(key) as { status: 'pending' | 'sent' | 'failed'; response: string | null; sends: number } | undefined;
    if (!r) return undefined;
    if (r.status === 'sent') return { status: 'sent', response: parsedNotNull(r.response ?? 'null', 'outbox.response', key), sends: r.sends };
    return { status: r.status, sends: r.sends };
  }

  /** Record an effect about to be sent (`pending`; nothing when the key is recorded already). `request` is stored as JSON. */
  insert(e: { key: string; runId: string; nodeId: string; kind: string; request: unknown; at: string }): void {
    this.#s.insert.run(e.key, e.runId, e.nodeId, e.kind, J(e.request), e.at);
  }

  /** One more send of the effect (`sends` > 1 counts re-deliveries after a crash or a failed try). */
  sending(key: string): void {
    this.#s.sending.run(key);
  }

  /** The effect was sent (or failed) with `response` (stored as JSON). */
  done(key: string, status: 'sent' | 'failed', response: unknown, at: string): void {
    this.#s.done.run(status, J(response), at, key);
  }

  /** A local write done in the caller's transaction (ctx.once): recorded as sent at once, with its result (JSON text). */
  recordSent(e: { key: string; runId: string; nodeId: string; kind: string; responseJson: string; at: string }): void {
    this.#s.recordSent.run(e.key, e.runId, e.nodeId, e.kind, e.responseJson, e.at, e.at);
  }
}
