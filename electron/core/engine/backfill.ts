/**
 * "Run for the N existing matching events": an event trigger starts at its
 * workflow's events_from mark (docs/engine.md, "Event triggers"); the events
 * recorded before it are only run when the person asks, through this. A dry
 * run counts; a real run starts one run per matching event with the trigger's
 * idempotency key `event:<id>`, so a second backfill (or the dispatcher) never
 * starts the same event twice.
 */
import { ApiError } from '../../../shared/api';
import { loadDefinition } from './compile';
import { eventRunOptions, type Engine } from './engine';
import { compileExpression } from './expr';

export interface BackfillOptions {
  /** Only events recorded at or after this time (ISO). */
  since?: string | undefined;
  /** Start at most this many runs (the oldest matching events first). */
  limit: number;
  dryRun: boolean;
}

export interface BackfillResult {
  id: string;
  dryRun: boolean;
  event: string;
  filter: string | null;
  /** The trigger's mark: events with an id up to it are "existing" (recorded before it listened). */
  eventsFrom: number;
  listeningSince: string | null;
  /** Existing events of the trigger's type (since `since`). */
  scanned: number;
  /** Of those, the ones the trigger's filter accepts. */
  matching: number;
  /** Matching events that already have a run (an earlier backfill): never started again. */
  alreadyRun: number;
  /** Runs a real backfill starts now (dry run: would start), at most `limit`. */
  toStart: number;
  /** Runs started (0 in a dry run). */
  started: number;
  /** Events whose subject already has an active run of this workflow (settings.reenroll false): not started. */
  skippedActive: number;
  /** Matching events without a run left after this call (over the limit). */
  remaining: number;
  /** The first runs started (at most 100). */
  runIds: string[];
}

const PAGE = 1000;
const TX = 500;

export async function backfill(engine: Engine, id: string, o: BackfillOptions): Promise<BackfillResult> {
  const db = engine.core.db;
  const repo = engine.store.repo;
  const wf = repo.workflows.eventsFrom(id);
  if (!wf) throw new ApiError('not_found', `No workflow "${id}".`);
  const def = loadDefinition(db, id, wf.version);
  if (def.trigger.type !== 'event') {
    throw new ApiError('invalid_input', `Workflow "${id}" is triggered by ${def.trigger.type}, not by an event: there are no past events to run it for.`, [
      { path: 'id', message: `trigger is ${def.trigger.type}` },
    ]);
  }
  const filter = def.trigger.filter ?? null;
  const test = filter ? compileExpression(filter) : null;
  const since = o.since ? new Date(o.since).toISOString() : null;
  const hasRun = (key: string) => repo.runs.byIdempotencyKey(id, key) !== undefined;
  const out: BackfillResult = {
    id,
    dryRun: o.dryRun,
    event: def.trigger.event,
    filter,
    eventsFrom: wf.eventsFrom,
    listeningSince: wf.eventsFromAt,
    scanned: 0,
    matching: 0,
    alreadyRun: 0,
    toStart: 0,
    started: 0,
    skippedActive: 0,
    remaining: 0,
    runIds: [],
  };
  const chosen: ReturnType<typeof eventRunOptions>[] = [];
  let after = 0;
  for (;;) {
    const rows = repo.events.ofType(def.trigger.event, after, wf.eventsFrom, since, PAGE);
    if (!rows.length) break;
    after = (rows[rows.length - 1] as (typeof rows)[number]).id;
    for (const event of rows) {
      out.scanned++;
      if (test) {
        let ok = false;
        try {
          ok = Boolean(await test.evaluate({ event }, engine.clock));
        } catch {
          ok = false; // as the dispatcher: a filter that fails on an event does not match it
        }
        if (!ok) continue;
      }
      out.matching++;
      if (hasRun(`event:${event.id}`)) {
        out.alreadyRun++;
        continue;
      }
      if (chosen.length < o.limit) chosen.push(eventRunOptions(id, event, { backfill: true }));
      else out.remaining++;
    }
    if (rows.length < PAGE) break;
  }
  out.toStart = chosen.length;
  if (o.dryRun || !chosen.length) return out;
  for (let i = 0; i < chosen.length; i += TX) {
    const batch = chosen.slice(i, i + TX);
    engine.store.tx(() => {
      for (const opts of batch) {
        const r = engine.store.startRunTx(opts);
        if (r.deduplicated) {
          // The same event (a concurrent backfill) or the subject's active run.
          if (opts.idempotencyKey && hasRun(opts.idempotencyKey)) out.alreadyRun++;
          else out.skippedActive++;
          continue;
        }
        out.started++;
        if (out.runIds.length < 100) out.runIds.push(r.runId);
      }
    });
  }
  engine.wake();
  engine.core.log.info('workflow backfilled', { workflow: id, started: out.started, matching: out.matching });
  return out;
}
