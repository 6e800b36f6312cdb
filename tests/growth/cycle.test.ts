/**
 * Growth cycles as real workflows run by the engine (main-thread executor) on a
 * real SQLite file, Claude at a local Messages API server:
 * - a learning recorded in cycle N (agent.learn) changes the plan of cycle N+1
 *   (growth.plan recalls it: it is in the planning prompt, and the action it
 *   measured a loss for is replaced);
 * - the campaign engine's full cycle (growth.run): ANALYZING -> PLANNING ->
 *   EXECUTING (an approval) -> LEARNING -> IDLE, each transition recorded,
 *   the launched campaigns citing the memories their expected ROI comes from.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { engineOf } from '../../electron/core/engine';
import { EnvSecretStore } from '../../electron/core/secrets';
import { fakeKey } from '../ai/setup';
import { ENGINES, engineWorkflowId } from '../../shared/contract/growth';
import { install } from '../../electron/core/growth/controller';
import { growthStoreOf } from '../../electron/core/growth/store';
import { engineWorkflow } from '../../electron/core/growth/workflows';
import { openTestCore } from '../helpers';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic';

let t: { core: Core; cleanup: () => Promise<void> } | null = null;
let claude: FakeAnthropic | null = null;
afterEach(async () => {
  await t?.cleanup();
  await claude?.close();
  t = null;
  claude = null;
});

const jobsDir = resolve(__dirname, '../../out/main/jobs');

async function until(what: string, fn: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function rig(host: 'cli' | 'server' = 'cli'): Promise<{ core: Core; claude: FakeAnthropic }> {
  const key = fakeKey();
  claude = await startFakeAnthropic({ apiKey: key });
  t = await openTestCore({ host, secrets: new EnvSecretStore({ BATON_SECRET_ANTHROPIC_API_KEY: key }, 'tests') });
  await t.core.call('settings.set', { key: 'ai.baseUrl', value: claude.url });
  await t.core.call('settings.set', { key: 'ai.maxRetries', value: 0 });
  // Claude plans nothing itself: the candidates follow by score with the action the learnings favour.
  claude.respond(() => ({ json: { decisions: [], notes: 'no changes' } }));
  return { core: t.core, claude };
}

const CANDIDATES = [
  { ref: 'kw:crm for plumbers', title: 'crm for plumbers', action: 'expand', alternatives: ['new-page'], score: 9, summary: 'position 8' },
  { ref: 'kw:invoice app', title: 'invoice app', action: 'expand', alternatives: ['new-page'], score: 7, summary: 'position 12' },
];

async function importMemories(core: Core): Promise<void> {
  const lines = ['Campaign ID,Campaign,Channel,Audience,Offer,Cost,Conversions,Revenue,Status'];
  for (let i = 0; i < 18; i++) {
    const good = i % 3 === 0;
    lines.push(good ? `m${i},Mail ${i},email,customers,bundle,${500 + i * 10},${20 + i},${2500 + i * 40},finished` : `m${i},Ads ${i},display,cold,discount,${1000 + i * 20},${5 + i},${700 + i * 15},finished`);
  }
  await core.call('growth.import', { kind: 'campaigns.memories', csv: lines.join('\n') });
}

describe('growth cycles', () => {
  it('every engine\'s cycle workflow installs (its nodes and params pass the import\'s validation)', async () => {
    const { core } = await rig();
    for (const engine of ENGINES) {
      await install(core, engine, false);
      expect((await core.call('workflows.get', { id: engineWorkflowId(engine) })).workflow).toMatchObject({ id: engineWorkflowId(engine), enabled: false });
    }
  });

  it('every engine\'s planning step recalls the learnings its own learning step writes (subject action:<x>)', async () => {
    const { core } = await rig();
    const now = core.now();
    // What each engine's learn node records: seo per change type, content per channel, links per opportunity type, campaigns per channel.
    const written: Record<(typeof ENGINES)[number], string> = { seo: 'action:expand', content: 'action:blog', links: 'action:resource_page', campaigns: 'action:email' };
    for (const engine of ENGINES) {
      const plan = engineWorkflow(engine, core).nodes.find((n) => n.type === 'growth.plan')!;
      const subject = (plan.params as { subject?: string }).subject;
      const l = growthStoreOf(core).addLearning({ engine, workflowId: null, runId: null, subject: written[engine], whatWorked: 'it worked', whatDidNot: '', confidence: 0.8, evidence: { runIds: [], deltas: [], score: 1 } as never, tags: ['action', written[engine].slice(7)], expiresAt: null }, new Date(now).toISOString());
      expect(growthStoreOf(core).recall(engine, subject, 10, now).map((x) => x.id), `${engine} plans with subject ${subject}`).toContain(l.id);
    }
  });

  it('a learning recorded in cycle N changes the plan of cycle N+1', async () => {
    const { core, claude } = await rig();
    await core.call('workflows.import', {
      definition: {
        id: 'seo-loop',
        name: 'SEO loop',
        trigger: { type: 'manual' },
        nodes: [
          { id: 'plan', type: 'growth.plan', params: { engine: 'seo', goal: 'Improve rankings', candidates: CANDIDATES } },
          {
            id: 'learn',
            type: 'agent.learn',
            params: { engine: 'seo', subject: 'action:expand', whatDidNot: '=input.lesson', confidence: 0.9, evidence: '=input.evidence' },
          },
        ],
        edges: [{ from: 'plan', to: 'learn' }],
      },
    });
    const engine = engineOf(core);
    const lesson = 'Expanding existing pages lost 4 positions on average after 28 days';

    const r1 = await core.call('runs.start', { workflow: 'seo-loop', input: { lesson, evidence: { score: -4, deltas: [{ ref: 'kw:crm for plumbers', metric: 'position', before: 8, after: 12, delta: -4 }] } } });
    await engine.drain();
    expect((await core.call('runs.get', { id: r1.runId })).status).toBe('succeeded');
    const p1 = (await core.call('plans.list', { engine: 'seo', items: true, limit: 10 })).plans[0]!;
    expect(p1.items!.map((i) => i.action)).toEqual(['expand', 'expand']);
    expect(p1.learningIds).toEqual([]);
    expect(claude.promptOf(0)).toContain('Nothing learned yet.');

    const learned = (await core.call('learnings.list', { engine: 'seo', limit: 10 })).learnings;
    expect(learned).toHaveLength(1);
    expect(learned[0]).toMatchObject({ subject: 'action:expand', whatDidNot: lesson, confidence: 0.9 });
    expect(learned[0]!.evidence).toMatchObject({ runIds: [r1.runId], score: -4 });

    const r2 = await core.call('runs.start', { workflow: 'seo-loop', input: { lesson: 'again', evidence: { score: -1 } } });
    await engine.drain();
    expect((await core.call('runs.get', { id: r2.runId })).status).toBe('succeeded');
    const p2 = (await core.call('plans.list', { engine: 'seo', items: true, limit: 10 })).plans[0]!;
    expect(p2.id).not.toBe(p1.id);
    // The lesson is in cycle N+1's planning prompt, and the plan follows it.
    expect(claude.promptOf(1)).toContain(lesson);
    expect(p2.learningIds).toEqual([learned[0]!.id]);
    expect(p2.items!.map((i) => i.action)).toEqual(['new-page', 'new-page']);
    expect(p2.items![0]!.reason).toContain('learned: "expand" measured -4.00');
    // The open items of cycle N were replaced.
    const old = (await core.call('plans.items', { planId: p1.id, limit: 10, offset: 0 })).items;
    expect(old.every((i) => i.status === 'dropped' && i.reason === `replaced by plan #${p2.id}`)).toBe(true);
  });

  it('the campaign engine runs a full cycle: phases recorded, an approval, campaigns launched citing their memories', async () => {
    const { core } = await rig();
    await importMemories(core);

    const { runId } = await core.call('growth.run', { engine: 'campaigns' });
    const engine = engineOf(core);
    await engine.drain();
    let st = (await core.call('growth.status', {})).engines.find((e) => e.engine === 'campaigns')!;
    expect(st).toMatchObject({ phase: 'EXECUTING', runId });
    const { approvals } = await core.call('approvals.list', {});
    expect(approvals).toHaveLength(1);
    const payload = approvals[0]!.payload as { campaigns: { id: string; sources: string[]; expectedRoi: number }[] };
    expect(payload.campaigns.length).toBeGreaterThan(0);
    // The best grounded recommendation (e-mail to customers) comes first and cites its memories.
    const first = payload.campaigns[0]!;
    expect(first.sources.length).toBeGreaterThanOrEqual(3);
    expect(first.sources.every((s) => /^m\d+$/.test(s) && Number(s.slice(1)) % 3 === 0)).toBe(true);
    // A second cycle cannot start while this one runs.
    const busy = await core.call('growth.run', { engine: 'campaigns' }).then(
      () => null,
      (e: unknown) => e as { code: string },
    );
    expect(busy?.code).toBe('conflict');

    await core.call('approvals.decide', { id: approvals[0]!.id, decision: 'approve' });
    await engine.drain();
    expect((await core.call('runs.get', { id: runId })).status).toBe('succeeded');
    st = (await core.call('growth.status', {})).engines.find((e) => e.engine === 'campaigns')!;
    expect(st.phase).toBe('IDLE');
    const phases = (await core.call('growth.phases', { engine: 'campaigns', limit: 20 })).transitions.filter((x) => x.runId === runId).reverse();
    expect(phases.map((x) => `${x.from}>${x.to}`)).toEqual(['IDLE>ANALYZING', 'ANALYZING>PLANNING', 'PLANNING>EXECUTING', 'EXECUTING>LEARNING', 'LEARNING>IDLE']);

    const running = await core.call('campaigns.list', { status: 'running', limit: 50, offset: 0 });
    expect(running.rows.map((c) => c.id).sort()).toEqual(payload.campaigns.map((c) => c.id).sort());
    const plan = (await core.call('plans.list', { engine: 'campaigns', items: true, limit: 1 })).plans[0]!;
    const done = plan.items!.filter((i) => i.status === 'done');
    expect(done).toHaveLength(payload.campaigns.length);
    expect(done.every((i) => (i.actual as { launched?: boolean }).launched === true)).toBe(true);
  });

  it('a cycle runs on the Bree worker pool (the built worker files): the growth nodes write from the workers', async () => {
    if (!existsSync(resolve(jobsDir, 'dispatcher.js'))) throw new Error('Build first (npx electron-vite build): this test runs the built worker files');
    const { core } = await rig('server');
    await importMemories(core);
    const engine = engineOf(core);
    engine.poolOptions = { jobsDir, workers: 2 };
    await engine.start('pool');
    const { runId } = await core.call('growth.run', { engine: 'campaigns' });
    await until('the approval', async () => (await core.call('approvals.list', {})).approvals.length === 1);
    expect((await core.call('growth.status', {})).engines.find((e) => e.engine === 'campaigns')).toMatchObject({ phase: 'EXECUTING', runId });
    const [a] = (await core.call('approvals.list', {})).approvals;
    await core.call('approvals.decide', { id: a!.id, decision: 'reject' });
    await until('the run to succeed', async () => (await core.call('runs.get', { id: runId })).status === 'succeeded');
    expect(engine.mode).toBe('pool');
    expect((await core.call('growth.status', {})).engines.find((e) => e.engine === 'campaigns')!.phase).toBe('IDLE');
    // Refused: the planned campaigns are stopped and their items dropped with the reason.
    const plan = (await core.call('plans.list', { engine: 'campaigns', items: true, limit: 1 })).plans[0]!;
    const executed = plan.items!.filter((i) => i.runId === runId);
    expect(executed.length).toBeGreaterThan(0);
    for (const i of executed) expect(i).toMatchObject({ status: 'dropped', reason: 'the launch was not approved (rejected)' });
    expect((await core.call('campaigns.list', { status: 'running', limit: 10, offset: 0 })).total).toBe(0);
  });
});
