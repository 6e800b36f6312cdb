/**
 * The run state machine without storage (docs/engine.md, "Execution"): pure
 * functions from a compiled graph and the states of a run's steps to decisions
 * the store (store.ts) applies through the repository (repo/) in its commit
 * transaction. No SQL, no clock, no randomness of their own (the backoff's
 * jitter is a parameter): tests/engine/advance.test.ts runs them without a
 * database.
 *
 * - stepTransition: how a step's outcome is recorded (succeeded, waiting for a
 *   retry with its backoff, failed into an error edge, failing its run,
 *   suspended with its timer, approval and child runs);
 * - advance: the successors of a node that ended (edges, branches, error edges,
 *   joins all/any/first, dead-path elimination through an explicit stack);
 * - settleRun / runOutput: after a commit, whether the run finished, and its
 *   output from its leaf steps;
 * - subworkflowDepthRefusal: a sub-workflow start nested too deep.
 */
import type { RunError } from '../../../shared/api';
import type { Suspend } from './registry';
import { backoffMs, type CNode, type CompiledGraph } from './compile';
import { parseStoredOrNull } from '../db/integrity';
import type { ClaimedStep, RunInfo, StartRunOptions, StepError, StepOutcome } from './types';

const J = (v: unknown): string => JSON.stringify(v === undefined ? null : v);

/**
 * A step of the run as its successors see it. `output` is the stored JSON text (parsed only for the
 * inputs it is handed on as; a run's output is spliced from the texts of its leaves without parsing).
 */
export interface StepState {
  status: string;
  branch: string | null;
  output: string | null;
}

/**
 * The states of a run's steps by node id, as far as this commit knows them. advance() reads the
 * predecessors of a node with several incoming edges, and records each decision it makes (created,
 * skipped, stopped), so a later decision of the same commit sees the earlier ones.
 */
export interface StepView {
  get(nodeId: string): StepState | undefined;
  set(nodeId: string, state: StepState): void;
}

/** How a node ended, as its successors see it. */
export interface Arrival {
  status: 'succeeded' | 'failed' | 'skipped';
  branch: string | null;
  output: unknown;
  outputJson: string | null;
}
const SKIPPED: Arrival = { status: 'skipped', branch: null, output: null, outputJson: null };

/**
 * What advance() decided, in the order it decided it (step ids follow it):
 * - create: a step for the node, ready to run with `input` (`inputJson`: its JSON text when known);
 * - skip: the node is on a dead path (a skipped step, and its successors were decided in turn);
 * - stop: join "first" went on with another path: the node's active step becomes skipped.
 */
export type AdvanceCommand =
  | { kind: 'create'; nodeId: string; input: unknown; inputJson: string | null }
  | { kind: 'skip'; nodeId: string }
  | { kind: 'stop'; nodeId: string; join: string; message: string };

const ACTIVE = new Set(['ready', 'running', 'waiting']);
const RUNNING: StepState = { status: 'running', branch: null, output: null };
const SKIPPED_STATE: StepState = { status: 'skipped', branch: null, output: null };

/** Is an edge with `branch` taken when its source ended with `status`/`srcBranch`? */
export function edgeTaken(branch: string | undefined, status: string, srcBranch: string | null): boolean {
  if (status === 'succeeded') return branch === undefined || branch === srcBranch;
  if (status === 'failed') return srcBranch === 'error' && branch === 'error';
  return false;
}

/**
 * The successors of `from`, which ended as `src`, whose incoming paths are resolved: created, or skipped
 * when no incoming edge was taken. A skipped node is advanced in turn (dead-path elimination), depth
 * first as a recursion would, but with an explicit stack: a chain of thousands of skipped nodes must not
 * overflow the call stack.
 *
 * A node with one incoming edge is decided without reading `steps`: it has no step before its only
 * predecessor ends, and a step ends once (its commit is guarded by its claim).
 */
