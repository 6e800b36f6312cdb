/** Shared rig of the playbook tests: a real core on a temp SQLite file, the fake Messages API, a scripted team. */
import type { Core } from '../../electron/core/core';
import { engineOf, type Engine } from '../../electron/core/engine';
import { EnvSecretStore } from '../../electron/core/secrets';
import { openTestCore } from '../helpers';
import { fakeKey } from '../ai/setup';
import { startFakeAnthropic, type FakeAnthropic, type RecordedRequest, type Reply } from '../support/fake-anthropic';

export const CONFIG = {
  businessContext: 'Invoicing software for freelance designers, sold online.',
  targetCustomer: 'Freelance designers in France billing 5 to 20 clients a month.',
  goals: '200 trial sign-ups and 40 paying customers per month.',
  budget: '3000 EUR',
};

export interface Script {
  /** Gate items (by their check text fragment) that fail on their first review. */
  failOnce?: string[];
  /** Gate items (by their check text fragment) that fail on every review. */
  failAlways?: string[];
  /** Gate items (by check text fragment) reviewed with low confidence (an approval). */
  lowConfidence?: string[];
  /** Steps (by title) that raise a conflict on their first answer. */
  conflictFrom?: Record<string, string>;
  /** Steps (by title) whose first answer leaves every file empty. */
  emptyOnce?: string[];
  /** Usage reported for each step answer (default: the fake's small usage). */
  stepUsage?: { input_tokens: number; output_tokens: number };
}

const textOf = (r: RecordedRequest) =>
  r.body.messages
    .map((m) => (typeof m.content === 'string' ? m.content : m.content.map((c) => c.text ?? (typeof c.content === 'string' ? c.content : '')).join('\n')))
    .join('\n');

/** Answers like a team would: files for every declared output, status fields, reviews and decisions. */
export function scriptTeam(claude: FakeAnthropic, script: Script = {}): { reviews: Map<string, number>; steps: Map<string, number> } {
  const reviews = new Map<string, number>();
  const steps = new Map<string, number>();
  claude.respond((req): Reply => {
    const tool = req.body.tool_choice?.name;
    const text = textOf(req);
    if (tool === 'submit_review') {
      // One ai.review per checklist item: its one item is the checklist's first line.
      const check = /Checklist \(from the business owner\):\n1\. ([^\n]+)/.exec(text)?.[1] ?? '';
      const n = (reviews.get(check) ?? 0) + 1;
      reviews.set(check, n);
      if (script.failAlways?.some((f) => check.includes(f))) return { json: { pass: false, evidence: '"Paid search: 2000 EUR"', issues: [`Still wrong (review ${n}): the budgets add up to 3500 EUR, not 3000 EUR.`], confidence: 0.9 } };
      if (script.failOnce?.some((f) => check.includes(f)) && n === 1) return { json: { pass: false, evidence: '"Paid search: 2000 EUR"', issues: ['The channel budgets add up to 3500 EUR, not 3000 EUR.'], confidence: 0.9 } };
      if (script.lowConfidence?.some((f) => check.includes(f))) return { json: { pass: true, evidence: '"Module 1: discovery"', issues: [], confidence: 0.4 } };
      return { json: { pass: true, evidence: '"quoted from the file"', issues: [], confidence: 0.95 } };
    }
    if (tool === 'decide') return { json: { choice: 'Score leads on fit first, engagement second, as the Pipeline Manager proposes.', rationale: 'Deals close from fit; engagement alone filled the pipeline with students.', keep: 'synthesis' } };
    if (tool === 'answer') {
      const title = /Your step: ([^\n.]+)\./.exec(req.body.messages[0]!.content as string)?.[1] ?? 'step';
      const schema = req.body.tools?.[0]?.input_schema as { properties: { files: { properties: Record<string, { description: string }> } } };
      const names = Object.keys(schema.properties.files.properties);
      const revision = req.body.messages.length > 1;
      const n = (steps.get(title) ?? 0) + 1;
      steps.set(title, n);
      const empty = !revision && script.emptyOnce?.includes(title);
      const files = Object.fromEntries(names.map((k) => [k, empty ? '' : `# ${k}\n\n${title}${revision ? ' (revised: budgets add up to 3000 EUR, scoring follows the decision)' : ''}.\n`]));
      const conflictWith = !revision ? script.conflictFrom?.[title] : undefined;
      return {
        json: {
          files,
          status: { task: title, status: 'complete', blockers: [], next: 'Wait for the quality gate' },
          ...(conflictWith ? { conflict: { topic: 'Lead scoring weights', withRole: conflictWith, yourPosition: 'Score engagement first', theirPosition: 'Score fit first', files: ['demand-gen/lead-scoring.md'] } } : {}),
        },
        ...(script.stepUsage ? { usage: script.stepUsage } : {}),
      };
    }
    return { text: 'ok' };
  });
  return { reviews, steps };
}

export interface Rig {
  core: Core;
  engine: Engine;
  claude: FakeAnthropic;
  dir: string;
  close(): Promise<void>;
}

export async function playbookRig(opts: { pool?: string; settings?: Record<string, unknown> } = {}): Promise<Rig> {
  const key = fakeKey();
  const claude = await startFakeAnthropic({ apiKey: key });
  const t = await openTestCore({ ...(opts.pool ? { host: 'server' as const } : {}), secrets: new EnvSecretStore({ BATON_SECRET_ANTHROPIC_API_KEY: key }, 'tests') });
  const engine = engineOf(t.core);
  for (const [k, v] of Object.entries({ 'ai.baseUrl': claude.url, 'ai.maxRetries': 0, ...opts.settings })) t.core.setSetting(k, v);
  if (opts.pool) {
    engine.poolOptions = { jobsDir: opts.pool, workers: 2 };
    await engine.start('pool');
  }
  return {
    core: t.core,
    engine,
    claude,
    dir: t.dir,
    async close() {
      await claude.close();
      await t.cleanup();
    },
  };
}

export async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 120_000): Promise<void> {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
