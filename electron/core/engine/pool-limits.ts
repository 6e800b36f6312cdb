/**
 * When engine workers retire and come back, and the limits that keep runaway
 * work bounded (pool.ts, executor.ts). A module of its own so the worker file
 * (jobs/dispatcher.ts) and the node files import these without pool.ts and Bree.
 */

/** A worker does not retire when a timer is due within this. */
export const RETIRE_TIMER_MARGIN_MS = 10_000;
/** The main thread starts a retired worker when a timer is due within this. */
export const ENSURE_TIMER_MARGIN_MS = 5_000;
/** How long a worker stays without work before it retires (0: never). */
export const DEFAULT_IDLE_EXIT_MS = 15_000;
/** A spare worker (started beside a stuck one) retires sooner. */
export const SPARE_IDLE_EXIT_MS = 3_000;

/** A step's timeout when its node sets none, and the limit for evaluating its expressions (setting engine.stepTimeout). */
export const DEFAULT_STEP_TIMEOUT_MS = 60_000;
/** Default step timeout of nodes that wait on the network (http.request, email.send, wordpress.publish). */
export const NETWORK_STEP_TIMEOUT_MS = 10 * 60_000;
/** Default step timeout of AI nodes (a Claude call with its retries). */
export const AI_STEP_TIMEOUT_MS = 30 * 60_000;
/** Heap limit of a worker thread in MB (V8 old generation; setting engine.workerHeapMb). */
export const DEFAULT_WORKER_HEAP_MB = 512;

/** How often the main thread's watchdog looks at the workers' running steps. */
export const WATCHDOG_MS = 250;
/**
 * A step still running this long after its deadline means its worker is stuck (the worker's own timer
 * ends a step at its deadline whenever the worker's event loop runs): the worker is ended.
 */
export const KILL_GRACE_MS = 1_000;
/** A worker whose event loop has not turned for this long, with steps running, is stuck: a spare worker starts. */
export const STALL_MS = 1_000;
/** Running steps older than this are checked against the store (cancelled meanwhile?). */
export const ORPHAN_CHECK_MS = 1_000;
/** A cancelled step still running this long after its worker was told to abort it: the worker is ended. */
export const ABORT_GRACE_MS = 1_000;
/** engine.stop(): how long workers get to finish their batch before they are ended. */
export const STOP_GRACE_MS = 1_000;
/** A step whose worker died this many times while running it fails instead of running again. */
export const WORKER_DEATHS_TO_FAIL = 2;

/**
 * A pool that starts with nothing to do starts its workers this long after (or at the first work):
 * a starting host answers its first requests before the threads load the engine beside it.
 */
export const WORKERS_AFTER_START_MS = 1_000;
