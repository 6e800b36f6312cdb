/**
 * The affiliate repository: every SQL statement of the affiliate tables
 * (electron/core/db/schema/affiliate.ts), prepared once per connection.
 * Callers own the transaction.
 */
import type { Statement } from 'better-sqlite3';
import type { Sqlite } from '../db/open';
import { threadService, type ThreadEnv } from '../env';

export interface ProgramRow {
  id: number;
  name: string;
  name_key: string;
  network: string | null;
  commission: string | null;
  cookie_days: number | null;
  sub_id_param: string | null;
  payout_match: string | null;
  notes: string | null;
}
export interface LinkRow {
  id: number;
  program_id: number;
  program: string;
  sub_id_param: string | null;
  slug: string;
  destination: string;
  content: string | null;
  note: string | null;
  run_id: string | null;
  archived_at: string | null;
  created_at: string;
}

const LINK_SELECT = `SELECT l.id, l.program_id, p.name AS program, p.sub_id_param, l.slug, l.destination, l.content, l.note, l.run_id, l.archived_at, l.created_at
  FROM affiliate_links l JOIN affiliate_programs p ON p.id = l.program_id`;

export class AffiliateStore {
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

  program(id: number): ProgramRow | undefined {
    return this.stmt('SELECT * FROM affiliate_programs WHERE id = ?').get(id) as ProgramRow | undefined;
  }
  programByName(name: string): ProgramRow | undefined {
    return this.stmt('SELECT * FROM affiliate_programs WHERE name_key = ?').get(name.trim().toLowerCase()) as ProgramRow | undefined;
  }
  programs(): (ProgramRow & { links: number })[] {
    return this.stmt('SELECT p.*, (SELECT COUNT(*) FROM affiliate_links l WHERE l.program_id = p.id AND l.archived_at IS NULL) AS links FROM affiliate_programs p ORDER BY p.name_key').all() as (ProgramRow & { links: number })[];
  }

  link(id: number): LinkRow | undefined {
    return this.stmt(`${LINK_SELECT} WHERE l.id = ?`).get(id) as LinkRow | undefined;
  }
  linkBySlug(slug: string): LinkRow | undefined {
    return this.stmt(`${LINK_SELECT} WHERE l.slug = ?`).get(slug) as LinkRow | undefined;
  }
  links(): LinkRow[] {
    return this.stmt(`${LINK_SELECT} ORDER BY l.id`).all() as LinkRow[];
  }
  clickCounts(ids: number[]): Map<number, { clicks: number; machine: number }> {
    const out = new Map<number, { clicks: number; machine: number }>();
    const q = this.stmt('SELECT COALESCE(SUM(machine = 0), 0) AS clicks, COALESCE(SUM(machine = 1), 0) AS machine FROM affiliate_clicks WHERE link_id = ?');
    for (const id of ids) out.set(id, q.get(id) as { clicks: number; machine: number });
    return out;
  }

  /** One click; the redirect's only write. */
  insertClick(c: { linkId: number; day: string; at: string; machine: boolean; reason: string | null; userAgent: string; referrer: string | null }): void {
    this.stmt('INSERT INTO affiliate_clicks (link_id, day, at, machine, reason, user_agent, referrer) VALUES (?, ?, ?, ?, ?, ?, ?)').run(c.linkId, c.day, c.at, c.machine ? 1 : 0, c.reason, c.userAgent, c.referrer);
  }
}

/** The affiliate repository of a thread. */
export const AFFILIATE_STORE = threadService('affiliate.store', (env) => new AffiliateStore(env.db));

export function affiliateStoreOf(env: Pick<ThreadEnv, 'get'>): AffiliateStore {
  return env.get(AFFILIATE_STORE);
}
