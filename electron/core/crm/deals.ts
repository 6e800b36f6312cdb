/** Minimal deals (the pipeline comes later): opened/won/lost, recorded as events for the KPIs. */
import { ApiError } from '../../../shared/api';
import type { Core } from '../core';
import { afterCommit } from './publish';
import { newPending, storeOf } from './store';
import { isoAt, nowIso } from './util';

interface DealRow {
  id: number;
  contact_id: number | null;
  company_id: number | null;
  title: string | null;
  stage: string;
  value: number;
  currency: string;
  opened_at: string;
  won_at: string | null;
  lost_at: string | null;
}
export const toDeal = (r: DealRow) => ({
  id: r.id,
  contactId: r.contact_id,
  companyId: r.company_id,
  title: r.title,
  stage: r.stage,
  value: r.value,
  currency: r.currency,
  openedAt: r.opened_at,
  wonAt: r.won_at,
  lostAt: r.lost_at,
});

function dealRow(core: Core, id: number): DealRow {
  const r = storeOf(core).stmt(`SELECT * FROM deals WHERE id = ?`).get(id) as DealRow | undefined;
  if (!r) throw new ApiError('not_found', `id: no deal with id ${id}.`, [{ path: 'id', message: 'no such deal' }]);
  return r;
}

export function dealsOf(core: Core, contactId: number) {
  return (storeOf(core).stmt(`SELECT * FROM deals WHERE contact_id = ? ORDER BY opened_at DESC`).all(contactId) as DealRow[]).map(toDeal);
}

export function createDeal(
  core: Core,
  input: { contactId?: number | null | undefined; companyId?: number | null | undefined; title?: string | null | undefined; stage: string; value: number; currency: string; openedAt?: string | undefined },
) {
  const store = storeOf(core);
  const p = newPending();
  const at = isoAt(input.openedAt, 'openedAt');
  const id = core.db.transaction(() => {
    let companyId = input.companyId ?? null;
    if (input.contactId) {
      const c = store.liveRow(input.contactId, 'contactId');
      companyId ??= c.company_id;
    }
    if (companyId !== null && !store.stmt(`SELECT 1 FROM companies WHERE id = ?`).get(companyId))
      throw new ApiError('not_found', `companyId: no company with id ${companyId}.`, [{ path: 'companyId', message: 'no such company' }]);
    const closed = input.stage === 'won' ? { won: at, lost: null } : input.stage === 'lost' ? { won: null, lost: at } : { won: null, lost: null };
    const id = Number(
      store
        .stmt(`INSERT INTO deals (contact_id, company_id, title, stage, value, currency, opened_at, won_at, lost_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(input.contactId ?? null, companyId, input.title ?? null, input.stage, input.value, input.currency, at, closed.won, closed.lost).lastInsertRowid,
    );
    if (input.contactId) {
      store.recordEvent(p, 'deal.opened', input.contactId, at, { dealId: id, value: input.value, currency: input.currency });
      if (closed.won) store.recordEvent(p, 'deal.won', input.contactId, at, { dealId: id, value: input.value, currency: input.currency });
      if (closed.lost) store.recordEvent(p, 'deal.lost', input.contactId, at, { dealId: id, value: input.value, currency: input.currency });
    }
    return id;
  })();
  afterCommit(core, p);
  return toDeal(dealRow(core, id));
}

export function updateDeal(core: Core, input: { id: number; stage?: string | undefined; value?: number | undefined; at?: string | undefined }) {
  const store = storeOf(core);
  const p = newPending();
  const at = isoAt(input.at, 'at');
  core.db.transaction(() => {
    const d = dealRow(core, input.id);
    if ((d.won_at || d.lost_at) && input.stage && input.stage !== d.stage)
      throw new ApiError('conflict', `stage: deal ${d.id} is already ${d.won_at ? 'won' : 'lost'}; closed deals do not move.`, [{ path: 'stage', message: 'deal is closed' }]);
    const value = input.value ?? d.value;
    const stage = input.stage ?? d.stage;
    store
      .stmt(`UPDATE deals SET stage = ?, value = ?, won_at = ?, lost_at = ?, updated_at = ? WHERE id = ?`)
      .run(stage, value, stage === 'won' ? (d.won_at ?? at) : null, stage === 'lost' ? (d.lost_at ?? at) : null, nowIso(), d.id);
    if (d.contact_id && stage !== d.stage && (stage === 'won' || stage === 'lost')) {
      store.recordEvent(p, `deal.${stage}`, d.contact_id, at, { dealId: d.id, value, currency: d.currency });
      if (stage === 'won') {
        const c = store.row(d.contact_id);
        if (c && !c.deleted_at && ['subscriber', 'lead', 'mql', 'sql', 'opportunity'].includes(c.stage)) store.promote(p, c.id, c.stage as 'lead', 'customer', 'deal.won', at, { dealId: d.id });
      }
    }
  })();
  afterCommit(core, p);
  return toDeal(dealRow(core, input.id));
}
