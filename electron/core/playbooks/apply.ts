/**
 * Outputs that act (docs/playbooks.md, "Outputs that act"): the lead-scoring
 * criteria the team wrote become Baton's scoring rules, as an explicit
 * preview (a diff of the rules) and an apply; never silently.
 */
import { z } from 'zod';
import { ApiError, ScoringConfig, type OpOutput } from '../../../shared/api';
import { coreAiEnv } from '../ai';
import { AiStepError } from '../ai/claude';
import { generate } from '../ai/generate';
import type { Core } from '../core';
import { MAIN, readFileAt, repoOf, syncMain, unifiedDiff } from './git';

export const SCORING_SOURCES = ['demand-gen/lead-scoring.md', 'pipeline/scoring-model.md'];

export async function previewScoring(core: Core): Promise<OpOutput<'playbooks.apply.preview'>> {
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

export async function applyScoring(core: Core, proposed: z.input<typeof ScoringConfig>): Promise<OpOutput<'playbooks.apply'>> {
  const r = await core.call('scoring.rules.set', { config: proposed });
  return { kind: 'scoring', rescored: r.rescored, changed: r.changed };
}
