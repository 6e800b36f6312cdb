/**
 * "You have unsaved changes": a page with unsaved edits registers a guard; every
 * way out of it inside the app (the sidebar, back/forward, a link, the page's own
 * buttons) asks first through `mayLeave`. Closing the tab or the window is the
 * page's `beforeunload` (the desktop shell turns it into a dialog). DOM-free.
 */

export interface LeaveGuard {
  /** The question asked. */
  message: string;
  /** The address of the guarded view: moving within it (same hash) is not leaving. */
  hash: string;
}

let current: LeaveGuard | null = null;

/** Register (or with null, remove) the guard of the page shown. */
export function setLeaveGuard(g: LeaveGuard | null): void {
  current = g;
}

export function leaveGuard(): LeaveGuard | null {
  return current;
}

/**
 * May the person go to `toHash`? True without a guard or when it stays in the guarded view; otherwise
 * `confirm(message)` decides, and a yes drops the guard (the page is being left).
 */
export function mayLeave(toHash: string | null, confirm: (message: string) => boolean): boolean {
  const g = current;
  if (!g || (toHash !== null && toHash === g.hash)) return true;
  if (!confirm(g.message)) return false;
  current = null;
  return true;
}
