/**
 * Node types. A node type is one file exporting `defineNode({ type, params,
 * branches?, run })`, listed in its domain's node list (the engine's own
 * generic nodes are in ./nodes). The engine knows node types only through the
 * NodeRegistry it is given: built from the domains where the core is composed
 * (electron/core/index.ts) and, in each worker thread, from the same lists
 * (electron/core/nodes.ts).
 *
 * run(ctx) returns `{ output, branch? }` (the step is done), or `ctx.suspend(...)`
 * (the step waits for a time, an event, an approval or child runs, and run() is
 * called again with ctx.resume set), or throws (NodeError says whether to retry).
 */
import type { z } from 'zod';
import type { Orm, Sqlite } from '../db/open';
import type { ThreadEnv } from '../env';
import type { ParamSpec } from './expr';
import type { RunPhase, Severity } from '../../../shared/contract/engine';

export class NodeError extends Error {
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly code: string | undefined;
  constructor(message: string, opts: { retryable?: boolean; retryAfterMs?: number; code?: string } = {}) {
    super(message);
    this.name = 'NodeError';
    this.retryable = opts.retryable ?? true;
    this.retryAfterMs = opts.retryAfterMs;
    this.code = opts.code;
  }
}

/** The outcome of one execution of a node. */
export type NodeResult = { output?: unknown; branch?: string } | Suspend;

export interface Suspend {
  readonly suspend: true;
  /** Shown in the step timeline: "until 2025-01-01T08:00Z", "event contact.replied" … */
  waitingFor: string;
  /** ms epoch: resume with { kind: 'timer' } at this time. */
  until?: number;
  /** Resume with { kind: 'event', event } when a matching event is published. */
  event?: { type: string; match?: Record<string, unknown>; filter?: string };
  /** Create an approval item; resume with { kind: 'approval', … } when decided or expired (at `until`). */
  approval?: { title: string; payload?: unknown; confidence?: number; reason?: string };
  /** Start child runs; the step is woken (resume { kind: 'child' }) each time one finishes. */
  children?: { workflow?: string; body?: true; input: unknown; key: string }[];
  /** Saved with the step and handed back as ctx.state. */
  state?: unknown;
}

export type Resume =
  | { kind: 'timer' }
  | { kind: 'event'; event: { id: number; type: string; data: unknown; subject: { type: string; id: string } | null } }
  | { kind: 'approval'; status: 'approved' | 'rejected' | 'expired'; payload: unknown; reason: string | null; decidedBy: string | null; decidedAt: string; approvalId: string }
  | { kind: 'child' };

export interface ChildRunInfo {
  id: string;
  status: string;
  input: unknown;
  output: unknown;
  error: { message: string } | null;
}

export interface NodeContext<P = Record<string, unknown>> {
  run: { id: string; workflowId: string; version: number; input: unknown; subject: string | null; trigger: unknown; createdAt: string };
  node: { id: string; type: string; name?: string };
  step: { id: number };
  /** Params with expressions evaluated. */
  params: P;
  /** Output of the predecessor (one), or { nodeId: output } after a join of several. */
  input: unknown;
  /** 1 for the first try. */
  attempt: number;
  /** Earlier tries of this step. */
  previousAttempts: { attempt: number; error: { message: string } | null }[];
  /** The node's saved state when resumed after ctx.suspend. */
  state: unknown;
  /** Why the node runs again after a suspend (undefined on the first run). */
  resume: Resume | undefined;
  /** Engine clock (injectable in tests). */
  now(): number;
  /** Aborted when the node's timeout elapses or the engine stops. */
  signal: AbortSignal;
  secrets: { get(name: string): Promise<string | null> };
  /**
   * A side effect, at most once per key: the key (run + node [+ n]) is stable across
   * retries and crashes; send it to the receiver (Idempotency-Key, Message-ID).
   * A recorded success is returned without sending again.
   */
  outbox<T>(kind: string, request: unknown, send: (key: string) => Promise<{ ok: boolean; value: T }>): Promise<{ ok: boolean; value: T; replayed: boolean }>;
  /**
   * A local write (rows of this store) exactly once per key (run + node [+ n], the outbox's keys): in ONE
   * immediate transaction on this thread's connection, a recorded result is returned (`replayed`), or
   * `write(key)` runs and its result is recorded as sent with it. A retry, or a crash between this commit and
   * the step's, never applies it twice; a write that throws leaves nothing (rolled back). `write` is
   * synchronous and writes through `ctx.env` / `ctx.db`; its result must be JSON (it is the replayed value).
   * Push events (env.emit, env.eventsAppended) belong after it returns, when not replayed.
   */
  once<T>(kind: string, write: (key: string) => T): { value: T; replayed: boolean };
  /**
   * Raised with the step's result (atomic with it). `key`: raised once per key (default: once per run, node and
   * title); `pinned`: stays on top of the open escalations until acknowledged.
   */
  escalate(e: { severity: Severity; title: string; detail: string; key?: string; pinned?: boolean }): void;
  /**
   * Record the answer for the caller waiting on this run (a webhook in lastNode/respondNode mode, a form
   * with respond.workflow), atomic with the step's result. The first answer of a top-level run wins (one
   * from a forEach body or a sub-workflow answers for the top-level run). Headers must be sanitised.
   */
  respond(r: { status: number; headers: Record<string, string>; body: string | null; redirect: string | null }): void;
  /** Append a domain event with the step's result. */
  publish(e: { type: string; data?: unknown; subject?: { type: string; id: string } }): void;
  setPhase(phase: RunPhase): void;
  /** Child runs started by this step (forEach, subworkflow). */
  children(): ChildRunInfo[];
  suspend(s: Omit<Suspend, 'suspend'>): Suspend;
  /** Outputs of the run's finished steps by node id. */
  steps(): Record<string, unknown>;
  log: { info(msg: string, fields?: Record<string, unknown>): void; warn(msg: string, fields?: Record<string, unknown>): void; error(msg: string, fields?: Record<string, unknown>): void };
  /** This thread's environment (store, clock, settings, secrets, services): what domain code takes in any thread. */
  env: ThreadEnv;
  /** This thread's store, for nodes that read or write domain tables (CRM …). Writes here are not atomic with the step: write through ctx.once. */
  db: Sqlite;
  orm: Orm;
  evaluate(expression: string, scope: unknown): Promise<unknown>;
}

