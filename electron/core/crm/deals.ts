/** Minimal deals (the pipeline comes later): opened/won/lost, recorded as events for the KPIs. */
import { ApiError, DEAL_STAGES } from '../../../shared/api';
import type { Core } from '../core';
import type { ThreadEnv } from '../env';
import { afterCommit } from './publish';
import { newPending, storeOf, type Pending } from './store';
import { isoAt, nowIso } from './util';
import { parseStoredOrNull } from '../db/integrity';

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
  close_date: string | null;
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
  closeDate: r.close_date ?? null,
});

export function dealRow(env: ThreadEnv, id: number, field = 'id'): DealRow {
  const r = storeOf(env).stmt(`SELECT * FROM deals WHERE id = ?`).get(id) as DealRow | undefined;
  if (!r) throw new ApiError('not_found', `${field}: no deal with id ${id}.`, [{ path: field, message: 'no such deal' }]);
  return r;
}

/**
 * A stage the API may put a deal in: one of the pipeline's stages (setting pipeline.config,
 * edited on the Pipeline page; the default ones while unset) or won / lost.
 */
export function checkDealStage(env: ThreadEnv, stage: string): void {
  const cfg = env.setting<{ stages: { id: string }[] } | null>('pipeline.config', null);
  const ids = [...new Set([...(cfg ? cfg.stages.map((s) => s.id) : DEAL_STAGES), 'won', 'lost'])];
  if (!ids.includes(stage)) throw new ApiError('invalid_input', `stage: "${stage}" is not a stage of the pipeline (use one of ${ids.join(', ')}).`, [{ path: 'stage', message: `use one of ${ids.join(', ')}` }]);
}

export function dealsOf(env: ThreadEnv, contactId: number) {
  return (storeOf(env).stmt(`SELECT * FROM deals WHERE contact_id = ? ORDER BY opened_at DESC`).all(contactId) as DealRow[]).map(toDeal);
}

export interface NewDeal {
  contactId?: number | null | undefined;
  companyId?: number | null | undefined;
  title?: string | null | undefined;
  stage: string;
  value: number;
  currency: string;
  openedAt?: string | undefined;
  closeDate?: string | null | undefined;
}

export function createDeal(env: ThreadEnv, input: NewDeal) {
  const p = newPending();
  const id = env.db.transaction(() => createDealTx(env, p, input))();
  afterCommit(env, p);
  env.emit('crm.deal.changed', { id });
  return toDeal(dealRow(env, id));
}

