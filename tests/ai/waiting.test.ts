/**
 * AI steps that wait for the Anthropic key or for budget: visible (ai.waiting),
 * never released silently by saving the key (ai.release run | discard), and,
 * once released, held to the daily cap however many run at once. The real
 * engine (main-thread executor, fake clock) and the real Anthropic SDK against
 * the local fake Messages API.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { DEFAULT_PRICES } from '../../electron/core/ai/env';
import { maxCostOf } from '../../electron/core/ai/ledger';
import { engineOf, type Engine } from '../../electron/core/engine';
import { EnvSecretStore } from '../../electron/core/secrets';
import type { WorkflowDefinitionInput } from '../../shared/contract/workflow';
import { openTestCore } from '../helpers';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic';
import { fakeKey } from './setup';

interface Rig {
  core: Core;
  engine: Engine;
  claude: FakeAnthropic;
  env: NodeJS.ProcessEnv;
  clock: { now: number };
  close(): Promise<void>;
}

async function rig(withKey: boolean): Promise<Rig> {
  const key = fakeKey();
  const claude = await startFakeAnthropic({ apiKey: key });
  const env: NodeJS.ProcessEnv = withKey ? { BATON_SECRET_ANTHROPIC_API_KEY: key } : {};
  const t = await openTestCore({ secrets: new EnvSecretStore(env, 'tests') });
  const engine = engineOf(t.core);
  const clock = { now: Date.parse('2026-03-02T09:00:00Z') };
  engine.clock = () => clock.now;
  t.core.setSetting('ai.baseUrl', claude.url);
  t.core.setSetting('ai.maxRetries', 0);
  return {
    core: t.core,
    engine,
    claude,
    env,
    clock,
    close: async () => {
      await claude.close();
      await t.cleanup();
    },
  };
}

/** Give the key as `secrets.set` does: the store has it, secrets.changed is announced. */
function storeKey(r: Rig): void {
  r.env.BATON_SECRET_ANTHROPIC_API_KEY = fakeKey();
  r.core.bus.emit('secrets.changed', { names: ['ANTHROPIC_API_KEY'] });
}

const hello: WorkflowDefinitionInput = {
  id: 'hello',
  name: 'Say hello',
  nodes: [{ id: 'write', type: 'ai.generate', params: { prompt: 'Say hello to the reader.', maxTokens: 50, brand: false } }],
  edges: [],
};

async function startRuns(r: Rig, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await r.core.call('runs.start', { workflow: 'hello', input: {} })).runId);
  await r.engine.drain();
  return ids;
}
const statuses = async (r: Rig, ids: string[]) => {
  const out: Record<string, number> = {};
  for (const id of ids) {
    const s = (await r.core.call('runs.get', { id })).status;
    out[s] = (out[s] ?? 0) + 1;
  }
  return out;
};
const count = (r: Rig, sql: string, ...args: unknown[]) => (r.core.db.prepare(sql).get(...args) as { n: number }).n;

describe('AI steps waiting for the key', () => {
  let r: Rig;
  afterEach(async () => r?.close());

  it('saving the key releases nothing, not even at the old hourly re-check; ai.release run lets them call Claude', async () => {
    r = await rig(false);
    r.claude.respond(() => ({ text: 'Hello!', usage: { input_tokens: 100, output_tokens: 10 } }));
    await r.core.call('workflows.import', { definition: hello });
    const ids = await startRuns(r, 3);
    expect(await statuses(r, ids)).toEqual({ waiting: 3 });
    expect(await r.core.call('ai.waiting', {})).toEqual({ key: 3, budget: 0, keyPresent: false, decisionNeeded: false, workflows: [{ id: 'hello', name: 'Say hello', key: 3, budget: 0 }] });
    await expect(r.core.call('ai.release', { action: 'run' })).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('No Anthropic key is stored') });
    const step = (await r.core.call('runs.get', { id: ids[0]! })).steps[0]!;
    expect(step.waitingFor).toMatch(/add your Anthropic key in Settings.*you choose whether the waiting AI steps run/);

    storeKey(r);
    await r.engine.drain();
    r.clock.now += 2 * 3_600_000; // past the hourly re-check the steps used to have
    await r.engine.drain();
    expect(await statuses(r, ids)).toEqual({ waiting: 3 });
    expect(r.claude.requests).toHaveLength(0);
    expect(await r.core.call('ai.waiting', {})).toMatchObject({ key: 3, keyPresent: true, decisionNeeded: true });

    expect(await r.core.call('ai.release', { action: 'run' })).toEqual({ action: 'run', steps: 3, runsCancelled: 0, message: '3 AI step(s) run now, under the daily cap.' });
    await r.engine.drain();
    expect(await statuses(r, ids)).toEqual({ succeeded: 3 });
    expect(r.claude.requests).toHaveLength(3);
    expect(await r.core.call('ai.waiting', {})).toMatchObject({ key: 0, budget: 0, decisionNeeded: false });
  });

  it('ai.release discard cancels the waiting runs with the reason; nothing is sent', async () => {
    r = await rig(false);
    await r.core.call('workflows.import', { definition: hello });
    const ids = await startRuns(r, 2);
    storeKey(r);
    await expect(r.core.call('ai.release', { action: 'later' } as never)).rejects.toMatchObject({ code: 'invalid_input', issues: [expect.objectContaining({ path: 'action' })] });
    expect(await r.core.call('ai.release', { action: 'discard' })).toMatchObject({ action: 'discard', steps: 2, runsCancelled: 2 });
    for (const id of ids) {
      const run = await r.core.call('runs.get', { id });
      expect(run.status).toBe('cancelled');
      expect(run.error).toMatchObject({ code: 'ai_discarded', message: expect.stringContaining('discarded when the key was saved') });
    }
    await r.engine.drain();
    expect(r.claude.requests).toHaveLength(0);
    expect((await r.core.call('ai.waiting', {})).key).toBe(0);
  });

  it('no decision before ai.keyWaitHours: the step fails saying nobody chose to run it', async () => {
    r = await rig(false);
    r.core.setSetting('ai.keyWaitHours', 2);
    await r.core.call('workflows.import', { definition: hello });
    const [id] = await startRuns(r, 1);
    storeKey(r);
    r.clock.now += 2 * 3_600_000 + 1000;
    await r.engine.drain();
    const run = await r.core.call('runs.get', { id: id! });
    expect(run.status).toBe('failed');
    expect(run.steps[0]!.error?.message).toMatch(/key is stored, but nobody chose to run.*Waited 2 h/);
    expect(r.claude.requests).toHaveLength(0);
  });
});

