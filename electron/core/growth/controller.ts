/**
 * The master controller (docs/growth.md, "Master controller"): start / stop an
 * engine or all, run a cycle now, priorities, the engines' live state (phase,
 * why the cycle waits, figures), the health view, and keeping the engine state
 * right when a cycle's run ends other than through its IDLE phase (failed,
 * cancelled).
 */
import { Cron } from 'croner';
import { ApiError } from '../../../shared/contract/base';
import { ENGINE_LABELS, ENGINES, engineOfWorkflow, engineWorkflowId, type Engine, type EngineState, type GrowthHealth } from '../../../shared/contract/growth';
import type { Core } from '../core';
import { engineCron, budgetOf } from './settings';
import { growthStoreOf, isEngine, DEFAULT_ORDER } from './store';
import { engineWorkflow, LINK_SEQUENCE_ID } from './workflows';

/** A phase (other than IDLE) held longer than this without its run waiting on something is "stuck". */
const STUCK_MS = 6 * 3_600_000;

const isoOf = (core: Core) => new Date(core.now()).toISOString();

function order(core: Core): Engine[] {
  const o = core.setting<Engine[] | null>('growth.priorities', null);
  return Array.isArray(o) && o.length === 4 ? o : [...DEFAULT_ORDER];
}

export function ensureEngines(core: Core): void {
  growthStoreOf(core).ensureEngines(order(core));
}

interface WfRow {
  id: string;
  enabled: number;
}

function workflowRow(core: Core, engine: Engine): WfRow | undefined {
  return core.db.prepare('SELECT id, enabled FROM workflows WHERE id = ?').get(engineWorkflowId(engine)) as WfRow | undefined;
}

/** The default outreach sequence of the link engine (when the setting names none and it does not exist yet). */
async function ensureLinkSequence(core: Core): Promise<void> {
  const configured = (core.setting<{ sequence?: string | null } | null>('growth.links', null) ?? {}).sequence;
  if (configured) return;
  if (core.db.prepare('SELECT 1 FROM sequences WHERE id = ?').get(LINK_SEQUENCE_ID)) return;
  await core.call('sequences.save', {
    id: LINK_SEQUENCE_ID,
    name: 'Growth: link outreach',
    steps: [
      {
        type: 'email',
        subject: 'A resource for your page {{ contact.custom.outreach_page | default: "" }}',
        text: 'Hi {{ contact.first_name | default: "there" }},\n\n{{ contact.custom.outreach_first_line }}\n\nWould it be useful to your readers? Happy to send details.\n\n{{ sender.name }}',
      },
      { type: 'wait', duration: '4d' },
      { type: 'email', subject: 'Re: a resource for your page', text: 'Hi {{ contact.first_name | default: "there" }},\n\nJust checking this reached you. No worries if the timing is wrong.\n\n{{ sender.name }}' },
    ],
  });
}

/** Install (or update) the engine's workflow; its schedule is on when `enable`. */
export async function install(core: Core, engine: Engine, enable: boolean): Promise<void> {
  if (engine === 'links') await ensureLinkSequence(core);
  await core.call('workflows.import', { definition: engineWorkflow(engine, core), enable });
  if (!enable && workflowRow(core, engine)?.enabled) await core.call('workflows.disable', { id: engineWorkflowId(engine) });
}

/** Start one cycle now. */
export async function runEngine(core: Core, engine: Engine): Promise<{ engine: Engine; runId: string }> {
  ensureEngines(core);
  const wf = workflowRow(core, engine);
  await install(core, engine, wf ? wf.enabled === 1 : false);
  const active = core.db.prepare(`SELECT id FROM runs WHERE workflow_id = ? AND parent_run_id IS NULL AND status IN ('queued','running','waiting') ORDER BY seq LIMIT 1`).get(engineWorkflowId(engine)) as { id: string } | undefined;
  if (active) throw new ApiError('conflict', `The ${ENGINE_LABELS[engine]} engine is already in a cycle (run ${active.id}); stop it first (growth.stop) or wait for it to end.`);
  const r = await core.call('runs.start', { workflow: engineWorkflowId(engine), input: { engine } });
  core.bus.emit('growth.changed', { engine, kind: 'run' });
  return { engine, runId: r.runId };
}

