/**
 * Fuzz: 1,000 seeded mutations of the shipped templates. Each one is either
 * rejected with issues that name a path and a rule (and the store is left
 * unchanged), or accepted and then run by the real engine on a fake clock to a
 * terminal state: succeeded, or failed with an error message. The engine never
 * throws out of validate/import/run, and nothing is left running.
 */
import { threadNodes } from '../../electron/core/nodes';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api';
import type { Core } from '../../electron/core/core';
import { engineOf, validateWorkflow } from '../../electron/core/engine';
import { openTestCore } from '../helpers';
import { startSink, type Sink } from './crash-sink';
import { mutate, prng } from './fuzz-mutate';

const NODES = threadNodes();

const N = 1000;
const SEED = Number(process.env.FUZZ_SEED ?? 20251122);

let core: Core;
let cleanup: () => Promise<void>;
let sink: Sink;
const uncaught: unknown[] = [];
const onUncaught = (e: unknown) => uncaught.push(e);

beforeAll(async () => {
  sink = await startSink();
  const t = await openTestCore();
  core = t.core;
  cleanup = t.cleanup;
  // What the templates bring (the nurture sequence, their forms and segments), as installing them does.
  const { templates: shipped } = await core.call('templates.list', {});
  await core.call('templates.install', { ids: shipped.map((x) => x.id) });
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
});
afterAll(async () => {
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
  await cleanup?.();
  await sink?.close();
});

function templates(sinkUrl: string): unknown[] {
  return readdirSync('resources/templates')
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const text = readFileSync(`resources/templates/${f}`, 'utf8').replace(/https:\/\/[a-z.]+\.example\.com/g, sinkUrl);
      // The workflow without the block only the template installer reads.
      const { template: _block, ...workflow } = JSON.parse(text) as Record<string, unknown>;
      return workflow;
    });
}

const count = (sql: string) => (core.db.prepare(sql).get() as { n: number }).n;

/** Drive a run to a terminal state on the engine's fake clock: approve approvals, jump to due timers. */
async function drive(runId: string): Promise<string> {
  const engine = engineOf(core);
  for (let i = 0; i < 60; i++) {
    await engine.drain(200);
    const run = await core.call('runs.get', { id: runId });
    if (['succeeded', 'failed', 'cancelled'].includes(run.status)) return run.status;
    // Every pending approval belongs to this run (earlier runs all ended).
    const pending = (await core.call('approvals.list', { limit: 1000 })).approvals;
    if (pending.length) {
      for (const a of pending) await core.call('approvals.decide', { id: a.id, decision: i % 2 ? 'reject' : 'approve', by: 'fuzz' });
      continue;
    }
    const next = engine.store.nextTimerAt();
    if (next !== null) {
      const at = Math.max(next, engine.now()) + 1;
      engine.clock = () => at;
      continue;
    }
    // Waiting for an event that nobody sends (e.g. a wait whose timeout was deleted): cancel cleanly.
    const c = await core.call('runs.cancel', { id: runId });
    return c.status;
  }
  return (await core.call('runs.get', { id: runId })).status;
}

describe('fuzz: mutated definitions', () => {
  it(`${N} mutated definitions are rejected with a message, or run to a clean end`, async () => {
    let t0 = Date.parse('2025-06-01T08:00:00Z');
    engineOf(core).clock = () => t0;
    const bases = templates(sink.url);
    expect(bases.length).toBeGreaterThanOrEqual(4);
    const rnd = prng(SEED);
    const tally = { rejected: 0, accepted: 0, succeeded: 0, failed: 0, cancelled: 0 };
    const problems: string[] = [];
    for (let i = 0; i < N; i++) {
      const { def, applied } = mutate(bases[i % bases.length], rnd);
      const where = `#${i} (seed ${SEED}, ${applied.join('+')})`;
      let v: ReturnType<typeof validateWorkflow>;
      try {
        v = validateWorkflow(def, { nodes: NODES, env: core });
      } catch (e) {
        problems.push(`${where}: validateWorkflow threw ${(e as Error).stack}`);
        continue;
      }
      for (const iss of v.issues) {
        if (typeof iss.path !== 'string' || !iss.path || typeof iss.message !== 'string' || iss.message.length < 5) problems.push(`${where}: vague issue ${JSON.stringify(iss)}`);
      }
      const versionsBefore = count('SELECT COUNT(*) AS n FROM workflow_versions');
      let imported: { id: string; version: number } | null = null;
      try {
        imported = await core.call('workflows.import', { definition: def, enable: true });
      } catch (e) {
        if (!(e instanceof ApiError) || !['invalid_input', 'conflict'].includes(e.code) || e.message.length < 10) {
          problems.push(`${where}: import failed badly: ${(e as Error).stack?.slice(0, 500)}`);
        }
        if (count('SELECT COUNT(*) AS n FROM workflow_versions') !== versionsBefore) problems.push(`${where}: a rejected import changed the store`);
        if (v.ok && !(e instanceof ApiError && e.code === 'conflict')) problems.push(`${where}: valid but import refused: ${(e as Error).message}`);
        tally.rejected++;
        continue;
      }
      if (!v.ok) problems.push(`${where}: invalid (${JSON.stringify(v.issues).slice(0, 300)}) but import accepted`);
      tally.accepted++;
      let runId: string;
      try {
        runId = (await core.call('runs.start', { workflow: imported.id, input: { email: `lead${i}@example.com`, name: 'Fuzz', score: i % 12, body: { email: `x${i}@y.z` }, fireAt: new Date(t0).toISOString(), late: false } })).runId;
      } catch (e) {
        problems.push(`${where}: runs.start threw ${(e as Error).stack?.slice(0, 500)}`);
        continue;
      }
      let status: string;
      try {
        status = await drive(runId);
      } catch (e) {
        problems.push(`${where}: driving the run threw ${(e as Error).stack?.slice(0, 500)}`);
        continue;
      }
      if (status === 'succeeded') tally.succeeded++;
      else if (status === 'cancelled') tally.cancelled++;
      else if (status === 'failed') {
        tally.failed++;
        const run = await core.call('runs.get', { id: runId });
        if (!run.error?.message) problems.push(`${where}: failed without an error message`);
      } else problems.push(`${where}: run left ${status}`);
      t0 = engineOf(core).now() + 1000;
      engineOf(core).clock = () => t0;
    }
    console.log(`fuzz seed ${SEED}:`, tally, `sink deliveries ${sink.stats().raw}`);
    expect(problems.slice(0, 20)).toEqual([]);
    expect(uncaught).toEqual([]);
    expect(tally.rejected + tally.accepted).toBe(N);
    // The mix must exercise both halves.
    expect(tally.rejected).toBeGreaterThan(N / 4);
    expect(tally.accepted).toBeGreaterThan(N / 20);
    // Nothing is left running or stuck.
    expect(count(`SELECT COUNT(*) AS n FROM runs WHERE status IN ('queued','running')`)).toBe(0);
  }, 240_000);
});
