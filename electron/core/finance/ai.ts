/**
 * The AI spend per client (docs/finance.md, "AI spend"): the usage ledger's
 * rows are folded into finance_ai_daily (day, client) past a watermark, while
 * the runs they name still exist (finished runs are pruned after
 * engine.pruneDays; the ledger and this rollup are not). A run's client is the
 * client of its subject contact (its company, else the contact), or of its
 * nearest ancestor run's subject (a forEach body, a sub-workflow).
 */
import { usageWithSubjects } from '../ai/ledger';
import { clientOfContact } from '../crm/clients';
import type { ThreadEnv } from '../env';
import { financeStoreOf } from './store';

const BATCH = 5_000;

/** Fold new ledger rows in; returns how many were read. */
export function refreshAiSpend(env: ThreadEnv): number {
  const st = financeStoreOf(env);
  const clients = new Map<string, string>();
  const clientOf = (subject: string | null): string => {
    if (!subject || !/^[1-9]\d{0,15}$/.test(subject)) return '';
    let c = clients.get(subject);
    if (c === undefined) {
      c = clientOfContact(env, Number(subject)) ?? '';
      clients.set(subject, c);
    }
    return c;
  };
  let read = 0;
  for (;;) {
    const n = env.db.transaction(() => {
      const from = st.state<number>('ai.watermark', 0);
      const rows = usageWithSubjects(env.db, from, BATCH);
      if (!rows.length) return 0;
      const sums = new Map<string, { day: string; client: string; cost: number; calls: number }>();
      for (const r of rows) {
        const client = clientOf(r.subject);
        const k = `${r.day}\u0000${client}`;
        const s = sums.get(k) ?? { day: r.day, client, cost: 0, calls: 0 };
        s.cost += r.costUsd;
        s.calls++;
        sums.set(k, s);
      }
      const up = st.stmt(
        `INSERT INTO finance_ai_daily (day, client, cost_usd, calls) VALUES (?, ?, ?, ?)
         ON CONFLICT(day, client) DO UPDATE SET cost_usd = cost_usd + excluded.cost_usd, calls = calls + excluded.calls`,
      );
      for (const s of sums.values()) up.run(s.day, s.client, s.cost, s.calls);
      st.setState('ai.watermark', rows[rows.length - 1]!.id);
      return rows.length;
    })();
    read += n;
    if (n < BATCH) return read;
  }
}
