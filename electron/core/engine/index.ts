/**
 * The workflow engine (docs/engine.md). Public surface for the other domains:
 * registerEngine (the domain), startRun, publishEvent, validateWorkflow,
 * defineNode and the node context types, engineOf (tests, hosts).
 */
import type { RunTrigger } from '../../../shared/api';
import type { Core } from '../core';
import { engineHandlers } from '../api/engine';
import { Engine } from './engine';

export { defineNode, NodeError, type NodeContext, type NodeDef, type NodeResult, type Suspend, type Resume } from './registry';
export { validateWorkflow, type ValidationResult } from './validate';
export { ExpressionError, compileExpression } from './expr';
export { Engine } from './engine';
export { importWorkflow, workflowJsonSchema } from './workflows';

const engines = new WeakMap<Core, Engine>();

/** The engine of a core (registered by registerEngine). */
export function engineOf(core: Core): Engine {
  const e = engines.get(core);
  if (!e) throw new Error('The engine domain is not registered on this core (add registerEngine to DOMAINS).');
  return e;
}

/**
 * The engine domain: operations, and the "engine" service that executes runs
 * (a Bree worker pool under `baton serve` and Electron; nothing in one-shot CLI
 * commands, whose runs are picked up by a running host, or by `--wait`).
 */
export function registerEngine(core: Core): void {
  const engine = new Engine(core);
  engines.set(core, engine);
  core.register(engineHandlers(core, engine));
  core.addService({
    name: 'engine',
    start: () => engine.start(core.opts.host === 'cli' ? 'inline' : 'pool'),
    stop: () => engine.stop(),
  });
  core.onClose(() => engine.stop());
}

export interface StartRunInput {
  /** Workflow id (slug). */
  workflow: string;
  input?: unknown;
  trigger?: RunTrigger;
  idempotencyKey?: string;
  subject?: string | null;
}

/** Start a run (durably: the run and its first steps are committed before this returns). */
export async function startRun(core: Core, o: StartRunInput): Promise<{ runId: string; deduplicated: boolean; status: string }> {
  return engineOf(core).startRun({
    workflow: o.workflow,
    input: o.input ?? {},
    trigger: o.trigger ?? { type: 'api' },
    ...(o.idempotencyKey ? { idempotencyKey: o.idempotencyKey } : {}),
    ...(o.subject ? { subject: o.subject } : {}),
  });
}

/**
 * Append a domain event to the events table. Enabled workflows with a matching
 * event trigger start, and runs waiting for it resume (the dispatcher works
 * from the table, so an event is never lost nor handled twice). Synchronous
 * write: safe to call inside another domain's transaction via
 * `engineOf(core).store.insertEvent`.
 */
export async function publishEvent(core: Core, e: { type: string; data?: unknown; subject?: { type: string; id: string } }): Promise<{ eventId: number; startedRuns: string[]; resumedSteps: number }> {
  const engine = engineOf(core);
  const eventId = engine.publish(e.type, e.data ?? null, e.subject);
  const d = await engine.dispatchEvents();
  return { eventId, startedRuns: d.startedRuns, resumedSteps: d.resumedSteps };
}
