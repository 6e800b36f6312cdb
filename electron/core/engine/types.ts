/**
 * The engine's records as the executor, the state machine (advance.ts) and the
 * repository (repo/) share them. Pure types: no code, no imports with effects.
 */
import type { EventName, RunError, RunStatus, RunTrigger } from '../../../shared/api';
import type { Resume, Suspend } from './registry';

export type Emit = (name: EventName, payload: unknown) => void;

export interface StartRunOptions {
  workflow: string;
  input?: unknown;
  trigger?: RunTrigger;
  idempotencyKey?: string | undefined;
  subject?: string | null | undefined;
  parentRunId?: string;
  parentStepId?: number;
  /** forEach body runs: the body path and the parent's version. */
  scope?: string;
  version?: number;
}
export interface StartRunResult {
  runId: string;
  deduplicated: boolean;
  status: RunStatus;
}

/** Immutable facts of a run, cached by executors. */
export interface RunInfo {
  id: string;
  workflowId: string;
  version: number;
  scope: string;
  input: unknown;
  trigger: unknown;
  subject: string | null;
  createdAt: string;
  parentRunId: string | null;
  parentStepId: number | null;
}

export interface ClaimedStep {
  id: number;
  runId: string;
  nodeId: string;
  input: unknown;
  attempts: number;
  history: unknown[];
  state: unknown;
  resume: Resume | undefined;
  startedAt: number;
}

export type Effect =
  | { kind: 'escalation'; severity: 'info' | 'warning' | 'critical'; title: string; detail: string; pinned?: boolean | undefined; key?: string | undefined }
  | { kind: 'event'; type: string; data?: unknown; subject?: { type: string; id: string } }
  | { kind: 'phase'; phase: string }
  | { kind: 'plan'; title: string; content: unknown }
  | { kind: 'learning'; text: string; tags: string[] }
  /** A respond node's answer for the caller waiting on the top-level run (engine/respond.ts). */
  | { kind: 'response'; nodeId: string; status: number; headers: Record<string, string>; body: string | null; redirect: string | null };

export interface StepError extends RunError {
  retryable: boolean;
  retryAfterMs?: number;
}

export type StepOutcome =
  | { kind: 'done'; output: string; outputValue: unknown; branch: string | null }
  | { kind: 'suspend'; suspend: Suspend }
  | { kind: 'error'; error: StepError };

export interface StepResult {
  step: ClaimedStep;
  run: RunInfo;
  outcome: StepOutcome;
  effects: Effect[];
  finishedAt: number;
}
