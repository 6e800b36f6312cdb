/**
 * The pipeline's stages (setting pipeline.config) and what entering one does (its stage clock and its
 * task). Kept apart from pipeline.ts (escalations, the stale-deal scan: main thread) so the engine's
 * worker threads load only this for the crm.deal.* nodes.
 */
import { prep } from './prep';
import { PipelineConfig } from '../../../shared/api';
import type { ThreadEnv } from '../env';
import { addTask } from './tasks';

export const DEFAULT_PIPELINE: PipelineConfig = PipelineConfig.parse({
  stages: [
    { id: 'qualification', name: 'Qualification', enterOn: [], limitDays: 7, task: 'Qualify {{name}}: book a discovery call' },
    { id: 'proposal', name: 'Proposal', enterOn: ['meeting.booked'], limitDays: 14, task: 'Write and send the proposal to {{name}}' },
    { id: 'negotiation', name: 'Negotiation', enterOn: ['proposal.sent'], limitDays: 21, task: 'Follow up on the proposal with {{name}}' },
    { id: 'won', name: 'Won', enterOn: ['contract.signed'], limitDays: null, task: 'Start onboarding for {{name}}' },
  ],
  autoCreate: { onSql: true, onDemoRequest: true, value: 0, currency: 'USD' },
});

export function getPipeline(env: ThreadEnv): PipelineConfig {
  return env.setting<PipelineConfig | null>('pipeline.config', null) ?? DEFAULT_PIPELINE;
}

export function contactName(env: ThreadEnv, contactId: number): string {
  const c = prep(env.db, 'SELECT email, first_name, last_name FROM contacts WHERE id = ?').get(contactId) as { email: string; first_name: string | null; last_name: string | null } | undefined;
  if (!c) return `contact ${contactId}`;
  return [c.first_name, c.last_name].filter(Boolean).join(' ') || c.email;
}

export function openDeal(env: ThreadEnv, contactId: number): { id: number; stage: string } | undefined {
  return prep(env.db, `SELECT id, stage FROM deals WHERE contact_id = ? AND won_at IS NULL AND lost_at IS NULL ORDER BY id DESC LIMIT 1`).get(contactId) as { id: number; stage: string } | undefined;
}

/** A deal entered a stage: its stage clock restarts and the stage's task (if any) is created, once per deal and stage. */
export function enteredStage(env: ThreadEnv, dealId: number, stage: string, contactId: number | null, now: number, cfg: PipelineConfig): void {
  prep(env.db, `INSERT INTO deal_stages (deal_id, stage, entered_at) VALUES (?, ?, ?) ON CONFLICT(deal_id) DO UPDATE SET stage = excluded.stage, entered_at = excluded.entered_at, stale_alerted_at = NULL`)
    .run(dealId, stage, now);
  const st = cfg.stages.find((s) => s.id === stage);
  if (st?.task) addTask(env, { title: st.task.replace(/\{\{\s*name\s*\}\}/g, contactId === null ? `deal ${dealId}` : contactName(env, contactId)), contactId, dealId, source: `pipeline:${stage}`, key: `deal:${dealId}:${stage}` });
}

/** The stage ids a deal may be put in: the pipeline's stages, then won and lost. */
export function dealStageIds(env: ThreadEnv): string[] {
  return [...new Set([...getPipeline(env).stages.map((s) => s.id), 'won', 'lost'])];
}
