/**
 * The schedule service: one timer in the host process (Electron main or
 * `baton serve`) that wakes at the next fire of any enabled scheduled workflow
 * (and at least every `maxSleepMs`, so a laptop waking from sleep or a clock
 * change is noticed quickly), decides which fires are due with `dueFires`, and
 * starts each through the engine with an idempotency key per fire.
 *
 * Exactly once per fire, even with two processes on the same data folder:
 * a fire is first claimed by inserting (workflow_id, fire_at) into
 * schedule_fires, whose UNIQUE index lets one insert win; only the winner
 * starts the run, with idempotency key `schedule:<workflow>:<fire ISO>`, so a
 * crash between claim and start is repaired at the next start-up without a
 * second run.
 *
 * Why not a Bree cron job per workflow: Bree parses cron with @breejs/later,
 * whose DST rules differ from the documented ones we test here, and the work
 * per fire is one insert plus an enqueue; a worker thread per fire would add
 * ~50 ms and nothing else. The runs themselves execute in the engine's pool.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Orm } from '../../db/open';
import { scheduleFires, scheduleState } from '../../db/schema/triggers';
import { dueFires, nextFireAfter, type ScheduleSpec } from './schedule';

export interface ScheduledWorkflow {
  workflowId: string;
  enabled: boolean;
  schedule: ScheduleSpec;
}

export interface SchedulerEngine {
  /** Every workflow whose trigger is a schedule (enabled or not). */
  listScheduled(): ScheduledWorkflow[];
  startRun(opts: { workflow: string; input: unknown; trigger: { type: 'schedule'; detail: unknown }; idempotencyKey: string }): Promise<{ runId: string }>;
  /** Whether the engine accepts new runs right now (pause all). Default true. */
  paused?(): boolean;
}

export interface SchedulerLog {
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
}

export interface SchedulerOptions {
  orm: Orm;
  engine: SchedulerEngine;
  log?: SchedulerLog;
  /** Injectable clock (tests). */
  now?: () => Date;
  /** Longest sleep between ticks (default 30 s). */
  maxSleepMs?: number;
  /** Whether to arm a real timer (false in tests that call tick() themselves). */
  autoTick?: boolean;
}

export interface TickResult {
  started: { workflowId: string; fireAt: string; runId: string; late: boolean }[];
  /** Fires another process (or an earlier tick) already claimed. */
  alreadyClaimed: number;
  skipped: number;
  failed: { workflowId: string; fireAt: string; error: string }[];
}

const specKey = (s: ScheduleSpec) => `${s.cron}|${s.timezone}`;
export const fireKey = (workflowId: string, fireAt: string) => `schedule:${workflowId}:${fireAt}`;