export async function start(core: Core, engine: Engine | undefined, run: boolean): Promise<{ started: { engine: Engine; runId: string | null }[] }> {
  ensureEngines(core);
  const store = growthStoreOf(core);
  const started: { engine: Engine; runId: string | null }[] = [];
  // Highest priority first: its first cycle starts first.
  const list = engine ? [engine] : store.engineRows().map((r) => r.engine).filter(isEngine);
  for (const e of list) {
    await install(core, e, true);
    store.setEnabled(e, true, isoOf(core));
    const active = core.db.prepare(`SELECT id FROM runs WHERE workflow_id = ? AND parent_run_id IS NULL AND status IN ('queued','running','waiting') LIMIT 1`).get(engineWorkflowId(e)) as { id: string } | undefined;
    started.push({ engine: e, runId: run && !active ? (await core.call('runs.start', { workflow: engineWorkflowId(e), input: { engine: e } })).runId : (active?.id ?? null) });
  }
  core.bus.emit('growth.changed', { engine: engine ?? null, kind: 'start' });
  return { started };
}

export async function stop(core: Core, engine: Engine | undefined): Promise<{ stopped: Engine[]; cancelledRuns: number }> {
  ensureEngines(core);
  const store = growthStoreOf(core);
  const list = engine ? [engine] : [...ENGINES];
  let cancelled = 0;
  for (const e of list) {
    const wf = workflowRow(core, e);
    if (wf?.enabled) await core.call('workflows.disable', { id: engineWorkflowId(e) });
    const active = core.db.prepare(`SELECT id FROM runs WHERE workflow_id = ? AND parent_run_id IS NULL AND status IN ('queued','running','waiting')`).all(engineWorkflowId(e)) as { id: string }[];
    for (const r of active) {
      await core.call('runs.cancel', { id: r.id });
      cancelled++;
    }
    core.db.transaction(() => {
      store.setEnabled(e, false, isoOf(core));
      store.setPhase(e, 'IDLE', null, isoOf(core), 'stopped', 'stopped');
      core.db.prepare('DELETE FROM growth_locks WHERE engine = ?').run(e);
    })();
  }
  core.bus.emit('growth.changed', { engine: engine ?? null, kind: 'stop' });
  return { stopped: list, cancelledRuns: cancelled };
}

export function setPriorities(core: Core, o: Engine[]): { engines: { engine: Engine; priority: number }[] } {
  ensureEngines(core);
  core.setSetting('growth.priorities', o);
  growthStoreOf(core).setPriorities(o, isoOf(core));
  core.bus.emit('growth.changed', { engine: null, kind: 'priorities' });
  return { engines: o.map((engine, i) => ({ engine, priority: i + 1 })) };
}

/**
 * A cycle whose run ended without reaching its IDLE phase (failed, cancelled,
 * timed out): the engine goes back to IDLE with the run's status, and its locks
 * are released. Called on run.updated and before the state is read.
 */
export function settleFinishedCycles(core: Core): void {
  const store = growthStoreOf(core);
  for (const r of store.engineRows()) {
    if (!r.run_id || !isEngine(r.engine)) continue;
    const run = core.db.prepare('SELECT status, error FROM runs WHERE id = ?').get(r.run_id) as { status: string; error: string | null } | undefined;
    if (run && ['queued', 'running', 'waiting'].includes(run.status)) continue;
    const status = run?.status ?? 'missing';
    let note = `the cycle's run ${status}`;
    if (run?.error) {
      try {
        note += `: ${(JSON.parse(run.error) as { message?: string }).message ?? ''}`.slice(0, 400);
      } catch {
        /* the note without the message */
      }
    }
    const engine = r.engine;
    core.db.transaction(() => {
      store.setPhase(engine, 'IDLE', r.run_id, isoOf(core), note, status);
      core.db.prepare('DELETE FROM growth_locks WHERE engine = ?').run(engine);
    })();
    core.bus.emit('growth.changed', { engine, kind: 'phase' });
  }
}

/** Why the engine's cycle waits: the waiting steps of its run and of the run's children (forEach items). */
function waitingReason(core: Core, runId: string | null): string | null {
  if (!runId) return null;
  const rows = core.db
    .prepare(
      `WITH RECURSIVE tree(id) AS (SELECT ? UNION ALL SELECT r.id FROM runs r JOIN tree t ON r.parent_run_id = t.id)
       SELECT s.node_id, s.waiting_for FROM steps s JOIN tree t ON s.run_id = t.id WHERE s.status = 'waiting' AND s.waiting_for IS NOT NULL AND s.waiting_for NOT LIKE '% items' ORDER BY s.id LIMIT 3`,
    )
    .all(runId) as { node_id: string; waiting_for: string }[];
  if (!rows.length) return null;
  return rows.map((r) => `${r.node_id}: ${r.waiting_for}`).join('; ');
}

