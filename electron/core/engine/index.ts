/**
 * The workflow engine (docs/engine.md): the kernel every domain builds on.
 * Public surface for the domains: the engine domain (operations, generic
 * nodes, the "engine" service), the ENGINE host service, startRun,
 * publishEvent, validateWorkflow, defineNode and the node context types.
 * The engine imports no domain: it knows node and event types only through
 * the core's registry (electron/core/domain.ts).
 */
import { engineEventTypes, engineOps, type RunTrigger } from '../../../shared/api';
import type { Core } from '../core';
import { defineDomain } from '../domain';
import { hostService, type ThreadEnv } from '../env';
import { engineHandlers } from './api';
import { editorHandlers } from './editor';
import { Engine } from './engine';
import { ENGINE_NODES } from './nodes';
import { RunAnswers } from './respond';

export { defineNode, NodeError, NodeRegistry, type NodeContext, type NodeDef, type NodeResult, type Suspend, type Resume } from './registry';
export { validateWorkflow, type ValidationResult } from './validate';
export { ExpressionError, compileExpression } from './expr';
export { Engine } from './engine';
export { importWorkflow, workflowJsonSchema } from './workflows';
export { ENGINE_NODES } from './nodes';

/** The engine of a host (main thread only). */
export const ENGINE = hostService<Engine>('engine');

/** The answers of runs to the callers waiting on them (webhooks in lastNode/respondNode mode, forms). */
export const RUN_ANSWERS = hostService<RunAnswers>('runAnswers');
export { RunAnswers, answerToPublic, responseToPublic, type RunAnswer } from './respond';

/** The engine of a core. */
export function engineOf(env: Pick<ThreadEnv, 'get'>): Engine {
  return env.get(ENGINE);
}

/**
 * The engine domain: operations, the generic node types, and the "engine"
 * service that executes runs (a Bree worker pool under `baton serve` and
 * Electron; nothing in one-shot CLI commands, whose runs are picked up by a
 * running host, or by `--wait`).
 */
export const engineDomain = defineDomain({
  id: 'engine',
  description: 'Workflows, runs, steps, approvals and escalations; the generic nodes.',
  ops: engineOps,
  events: engineEventTypes,
  nodes: ENGINE_NODES,
  settings: ['engine.subworkflowDepth', 'engine.maxStepOutputBytes', 'engine.stepTimeout', 'engine.workerHeapMb', 'engine.paused', 'engine.workers', 'engine.pruneDays'],
  create(core) {
    const engine = new Engine(core);
    core.provide(ENGINE, engine);
    const answers = new RunAnswers(core.db, core.bus, () => engine.dispatchEvents());
    core.provide(RUN_ANSWERS, answers);
    // Rows appended by any domain of this process are dispatched now, not at the next heartbeat
    // (one-shot CLI commands leave them to the running host).
    // Appends of one turn of the event loop (a burst of form posts, the workers' messages) share one
    // dispatch pass: one read of the backlog and one transaction starting their runs, not one per append.
    let queued = false;
    core.onEventsAppended(() => {
      if (!core.isStarted || queued) return;
      queued = true;
      setImmediate(() => {
        queued = false;
        if (!core.isStarted) return;
        void engine.dispatchEvents().catch((e: unknown) => core.log.error('event dispatch failed', { error: e as Error }));
      });
    });
    return {
      handlers: { ...engineHandlers(core, engine), ...editorHandlers(core, engine) },
      services: [{ name: 'engine', start: () => engine.start(core.opts.host === 'cli' ? 'inline' : 'pool'), stop: () => engine.stop() }],
      onClose: () => {
        answers.close();
        return engine.stop();
      },
    };
  },
});

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
 * from the table, so an event is never lost nor handled twice).
 */
export async function publishEvent(core: Core, e: { type: string; data?: unknown; subject?: { type: string; id: string } }): Promise<{ eventId: number; startedRuns: string[]; resumedSteps: number }> {
  const engine = engineOf(core);
  const eventId = engine.publish(e.type, e.data ?? null, e.subject);
  const d = await engine.dispatchEvents();
  return { eventId, startedRuns: d.startedRuns, resumedSteps: d.resumedSteps };
}