describe('released AI steps run under the daily cap', () => {
  let r: Rig;
  afterEach(async () => r?.close());

  it('50 waiting steps released with a cap that allows 10: 10 run, 40 wait for budget, nothing is spent beyond the cap; a critical pinned escalation stays on top', async () => {
    r = await rig(true);
    r.claude.respond(() => ({ text: 'Hello!', usage: { input_tokens: 10, output_tokens: 5 } }));
    await r.core.call('workflows.import', { definition: hello });
    // One probe run shows the request every run makes, and so its largest possible cost.
    await startRuns(r, 1);
    const probeCost = (10 * 3 + 5 * 15) / 1e6;
    const probe = r.claude.requests[0]!.body;
    const most = maxCostOf(DEFAULT_PRICES, probe.model, { system: probe.system as string, messages: probe.messages }, probe.max_tokens);
    // The released calls are answered with the whole max_tokens and 85 % of the largest input.
    const usage = { input_tokens: Math.floor((0.85 * (most - probe.max_tokens * 15e-6)) / 3e-6), output_tokens: probe.max_tokens };
    const actual = (usage.input_tokens * 3 + usage.output_tokens * 15) / 1e6;
    r.claude.respond(() => ({ text: 'Hello!', usage }));
    expect(most).toBeGreaterThan(actual);

    delete r.env.BATON_SECRET_ANTHROPIC_API_KEY;
    const ids = await startRuns(r, 50);
    expect((await r.core.call('ai.waiting', {})).key).toBe(50);
    storeKey(r);
    // Room for 10 more calls: the 10th starts with actual*9 spent (+ its largest cost), an 11th would not fit.
    const cap = probeCost + 9.5 * actual + most;
    r.core.setSetting('ai.dailyCapUsd', cap);
    expect((await r.core.call('ai.release', { action: 'run' })).steps).toBe(50);
    // Steps held back by calls in flight try again 10 s later: let the fake clock move until nothing changes.
    for (let i = 0; i < 30; i++) {
      await r.engine.drain();
      if (count(r, `SELECT COUNT(*) AS n FROM steps WHERE status = 'waiting' AND waiting_for LIKE 'Waiting for AI budget: calls in flight%'`) === 0) break;
      r.clock.now += 11_000;
    }
    expect(await statuses(r, ids)).toEqual({ succeeded: 10, waiting: 40 });
    expect(r.claude.requests).toHaveLength(11);
    expect(await r.core.call('ai.waiting', {})).toMatchObject({ key: 0, budget: 40 });
    const stopped = count(r, `SELECT COUNT(*) AS n FROM steps WHERE status = 'waiting' AND wait_event = 'ai.budget' AND waiting_for LIKE 'The AI daily spend cap is reached%'`);
    expect(stopped).toBe(40);
    const spent = (await r.core.call('ai.usage', {})).totals.costUsd;
    expect(spent).toBeLessThanOrEqual(cap);
    expect(spent).toBeCloseTo(probeCost + 10 * actual, 6);
    expect(count(r, 'SELECT COUNT(*) AS n FROM ai_reservations')).toBe(0);

    // One warning at 80 %, one critical at 100 % that stays pinned on top of many newer escalations.
    const all = (await r.core.call('escalations.list', { limit: 100 })).escalations;
    expect(all.filter((e) => e.title.startsWith('AI spend at'))).toMatchObject([{ severity: 'warning', pinned: false }]);
    const critical = all.filter((e) => e.severity === 'critical');
    expect(critical).toMatchObject([{ title: 'AI daily spend cap reached: AI steps stopped', pinned: true, acknowledgedAt: null }]);
    expect(critical[0]!.detail).toMatch(/stays pinned until you acknowledge it/);
    for (let i = 0; i < 30; i++) r.engine.store.raiseEscalation({ severity: 'warning', title: `Something else ${i}`, detail: 'newer', key: `other:${i}` });
    const open = await r.core.call('escalations.list', { acknowledged: false, limit: 20 });
    expect(open.escalations[0]).toMatchObject({ id: critical[0]!.id, pinned: true });
    expect(open.escalations).toHaveLength(20);
    await r.core.call('escalations.acknowledge', { id: critical[0]!.id });
    expect((await r.core.call('escalations.list', { acknowledged: false, limit: 20 })).escalations.map((e) => e.id)).not.toContain(critical[0]!.id);

    // A higher cap (settings.set) wakes the steps waiting for budget.
    await r.core.call('settings.set', { key: 'ai.dailyCapUsd', value: 10 });
    await r.engine.drain();
    expect(await statuses(r, ids)).toEqual({ succeeded: 50 });
    expect(r.claude.requests).toHaveLength(51);
  });
});
