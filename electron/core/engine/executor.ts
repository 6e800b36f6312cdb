/**
 * The executor: claims ready steps in batches, runs their nodes concurrently,
 * commits all results in one transaction, and goes on with the successors it
 * created (already claimed for it). The same code runs in each Bree worker and,
 * for tests and `baton run start --wait`, on the main thread.
 */
import type { Orm, Sqlite } from '../db/open';
import type { ThreadEnv } from '../env';
import { compiled, type CNode } from './compile';
import { evaluateTemplate, compileExpression, ExpressionError } from './expr';
import type { InflightWriter } from './inflight';
import { DEFAULT_STEP_TIMEOUT_MS } from './pool-limits';
import { NodeError, isSuspend, type NodeContext, type NodeRegistry, type Suspend } from './registry';
import { scrubValue } from '../secrets/scrub';
import { DEFAULT_MAX_STEP_OUTPUT_BYTES, EngineStore, MAX_ERROR_CHARS, formatBytes, type ClaimedStep, type Effect, type Emit, type RunInfo, type StepOutcome, type StepResult } from './store';

export interface ExecutorLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface ExecutorOptions {
  /** This thread's environment: the Core on the main thread, a WorkerEnv in a Bree worker. */
  env: ThreadEnv;
  /** The node types this thread knows. */
  nodes: NodeRegistry;
  db: Sqlite;
  orm: Orm;
  workerId: string;
  clock: () => number;
  emit: Emit;
  secrets: { get(name: string): Promise<string | null> };
  log: ExecutorLog;
  batchSize?: number;
  /** A step's timeout when its node sets none (and the limit for evaluating its expressions); default 60 s. */
  stepTimeoutMs?: number;
  /** Worker threads: the steps running now, shared with the main thread's watchdog (inflight.ts). */
  inflight?: InflightWriter;
}

/**
 * One running step's limits. A node's own `timeout` bounds the whole step. Without one, the step's
 * expressions (its params) get the engine's step timeout, then the node's run gets its type's default
 * (nodes that wait on the network) or the engine's step timeout.
 */
interface StepCtl {
  /** Its slot in the shared in-flight table (-1: not tracked). */
  slot: number;
  /** Real time (ms), not the engine clock: timeouts are wall-clock. */
  startedAt: number;
  limitMs: number;
  deadline: number;
  runMs: number;
  run: RunInfo | undefined;
  cn: CNode | undefined;
  ac?: AbortController;
}

