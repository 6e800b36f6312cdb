/**
 * Undo/redo as a pure reducer over snapshots (the drafts are immutable, so a
 * snapshot is a reference). Typing in one field, or moving one node with the
 * arrow keys, makes one step, not one per key: consecutive commits with the
 * same `group` within `COALESCE_MS` replace the last step instead of adding one.
 */

export interface History<S> {
  past: S[];
  present: S;
  future: S[];
  /** The group and time of the last commit (coalescing). */
  last: { group: string; at: number } | null;
}

export type HistoryAction<S> =
  | { type: 'commit'; next: S; group?: string; at?: number }
  | { type: 'undo' }
  | { type: 'redo' }
  /** A new starting point (loaded, or saved and reloaded): no undo past it. */
  | { type: 'reset'; present: S };

export const HISTORY_LIMIT = 200;
export const COALESCE_MS = 1500;

export function initHistory<S>(present: S): History<S> {
  return { past: [], present, future: [], last: null };
}

export function historyReducer<S>(h: History<S>, a: HistoryAction<S>): History<S> {
  switch (a.type) {
    case 'commit': {
      if (a.next === h.present) return h;
      const at = a.at ?? Date.now();
      const coalesce = a.group !== undefined && h.last !== null && h.last.group === a.group && at - h.last.at <= COALESCE_MS && h.past.length > 0;
      const past = coalesce ? h.past : [...h.past, h.present].slice(-HISTORY_LIMIT);
      return { past, present: a.next, future: [], last: a.group !== undefined ? { group: a.group, at } : null };
    }
    case 'undo': {
      const prev = h.past[h.past.length - 1];
      if (prev === undefined) return h;
      return { past: h.past.slice(0, -1), present: prev, future: [h.present, ...h.future], last: null };
    }
    case 'redo': {
      const [next, ...rest] = h.future;
      if (next === undefined) return h;
      return { past: [...h.past, h.present], present: next, future: rest, last: null };
    }
    case 'reset':
      return initHistory(a.present);
  }
}

export const canUndo = (h: History<unknown>): boolean => h.past.length > 0;
export const canRedo = (h: History<unknown>): boolean => h.future.length > 0;
