import type { Core } from '../../electron/core/core';
import { engineOf, type Engine } from '../../electron/core/engine';
import type { WorkflowDefinitionInput } from '../../shared/contract/workflow';
import { openTestCore } from '../helpers';

export interface EngineHarness {
  core: Core;
  engine: Engine;
  dir: string;
  /** Fake clock (ms). */
  clock: { now: number; advance(ms: number): void };
  cleanup(): Promise<void>;
  importWf(def: WorkflowDefinitionInput): Promise<void>;
  /** Start a run and drain the main-thread executor. */
  run(workflow: string, input?: unknown): Promise<string>;
  drain(): Promise<number>;
  detail(id: string): ReturnType<Core['call']> extends Promise<infer _> ? Promise<import('../../shared/api').RunDetail> : never;
}

export async function harness(opts: { dataDir?: string } = {}): Promise<EngineHarness> {
  const t = await openTestCore(opts.dataDir ? { dataDir: opts.dataDir } : {});
  const engine = engineOf(t.core);
  const clock = {
    now: Date.parse('2025-03-01T09:00:00Z'),
    advance(ms: number) {
      this.now += ms;
    },
  };
  engine.clock = () => clock.now;
  const h: EngineHarness = {
    core: t.core,
    engine,
    dir: t.dir,
    clock,
    cleanup: t.cleanup,
    async importWf(def) {
      await t.core.call('workflows.import', { definition: def });
    },
    async run(workflow, input = {}) {
      const { runId } = await t.core.call('runs.start', { workflow, input });
      await engine.drain();
      return runId;
    },
    drain: () => engine.drain(),
    detail: ((id: string) => t.core.call('runs.get', { id })) as EngineHarness['detail'],
  };
  return h;
}

/** A workflow definition with a manual trigger. */
export function wf(id: string, nodes: WorkflowDefinitionInput['nodes'], edges: WorkflowDefinitionInput['edges'] = [], extra: Partial<WorkflowDefinitionInput> = {}): WorkflowDefinitionInput {
  return { id, name: id, nodes, edges, ...extra };
}
