/**
 * When engine workers retire and come back (pool.ts). A module of its own so the
 * worker file (jobs/dispatcher.ts) imports these without pool.ts and Bree.
 */

/** A worker does not retire when a timer is due within this. */
export const RETIRE_TIMER_MARGIN_MS = 10_000;
/** The main thread starts a retired worker when a timer is due within this. */
export const ENSURE_TIMER_MARGIN_MS = 5_000;
/** How long a worker stays without work before it retires (0: never). */
export const DEFAULT_IDLE_EXIT_MS = 15_000;
