/**
 * Decisions made while Baton is not reachable: kept in localStorage at once, shown
 * as "saved — sends when connected", and sent when the event stream reconnects
 * (or on "Send now"). Each one is sent once; the server keeps the first decision,
 * so a decision made elsewhere meanwhile wins and is reported.
 */
import { create } from 'zustand';
import type { Approval } from '../../../../shared/api';

export interface QueuedDecision {
  id: string;
  decision: 'approve' | 'reject';
  payload?: unknown;
  reason?: string;
  title: string;
  savedAt: string;
}

export interface SendOutcome {
  approval: Approval;
  alreadyDecided: boolean;
  message: string;
}

const KEY = 'baton.approvals.queue';

/** The browser's localStorage where there is one (Node tests: none). */
interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}
function storage(): KeyValueStore | undefined {
  return (globalThis as { localStorage?: KeyValueStore }).localStorage;
}

function load(): QueuedDecision[] {
  try {
    const raw = storage()?.getItem(KEY);
    const v: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(v) ? (v.filter((x) => x && typeof (x as QueuedDecision).id === 'string') as QueuedDecision[]) : [];
  } catch {
    return [];
  }
}

function save(items: QueuedDecision[]): void {
  try {
    if (items.length) storage()?.setItem(KEY, JSON.stringify(items));
    else storage()?.removeItem(KEY);
  } catch {
    /* storage full or blocked: the queue still lives in memory */
  }
}

interface QueueState {
  items: QueuedDecision[];
  sending: boolean;
  /** The last outcomes of a flush (decided elsewhere meanwhile, or errors). */
  notes: string[];
}

export const useDecisionQueue = create<QueueState>(() => ({ items: load(), sending: false, notes: [] }));

export function enqueue(d: Omit<QueuedDecision, 'savedAt'>): void {
  const items = [...useDecisionQueue.getState().items.filter((x) => x.id !== d.id), { ...d, savedAt: new Date().toISOString() }];
  save(items);
  useDecisionQueue.setState({ items });
}

export function isQueued(id: string): boolean {
  return useDecisionQueue.getState().items.some((x) => x.id === id);
}

/**
 * Send every queued decision in order. `send` throws an error with code
 * "unavailable" when Baton is still unreachable: the rest stays queued.
 */
export async function flushQueue(send: (d: QueuedDecision) => Promise<SendOutcome>, onSent?: (o: SendOutcome) => void): Promise<void> {
  const st = useDecisionQueue.getState();
  if (st.sending || !st.items.length) return;
  useDecisionQueue.setState({ sending: true, notes: [] });
  const notes: string[] = [];
  try {
    for (const d of [...useDecisionQueue.getState().items]) {
      let drop = true;
      try {
        const o = await send(d);
        if (o.alreadyDecided) notes.push(`“${d.title}”: ${o.message}`);
        onSent?.(o);
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'unavailable') {
          drop = false;
          break;
        }
        notes.push(`“${d.title}”: ${(e as Error).message}`);
      } finally {
        if (drop) {
          const items = useDecisionQueue.getState().items.filter((x) => x !== d);
          save(items);
          useDecisionQueue.setState({ items });
        }
      }
    }
  } finally {
    useDecisionQueue.setState({ sending: false, notes });
  }
}