function nextRunAt(core: Core, engine: Engine, enabled: boolean): string | null {
  if (!enabled) return null;
  try {
    const tz = String(core.setting<string | null>('email.timeZone', null) ?? 'UTC');
    const next = new Cron(engineCron(core, engine), { paused: true, timezone: tz }).nextRun(new Date(core.now()));
    return next ? next.toISOString() : null;
  } catch {
    return null;
  }
}

export function engineStates(core: Core): EngineState[] {
  ensureEngines(core);
  settleFinishedCycles(core);
  const store = growthStoreOf(core);
  return store
    .engineRows()
    .filter((r) => isEngine(r.engine))
    .map((r) => {
      const engine = r.engine as Engine;
      const wf = workflowRow(core, engine);
      const enabled = !!wf?.enabled && r.enabled === 1;
      return store.engineState(engine, { enabled, waiting: waitingReason(core, r.run_id), nextRunAt: nextRunAt(core, engine, enabled) });
    });
}

export function status(core: Core) {
  const engines = engineStates(core);
  return { engines, budget: budgetOf(core, core.now()), locks: growthStoreOf(core).locks(isoOf(core)) };
}

export function health(core: Core): GrowthHealth {
  const engines = engineStates(core);
  const issues: GrowthHealth['issues'] = [];
  const since = new Date(core.now() - 7 * 86_400_000).toISOString();
  const ids = ENGINES.map(engineWorkflowId);
  const marks = ids.map(() => '?').join(', ');
  const failed = core.db
    .prepare(`SELECT id, workflow_id, error, finished_at FROM runs WHERE workflow_id IN (${marks}) AND parent_run_id IS NULL AND status = 'failed' AND finished_at >= ? ORDER BY finished_at DESC`)
    .all(...ids, since) as { id: string; workflow_id: string; error: string | null }[];
  const ok = (core.db.prepare(`SELECT COUNT(*) AS n FROM runs WHERE workflow_id IN (${marks}) AND parent_run_id IS NULL AND status = 'succeeded' AND finished_at >= ?`).get(...ids, since) as { n: number }).n;
  for (const f of failed.slice(0, 10)) {
    let msg = 'failed';
    try {
      msg = (JSON.parse(f.error ?? '{}') as { message?: string }).message ?? msg;
    } catch {
      /* keep "failed" */
    }
    issues.push({ engine: engineOfWorkflow(f.workflow_id), kind: 'failure', severity: 'warning', message: `A cycle failed: ${msg}`.slice(0, 500), runId: f.id });
  }
  for (const e of engines) {
    if (e.phase === 'IDLE') continue;
    const held = core.now() - Date.parse(e.since);
    if (e.waiting) issues.push({ engine: e.engine, kind: 'waiting', severity: 'info', message: `${e.label} waits in ${e.phase}: ${e.waiting}`.slice(0, 600), runId: e.runId });
    else if (held > STUCK_MS) issues.push({ engine: e.engine, kind: 'stuck', severity: 'warning', message: `${e.label} has been in ${e.phase} for ${Math.round(held / 3_600_000)} h without waiting on anything`, runId: e.runId });
  }
  const budget = budgetOf(core, core.now());
  if (budget.capUsd !== null && budget.capUsd > 0) {
    const used = budget.spentUsd / budget.capUsd;
    if (used >= 1) issues.push({ engine: null, kind: 'budget', severity: 'critical', message: `The growth budget is used up: $${budget.spentUsd} of $${budget.capUsd} in ${budget.month} (setting growth.budget).`, runId: null });
    else if (used >= 0.8) issues.push({ engine: null, kind: 'budget', severity: 'warning', message: `The growth budget is ${Math.round(used * 100)} % used: $${budget.spentUsd} of $${budget.capUsd} in ${budget.month}.`, runId: null });
  }
  for (const s of core.db.prepare(`SELECT name, url, last_error FROM growth_sources WHERE status = 'failing'`).all() as { name: string; url: string | null; last_error: string | null }[]) {
    issues.push({ engine: 'content', kind: 'source', severity: 'warning', message: `Trend source "${s.name}" is failing: ${s.last_error ?? 'unknown error'}`.slice(0, 500), runId: null });
  }
  return { ok: !issues.some((i) => i.severity !== 'info'), issues, failedRuns7d: failed.length, succeededRuns7d: ok, budget };
}
