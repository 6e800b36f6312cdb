// What a contact write costs. The statements every contact write runs (a form post, a workflow's crm.contact.upsert) must cost the
// same whatever the size of the store: they reach rows by key, never walk an index range that grows
// with every contact (the lead loop writes thousands a minute).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { patchContact, recordContactEvent, upsertContact } from '../../electron/core/crm/automation';
import { newPending } from '../../electron/core/crm/store';
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

describe('workflow writes (crm.contact.upsert / update / tag, crm.event.record)', () => {
  const via = { workflowId: 'wf', runId: 'r1', nodeId: 'n1' };
  /** A contact whose stored score no rule would give (999): a re-score brings it back to what the rules say. */
  async function stale(email: string): Promise<number> {
    const c = await core.call('contacts.create', { email, title: 'CTO' });
    core.db.prepare(`UPDATE contacts SET score = 999 WHERE id = ?`).run(c.id);
    return c.id;
  }
  const score = (id: number) => (core.db.prepare(`SELECT score FROM contacts WHERE id = ?`).get(id) as { score: number }).score;
  const write = <T>(fn: (p: ReturnType<typeof newPending>) => T): T => core.db.transaction(() => fn(newPending()))();

  it('re-score the contact when they change what the scoring rules read, and leave the score alone when they do not', async () => {
    await core.call('scoring.rules.set', {
      config: {
        thresholds: { mql: 50, sql: 100 },
        fit: [
          { id: 'vip', when: { kind: 'tag', op: 'has', tag: 'vip' }, points: 7 },
          { id: 'phone', when: { kind: 'field', field: 'phone', op: 'exists' }, points: 3 },
        ],
        behavior: [{ id: 'demo', event: 'custom', points: 11 }],
      },
    });
    // Read by no rule: a tag, a field, an event type. The contact.updated / custom events are still written and filled.
    const a = await stale('a@example.com');
    write((p) => upsertContact(core, p, { fields: { email: 'a@example.com' }, tags: ['lead'] }, via));
    write((p) => patchContact(core, p, a, { fields: { lastName: 'Lovelace' } }, 'workflow:wf'));
    write((p) => recordContactEvent(core, p, a, 'page.visited', { url: '/blog' }));
    expect(score(a)).toBe(999);
    const updated = core.db.prepare(`SELECT data FROM events WHERE type = 'contact.updated' AND subject_id = ? ORDER BY id`).all(String(a)) as { data: string }[];
    expect(updated.map((r) => JSON.parse(r.data) as { tags: string[]; lastName: string | null })).toMatchObject([{ tags: ['lead'] }, { lastName: 'Lovelace' }]);
    // Read by a rule: each re-scores at once.
    const b = await stale('b@example.com');
    write((p) => upsertContact(core, p, { fields: { email: 'b@example.com' }, tags: ['vip'] }, via));
    expect(score(b)).toBe(7);
    const c = await stale('c@example.com');
    write((p) => patchContact(core, p, c, { fields: { phone: '+1 555 0100' } }, 'workflow:wf'));
    expect(score(c)).toBe(3);
    const d = await stale('d@example.com');
    write((p) => recordContactEvent(core, p, d, 'custom', { name: 'demo' }));
    expect(score(d)).toBe(11);
    // A contact the upsert creates is always scored.
    write((p) => upsertContact(core, p, { fields: { email: 'e@example.com', phone: '+1 555 0101' }, tags: ['vip'] }, via));
    expect(score((core.db.prepare(`SELECT id FROM contacts WHERE email = 'e@example.com'`).get() as { id: number }).id)).toBe(10);
  });
});