/** "2 s", "1.5 s", "500 ms", "10 min". */
export function formatLimit(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms >= 120_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 100) / 10} s`;
}

/** The message of a step that ran past its timeout. */
export function timeoutMessage(limitMs: number, node: { id: string; type?: string | undefined }): string {
  return `timed out after ${formatLimit(limitMs)} in node "${node.id}"${node.type ? ` (${node.type})` : ''}`;
}

/** What a step's context needs of its executor (one object per executor). */
interface CtxDeps {
  o: ExecutorOptions;
  store: EngineStore;
  abort: AbortSignal;
  once: <T>(key: string, runId: string, nodeId: string, kind: string, write: (key: string) => T) => { value: T; replayed: boolean };
}

/**
 * A node's `ctx`: the step's facts as fields, its functions on the prototype. A step allocates this one
 * object instead of ~20 closures (most nodes read only params and input). Each function is a getter that
 * hands out a function bound to the step, so one taken off it (`const { publish } = ctx`) works as before.
 */
class StepContext implements NodeContext {
  readonly run: NodeContext['run'];
  readonly node: NodeContext['node'];
  readonly step: { id: number };
  readonly attempt: number;
  readonly previousAttempts: NodeContext['previousAttempts'];
  readonly state: unknown;
  readonly resume: NodeContext['resume'];
  readonly secrets: NodeContext['secrets'];
  readonly env: ThreadEnv;
  readonly db: Sqlite;
  readonly orm: Orm;
  readonly input: unknown;
  /** Outbox and once keys of this step so far (the key of the n-th is stable across retries). */
  #keys = 0;
  #signal: AbortSignal | undefined;

  constructor(
    private readonly d: CtxDeps,
    runInfo: RunInfo,
    private readonly cn: CNode,
    step: ClaimedStep,
    readonly params: Record<string, unknown>,
    private readonly effects: Effect[],
    private readonly ctl: StepCtl,
    private readonly stepsOf: () => Record<string, unknown>,
  ) {
    const r = runInfo;
    this.run = { id: r.id, workflowId: r.workflowId, version: r.version, input: r.input, subject: r.subject, trigger: r.trigger, createdAt: r.createdAt };
    this.node = cn.node.name ? { id: cn.id, type: cn.type, name: cn.node.name } : { id: cn.id, type: cn.type };
    this.step = { id: step.id };
    this.input = step.input;
    this.attempt = step.attempts + 1;
    this.previousAttempts = step.history as NodeContext['previousAttempts'];
    this.state = (step.state as { v?: unknown } | null)?.v ?? null;
    this.resume = step.resume;
    this.secrets = d.o.secrets;
    this.env = d.o.env;
    this.db = d.o.db;
    this.orm = d.o.orm;
  }

  get now(): () => number {
    return this.d.o.clock;
  }

  /** Made on first use: AbortSignal.any (weak refs, listeners) costs more than a no-I/O node's whole run. A timeout or a cancel aborts it. */
  get signal(): AbortSignal {
    return (this.#signal ??= AbortSignal.any([(this.ctl.ac ??= new AbortController()).signal, this.d.abort]));
  }

  #key(): string {
    const n = this.#keys++;
    return n === 0 ? `${this.run.id}:${this.cn.id}` : `${this.run.id}:${this.cn.id}:${n}`;
  }

  get outbox(): NodeContext['outbox'] {
    return async (kind, request, send) => {
      const key = this.#key();
      const store = this.d.store;
      const outbox = store.repo.outbox;
      const row = outbox.get(key);
      // The recorded response is the one `send` gave back when it ran (a T); a re-run replays it.
      if (row?.status === 'sent') return { ok: true, value: row.response as never, replayed: true };
      // The recorded request and response are scrubbed like a step result (a remote may echo the credential).
      if (!row) outbox.insert({ key, runId: this.run.id, nodeId: this.cn.id, kind, request: scrubValue(request ?? null), at: store.nowIso });
      outbox.sending(key);
      const r = await send(key);
      outbox.done(key, r.ok ? 'sent' : 'failed', scrubValue(r.value ?? null), store.nowIso);
      return { ...r, replayed: false };
    };
  }

  get once(): NodeContext['once'] {
    return (kind, write) => this.d.once(this.#key(), this.run.id, this.cn.id, kind, write);
  }

  get escalate(): NodeContext['escalate'] {
    return (e) => void this.effects.push({ kind: 'escalation', ...e });
  }

  get publish(): NodeContext['publish'] {
    return (e) => void this.effects.push({ kind: 'event', ...e });
  }

  get respond(): NodeContext['respond'] {
    return (r) => void this.effects.push({ kind: 'response', nodeId: this.cn.id, ...r });
  }

  get setPhase(): NodeContext['setPhase'] {
    return (phase) => void this.effects.push({ kind: 'phase', phase });
  }

  get children(): NodeContext['children'] {
    return () => this.d.store.childRuns(this.step.id, this.run.id);
  }

  get suspend(): NodeContext['suspend'] {
    return (s) => ({ ...s, suspend: true }) as Suspend;
  }

  get steps(): NodeContext['steps'] {
    return this.stepsOf;
  }

  get log(): NodeContext['log'] {
    const log = this.d.o.log;
    const f = { runId: this.run.id, nodeId: this.cn.id };
    return {
      info: (m, x) => log.info(m, { ...f, ...x }),
      warn: (m, x) => log.warn(m, { ...f, ...x }),
      error: (m, x) => log.error(m, { ...f, ...x }),
    };
  }

  get evaluate(): NodeContext['evaluate'] {
    const clock = this.d.o.clock;
    return (expression, sc) => compileExpression(expression).evaluate(sc, clock);
  }
}

export class Executor {
  readonly store: EngineStore;
  /** The facts of the runs of the steps about to run (kept no longer: a finished run's facts would outlive it in the heap). */
  private runs = new Map<string, RunInfo>();
  /** Successor steps already claimed for this executor, run first. */
  private carry: ClaimedStep[] = [];
  private readonly abort = new AbortController();
  private readonly ctxDeps: CtxDeps;
  readonly batchSize: number;
  /** A step's timeout when its node sets none (the engine's setting engine.stepTimeout). */
  stepTimeoutMs: number;
  /** The batch running now: abortSteps() settles its cancelled steps early. */
  private current: { queue: ClaimedStep[]; ctls: StepCtl[]; settle: (i: number, r: StepResult) => void; settled: (i: number) => boolean } | null = null;

  constructor(private readonly o: ExecutorOptions) {
    this.store = new EngineStore(o.db, () => this.o.clock(), o.emit, o.nodes);
    const tr = o.inflight;
    if (tr) this.store.onTx = (inside) => tr.inStore(inside);
    this.batchSize = o.batchSize ?? 256;
    this.stepTimeoutMs = o.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
    this.ctxDeps = { o, store: this.store, abort: this.abort.signal, once: (key, runId, nodeId, kind, write) => this.once(key, runId, nodeId, kind, write) };
  }

  set clock(fn: () => number) {
    this.o.clock = fn;
  }

  get workerId(): string {
    return this.o.workerId;
  }

  /**
   * One pass: fire due timers, then claim and run ready steps (following the
   * chains it creates) for at most `budgetMs`. Returns the number of steps run.
   */
  async pass(budgetMs = 250): Promise<number> {
    try {
      return await this.runPass(budgetMs);
    } catch (e) {
      // A pass that fails after claiming (a commit refused by a busy database, a full disk …) hands its
      // steps back, so the next pass (or another worker) runs them again; nothing of theirs was committed.
      this.carry = [];
      try {
        this.store.releaseClaims(this.o.workerId);
      } catch {
        /* the database is still refusing: the worker's restart, or the next pass, releases them */
      }
      throw e;
    }
  }

  private async runPass(budgetMs: number): Promise<number> {
    this.store.fireTimers();
    const t0 = Date.now();
    let total = 0;
    let queue = this.carry.length ? this.carry : this.store.claim(this.o.workerId, this.batchSize);
    this.carry = [];
    while (queue.length) {
      this.loadRuns(queue);
      const results = await this.runBatch(queue);
      const overBudget = Date.now() - t0 > budgetMs;
      // Within budget, the commit also claims the next batch (successors first, then other ready steps).
      const chained = this.store.commit(results, this.o.workerId, overBudget ? 0 : this.batchSize);
      total += queue.length;
      this.keepRunsOf(chained);
      if (overBudget) {
        this.carry = chained;
        break;
      }
      queue = chained;
    }
    return total;
  }

  /** Hand claimed-but-unrun steps back (pause, stop). */
  release(): void {
    this.carry = [];
    this.store.releaseClaims(this.o.workerId);
  }

  stop(): void {
    this.abort.abort();
  }

  /**
   * Steps of the running batch that were cancelled meanwhile (the main thread saw them cancelled in the
   * store): their signal is aborted and they end now; their late result would be dropped by the commit.
   */
  abortSteps(stepIds: number[]): number {
    const b = this.current;
    if (!b) return 0;
    const ids = new Set(stepIds);
    let n = 0;
    b.queue.forEach((step, i) => {
      if (!ids.has(step.id) || b.settled(i)) return;
      b.ctls[i]?.ac?.abort();
      b.settle(i, { step, run: b.ctls[i]?.run as RunInfo, outcome: { kind: 'error', error: { message: 'cancelled', code: 'cancelled', nodeId: step.nodeId, retryable: false } }, effects: [], finishedAt: this.o.clock() });
      n++;
    });
    return n;
  }

  /** Run a batch concurrently; a step past its deadline ends with a timeout error (one timer per batch, not per step). */
  private async runBatch(queue: ClaimedStep[]): Promise<StepResult[]> {
    const cap = this.o.inflight?.slots ?? Infinity;
    if (queue.length <= cap) return this.runChunk(queue);
    const out: StepResult[] = [];
    for (let i = 0; i < queue.length; i += cap) out.push(...(await this.runChunk(queue.slice(i, i + cap))));
    return out;
  }

  private runChunk(queue: ClaimedStep[]): Promise<StepResult[]> {
    const n = queue.length;
    const tr = this.o.inflight;
    const now = Date.now();
    const ctls: StepCtl[] = new Array<StepCtl>(n);
    let first = Infinity;
    for (let i = 0; i < n; i++) {
      const c = this.ctlOf(queue[i] as ClaimedStep, tr ? i : -1, now);
      ctls[i] = c;
      if (c.deadline < first) first = c.deadline;
      tr?.begin(i, (queue[i] as ClaimedStep).id, now, c.limitMs);
    }
    tr?.batch(n);
    const results = new Array<StepResult | undefined>(n);
    return new Promise<StepResult[]>((resolve) => {
      let left = n;
      let timer: NodeJS.Timeout | undefined;
      const settle = (i: number, r: StepResult) => {
        if (results[i]) return;
        results[i] = r;
        tr?.end(i);
        if (--left > 0) return;
        if (timer) clearTimeout(timer);
        if (this.current === batch) this.current = null;
        tr?.batch(0);
        resolve(results as StepResult[]);
      };
      const check = () => {
        timer = undefined;
        const t = Date.now();
        let next = Infinity;
        for (let i = 0; i < n; i++) {
          if (results[i]) continue;
          const c = ctls[i] as StepCtl;
          const step = queue[i] as ClaimedStep;
          if (c.deadline <= t) {
            c.ac?.abort();
            const error = { message: timeoutMessage(c.limitMs, { id: step.nodeId, type: c.cn?.type }), code: 'timeout', nodeId: step.nodeId, retryable: true };
            settle(i, { step, run: c.run as RunInfo, outcome: { kind: 'error', error }, effects: [], finishedAt: this.o.clock() });
          } else if (c.deadline < next) next = c.deadline;
        }
        if (left > 0 && next < Infinity) timer = setTimeout(check, Math.max(1, next - t));
      };
      const batch = { queue, ctls, settle, settled: (i: number) => results[i] !== undefined };
      this.current = batch;
      for (let i = 0; i < n; i++) void this.execute(queue[i] as ClaimedStep, ctls[i]).then((r) => settle(i, r));
      if (left > 0 && first < Infinity) timer = setTimeout(check, Math.max(1, first - Date.now()));
    });
  }

  private ranOut(ctl: StepCtl): void {
    if (ctl.slot >= 0) this.o.inflight?.end(ctl.slot);
  }

  private ctlOf(step: ClaimedStep, slot: number, now: number): StepCtl {
    const run = this.runInfo(step.runId);
    let cn: CNode | undefined;
    try {
      cn = run ? compiled(this.o.nodes, this.o.db, run.workflowId, run.version, run.scope).nodes.get(step.nodeId) : undefined;
    } catch {
      cn = undefined; // the step fails in outcome() with the reason
    }
    const runMs = cn?.timeoutMs ?? cn?.typeTimeoutMs ?? this.stepTimeoutMs;
    const limitMs = cn?.timeoutMs ?? Math.min(runMs, this.stepTimeoutMs);
    return { slot, startedAt: now, limitMs, deadline: now + limitMs, runMs, run, cn };
  }

  get hasCarry(): boolean {
    return this.carry.length > 0;
  }

  /** Forget the facts of every run but those of `next` (a run's later steps read them again, a batch at a time). */
  private keepRunsOf(next: ClaimedStep[]): void {
    const keep = new Map<string, RunInfo>();
    for (const s of next) {
      const r = this.runs.get(s.runId);
      if (r) keep.set(s.runId, r);
    }
    this.runs = keep;
  }

  /** The facts of the batch's runs not cached yet, in one query (not one per run). */
  private loadRuns(steps: ClaimedStep[]): void {
    const missing = [...new Set(steps.filter((s) => !this.runs.has(s.runId)).map((s) => s.runId))];
    if (missing.length < 2) return;
    for (const r of this.store.runInfos(missing)) this.runs.set(r.id, r);
  }

  private runInfo(id: string): RunInfo | undefined {
    let r = this.runs.get(id);
    if (!r) {
      r = this.store.runInfo(id);
      if (r) this.runs.set(id, r);
    }
    return r;
  }

  async execute(step: ClaimedStep, ctl: StepCtl = this.ctlOf(step, -1, Date.now())): Promise<StepResult> {
    const run = ctl.run as RunInfo;
    const effects: Effect[] = [];
    const outcome = await this.outcome(step, run, effects, ctl);
    return { step, run, outcome, effects, finishedAt: this.o.clock() };
  }

  private async outcome(step: ClaimedStep, run: RunInfo, effects: Effect[], ctl: StepCtl): Promise<StepOutcome> {
    try {
      const cn = ctl.cn ?? compiled(this.o.nodes, this.o.db, run.workflowId, run.version, run.scope).nodes.get(step.nodeId);
      if (!cn) throw new NodeError(`node "${step.nodeId}" is not in version ${run.version} of ${run.workflowId}`, { retryable: false });
      const clock = this.o.clock;
      let stepsCache: Record<string, unknown> | undefined;
      const steps = () => (stepsCache ??= this.store.stepOutputs(run.id));
      const scope = () => ({
        input: run.input,
        prev: step.input,
        run: { id: run.id, workflowId: run.workflowId, version: run.version, subject: run.subject, createdAt: run.createdAt },
        ...(cn.usesSteps ? { steps: steps() } : {}),
      });
      const params = (cn.template.kind === 'static' ? cn.template.value : await evaluateTemplate(cn.template, scope(), clock)) as Record<string, unknown>;
      if (ctl.runMs !== ctl.limitMs) {
        // The expressions are evaluated: from here the node's own run time counts (a network node's longer default).
        ctl.limitMs = ctl.runMs;
        ctl.deadline = ctl.startedAt + ctl.runMs;
        if (ctl.slot >= 0) this.o.inflight?.limit(ctl.slot, ctl.startedAt, ctl.runMs);
      }
      const ctx = new StepContext(this.ctxDeps, run, cn, step, params, effects, ctl, steps);
      // The batch's timer ends this step at its deadline (runChunk); a worker stuck in it is ended by the pool.
      const ran = cn.def.run(ctx);
      // Its node has run: it is not running any more for the watchdog, even if the worker gets stuck in
      // another step before this one's result is settled (a few microtasks later).
      if (!(ran instanceof Promise)) this.ranOut(ctl);
      const result = await ran;
      this.ranOut(ctl);
      const effectsTooLarge = effects.length ? this.effectsTooLarge(cn.id, effects) : null;
      if (effectsTooLarge) return effectsTooLarge;
      if (isSuspend(result)) return { kind: 'suspend', suspend: result };
      const output = result.output === undefined ? null : result.output;
      let json: string;
      try {
        json = JSON.stringify(output);
      } catch (e) {
        // Nesting grown step by step (each step wrapping the last output) ends in a stack overflow here: say so, once.
        if (!(e instanceof RangeError)) throw e;
        return { kind: 'error', error: { message: `output of ${cn.id} cannot be stored: it is nested too deep (${e.message})`, code: 'output_too_deep', nodeId: step.nodeId, retryable: false } };
      }
      const tooLarge = this.tooLarge(json, `output of ${cn.id}`);
      if (tooLarge) return tooLarge;
      return { kind: 'done', output: json, outputValue: output, branch: result.branch ?? null };
    } catch (e) {
      this.ranOut(ctl);
      if (e instanceof ExpressionError) {
        return { kind: 'error', error: { message: this.capMessage(e.message), code: 'expression', expression: e.expression, nodeId: step.nodeId, retryable: false } };
      }
      if (e instanceof NodeError) {
        return {
          kind: 'error',
          error: { message: this.capMessage(e.message), nodeId: step.nodeId, retryable: e.retryable, ...(e.code ? { code: e.code } : {}), ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}) },
        };
      }
      return { kind: 'error', error: { message: this.capMessage((e as Error)?.message ?? String(e)), nodeId: step.nodeId, retryable: true } };
    }
  }

  // ---- ctx.once: exactly-once local writes ----------------------------------

  /**
   * One IMMEDIATE transaction on this thread's connection: the outbox row of `key` when it is recorded as
   * sent (the value is replayed), else `write(key)` and the row, inserted as sent with the value. The
   * domain write and its record commit together or not at all.
   */
  private once<T>(key: string, runId: string, nodeId: string, kind: string, write: (key: string) => T): { value: T; replayed: boolean } {
    const outbox = this.store.repo.outbox;
    return this.store.tx(() => {
      const row = outbox.get(key);
      if (row?.status === 'sent') return { value: row.response as T, replayed: true };
      const value = write(key);
      // Work after an await would run outside this transaction: refused, and what the write did so far is rolled back.
      if (value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function')
        throw new NodeError(`ctx.once(${kind}): the write returned a promise; it must be synchronous (nothing was recorded)`, { retryable: false, code: 'once_async' });
      // The value is stored scrubbed, like a step result; the first run returns what a replay will.
      const json = JSON.stringify(scrubValue(value ?? null));
      outbox.recordSent({ key, runId, nodeId, kind, responseJson: json, at: this.store.nowIso });
      return { value: JSON.parse(json) as T, replayed: false };
    });
  }

  // ---- size limits ----------------------------------------------------------

  private limitCache = { at: -Infinity, bytes: DEFAULT_MAX_STEP_OUTPUT_BYTES };

  /** The setting engine.maxStepOutputBytes, read at most every 2 s of the engine clock (a change applies in every worker within 2 s). */
  get maxStepOutputBytes(): number {
    const now = this.o.clock();
    if (now - this.limitCache.at > 2000) this.limitCache = { at: now, bytes: this.store.maxStepOutputBytes() };
    return this.limitCache.bytes;
  }

  /**
   * A step error when `json` is over engine.maxStepOutputBytes (UTF-8 bytes), else null. Cheap: the string's length
   * bounds its byte size (length <= bytes <= 3 x length), so most values need no byte count.
   */
  private tooLarge(json: string, what: string): StepOutcome | null {
    const limit = this.maxStepOutputBytes;
    if (json.length * 3 <= limit) return null;
    const bytes = json.length > limit ? json.length : Buffer.byteLength(json);
    if (bytes <= limit) return null;
    const exact = json.length > limit ? Buffer.byteLength(json) : bytes;
    return {
      kind: 'error',
      error: { message: `${what} is ${formatBytes(exact)}, over the limit of ${formatBytes(limit)} (setting engine.maxStepOutputBytes)`, code: 'output_too_large', retryable: false },
    };
  }

  /** Events and escalations a node raised are held to the same limit as its output. */
  private effectsTooLarge(nodeId: string, effects: Effect[]): StepOutcome | null {
    for (const e of effects) {
      const text =
        e.kind === 'event'
          ? JSON.stringify(e.data ?? null)
          : e.kind === 'escalation'
            ? e.title + e.detail
            : e.kind === 'response'
              ? (e.body ?? '') + JSON.stringify(e.headers)
              : e.phase;
      const what = e.kind === 'event' ? `data of the event ${e.type} published by ${nodeId}` : e.kind === 'response' ? `the answer of ${nodeId}` : `${e.kind} recorded by ${nodeId}`;
      const r = this.tooLarge(text, what);
      if (r) return r;
    }
    return null;
  }

  /** Error messages are cut at MAX_ERROR_CHARS (or the output limit when smaller), with a note saying so. */
  private capMessage(message: string): string {
    const limit = Math.min(MAX_ERROR_CHARS, this.maxStepOutputBytes);
    if (message.length <= limit) return message;
    return `${message.slice(0, limit)}… (truncated: the message has ${message.length.toLocaleString('en-US')} characters, over the limit of ${limit.toLocaleString('en-US')})`;
  }
}
