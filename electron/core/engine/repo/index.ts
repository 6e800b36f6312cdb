/**
 * The engine's repository: its tables behind typed methods, one group per table
 * (runs, steps, timers, outbox, approvals, escalations, events, workflows,
 * plans, learnings, run_responses, and `state`: engine_state, engine_instances
 * and the settings the engine reads). The SQL is private to each group; JSON
 * columns are written from values and parsed when read (parseStored: damage is
 * a StoredDataError naming the column and row), except the step outputs the
 * state machine splices as text (advance.ts StepState).
 *
 * No transaction is begun here except by `transaction()`: the store (store.ts)
 * decides what is atomic. One repository per connection (engineRepo(db)); its
 * groups prepare their statements on first use, so a worker thread prepares
 * only what it runs. eslint.config.js refuses `.prepare(` anywhere else in
 * electron/core/engine (tests/layers.test.ts).
 */
import type { Sqlite } from '../../db/open';
import { ApprovalsRepo } from './approvals';
import { EscalationsRepo } from './escalations';
import { EventsRepo } from './events';
import { LearningsRepo, PlansRepo } from './journal';
import { OutboxRepo } from './outbox';
import { ResponsesRepo } from './responses';
import { RunsRepo } from './runs';
import { StateRepo } from './state';
import { StepsRepo } from './steps';
import { TimersRepo } from './timers';
import { WorkflowsRepo } from './workflows';

export type { ApprovalListFilter, ApprovalRecord, ApprovalView, NewApproval } from './approvals';
export type { NewEscalation } from './escalations';
export type { EventRecord } from './events';
export type { OutboxEntry } from './outbox';
export type { RunResponseRecord } from './responses';
export type { ChildRun, NewRun, RunDetailView, RunHead, RunListFilter, RunView } from './runs';
export type { EventWaitSpec, StepDetailRow, StepEnd, StepStateRow } from './steps';
export type { DueTimer, TimerKind } from './timers';
export type { NewWorkflow, WorkflowHead, WorkflowSummaryRow } from './workflows';
export type { ApprovalsRepo, EscalationsRepo, EventsRepo, LearningsRepo, OutboxRepo, PlansRepo, ResponsesRepo, RunsRepo, StateRepo, StepsRepo, TimersRepo, WorkflowsRepo };

export class EngineRepo {
  readonly #db: Sqlite;
  #runs?: RunsRepo;
  #steps?: StepsRepo;
  #timers?: TimersRepo;
  #outbox?: OutboxRepo;
  #approvals?: ApprovalsRepo;
  #escalations?: EscalationsRepo;
  #events?: EventsRepo;
  #workflows?: WorkflowsRepo;
  #plans?: PlansRepo;
  #learnings?: LearningsRepo;
  #responses?: ResponsesRepo;
  #state?: StateRepo;

  constructor(db: Sqlite) {
    this.#db = db;
  }

  get runs(): RunsRepo {
    return (this.#runs ??= new RunsRepo(this.#db));
  }
  get steps(): StepsRepo {
    return (this.#steps ??= new StepsRepo(this.#db));
  }
  get timers(): TimersRepo {
    return (this.#timers ??= new TimersRepo(this.#db));
  }
  get outbox(): OutboxRepo {
    return (this.#outbox ??= new OutboxRepo(this.#db));
  }
  get approvals(): ApprovalsRepo {
    return (this.#approvals ??= new ApprovalsRepo(this.#db));
  }
  get escalations(): EscalationsRepo {
    return (this.#escalations ??= new EscalationsRepo(this.#db));
  }
  get events(): EventsRepo {
    return (this.#events ??= new EventsRepo(this.#db));
  }
  get workflows(): WorkflowsRepo {
    return (this.#workflows ??= new WorkflowsRepo(this.#db));
  }
  get plans(): PlansRepo {
    return (this.#plans ??= new PlansRepo(this.#db));
  }
  get learnings(): LearningsRepo {
    return (this.#learnings ??= new LearningsRepo(this.#db));
  }
  get responses(): ResponsesRepo {
    return (this.#responses ??= new ResponsesRepo(this.#db));
  }
  /** engine_state, engine_instances and the settings the engine reads. */
  get state(): StateRepo {
    return (this.#state ??= new StateRepo(this.#db));
  }

  /**
   * `fn` in one IMMEDIATE transaction (nested: a savepoint of the caller's). For code without a store
   * (workflow imports); the store's own tx() also holds back push events until the commit.
   */
  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn).immediate();
  }
}

/** Per connection (each thread has its own; a test process opens many). */
const repos = new WeakMap<Sqlite, EngineRepo>();

/** The engine's repository on `db` (one per connection: statements are prepared once). */
export function engineRepo(db: Sqlite): EngineRepo {
  let r = repos.get(db);
  if (!r) repos.set(db, (r = new EngineRepo(db)));
  return r;
}