export function advance(g: CompiledGraph, steps: StepView, from: CNode, src: Arrival): AdvanceCommand[] {
  const out: AdvanceCommand[] = [];
  const frames: { cn: CNode; src: Arrival; i: number; seen: Set<string> }[] = [{ cn: from, src, i: 0, seen: new Set() }];
  while (frames.length) {
    const f = frames[frames.length - 1] as (typeof frames)[number];
    const e = f.cn.outgoing[f.i++];
    if (!e) {
      frames.pop();
      continue;
    }
    const skipped = advanceEdge(g, steps, f.cn, f.src, e, f.seen, out);
    if (skipped) frames.push({ cn: skipped, src: SKIPPED, i: 0, seen: new Set() });
  }
  return out;
}

/** One outgoing edge of `cn`: create, skip or leave its target. Returns the target when it was just skipped. */
function advanceEdge(g: CompiledGraph, steps: StepView, cn: CNode, src: Arrival, e: CNode['outgoing'][number], seen: Set<string>, out: AdvanceCommand[]): CNode | null {
  if (seen.has(e.to)) return null;
  seen.add(e.to);
  const tn = g.nodes.get(e.to) as CNode;
  if (tn.incoming.length === 1) {
    if (edgeTaken(e.branch, src.status, src.branch)) {
      create(steps, tn, src.output, src.outputJson, out);
      return null;
    }
    skip(steps, tn, out);
    return tn;
  }
  if (steps.get(tn.id)) return null;
  let taken = 0;
  let unresolved = 0;
  const inputs: Record<string, unknown> = {};
  let first: { output: unknown; json: string | null } | null = null;
  for (const ie of tn.incoming) {
    const p = ie.from === cn.id ? { status: src.status, branch: src.branch, output: src.outputJson } : steps.get(ie.from);
    if (!p || ACTIVE.has(p.status)) {
      unresolved++;
      continue;
    }
    if (edgeTaken(ie.branch, p.status, p.branch)) {
      taken++;
      const val = ie.from === cn.id ? src.output : parseStoredOrNull(p.output, 'steps.output', `${ie.from}`);
      inputs[ie.from] = val;
      if (ie.from === cn.id) first = { output: src.output, json: src.outputJson };
      else if (!first) first = { output: val, json: p.output };
    }
  }
  const mode = tn.joinMode;
  if (mode === 'any' || mode === 'first') {
    if (taken > 0) {
      const chosen = first ?? { output: null, json: null };
      create(steps, tn, chosen.output, chosen.json, out);
      if (mode === 'first') stopOthers(g, steps, tn, out);
    } else if (unresolved === 0) {
      skip(steps, tn, out);
      return tn;
    }
    return null;
  }
  if (unresolved > 0) return null;
  if (taken === 0) {
    skip(steps, tn, out);
    return tn;
  }
  if (!tn.isJoinNode && taken === 1 && first) create(steps, tn, first.output, first.json, out);
  else create(steps, tn, inputs, null, out);
  return null;
}

function create(steps: StepView, tn: CNode, input: unknown, inputJson: string | null, out: AdvanceCommand[]): void {
  out.push({ kind: 'create', nodeId: tn.id, input, inputJson });
  steps.set(tn.id, RUNNING);
}

function skip(steps: StepView, tn: CNode, out: AdvanceCommand[]): void {
  out.push({ kind: 'skip', nodeId: tn.id });
  steps.set(tn.id, SKIPPED_STATE);
}

/** join mode "first": the other paths into the join stop (their active steps become skipped). */
function stopOthers(g: CompiledGraph, steps: StepView, tn: CNode, out: AdvanceCommand[]): void {
  for (const id of g.ancestors(tn.id)) {
    const st = steps.get(id);
    if (!st || !ACTIVE.has(st.status)) continue;
    out.push({ kind: 'stop', nodeId: id, join: tn.id, message: `stopped: join "${tn.id}" (first) went on with another path` });
    steps.set(id, { ...st, status: 'skipped' });
  }
}

// ---- one step's outcome ---------------------------------------------------------------------

/** A step error as stored and shown (no retry hints). */
export function strip(e: StepError): RunError {
  const out: RunError = { message: e.message };
  if (e.code) out.code = e.code;
  if (e.nodeId) out.nodeId = e.nodeId;
  if (e.expression) out.expression = e.expression;
  return out;
}

