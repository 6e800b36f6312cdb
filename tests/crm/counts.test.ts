// The contacts list's unfiltered total comes from crm_counts (migration 0022), changed in the same
// transaction as every write that adds, removes, soft-deletes, restores or merges a contact. After each kind of write it must equal a real count, and the list's
// total with it; a failed write (a rolled-back import) leaves it as it was.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { listContacts, purgeDeleted } from '../../electron/core/crm/contacts';
import { seedDemo } from '../../electron/core/crm/demo';
import { resourcesDir } from '../../electron/core/resources';
import { openTestCore } from '../helpers';

let core: Core;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ core, cleanup } = await openTestCore());
});
afterEach(async () => cleanup());

const kept = () =>
  Object.fromEntries((core.db.prepare(`SELECT key, n FROM crm_counts ORDER BY key`).all() as { key: string; n: number }[]).map((r) => [r.key, r.n]));
const real = () => ({
  'contacts.deleted': core.db.prepare(`SELECT COUNT(*) FROM contacts NOT INDEXED WHERE deleted_at IS NOT NULL AND merged_into IS NULL`).pluck().get() as number,
  'contacts.live': core.db.prepare(`SELECT COUNT(*) FROM contacts NOT INDEXED WHERE deleted_at IS NULL`).pluck().get() as number,
});
function agree(expected: { live: number; deleted: number }) {
  expect(kept()).toEqual(real());
  expect(real()).toEqual({ 'contacts.live': expected.live, 'contacts.deleted': expected.deleted });
  expect(listContacts(core, { offset: 0, limit: 1, deleted: false }).total).toBe(expected.live);
  expect(listContacts(core, { offset: 0, limit: 1, deleted: true }).total).toBe(expected.deleted);
}

describe('crm_counts', () => {
  it('the migration fills the counts from the contacts already stored', async () => {
    await core.call('contacts.create', { email: 'a@example.com' });
    const b = await core.call('contacts.create', { email: 'b@example.com' });
    await core.call('contacts.delete', { id: b.id });
    // As if the store predated migration 0022: the counts are gone; the migration's statement fills them again.
    core.db.exec(`DELETE FROM crm_counts`);
    const sql = readFileSync(join(resourcesDir(), 'migrations', '0023_contact_counts.sql'), 'utf8').split('--> statement-breakpoint').pop()!;
    core.db.exec(sql);
    agree({ live: 1, deleted: 1 });
  });

  it('follows create, import, soft delete, restore, merge and purge; a refused import changes nothing', async () => {
    agree({ live: 0, deleted: 0 });
    const a = await core.call('contacts.create', { email: 'a@example.com', firstName: 'Ada' });
    const b = await core.call('contacts.create', { email: 'b@example.com' });
    const c = await core.call('contacts.create', { email: 'c@example.com' });
    agree({ live: 3, deleted: 0 });
    // An import: two new rows, one existing (updated, not counted again), one invalid row reported.
    const r = await core.call('contacts.import', { csv: 'email,first name\nd@example.com,D\ne@example.com,E\na@example.com,Ada L\nnot-an-email,X\n' });
    expect(r.created).toBe(2);
    expect(r.invalidCount).toBe(1);
    agree({ live: 5, deleted: 0 });
    // A refused import (no e-mail column) writes nothing.
    await expect(core.call('contacts.import', { csv: 'name\nZed\n' })).rejects.toThrow(/email/);
    agree({ live: 5, deleted: 0 });
    await core.call('contacts.delete', { id: b.id });
    agree({ live: 4, deleted: 1 });
    await core.call('contacts.restore', { id: b.id });
    agree({ live: 5, deleted: 0 });
    // A merged-away contact is neither live nor in the trash.
    await core.call('contacts.merge', { targetId: a.id, sourceId: c.id });
    agree({ live: 4, deleted: 0 });
    await core.call('contacts.delete', { id: b.id });
    agree({ live: 3, deleted: 1 });
    // Purge after the undo window: the row is gone for good.
    expect(purgeDeleted(core, new Date(Date.now() + 365 * 86_400_000))).toBe(1);
    agree({ live: 3, deleted: 0 });
  });

  it('follows a bulk write (the demo seed inserts with its own statements)', async () => {
    seedDemo(core, { contacts: 500, seed: 1 });
    expect(kept()).toEqual(real());
    expect(kept()['contacts.live']).toBe(500);
    expect(listContacts(core, { offset: 0, limit: 10, deleted: false }).total).toBe(500);
  });
});

describe('the list total with one indexed comparison', () => {
  it('counts the same contacts as a full read of the table, through the live-row index', async () => {
    seedDemo(core, { contacts: 800, seed: 3 });
    const b = listContacts(core, { offset: 0, limit: 1, deleted: false }).rows[0]!;
    await core.call('contacts.delete', { id: b.id }); // a deleted contact never counts
    const cases: [Parameters<typeof listContacts>[1]['filter'], string, unknown[]][] = [
      [{ match: 'all', conditions: [{ kind: 'field', field: 'stage', op: 'eq', value: 'mql' }] }, `stage = ?`, ['mql']],
      [{ match: 'all', conditions: [{ kind: 'field', field: 'stage', op: 'in', value: ['lead', 'sql'] }] }, `stage IN (?, ?)`, ['lead', 'sql']],
      [{ match: 'all', conditions: [{ kind: 'field', field: 'score', op: 'gte', value: 20 }] }, `score >= ?`, [20]],
    ];
    for (const [filter, cond, params] of cases) {
      const expected = core.db.prepare(`SELECT COUNT(*) FROM contacts NOT INDEXED WHERE deleted_at IS NULL AND ${cond}`).pluck().get(...params) as number;
      expect(expected).toBeGreaterThan(0);
      expect(listContacts(core, { offset: 0, limit: 5, deleted: false, filter: filter! }).total).toBe(expected);
    }
  });
});
