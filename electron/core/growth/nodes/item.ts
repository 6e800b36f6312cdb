import { z } from 'zod';
import { PlanStatus } from '../../../../shared/contract/growth';
import { defineNode, NodeError } from '../../engine/registry';
import { ex } from '../../engine/nodes/util';
import { growthStoreOf } from '../store';

interface LockHolder {
  engine: string;
  runId: string | null;
  itemId: number | null;
  expiresAt: string;
}
class Held extends Error {
  constructor(readonly holder: LockHolder) {
    super('locked');
  }
}

/** A lock on a page or asset lasts this long at most (a crashed cycle never holds it for ever). */
export const LOCK_TTL_MS = 6 * 3_600_000;
/** A step waiting for a lock looks again after this long. */
const LOCK_RETRY_MS = 10 * 60_000;

/**
 * Move a plan item on: `executing` checks that it can still be done (a page
 * that left the sitemap, a plan item already dropped: branch "dropped" with the
 * reason) and takes the lock on its page or asset — held by another engine,
 * the step waits (or, with onLocked "drop", drops the item) and says who holds
 * it; `done` / `dropped` record the result, the cost and the reason and release
 * the lock. The plan's status follows its items. Written through ctx.once.
 */
export default defineNode({
  type: 'growth.item',
  description: 'Move a growth plan item to executing (with a lock on its page/asset), done (with its result and cost) or dropped (with the reason).',
  params: z
    .object({
      item: ex(z.number().int().positive()),
      status: PlanStatus,
      actual: ex(z.record(z.string(), z.unknown())).optional(),
      cost: ex(z.number().min(0)).optional(),
      reason: ex(z.string().max(2000)).optional(),
      detail: ex(z.record(z.string(), z.unknown())).optional(),
      onLocked: z.enum(['wait', 'drop']).default('wait'),
    })
    .strict(),
  branches: ['go', 'dropped'],
  run(ctx) {
    const p = ctx.params;
    const id = Number(p.item);
    const store = growthStoreOf(ctx.env);
    const row = store.itemRow(id);
    if (!row) throw new NodeError(`growth.item: there is no plan item ${JSON.stringify(p.item)}`, { retryable: false, code: 'no_item' });
    const iso = new Date(ctx.now()).toISOString();
    const str = (v: unknown) => (typeof v === 'string' && v ? v : null);
    if (p.status === 'executing') {
      if (row.status === 'dropped') return { output: { id, status: 'dropped', reason: row.reason }, branch: 'dropped' };
      let drop: string | null = null;
      if (row.asset && /^https?:\/\//.test(row.asset)) {
        const page = ctx.db.prepare('SELECT gone_at FROM growth_pages WHERE url = ?').get(row.asset) as { gone_at: string | null } | undefined;
        if (page?.gone_at) drop = `the page ${row.asset} no longer exists (gone from the sitemap since ${page.gone_at.slice(0, 10)})`;
      }
      if (!drop && row.asset) {
        // A lock held by another is not recorded (the write throws, nothing is kept): the next try asks again.
        let heldBy: LockHolder | null = null;
        try {
          ctx.once('growth.item.lock', () => {
            const r = store.lock(row.asset!, row.engine, ctx.run.id, id, ctx.now(), LOCK_TTL_MS);
            if (!r.ok) throw new Held(r.heldBy);
            return r;
          });
        } catch (e) {
          if (!(e instanceof Held)) throw e;
          heldBy = e.holder;
        }
        if (heldBy) {
          const h = heldBy;
          const why = `${row.asset} is being changed by the ${h.engine} engine (run ${h.runId ?? '?'}, item ${h.itemId ?? '?'}) until ${h.expiresAt} at the latest`;
          if (p.onLocked === 'wait') return ctx.suspend({ until: ctx.now() + LOCK_RETRY_MS, waitingFor: `lock: ${why}` });
          drop = why;
        }
      }
      if (drop) {
        const reason = drop;
        ctx.once('growth.item', () => store.updateItem(id, { status: 'dropped', reason, runId: ctx.run.id }, iso));
        ctx.env.emit('growth.changed', { engine: row.engine, kind: 'plan' });
        return { output: { id, status: 'dropped', reason }, branch: 'dropped' };
      }
      const out = ctx.once('growth.item', () => store.updateItem(id, { status: 'executing', runId: ctx.run.id }, iso));
      ctx.env.emit('growth.changed', { engine: row.engine, kind: 'plan' });
      return { output: out.value, branch: 'go' };
    }
    const actual = p.actual && typeof p.actual === 'object' ? (p.actual as Record<string, unknown>) : undefined;
    const detail = p.detail && typeof p.detail === 'object' ? (p.detail as Record<string, unknown>) : undefined;
    const cost = typeof p.cost === 'number' && Number.isFinite(p.cost) ? p.cost : 0;
    const out = ctx.once('growth.item', () => {
      const it = store.updateItem(id, { status: p.status, ...(actual ? { actual } : {}), ...(detail ? { detail } : {}), addCostUsd: cost, ...(str(p.reason) ? { reason: str(p.reason) } : {}) }, iso);
      if ((p.status === 'done' || p.status === 'dropped') && row.asset) store.unlock(row.asset, row.engine);
      return it;
    });
    ctx.env.emit('growth.changed', { engine: row.engine, kind: 'plan' });
    return { output: out.value, branch: p.status === 'dropped' ? 'dropped' : 'go' };
  },
});
