/**
 * Outputs that act (docs/playbooks.md, "Outputs that act"): the lead-scoring
 * criteria the team wrote become Baton's scoring rules, the onboarding e-mails
 * of Customer Success a Baton sequence (a disabled draft), the campaign
 * designs of Demand Generation plan items of the campaign engine; each as an
 * explicit preview and an apply, never silently, and applying the same file
 * twice creates nothing more.
 */
import { z } from 'zod';
import { ApiError, ScoringConfig, type OpInput, type OpOutput, type PlaybookApplySource, type PlaybookCampaignItem } from '../../../shared/api';
import { coreAiEnv } from '../ai';
import { AiStepError } from '../ai/claude';
import { generate } from '../ai/generate';
import type { Core } from '../core';
import { GROWTH_STORE } from '../growth/store';
import { validateEmailTemplate } from '../sales/template';
import { fileHistory, flatTree, MAIN, readBlobText, readFileAt, repoOf, syncMain, unifiedDiff } from './git';
import { CAMPAIGNS_FORMAT, durationOf, ONBOARDING_FORMAT, parseCampaigns, parseOnboarding, type Issue } from './outputs';
import { PLAYBOOKS_STORE } from './store';

export const SCORING_SOURCES = ['demand-gen/lead-scoring.md', 'pipeline/scoring-model.md'];

