/**
 * The pipeline: stages with entry criteria (events that move a deal in,
 * forward only), a time limit and a task at entry. Deals live in the CRM's
 * `deals` table (created and moved with its createDeal/updateDeal); when a
 * deal entered its stage is kept in deal_stages for the stale-deal scan.
 */
import { ApiError, describeIssues, issuesOf, PipelineConfig } from '../../../shared/api';
import type { Core } from '../core';
import { createDeal, updateDeal } from '../crm/deals';
import { afterCommit } from '../crm/publish';
import { newPending, storeOf } from '../crm/store';
import { getRules, raise } from './rules';
import { contactName, enteredStage, getPipeline, openDeal } from './stages';

export { contactName, dealStageIds, DEFAULT_PIPELINE, enteredStage, getPipeline, openDeal } from './stages';

export function setPipeline(core: Core, input: unknown): PipelineConfig {
  const r = PipelineConfig.safeParse(input);
  if (!r.success) {
    const issues = issuesOf(r.error);
    throw new ApiError('invalid_input', `Invalid pipeline: ${describeIssues(issues)}. Nothing was saved.`, issues);
  }
  const ids = r.data.stages.map((s) => s.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new ApiError('invalid_input', `stages: the stage id "${dup}" is used twice. Nothing was saved.`, [{ path: 'stages', message: 'duplicate id' }]);
  // A stage that still holds open deals is never dropped silently: its deals would vanish from the board.
  const held = core.db.prepare(`SELECT stage, COUNT(*) AS n FROM deals WHERE won_at IS NULL AND lost_at IS NULL GROUP BY stage`).all() as { stage: string; n: number }[];
  const before = getPipeline(core).stages;
  const orphaned = held.filter((h) => !ids.includes(h.stage) && before.some((s) => s.id === h.stage));
  if (orphaned.length) {
    const issues = orphaned.map((h) => ({ path: 'stages', message: `the stage "${h.stage}" still holds ${h.n} open deal${h.n === 1 ? '' : 's'}` }));
    const what = orphaned.map((h) => `"${before.find((s) => s.id === h.stage)?.name ?? h.stage}" (${h.n} open deal${h.n === 1 ? '' : 's'})`).join(', ');
    throw new ApiError('conflict', `stages: cannot remove ${what}; move those deals to another stage first (Pipeline board: Move to…). Nothing was saved.`, issues);
  }
  core.setSetting('pipeline.config', r.data);
  return r.data;
}

/** Open a deal for the contact unless one is open. */
export function ensureDeal(core: Core, contactId: number, why: string, now: number): number | null {
  const cfg = getPipeline(core);
  if (openDeal(core, contactId)) return null;
  const first = cfg.stages[0]!.id;
  const deal = createDeal(core, { contactId, title: `${contactName(core, contactId)} (${why})`, stage: first, value: cfg.autoCreate.value, currency: cfg.autoCreate.currency, openedAt: new Date(now).toISOString() });
  enteredStage(core, deal.id, first, contactId, now, cfg);
  return deal.id;
}

/** An event on a contact: move its open deal forward when the event is a later stage's entry criterion. */
export function moveOnEvent(core: Core, contactId: number, event: string, now: number, cfg = getPipeline(core)): { dealId: number; from: string; to: string } | null {
  const target = cfg.stages.findIndex((s) => s.enterOn.includes(event));
  if (target < 0) return null;
  const deal = openDeal(core, contactId);
  if (!deal) return null;
  const cur = cfg.stages.findIndex((s) => s.id === deal.stage);
  if (cur >= target) return null;
  const to = cfg.stages[target]!.id;
  updateDeal(core, { id: deal.id, stage: to, at: new Date(now).toISOString() });
  enteredStage(core, deal.id, to, contactId, now, cfg);
  const p = newPending();
  storeOf(core).recordEvent(p, 'deal.stage_changed', contactId, new Date(now).toISOString(), { dealId: deal.id, from: deal.stage, to, on: event });
  afterCommit(core, p);
  return { dealId: deal.id, from: deal.stage, to };
}

/** Deals past their stage's limit: one stale-deal escalation per deal and stage entry. */
export function scanStale(core: Core, now: number): number {
  const cfg = getPipeline(core);
  const rule = getRules(core).find((r) => r.when === 'stale_deal' && r.enabled);
  // Deals created elsewhere (demo data, API): start their clock at their last update.
  core.db
    .prepare(
      `INSERT OR IGNORE INTO deal_stages (deal_id, stage, entered_at)
       SELECT id, stage, CAST(strftime('%s', COALESCE(updated_at, opened_at)) AS INTEGER) * 1000 FROM deals WHERE won_at IS NULL AND lost_at IS NULL`,
    )
    .run();
  const rows = core.db
    .prepare(
      `SELECT ds.deal_id, ds.entered_at, ds.stale_alerted_at, d.stage, d.contact_id, d.title FROM deal_stages ds JOIN deals d ON d.id = ds.deal_id
       WHERE d.won_at IS NULL AND d.lost_at IS NULL AND ds.stale_alerted_at IS NULL`,
    )
    .all() as { deal_id: number; entered_at: number; stale_alerted_at: number | null; stage: string; contact_id: number | null; title: string | null }[];
  let n = 0;
  for (const r of rows) {
    const st = cfg.stages.find((s) => s.id === r.stage);
    if (!st || st.limitDays === null || now - r.entered_at <= st.limitDays * 86_400_000) continue;
    const days = Math.floor((now - r.entered_at) / 86_400_000);
    if (rule) raise(core, rule, `deal:${r.deal_id}:${r.stage}:${r.entered_at}`, `Deal ${r.deal_id} has been in ${st.name} for ${days} days (limit ${st.limitDays}).`, r.title ?? `deal ${r.deal_id}`);
    core.db.prepare('UPDATE deal_stages SET stale_alerted_at = ? WHERE deal_id = ?').run(now, r.deal_id);
    n++;
  }
  return n;
}
