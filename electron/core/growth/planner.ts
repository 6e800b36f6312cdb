/**
 * Planning (docs/growth.md, "Planning"): candidates from an engine's analysis
 * become a plan of items with priorities. The learnings recalled for the engine
 * are part of every planning prompt; they also steer the plan without Claude:
 * an action whose learnings measured a loss is replaced by the alternative with
 * the best measured result (`preferAction`). Pure functions, no store.
 */
import type { GrowthLearning } from '../../../shared/contract/growth';
import type { NewItem } from './store';

export interface Candidate {
  ref: string;
  title: string;
  /** The default action. */
  action: string;
  /** Other actions that fit this candidate. */
  alternatives?: string[];
  /** Higher = better (the engine's opportunity score). */
  score: number;
  asset?: string | null;
  expected?: Record<string, unknown>;
  detail?: Record<string, unknown>;
  sources?: string[];
  /** One line about it, for the planning prompt. */
  summary?: string;
}

export interface Decision {
  ref: string;
  action: string;
  priority: number;
  expectedImpact?: string;
  why?: string;
}

export interface ClaudePlan {
  decisions: Decision[];
  drop?: { ref: string; reason: string }[];
  notes?: string;
}

/** What each action's learnings measured: evidence.score (mean measured gain; > 0 worked) weighted by confidence. */
export function actionScores(learnings: readonly GrowthLearning[]): Map<string, { score: number; weight: number; learningIds: number[] }> {
  const out = new Map<string, { score: number; weight: number; learningIds: number[] }>();
  for (const l of learnings) {
    const m = /^action:(.+)$/.exec(l.subject);
    const s = (l.evidence as { score?: unknown }).score;
    if (!m || typeof s !== 'number' || !Number.isFinite(s)) continue;
    const a = out.get(m[1]!) ?? { score: 0, weight: 0, learningIds: [] };
    const w = Math.max(0.01, l.confidence) * (l.score ?? 1);
    a.score = (a.score * a.weight + s * w) / (a.weight + w);
    a.weight += w;
    a.learningIds.push(l.id);
    out.set(m[1]!, a);
  }
  return out;
}

/** The action to take for a candidate given what was learned: its own, unless learnings measured a loss for it and an alternative did better. */
export function preferAction(c: Candidate, scores: Map<string, { score: number }>): { action: string; because: string | null } {
  const options = [c.action, ...(c.alternatives ?? [])];
  const own = scores.get(c.action);
  if (!own || own.score > 0) return { action: c.action, because: null };
  // An untried alternative is worth a little more than nothing measured (explore it).
  let best: { action: string; score: number } | null = null;
  for (const a of options.slice(1)) {
    const s = scores.get(a);
    const v = s ? s.score : UNTRIED;
    if (!best || v > best.score) best = { action: a, score: v };
  }
  if (!best || best.score <= own.score) return { action: c.action, because: null };
  return { action: best.action, because: `learned: "${c.action}" measured ${fmt(own.score)}, "${best.action}" ${scores.has(best.action) ? fmt(best.score) : 'untried'}` };
}

/** The value of an action no learning measured yet, when the default action measured no gain. */
export const UNTRIED = 0.001;

const fmt = (n: number) => (n > 0 ? `+${n.toFixed(2)}` : n.toFixed(2));

/** Lines of the planning prompt: one per learning. */
export function lessonLines(learnings: readonly GrowthLearning[]): string[] {
  return learnings.map((l) => `[${l.subject || 'general'}; confidence ${l.confidence.toFixed(2)}] ${l.text}`);
}

/**
 * The plan's items: Claude's decisions first in its priority order (unknown refs
 * ignored, actions limited to the allowed ones), then the candidates it did not
 * mention by score with the learned action; candidates it dropped are kept as
 * dropped items with its reason. Without Claude (`claude` null) only the second part.
 */
export function mergePlan(candidates: readonly Candidate[], claude: ClaudePlan | null, scores: Map<string, { score: number }>, allowed: readonly string[]): NewItem[] {
  const byRef = new Map(candidates.map((c) => [c.ref, c]));
  const items: NewItem[] = [];
  const seen = new Set<string>();
  const dropped = new Map((claude?.drop ?? []).filter((d) => byRef.has(d.ref)).map((d) => [d.ref, d.reason]));
  const decisions = [...(claude?.decisions ?? [])].filter((d) => byRef.has(d.ref)).sort((a, b) => a.priority - b.priority);
  for (const d of decisions) {
    if (seen.has(d.ref) || dropped.has(d.ref)) continue;
    seen.add(d.ref);
    const c = byRef.get(d.ref)!;
    const action = allowed.includes(d.action) ? d.action : preferAction(c, scores).action;
    items.push(itemOf(c, action, items.length + 1, [d.why, d.expectedImpact && `expected: ${d.expectedImpact}`].filter(Boolean).join(' · ') || null));
  }
  const rest = candidates.filter((c) => !seen.has(c.ref) && !dropped.has(c.ref)).sort((a, b) => b.score - a.score);
  for (const c of rest) {
    const p = preferAction(c, scores);
    items.push(itemOf(c, p.action, items.length + 1, p.because));
  }
  for (const [ref, reason] of dropped) items.push({ ...itemOf(byRef.get(ref)!, byRef.get(ref)!.action, items.length + 1, reason), status: 'dropped' });
  return items;
}

function itemOf(c: Candidate, action: string, priority: number, reason: string | null): NewItem {
  return {
    ref: c.ref,
    title: c.title,
    action,
    priority,
    asset: c.asset ?? null,
    expected: c.expected ?? {},
    detail: c.detail ?? {},
    sources: c.sources ?? [],
    reason,
  };
}

/** The JSON Schema of Claude's planning answer. */
export function planSchema(actions: readonly string[]): Record<string, unknown> {
  return {
    type: 'object',
    properties: {
      decisions: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            ref: { type: 'string' },
            action: { type: 'string', enum: [...actions] },
            priority: { type: 'integer', minimum: 1 },
            expectedImpact: { type: 'string' },
            why: { type: 'string' },
          },
          required: ['ref', 'action', 'priority'],
        },
      },
      drop: { type: 'array', items: { type: 'object', properties: { ref: { type: 'string' }, reason: { type: 'string' } }, required: ['ref', 'reason'] } },
      notes: { type: 'string' },
    },
    required: ['decisions'],
  };
}

/** The planning prompt (a Liquid template over vars: engine, goal, instructions, lessons, actions). */
export const PLAN_PROMPT = `You plan the next cycle of the {{ vars.engine }} growth engine of this business.
Goal: {{ vars.goal }}
{% if vars.instructions != "" %}Instructions: {{ vars.instructions }}
{% endif %}
What earlier cycles learned (most relevant and trusted first). Use it: prefer what worked, avoid what did not.
{% for l in vars.lessons %}- {{ l }}
{% else %}- Nothing learned yet.
{% endfor %}
The candidates are in the data block (ref, title, default action, score, summary). Choose the ones worth doing this cycle and, for each, give its ref, the action (one of {{ vars.actions }}), its priority (1 = first), the expected impact in a few words and why. List candidates not worth doing in "drop" with the reason. Candidates you leave out entirely keep their default action after yours.`;