export interface NodeDef<S extends z.ZodType = z.ZodType> {
  type: string;
  description: string;
  /** zod schema of the params (wrap fields that may be expressions with `ex()` from ./nodes/util). */
  params: S;
  /** Outgoing branch names (static, or computed from the params, e.g. switch cases). "error" is always allowed. */
  branches?: readonly string[] | ((params: z.output<S>) => string[]);
  /** Which params are expressions without "=", evaluated later, or opaque. */
  paramSpec?: ParamSpec;
  /** Extra checks at import (forEach validates its body). */
  validate?: (params: z.output<S>, report: (path: string, message: string) => void, validateGraph: (graph: unknown, pathPrefix: string) => void) => void;
  /**
   * Checks at import against the store: the sequence, stage, segment or field a
   * param names must exist (skipped for params that are expressions, and when
   * validating without a store).
   */
  refs?: (params: z.output<S>, env: ThreadEnv, report: (path: string, message: string) => void) => void;
  /**
   * Default step timeout of this type (ms) when a node sets no `timeout`: for nodes that wait on the
   * network (http, e-mail, AI). Other types get the engine's step timeout (setting engine.stepTimeout).
   * Either way a step's expressions get at most the engine's step timeout unless the node sets its own.
   */
  timeoutMs?: number;
  /** A join node: how it waits for its incoming paths. */
  join?: (params: z.output<S>) => 'all' | 'any' | 'first';
  run(ctx: NodeContext<z.output<S>>): Promise<NodeResult> | NodeResult;
}

export function defineNode<S extends z.ZodType>(def: NodeDef<S>): NodeDef<S> {
  return def;
}

/** The node types one thread knows, each with the domain that declared it. */
export class NodeRegistry {
  private readonly defs = new Map<string, { def: NodeDef; domain: string }>();

  constructor(packs: readonly { domain: string; nodes: readonly NodeDef[] }[] = []) {
    for (const p of packs) this.add(p.domain, p.nodes);
  }

  /** Add a domain's node types; a type declared twice fails (at startup, naming both domains). */
  add(domain: string, defs: readonly NodeDef[]): void {
    for (const d of defs) {
      const had = this.defs.get(d.type);
      if (had) throw new Error(`Node type "${d.type}" is declared by both the ${had.domain} and the ${domain} domain.`);
      this.defs.set(d.type, { def: d, domain });
    }
  }

  get(type: string): NodeDef | undefined {
    return this.defs.get(type)?.def;
  }

  domainOf(type: string): string | undefined {
    return this.defs.get(type)?.domain;
  }

  types(): string[] {
    return [...this.defs.keys()].sort();
  }

  all(): { def: NodeDef; domain: string }[] {
    return [...this.defs.values()].sort((a, b) => a.def.type.localeCompare(b.def.type));
  }
}
export function isSuspend(r: NodeResult): r is Suspend {
  return (r as Suspend).suspend === true;
}