/**
 * How a step's outcome is recorded. Every kind is written guarded by the step's claim (a cancelled or
 * reclaimed step's late result is dropped, and then nothing else of it happens).
 * - succeed: the step succeeded (`arrival`: how its successors see it);
 * - retry: it failed and runs again at `due` (a `retry` timer);
 * - fail: it failed for good; with `errorEdge` its error edges are taken (the run goes on with
 *   `{ error }`), else the run fails with `runError`;
 * - suspend: it waits (`timer`, `approval`, `children` to start, an event).
 */
export type StepTransition =
  | { kind: 'succeed'; attempts: number; history: string | null; finishedAt: string; arrival: Arrival & { status: 'succeeded'; outputJson: string } }
  | { kind: 'retry'; attempts: number; history: string; error: RunError; due: number; waitingFor: string }
  | { kind: 'fail'; attempts: number; history: string; finishedAt: string; error: RunError & { nodeId: string }; errorEdge: Arrival | null }
  | {
      kind: 'suspend';
      /** The node's state and its event wait, as stored in steps.state. */
      state: string;
      waitEvent: string | null;
      waitingFor: string;
      timer: { kind: 'approval' | 'resume'; due: number } | null;
      approval: NonNullable<Suspend['approval']> | null;
      children: StartRunOptions[];
    };

/**
 * Decide how `outcome` of `step` (node `cn` of `run`) is recorded. `random` draws the backoff's jitter
 * (Math.random; tests pass their own).
 */
export function stepTransition(cn: CNode, run: Pick<RunInfo, 'id' | 'workflowId' | 'version' | 'scope'>, step: ClaimedStep, outcome: StepOutcome, finishedAt: number, random: () => number = Math.random): StepTransition {
  const iso = new Date(finishedAt).toISOString();
  if (outcome.kind === 'suspend') {
    const s = outcome.suspend;
    return {
      kind: 'suspend',
      state: J({ v: s.state ?? null, ...(s.event ? { ev: { match: s.event.match ?? null, filter: s.event.filter ?? null } } : {}) }),
      waitEvent: s.event?.type ?? null,
      waitingFor: s.waitingFor,
      timer: s.until === undefined ? null : { kind: s.approval ? 'approval' : 'resume', due: s.until },
      approval: s.approval ?? null,
      children: (s.children ?? []).map((c) => ({
        workflow: c.workflow ?? run.workflowId,
        ...(c.body ? { version: run.version, scope: run.scope ? `${run.scope}/${step.nodeId}` : step.nodeId } : {}),
        input: c.input,
        parentRunId: run.id,
        parentStepId: step.id,
        idempotencyKey: `child:${step.id}:${c.key}`,
        trigger: { type: 'subworkflow', detail: { runId: run.id, nodeId: step.nodeId } },
      })),
    };
  }
  const attempts = step.attempts + 1;
  // This try, as the step's history records it (a first try that succeeds writes no history).
  const attempt = () => ({ attempt: attempts, startedAt: new Date(step.startedAt).toISOString(), finishedAt: iso, error: outcome.kind === 'error' ? strip(outcome.error) : null });
  if (outcome.kind === 'done') {
    return {
      kind: 'succeed',
      attempts,
      history: step.history.length ? J([...step.history, attempt()]) : null,
      finishedAt: iso,
      arrival: { status: 'succeeded', branch: outcome.branch, output: outcome.outputValue, outputJson: outcome.output },
    };
  }
  const err = outcome.error;
  const history = J([...step.history, attempt()]);
  const retry = retryDecision(cn, attempts, err, finishedAt, random);
  if (retry) return { kind: 'retry', attempts, history, error: strip(err), ...retry };
  const error = { ...strip(err), nodeId: step.nodeId };
  if (!cn.hasErrorEdge) return { kind: 'fail', attempts, history, finishedAt: iso, error, errorEdge: null };
  const out = { error };
  return { kind: 'fail', attempts, history, finishedAt: iso, error, errorEdge: { status: 'failed', branch: 'error', output: out, outputJson: J(out) } };
}

/**
 * Whether a failed try (number `attempts`) runs again, and when: a retryable error whose code is not in the
 * node's `nonRetryable`, with tries left. The delay is the error's Retry-After (a 429/503), else the
 * node's backoff (compile.ts backoffMs: exponential, capped, jitter in [d/2, d] drawn with `random`).
 */
