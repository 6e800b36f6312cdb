/**
 * Which of two states of the window's connection is newer. No zod: the renderer's first bundle
 * uses it without the contract. Re-exported by ./connection.ts.
 */

/** What carries a revision (a WindowConnection): `boot` is new each time the host starts, `seq` counts its changes. */
export interface Revisioned {
  revision: { boot: string; seq: number };
}

/** Whether `next` is at least as new as `prev` (a restarted host starts a new boot, so its state always wins). */
export function isNewerConnection(prev: Revisioned | null, next: Revisioned): boolean {
  if (!prev || prev.revision.boot !== next.revision.boot) return true;
  return next.revision.seq >= prev.revision.seq;
}