export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<TickResult> | null = null;
  private stopped = true;
  private again = false;
  readonly now: () => Date;

  constructor(private readonly opts: SchedulerOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.recoverClaims();
    await this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running) await this.running.catch(() => undefined);
  }

  /** Re-evaluate now (a workflow was imported, enabled or changed); during a tick, once more right after it. */
  poke(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else void this.tick();
  }

  /**
   * Claims left in "claimed" by a process that died between the claim and the
   * start: start them now with the same idempotency key (the engine returns the
   * existing run if it had been created).
   */
  async recoverClaims(): Promise<number> {
    const { orm } = this.opts;
    const rows = orm.select().from(scheduleFires).where(eq(scheduleFires.status, 'claimed')).all();
    const known = new Map(this.opts.engine.listScheduled().map((w) => [w.workflowId, w]));
    let n = 0;
    for (const r of rows) {
      const wf = known.get(r.workflowId);
      if (!wf || !wf.enabled) {
        orm.update(scheduleFires).set({ status: 'failed', error: 'workflow no longer scheduled or disabled' }).where(eq(scheduleFires.id, r.id)).run();
        continue;
      }
      await this.startFire(wf, r.fireAt, r.late);
      n++;
    }
    return n;
  }

  /** One pass over every scheduled workflow; serialised (a tick never overlaps another in this process). */
  tick(): Promise<TickResult> {
    if (this.running) return this.running;
    this.running = this.doTick().finally(() => {
      this.running = null;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.tick();
      } else this.arm();
    });
    return this.running;
  }

  /** The next fire of any enabled scheduled workflow (for the timer and for UIs). */
  nextWake(): Date | null {
    const now = this.now();
    let best: Date | null = null;
    for (const w of this.opts.engine.listScheduled()) {
      if (!w.enabled) continue;
      let next: Date | null = null;
      try {
        next = nextFireAfter(w.schedule.cron, w.schedule.timezone, now);
      } catch {
        continue;
      }
      if (next && (!best || next < best)) best = next;
    }
    return best;
  }

  private arm(): void {
    if (this.stopped || this.opts.autoTick === false) return;
    if (this.timer) clearTimeout(this.timer);
    const max = this.opts.maxSleepMs ?? 30_000;
    const next = this.nextWake();
    const delay = next ? Math.min(max, Math.max(0, next.getTime() - this.now().getTime()) + 5) : max;
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref();
  }

  private async doTick(): Promise<TickResult> {
    const { orm, engine, log } = this.opts;
    const result: TickResult = { started: [], alreadyClaimed: 0, skipped: 0, failed: [] };
    if (engine.paused?.()) return result;
    const now = this.now();
    const nowIso = now.toISOString();
    const workflows = engine.listScheduled();
    const states = new Map(orm.select().from(scheduleState).all().map((s) => [s.workflowId, s]));
    for (const wf of workflows) {
      const state = states.get(wf.workflowId);
      if (!wf.enabled) {
        // Forget the cursor: re-enabling starts from then, it does not catch up the disabled period.
        if (state) orm.delete(scheduleState).where(eq(scheduleState.workflowId, wf.workflowId)).run();
        continue;
      }
      const key = specKey(wf.schedule);
      if (!state || state.spec !== key) {
        // First sight of this schedule (or a changed one): start from now.
        orm
          .insert(scheduleState)
          .values({ workflowId: wf.workflowId, spec: key, handledUntil: nowIso, updatedAt: nowIso })
          .onConflictDoUpdate({ target: scheduleState.workflowId, set: { spec: key, handledUntil: nowIso, updatedAt: nowIso } })
          .run();
        continue;
      }
      let due;
      try {
        due = dueFires(wf.schedule, new Date(state.handledUntil), now);
      } catch (e) {
        log?.error('schedule cannot be evaluated', { workflowId: wf.workflowId, error: (e as Error).message });
        continue;
      }
      const graceEdge = now.getTime() - 60_000;
      for (const f of due.fire) {
        const fireAt = f.toISOString();
        const late = f.getTime() < graceEdge;
        const claim = orm
          .insert(scheduleFires)
          .values({ workflowId: wf.workflowId, fireAt, status: 'claimed', late })
          .onConflictDoNothing()
          .run();
        if (claim.changes === 0) {
          result.alreadyClaimed++;
          continue;
        }
        const r = await this.startFire(wf, fireAt, late);
        if ('runId' in r) result.started.push({ workflowId: wf.workflowId, fireAt, runId: r.runId, late });
        else result.failed.push({ workflowId: wf.workflowId, fireAt, error: r.error });
      }
      result.skipped += due.skipped;
      if (due.skipped > 0) log?.info('schedule fires skipped by the catch-up policy', { workflowId: wf.workflowId, skipped: due.skipped });
      // Move the cursor forward only (another process may have gone further).
      orm
        .update(scheduleState)
        .set({ handledUntil: due.handledUntil.toISOString(), skipped: sql`${scheduleState.skipped} + ${due.skipped}`, updatedAt: nowIso })
        .where(and(eq(scheduleState.workflowId, wf.workflowId), sql`${scheduleState.handledUntil} < ${due.handledUntil.toISOString()}`))
        .run();
    }
    return result;
  }

  private async startFire(wf: ScheduledWorkflow, fireAt: string, late: boolean): Promise<{ runId: string } | { error: string }> {
    const { orm, engine, log } = this.opts;
    const where = and(eq(scheduleFires.workflowId, wf.workflowId), eq(scheduleFires.fireAt, fireAt));
    try {
      const { runId } = await engine.startRun({
        workflow: wf.workflowId,
        input: { fireAt, late },
        trigger: { type: 'schedule', detail: { fireAt, late, cron: wf.schedule.cron, timezone: wf.schedule.timezone } },
        idempotencyKey: fireKey(wf.workflowId, fireAt),
      });
      orm.update(scheduleFires).set({ status: 'started', runId, startedAt: this.now().toISOString() }).where(where).run();
      log?.info('schedule fired', { workflowId: wf.workflowId, fireAt, runId, late });
      return { runId };
    } catch (e) {
      const error = (e as Error).message;
      orm.update(scheduleFires).set({ status: 'failed', error }).where(where).run();
      log?.error('schedule fire could not start a run', { workflowId: wf.workflowId, fireAt, error });
      return { error };
    }
  }
}