export function retryDecision(cn: Pick<CNode, 'retry'>, attempts: number, err: StepError, finishedAt: number, random: () => number = Math.random): { due: number; waitingFor: string } | null {
  const r = cn.retry;
  const retryable = err.retryable && !(err.code && r.nonRetryable.includes(err.code));
  if (!retryable || attempts >= r.maxAttempts) return null;
  const due = finishedAt + (err.retryAfterMs ?? backoffMs(r, attempts, random));
  return { due, waitingFor: `retry ${attempts + 1}/${r.maxAttempts} at ${new Date(due).toISOString()}` };
}

// ---- the run after a commit -------------------------------------------------------------------

/**
 * A run none of whose steps was made active by the commit: finished when no step is left ready,
 * running or waiting; else running (some step is ready or running) or waiting.
 */
export function settleRun(steps: readonly { status: string }[]): { kind: 'finish' } | { kind: 'status'; status: 'running' | 'waiting' } {
  let busy = 0;
  let waiting = 0;
  for (const r of steps) {
    if (r.status === 'ready' || r.status === 'running') busy++;
    else if (r.status === 'waiting') waiting++;
  }
  if (busy + waiting === 0) return { kind: 'finish' };
  return { kind: 'status', status: busy > 0 ? 'running' : 'waiting' };
}

/**
 * The output of a run that succeeded: the output of its single succeeded leaf step, or `{ leafId: output }`
 * spliced from the leaves' stored texts. Each step's output is under engine.maxStepOutputBytes; the map of
 * several may not be: over `limitBytes()` (read only then) the run fails with `output_too_large`.
 */
export function runOutput(g: CompiledGraph, succeeded: readonly { nodeId: string; output: string | null }[], limitBytes: () => number): { outputJson: string } | { error: RunError } {
  const leaves = succeeded.filter((r) => g.nodes.get(r.nodeId)?.leaf);
  if (leaves.length === 0) return { outputJson: 'null' };
  if (leaves.length === 1) {
    const leaf = leaves[0] as (typeof leaves)[number];
    return { outputJson: J(parseStoredOrNull(leaf.output, 'steps.output', leaf.nodeId)) };
  }
  const outputJson = `{${leaves.map((l) => `${JSON.stringify(l.nodeId)}:${l.output ?? 'null'}`).join(',')}}`;
  const limit = limitBytes();
  const bytes = outputJson.length * 3 > limit ? Buffer.byteLength(outputJson) : 0;
  if (bytes <= limit) return { outputJson };
  return {
    error: {
      message: `the run's output (the outputs of its ${leaves.length} last steps) is ${formatBytes(bytes)}, over the limit of ${formatBytes(limit)} (setting engine.maxStepOutputBytes)`,
      code: 'output_too_large',
    },
  };
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}

/**
 * A sub-workflow start nested deeper than `limit` sub-workflow levels, or null. `ancestry`: the suspending
 * run and its ancestors, itself first, at most `cap` rows (capped: the chain is longer); forEach body runs
 * (scope ≠ '') are not levels. `target`: the first workflow it would start.
 */
export function subworkflowDepthRefusal(ancestry: readonly { workflowId: string; scope: string }[], cap: number, limit: number, target: string): { message: string; code: string } | null {
  // The run's sub-workflow levels, root first: the top-level run and each sub-workflow run (scope '').
  const chain = ancestry.filter((r) => r.scope === '').map((r) => r.workflowId).reverse();
  const truncated = ancestry.length >= cap;
  if (chain.length <= limit && !truncated) return null;
  const shown = [...chain, target];
  const text = shown.length > 24 ? [...shown.slice(0, 10), '…', ...shown.slice(-10)].join(' -> ') : shown.join(' -> ');
  return {
    message: `sub-workflow depth limit reached: ${truncated ? '… -> ' : ''}${text} would be ${truncated ? 'more than ' : ''}${chain.length} sub-workflow levels deep, over the limit of ${limit} (setting engine.subworkflowDepth; a workflow that calls itself, directly or through others, never ends)`,
    code: 'subworkflow_depth',
  };
}
