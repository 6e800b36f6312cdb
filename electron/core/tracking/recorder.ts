/**
 * Recording tracked activity cheaply (docs/tracking.md, "Recording"): each
 * click, open or site event is queued, and every queued one of the same turn
 * of the event loop is written in ONE transaction (group commit): one INSERT
 * into events per item (through the CRM store, so last_activity_at, segment
 * membership and the contact's timeline follow), then the scores of those
 * contacts, then the usual after-commit work (pushes, segment.entered/left,
 * the engine's event triggers). The caller awaits its batch's commit, so an
 * answered click is a recorded click.
 */
import type { Core } from '../core';
import { afterCommit } from '../crm/publish';
import { rescore } from '../crm/scoring';
import { newPending, storeOf } from '../crm/store';

export type TrackedType = 'email.clicked' | 'email.opened' | 'page.visited' | 'form.viewed';

export interface TrackedEvent {
  type: TrackedType;
  contactId: number;
  at: string;
  data: Record<string, unknown>;
}

interface Batch {
  items: TrackedEvent[];
  done: Promise<number>;
  resolve(n: number): void;
  reject(e: unknown): void;
}

export class Recorder {
  private open: Batch | null = null;
  /** Events written so far (the bench's count). */
  written = 0;

  constructor(private readonly core: Core) {}

  /** Queue one event; resolves with how many of its batch were written once the batch committed. */
  record(e: TrackedEvent): Promise<number> {
    let b = this.open;
    if (!b) {
      let resolve!: (n: number) => void;
      let reject!: (e: unknown) => void;
      const done = new Promise<number>((ok, no) => {
        resolve = ok;
        reject = no;
      });
      b = this.open = { items: [], done, resolve, reject };
      const batch = b;
      setImmediate(() => this.flush(batch));
    }
    b.items.push(e);
    return b.done;
  }

  private flush(b: Batch): void {
    if (this.open === b) this.open = null;
    try {
      b.resolve(this.write(b.items));
    } catch (e) {
      b.reject(e);
    }
  }

  private write(items: TrackedEvent[]): number {
    const { core } = this;
    const store = storeOf(core);
    const live = store.stmt(`SELECT 1 FROM contacts WHERE id = ? AND deleted_at IS NULL`);
    const p = newPending();
    let n = 0;
    core.db.transaction(() => {
      for (const e of items) {
        // A contact deleted since the e-mail went out: the link still works, nothing is recorded.
        if (!live.get(e.contactId)) continue;
        store.recordEvent(p, e.type, e.contactId, e.at, e.data);
        n++;
      }
      if (p.rescore.size) rescore(core, { ids: [...p.rescore], pending: p });
    })();
    afterCommit(core, p);
    this.written += n;
    return n;
  }
}