/** Open a deal inside the caller's transaction (its events go to `p`); returns its id. */
export function createDealTx(env: ThreadEnv, p: Pending, input: NewDeal): number {
  const store = storeOf(env);
  const at = isoAt(input.openedAt, 'openedAt');
  return env.db.transaction(() => {
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
        .stmt(`INSERT INTO deals (contact_id, company_id, title, stage, value, currency, opened_at, won_at, lost_at, close_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(input.contactId ?? null, companyId, input.title ?? null, input.stage, input.value, input.currency, at, closed.won, closed.lost, input.closeDate ?? null).lastInsertRowid,
    );
    // The stage clock starts when the deal opened (a past openedAt counts from then).
    if (!closed.won && !closed.lost) store.stmt(`INSERT OR REPLACE INTO deal_stages (deal_id, stage, entered_at) VALUES (?, ?, ?)`).run(id, input.stage, Date.parse(at));
    if (input.contactId) {
      store.recordEvent(p, 'deal.opened', input.contactId, at, { dealId: id, value: input.value, currency: input.currency });
      if (closed.won) store.recordEvent(p, 'deal.won', input.contactId, at, { dealId: id, value: input.value, currency: input.currency });
      if (closed.lost) store.recordEvent(p, 'deal.lost', input.contactId, at, { dealId: id, value: input.value, currency: input.currency });
    }
    return id;
  })();
}

export interface DealChange {
  id: number;
  stage?: string | undefined;
  value?: number | undefined;
  title?: string | undefined;
  closeDate?: string | null | undefined;
  at?: string | undefined;
}

/**
 * Change a deal. `recordMove`: a move between open stages is recorded as deal.stage_changed
 * (via `api`: the window, the CLI); the pipeline's own moves record theirs with the event that moved it.
 */
export function updateDeal(env: ThreadEnv, input: DealChange, opts: { recordMove?: boolean } = {}) {
  const p = newPending();
  env.db.transaction(() => {
    const { from } = updateDealTx(env, p, input);
    const d = dealRow(env, input.id);
    if (opts.recordMove && d.contact_id && d.stage !== from && d.stage !== 'won' && d.stage !== 'lost')
      storeOf(env).recordEvent(p, 'deal.stage_changed', d.contact_id, isoAt(input.at, 'at'), { dealId: d.id, from, to: d.stage, via: 'api' });
  })();
  afterCommit(env, p);
  env.emit('crm.deal.changed', { id: input.id });
  return toDeal(dealRow(env, input.id));
}

export interface DealNoteRow {
  id: number;
  deal_id: number;
  text: string;
  created_at: string;
}
const toNote = (r: DealNoteRow) => ({ id: r.id, dealId: r.deal_id, text: r.text, createdAt: r.created_at });

export function addDealNote(env: ThreadEnv, dealId: number, text: string) {
  dealRow(env, dealId, 'dealId');
  const store = storeOf(env);
  const id = Number(store.stmt(`INSERT INTO deal_notes (deal_id, text, created_at) VALUES (?, ?, ?)`).run(dealId, text, nowIso()).lastInsertRowid);
  env.emit('crm.deal.changed', { id: dealId });
  return toNote(store.stmt(`SELECT * FROM deal_notes WHERE id = ?`).get(id) as DealNoteRow);
}

/** A deal for its panel: the board row, the notes (oldest first) and the deal's events on its contact (newest first). */
export function getDeal(core: Core, id: number, now = Date.now()) {
  const store = storeOf(core);
  const d = dealRow(core, id);
  const row = listDeals(core, { dealId: id, offset: 0, limit: 1 }, now).rows[0]!;
  const notes = (store.stmt(`SELECT * FROM deal_notes WHERE deal_id = ? ORDER BY created_at, id`).all(id) as DealNoteRow[]).map(toNote);
  const activity = d.contact_id
    ? (store
        .stmt(`SELECT id, at, type, data FROM events WHERE subject_type = 'contact' AND subject_id = ? AND type LIKE 'deal.%' AND json_extract(data, '$.dealId') = ? ORDER BY at DESC, id DESC LIMIT 200`)
        .all(String(d.contact_id), id) as { id: number; at: string; type: string; data: string | null }[]).map((e) => ({ id: e.id, at: e.at, type: e.type, contactId: d.contact_id, data: parseStoredOrNull(e.data, 'events.data') }))
    : [];
  return { deal: row, notes, activity };
}

/** Move a deal / change its value inside the caller's transaction; returns the stage it was in. */
export function updateDealTx(env: ThreadEnv, p: Pending, input: DealChange): { from: string } {
  const store = storeOf(env);
  const at = isoAt(input.at, 'at');
  return env.db.transaction(() => {
    const d = dealRow(env, input.id);
    if ((d.won_at || d.lost_at) && input.stage && input.stage !== d.stage)
      throw new ApiError('conflict', `stage: deal ${d.id} is already ${d.won_at ? 'won' : 'lost'}; closed deals do not move.`, [{ path: 'stage', message: 'deal is closed' }]);
    const value = input.value ?? d.value;
    const stage = input.stage ?? d.stage;
    const title = input.title ?? d.title;
    const closeDate = input.closeDate === undefined ? (d.close_date ?? null) : input.closeDate;
    store
      .stmt(`UPDATE deals SET stage = ?, value = ?, title = ?, close_date = ?, won_at = ?, lost_at = ?, updated_at = ? WHERE id = ?`)
      .run(stage, value, title, closeDate, stage === 'won' ? (d.won_at ?? at) : null, stage === 'lost' ? (d.lost_at ?? at) : null, nowIso(), d.id);
    // The stage clock (stale-deal limits, days in stage) restarts when the deal changes stage.
    if (stage !== d.stage)
      store
        .stmt(`INSERT INTO deal_stages (deal_id, stage, entered_at) VALUES (?, ?, ?) ON CONFLICT(deal_id) DO UPDATE SET stage = excluded.stage, entered_at = excluded.entered_at, stale_alerted_at = NULL`)
        .run(d.id, stage, Date.parse(at));
    if (d.contact_id && stage !== d.stage && (stage === 'won' || stage === 'lost')) {
      store.recordEvent(p, `deal.${stage}`, d.contact_id, at, { dealId: d.id, value, currency: d.currency });
      if (stage === 'won') {
        const c = store.row(d.contact_id);
        if (c && !c.deleted_at && ['subscriber', 'lead', 'mql', 'sql', 'opportunity'].includes(c.stage)) store.promote(p, c.id, c.stage as 'lead', 'customer', 'deal.won', at, { dealId: d.id });
      }
    }
    return { from: d.stage };
  })();
}

/** The contact's newest open deal (the one a stage move or a pipeline rule applies to). */
export function openDealOf(env: ThreadEnv, contactId: number): ReturnType<typeof toDeal> | undefined {
  const r = storeOf(env).stmt(`SELECT * FROM deals WHERE contact_id = ? AND won_at IS NULL AND lost_at IS NULL ORDER BY id DESC LIMIT 1`).get(contactId) as DealRow | undefined;
  return r ? toDeal(r) : undefined;
}

/** The contact's open deals, newest first. */
export function openDealsOf(env: ThreadEnv, contactId: number): ReturnType<typeof toDeal>[] {
  return (storeOf(env).stmt(`SELECT * FROM deals WHERE contact_id = ? AND won_at IS NULL AND lost_at IS NULL ORDER BY id DESC`).all(contactId) as DealRow[]).map(toDeal);
}

export interface ListDealsInput {
  dealId?: number | undefined;
  stage?: string | undefined;
  open?: boolean | undefined;
  contactId?: number | undefined;
  offset: number;
  limit: number;
}

/** Deals for the board: filtered by stage / open / contact, newest first, with names and days in stage. */
export function listDeals(core: Core, input: ListDealsInput, now = Date.now()) {
  const where: string[] = [];
  const params: unknown[] = [];
  if (input.dealId !== undefined) {
    where.push('d.id = ?');
    params.push(input.dealId);
  }
  if (input.stage !== undefined) {
    where.push('d.stage = ?');
    params.push(input.stage);
  }
  if (input.open === true) where.push('d.won_at IS NULL AND d.lost_at IS NULL');
  if (input.open === false) where.push('(d.won_at IS NOT NULL OR d.lost_at IS NOT NULL)');
  if (input.contactId !== undefined) {
    where.push('d.contact_id = ?');
    params.push(input.contactId);
  }
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const store = storeOf(core);
  const total = (store.stmt(`SELECT COUNT(*) AS n FROM deals d ${w}`).get(...params) as { n: number }).n;
  const values = store.stmt(`SELECT currency, SUM(value) AS value FROM deals d ${w} GROUP BY currency ORDER BY currency`).all(...params) as { currency: string; value: number }[];
  const rows = store
    .stmt(
      `SELECT d.*, c.first_name, c.last_name, c.email AS contact_email, co.name AS company_name,
              CASE WHEN ds.stage = d.stage THEN ds.entered_at ELSE NULL END AS entered_ms
       FROM deals d LEFT JOIN contacts c ON c.id = d.contact_id LEFT JOIN companies co ON co.id = d.company_id
       LEFT JOIN deal_stages ds ON ds.deal_id = d.id
       ${w} ORDER BY d.opened_at DESC, d.id DESC LIMIT ? OFFSET ?`,
    )
    .all(...params, input.limit, input.offset) as (DealRow & {
    first_name: string | null;
    last_name: string | null;
    contact_email: string | null;
    company_name: string | null;
    entered_ms: number | null;
  })[];
  return {
    total,
    values,
    rows: rows.map((r) => {
      const closedAt = r.won_at ?? r.lost_at;
      const enteredMs = r.entered_ms ?? Date.parse(closedAt ?? r.opened_at);
      const until = closedAt ? Date.parse(closedAt) : now;
      return {
        ...toDeal(r),
        contactName: [r.first_name, r.last_name].filter(Boolean).join(' ') || null,
        contactEmail: r.contact_email,
        companyName: r.company_name,
        stageEnteredAt: new Date(enteredMs).toISOString(),
        daysInStage: Math.max(0, Math.floor((until - enteredMs) / 86_400_000)),
      };
    }),
  };
}