export async function previewScoring(core: Core): Promise<Extract<OpOutput<'playbooks.apply.preview'>, { kind: 'scoring' }>> {
  await syncMain(core.dataDir, core.now());
  const r = repoOf(core.dataDir);
  const files: Record<string, string> = {};
  for (const p of SCORING_SOURCES) {
    const t = await readFileAt(r, MAIN, p);
    if (t?.trim()) files[p] = t;
  }
  if (!Object.keys(files).length) {
    throw new ApiError('not_found', `kind: no lead-scoring criteria in the workspace yet (${SCORING_SOURCES.join(', ')}); run the Pipeline Building phase first`, [{ path: 'kind', message: 'no criteria' }]);
  }
  const current = await core.call('scoring.rules.get', {});
  const schema = z.toJSONSchema(ScoringConfig, { io: 'input' }) as Record<string, unknown>;
  delete schema.$schema;
  let g;
  try {
    g = await generate(
      coreAiEnv(core),
      {
        prompt:
          'Turn the lead-scoring criteria in the data block into the scoring rules of Baton: fit rules (conditions on contact fields or tags) and behaviour rules (events such as form.submitted, email.clicked, page.visited), integer points, and the MQL and SQL thresholds (SQL above MQL). Keep the current rules that the criteria do not contradict.',
        data: { criteria: files, currentRules: current },
        output: 'json',
        schema,
        maxTokens: 8000,
      },
      {},
      { nodeId: 'playbooks.apply.preview' },
    );
  } catch (e) {
    if (e instanceof AiStepError) throw new ApiError('unavailable', e.message);
    throw e;
  }
  const parsed = ScoringConfig.safeParse(g.data);
  if (!parsed.success) throw new ApiError('unavailable', `Claude's rules are not valid scoring rules: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const before = `${JSON.stringify(current, null, 2)}\n`;
  const after = `${JSON.stringify(parsed.data, null, 2)}\n`;
  return { kind: 'scoring', sources: Object.keys(files), current, proposed: parsed.data, diff: unifiedDiff('scoring-rules.json', before, after).diff, costUsd: g.costUsd };
}

export async function applyScoring(core: Core, proposed: z.input<typeof ScoringConfig>): Promise<Extract<OpOutput<'playbooks.apply'>, { kind: 'scoring' }>> {
  const r = await core.call('scoring.rules.set', { config: proposed });
  return { kind: 'scoring', rescored: r.rescored, changed: r.changed };
}

// ---------------------------------------------------------------- sequence and campaigns

export const ONBOARDING_PATH = 'customer-success/onboarding-playbook.md';
export const CAMPAIGNS_PATH = 'demand-gen/campaigns.md';

/**
 * The file an apply reads: as merged by the run `runId` (its phase's merge
 * commit), else on main (the run cited is the one whose merge last changed it).
 */
async function sourceOf(core: Core, path: string, runId: string | undefined): Promise<{ source: PlaybookApplySource; text: string }> {
  await syncMain(core.dataDir, core.now());
  const r = repoOf(core.dataDir);
  let commit: string | null = null;
  let run: string | null = null;
  if (runId) {
    const st = core.get(PLAYBOOKS_STORE);
    const row = st.run(runId);
    if (!row) throw new ApiError('not_found', `runId: there is no playbook run "${runId}" (playbooks.runs gives the ids)`, [{ path: 'runId', message: 'no such run' }]);
    const def = st.definitionOf(row, 'playbook_runs');
    const phase = def.phases.find((p) => p.steps.some((s) => s.outputs.some((o) => o.path === path)));
    if (!phase) throw new ApiError('not_found', `runId: the playbook ${def.name} has no step writing ${path}`, [{ path: 'runId', message: `no ${path}` }]);
    const pr = st.phase(runId, phase.id);
    if (!pr?.merge_commit) {
      throw new ApiError('conflict', `runId: ${path} is written in the phase ${phase.name}, which this run has not merged yet (${pr?.status === 'waiting_approval' ? 'its quality gate waits for your approval' : pr?.status === 'skipped' ? 'its mode skips it' : 'it has not finished'})`, [{ path: 'runId', message: 'phase not merged' }]);
    }
    commit = pr.merge_commit;
    run = runId;
  } else {
    const last = (await fileHistory(core.dataDir, path, MAIN, 1))[0];
    if (last) {
      commit = last.oid;
      run = /\(run (pbr_[0-9a-f]+)\)/.exec(last.message)?.[1] ?? null;
    }
  }
  const blob = commit ? (await flatTree(r, commit)).get(path) : undefined;
  const text = blob ? await readBlobText(r, blob) : null;
  if (!commit || !blob || !text?.trim()) {
    throw new ApiError('not_found', `kind: no ${path} in the workspace yet${runId ? ` as merged by run ${runId}` : ''}; run the phase that writes it first`, [{ path: 'kind', message: `no ${path}` }]);
  }
  return { source: { path, commit, blob, runId: run }, text };
}

const sequenceIdOf = (blob: string) => `pb-onboarding-${blob.slice(0, 10)}`;

export async function previewSequence(core: Core, runId: string | undefined): Promise<Extract<OpOutput<'playbooks.apply.preview'>, { kind: 'sequence' }>> {
  const { source, text } = await sourceOf(core, ONBOARDING_PATH, runId);
  const { emails, issues } = parseOnboarding(text, source.path);
  if (!emails.length) {
    throw new ApiError('invalid_input', `${source.path} has no onboarding e-mail Baton can read: write ${ONBOARDING_FORMAT}${issues.length ? ` (${issues.map((i) => i.message).join('; ')})` : ''}`, [
      { path: source.path, message: 'no e-mail with a Subject line' },
      ...issues,
    ]);
  }
  const steps: ({ type: 'wait'; duration: string } | { type: 'email'; subject: string; text: string })[] = [];
  for (const e of emails) {
    if (e.afterDays > 0) steps.push({ type: 'wait', duration: durationOf(e.afterDays) });
    steps.push({ type: 'email', subject: e.subject, text: e.body });
  }
  const id = sequenceIdOf(source.blob);
  const proposed = {
    id,
    name: `Onboarding (${source.runId ? `playbook run ${source.runId}` : `${source.path} ${source.commit.slice(0, 7)}`})`,
    steps,
    window: { start: '09:00', end: '17:00', weekdaysOnly: true },
    dailyCap: 200,
    exitOn: ['email.replied', 'meeting.booked', 'email.unsubscribed', 'email.bounced', 'email.complained'],
    goal: null,
    reenroll: { policy: 'never' as const, afterDays: 0 },
    enabled: false,
  };
  const tokenIssues: Issue[] = [];
  steps.forEach((s, i) => {
    if (s.type !== 'email') return;
    for (const f of ['subject', 'text'] as const) for (const x of validateEmailTemplate(s[f] ?? '', f)) tokenIssues.push({ path: `steps.${i}.${f}`, message: `${x.message} (edit ${source.path} or the sequence before applying)` });
  });
  const existing = core.db.prepare('SELECT id, name, enabled FROM sequences WHERE id = ?').get(id) as { id: string; name: string; enabled: number } | undefined;
  return {
    kind: 'sequence',
    source,
    proposed,
    emails,
    existing: existing ? { id: existing.id, name: existing.name, enabled: existing.enabled === 1 } : null,
    issues: [...issues, ...tokenIssues],
  };
}

/** Create the sequence, disabled; a sequence made from the same file already there is kept as it is. */
export async function applySequence(core: Core, i: Extract<OpInput<'playbooks.apply'>, { kind: 'sequence' }>): Promise<Extract<OpOutput<'playbooks.apply'>, { kind: 'sequence' }>> {
  const id = sequenceIdOf(i.source.blob);
  if (i.proposed.id !== id) throw new ApiError('invalid_input', `proposed.id: a sequence made from ${i.source.path} is "${id}" (the preview's id); keep it`, [{ path: 'proposed.id', message: `use ${id}` }]);
  const had = core.db.prepare('SELECT enabled FROM sequences WHERE id = ?').get(id) as { enabled: number } | undefined;
  if (had) return { kind: 'sequence', sequenceId: id, created: false, enabled: had.enabled === 1 };
  const { definition } = await core.call('sequences.save', { ...i.proposed, enabled: false });
  return { kind: 'sequence', sequenceId: definition.id, created: true, enabled: definition.enabled };
}

const planKey = (s: PlaybookApplySource) => `playbook:${s.path}:${s.blob}`;
const existingPlan = (core: Core, s: PlaybookApplySource) =>
  (core.db.prepare("SELECT id FROM growth_plans WHERE engine = 'campaigns' AND json_extract(content, '$.source.key') = ? ORDER BY id LIMIT 1").get(planKey(s)) as { id: number } | undefined)?.id ?? null;

export async function previewCampaigns(core: Core, runId: string | undefined): Promise<Extract<OpOutput<'playbooks.apply.preview'>, { kind: 'campaigns' }>> {
  const { source, text } = await sourceOf(core, CAMPAIGNS_PATH, runId);
  const { items, issues } = parseCampaigns(text, source.path);
  if (!items.length) {
    throw new ApiError('invalid_input', `${source.path} has no campaign Baton can read: write ${CAMPAIGNS_FORMAT}${issues.length ? ` (${issues.map((i) => i.message).join('; ')})` : ''}`, [
      { path: source.path, message: 'no campaign with a Channel line' },
      ...issues,
    ]);
  }
  return { kind: 'campaigns', source, proposed: { items }, existingPlanId: existingPlan(core, source), issues };
}

/** Record the campaign plan (items planned, citing the run and the file); the same file applied again returns the plan it made. */
export function applyCampaigns(core: Core, i: Extract<OpInput<'playbooks.apply'>, { kind: 'campaigns' }>): Extract<OpOutput<'playbooks.apply'>, { kind: 'campaigns' }> {
  const s = i.source;
  const st = core.get(PLAYBOOKS_STORE);
  const run = s.runId ? st.run(s.runId) : undefined;
  if (s.runId && !run) throw new ApiError('not_found', `source.runId: there is no playbook run "${s.runId}"`, [{ path: 'source.runId', message: 'no such run' }]);
  const items: PlaybookCampaignItem[] = i.proposed.items.map((c) => ({ ...c, expectedRoi: c.expectedRoi ?? null, leads: c.leads ?? null }));
  const cite = [`playbook-run:${s.runId ?? 'none'}`, `workspace:${s.path}@${s.commit}`];
  const by = `Designed by Demand Generation${s.runId ? ` in playbook run ${s.runId}` : ''} (${s.path} at ${s.commit.slice(0, 7)})`;
  const at = new Date(core.now()).toISOString();
  const r = core.db.transaction(() => {
    const had = existingPlan(core, s);
    if (had !== null) return { planId: had, created: false };
    const planId = core.get(GROWTH_STORE).createPlan(
      {
        engine: 'campaigns',
        workflowId: null,
        runId: run?.workflow_run_id ?? null,
        goal: `Campaigns designed by the go-to-market team${s.runId ? ` (playbook run ${s.runId})` : ''}`,
        content: { source: { kind: 'playbook', key: planKey(s), playbookRun: s.runId, path: s.path, commit: s.commit, blob: s.blob } },
        status: 'planned',
        items: items.map((c, k) => ({
          ref: `playbook:${s.blob.slice(0, 10)}:${k + 1}`,
          title: c.name,
          action: c.channel,
          priority: k + 1,
          status: 'planned' as const,
          expected: { metric: 'roi', roi: c.expectedRoi, leads: c.leads },
          detail: { channel: c.channel, audience: c.audience, offer: c.offer, budget: c.budget, expectedRoi: c.expectedRoi, targets: { leads: c.leads, roi: c.expectedRoi }, playbookRun: s.runId, path: s.path, commit: s.commit },
          sources: cite,
          reason: by,
        })),
      },
      at,
    );
    return { planId, created: true };
  })();
  if (r.created) core.bus.emit('growth.changed', { engine: 'campaigns', kind: 'plan' });
  return { kind: 'campaigns', planId: r.planId, created: r.created, items: r.created ? items.length : (core.get(GROWTH_STORE).plan(r.planId)?.itemCount ?? 0) };
}
