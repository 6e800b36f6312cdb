/**
 * A form post (and an event ingest) while another connection writes (an engine worker committing
 * a step): their transaction takes the write lock first, so it never fails with SQLITE_BUSY after
 * having read (a deferred transaction that read an older WAL snapshot cannot upgrade to a writer).
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { storeOf } from '../../electron/core/crm';
import { ingestEvents, submitForm } from '../../electron/core/crm/events';
import { openTestCore } from '../helpers';

let core: Core;
let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ core, dir, cleanup } = await openTestCore());
  await core.call('forms.save', { slug: 'demo', name: 'Demo', fields: { email: 'email' }, tags: [] });
});
afterEach(async () => {
  await cleanup();
});

/** Another connection writes right after the transaction's first read (what a worker may do at any time). */
function writeBetweenReadAndWrite(): { attempts: () => number } {
  const other = new Database(join(dir, 'baton.db'), { timeout: 0 });
  const store = storeOf(core);
  const byEmail = store.byEmail.bind(store);
  let attempts = 0;
  store.byEmail = (email: string) => {
    const r = byEmail(email);
    attempts++;
    try {
      other.prepare(`INSERT INTO settings (key, value) VALUES (?, '1') ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(`test.concurrent.${attempts}`);
    } catch {
      /* the lock is held: the other writer waits its turn (here: gives up at once) */
    }
    return r;
  };
  return { attempts: () => attempts };
}

it('a form post commits though another connection writes in the middle of it', () => {
  const w = writeBetweenReadAndWrite();
  expect(submitForm(core, 'demo', { email: 'ada@example.com' })).toMatchObject({ created: true });
  expect(w.attempts()).toBeGreaterThan(0);
  expect((core.db.prepare(`SELECT COUNT(*) AS n FROM events WHERE type = 'form.submitted'`).get() as { n: number }).n).toBe(1);
});

it('an event ingest commits though another connection writes in the middle of it', () => {
  const w = writeBetweenReadAndWrite();
  expect(ingestEvents(core, [{ type: 'page.visited', email: 'bo@example.com' } as never]).ids).toHaveLength(1);
  expect(w.attempts()).toBeGreaterThan(0);
});
