// The statements every contact write runs (a form post, a workflow's crm.contact.upsert) must cost the
// same whatever the size of the store: they reach rows by key, never walk an index range that grows
// with every contact (the lead loop writes thousands a minute).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { openTestCore } from '../helpers';

let core: Core;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ core, cleanup } = await openTestCore());
});
afterEach(async () => cleanup());

/** The SQL of every statement prepared while `fn` runs. */
async function preparedDuring(fn: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const prepare = core.db.prepare.bind(core.db);
  core.db.prepare = ((sql: string) => {
    seen.push(sql);
    return prepare(sql);
  }) as typeof core.db.prepare;
  try {
    await fn();
  } finally {
    core.db.prepare = prepare;
  }
  return seen;
}

const plan = (sql: string) =>
  (core.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => '[1]')) as { detail: string }[]).map((r) => r.detail).join(' | ');

describe('contact writes', () => {
  it('fill the contact into their contact.created / contact.updated events by event id, not through the type index', async () => {
    const sqls = await preparedDuring(async () => {
      const a = await core.call('contacts.create', { email: 'ada@example.com', firstName: 'Ada' });
      await core.call('contacts.update', { id: a.id, set: { lastName: 'Lovelace' }, addTags: ['vip'] });
    });
    const snapshots = [...new Set(sqls.filter((s) => /^\s*UPDATE events SET data/.test(s)))];
    expect(snapshots.length).toBeGreaterThan(0);
    for (const sql of snapshots) {
      const p = plan(sql);
      expect(p).toMatch(/SEARCH events USING INTEGER PRIMARY KEY/);
      expect(p).not.toMatch(/events_type/);
    }
    // …and the events carry the contact as of commit, `changes` kept as recorded.
    const data = (type: string) =>
      JSON.parse((core.db.prepare(`SELECT data FROM events WHERE type = ? ORDER BY id DESC LIMIT 1`).get(type) as { data: string }).data) as Record<string, unknown>;
    expect(data('contact.created')).toMatchObject({ email: 'ada@example.com', firstName: 'Ada', lastName: null, initialStage: 'lead' });
    expect(data('contact.updated')).toMatchObject({ email: 'ada@example.com', lastName: 'Lovelace', tags: ['vip'], changes: { lastName: { from: null, to: 'Lovelace' } } });
  });
});
