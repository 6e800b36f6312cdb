// contacts.list `search` through the trigram index (migration 0011_crm_search) must return exactly
// what the plain LIKE scan it replaced returned, and the index must follow every write.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { listContacts, purgeDeleted, searchSql, WIDE_SEARCH } from '../../electron/core/crm/contacts';
import { maintenance } from '../../electron/core/crm';
import { syncSearchIndex } from '../../electron/core/crm/store';
import { countFilter } from '../../electron/core/crm/segments';
import { likeEscape } from '../../electron/core/crm/util';
import type { Filter } from '../../shared/api';
import { openTestCore } from '../helpers';

let core: Core;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ core, cleanup } = await openTestCore());
});
afterEach(async () => cleanup());

/** The search condition as it was before the index (a LIKE scan over every contact). */
function oldSearch(q: string, deleted = false): { total: number; ids: number[] } {
  const t = q.trim();
  const like = `%${likeEscape(t)}%`;
  const cond = t.includes(' ')
    ? `(c.email LIKE ? ESCAPE '\\' OR (c.first_name || ' ' || c.last_name) LIKE ? ESCAPE '\\')`
    : `(c.email LIKE ? ESCAPE '\\' OR c.first_name LIKE ? ESCAPE '\\' OR c.last_name LIKE ? ESCAPE '\\')`;
  const params = t.includes(' ') ? [like, like] : [like, like, like];
  const live = deleted ? 'c.deleted_at IS NOT NULL AND c.merged_into IS NULL' : 'c.deleted_at IS NULL';
  const ids = (core.db.prepare(`SELECT c.id FROM contacts c NOT INDEXED WHERE ${live} AND ${cond} ORDER BY c.id`).all(...params) as { id: number }[]).map((r) => r.id);
  return { total: ids.length, ids };
}
const newSearch = (q: string, deleted = false) => {
  const r = listContacts(core, { search: q, offset: 0, limit: 1000, deleted });
  return { total: r.total, ids: r.rows.map((c) => c.id) };
};

const PEOPLE: [string, string | null, string | null][] = [
  ['ada.lovelace@example.com', 'Ada', 'Lovelace'],
  ['ADA.KING@Example.org', 'ADA', 'King'],
  ['a_b@under.io', 'Under', 'Score'],
  ['axb@under.io', 'Axb', null],
  ['50%off@deals.shop', 'Fifty', 'Percent'],
  ['500off@deals.shop', null, 'Five Hundred'],
  ['emile@paris.fr', 'Émile', 'Zola'],
  ['emile2@paris.fr', 'émile', 'ÉMILE'],
  ['lukasz@wroclaw.pl', 'Łukasz', 'Żółć'],
  ['yamada@tokyo.jp', '山田', '太郎'],
  ['quote@x.io', 'Say "hi"', 'O\'Brien'],
  ['back\\slash@x.io', 'Back\\', 'Slash'],
  ['mary.ann@x.io', 'Mary Ann', 'Smith-Jones'],
  ['nofirst@x.io', null, 'Lovelace'],
  ['nolast@x.io', 'Lovelace', null],
];
const TERMS = [
  'lovelace', 'LOVELACE', 'LoveLace', 'ada', 'ADA', 'ada@', 'ada.l', '@example', 'example.com', 'ada love', 'Ada Lovelace', 'a k',
  '_', 'a_b', 'a_', '_b@', '%', '50%', '%off', '0%o', '500', '\\', 'back\\', 'h\\s',
  'émile', 'ÉMILE', 'Émile', 'emile', 'mile', 'łukasz', 'ŁUKASZ', 'żółć', '山田', '田', '太郎', '山田 太',
  '"hi"', 'say "', "o'b", 'mary ann', 'Mary Ann Smith', 'ann smith', 'smith-jones', '-jo',
  'ab', 'a', 'x', 'lo', ' lovelace ', 'nothing-here', 'ce', 'ce ', 'e l', '.io',
];

describe('contacts search', () => {
  it('returns what the LIKE scan returned: case, partial e-mail, unicode, LIKE wildcards, quotes, short terms', async () => {
    for (const [email, firstName, lastName] of PEOPLE) await core.call('contacts.create', { email, firstName, lastName });
    // a deleted contact is found only in the deleted list
    const gone = await core.call('contacts.create', { email: 'gone.lovelace@example.com', firstName: 'Gone' });
    await core.call('contacts.delete', { id: gone.id });
    for (const q of TERMS) {
      expect({ q, ...newSearch(q) }).toEqual({ q, ...oldSearch(q) });
      expect({ q, deleted: true, ...newSearch(q, true) }).toEqual({ q, deleted: true, ...oldSearch(q, true) });
    }
    // spot checks that the comparison is not vacuous
    expect(newSearch('lovelace').total).toBe(3);
    expect(newSearch('émile').ids).toHaveLength(1); // LIKE folds ASCII letters only: not Émile
    expect(newSearch('a_b').ids).toHaveLength(1); // _ is literal, not "any character"
    expect(newSearch('50%').ids).toHaveLength(1);
    expect(newSearch('lovelace', true).total).toBe(1);
    // through the API, with a filter and a sort
    const api = await core.call('contacts.list', { search: 'Lovelace', sort: { field: 'email', dir: 'desc' }, limit: 2 });
    expect(api.total).toBe(3);
    expect(api.rows.map((c) => c.email)).toEqual(['nolast@x.io', 'nofirst@x.io']);
  });

  it('is exact before and after the index is brought up to date; imports and maintenance bring it up to date', async () => {
    const state = () => ({
      queued: (core.db.prepare(`SELECT COUNT(*) AS n FROM contacts_search_pending`).get() as { n: number }).n,
      indexed: Number((core.db.prepare(`SELECT value FROM crm_state WHERE key = 'search.indexed'`).get() as { value: string }).value),
      top: (core.db.prepare(`SELECT COALESCE(MAX(id), 0) AS n FROM contacts`).get() as { n: number }).n,
    });
    const check = () => {
      for (const q of ['lovelace', 'ada', 'king', 'hopper', 'navy', 'example', 'grace h']) {
        expect({ q, ...newSearch(q) }).toEqual({ q, ...oldSearch(q) });
        expect({ q, ...newSearch(q, true) }).toEqual({ q, ...oldSearch(q, true) });
      }
    };
    const ada = await core.call('contacts.create', { email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' });
    expect(state()).toEqual({ queued: 0, indexed: 0, top: ada.id }); // new since the last sync: found by id
    check();
    expect(syncSearchIndex(core.db)).toBe(1);
    expect(state()).toEqual({ queued: 0, indexed: ada.id, top: ada.id });
    check();
    await core.call('contacts.update', { id: ada.id, set: { lastName: 'King' } }); // queued by the trigger
    await core.call('contacts.update', { id: ada.id, set: { title: 'Countess' } }); // not a search field: not queued
    expect(state().queued).toBe(1);
    expect(newSearch('lovelace').total).toBe(0);
    check();
    await core.call('contacts.import', { csv: 'email,first name,last name\ngrace@navy.mil,Grace,Hopper\nada@example.com,Ada,Lovelace\n' });
    expect(state()).toEqual({ queued: 0, indexed: ada.id + 1, top: ada.id + 1 }); // each import batch syncs
    check();
    await core.call('contacts.delete', { id: ada.id });
    purgeDeleted(core, new Date(Date.now() + 400 * 86_400_000));
    await core.call('contacts.create', { email: 'grace.h@example.com', firstName: 'Grace', lastName: 'H' });
    expect(state().queued).toBe(1);
    check();
    maintenance(core);
    expect(state()).toEqual({ queued: 0, indexed: ada.id + 2, top: ada.id + 2 });
    check();
    expect((core.db.prepare(`SELECT COUNT(*) AS n FROM contacts_search WHERE contacts_search MATCH '"lovelace"'`).get() as { n: number }).n).toBe(0);
  });

  it('follows creates, imports, edits, merges and purges', async () => {
    const a = await core.call('contacts.create', { email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' });
    await core.call('contacts.import', { csv: 'email,first name,last name\ngrace@navy.mil,Grace,Hopper\nada@example.com,,Byron\n' });
    expect(newSearch('hopper').total).toBe(1);
    expect(newSearch('lovelace').total).toBe(0); // the import changed her last name
    expect(newSearch('byron').total).toBe(1);
    await core.call('contacts.update', { id: a.id, set: { email: 'countess@example.com', firstName: 'Augusta' } });
    expect(newSearch('ada@').total).toBe(0);
    expect(newSearch('countess').total).toBe(1);
    expect(newSearch('augusta byron').total).toBe(1);
    const b = await core.call('contacts.create', { email: 'other@example.com', firstName: 'Other' });
    await core.call('contacts.merge', { targetId: a.id, sourceId: b.id });
    expect(newSearch('other').total).toBe(0);
    expect(newSearch('other', true).total).toBe(0); // merged contacts are not in the deleted list
    await core.call('contacts.delete', { id: a.id });
    expect(newSearch('countess', true).total).toBe(1);
    expect(purgeDeleted(core, new Date(Date.now() + 400 * 86_400_000))).toBe(1);
    const indexed = (core.db.prepare(`SELECT COUNT(*) AS n FROM contacts_search WHERE contacts_search MATCH '"countess"'`).get() as { n: number }).n;
    expect(indexed).toBe(0);
    for (const q of ['hopper', 'grace', 'example', 'other', 'augusta']) expect(newSearch(q)).toEqual(oldSearch(q));
  });

  it('a wide search: the streamed page, the capped count and the sort-index walk give what the straightforward query gives', async () => {
    // 2,600 contacts, half of them "Lovelace" in some case (more than WIDE_SEARCH), imported (indexed), then
    // new ones (not indexed yet), renamed ones (queued), deleted ones, and scores and dates that sort.
    const rows = ['email,first name,last name'];
    for (let i = 0; i < 2600; i++) rows.push(`p${i}@${i % 2 ? 'example.com' : 'love.io'},${['Ada', 'Grace', 'Lin'][i % 3]},${i % 2 ? ['Lovelace', 'LOVELACE', 'lovelaceson'][i % 3] : 'Hopper'}`);
    await core.call('contacts.import', { csv: rows.join('\n') + '\n' });
    core.db.prepare(`UPDATE contacts SET score = (id * 37) % 101, created_at = strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || ((id * 7919) % 500) || ' minutes')`).run();
    for (let i = 0; i < 30; i++) await core.call('contacts.create', { email: `new${i}@x.io`, firstName: 'New', lastName: i % 2 ? 'Lovelace' : 'Other' });
    const some = (core.db.prepare(`SELECT id FROM contacts ORDER BY id LIMIT 40`).pluck().all() as number[]);
    for (const id of some.slice(0, 20)) await core.call('contacts.update', { id, set: { lastName: id % 2 ? 'Hopper' : 'Lovelace' } });
    for (const id of some.slice(20)) await core.call('contacts.delete', { id });
    expect((core.db.prepare(`SELECT COUNT(*) AS n FROM contacts_search_pending`).get() as { n: number }).n).toBeGreaterThan(0);

    const col: Record<string, string> = { id: 'c.id', email: 'c.email', lastName: 'c.last_name', score: 'c.score', createdAt: 'c.created_at', stage: 'c.stage' };
    /** The reference: a LIKE scan with the sort, no index. */
    const plain = (q: string, deleted: boolean, sort?: { field: string; dir: 'asc' | 'desc' }) => {
      const like = `%${likeEscape(q)}%`;
      const live = deleted ? 'c.deleted_at IS NOT NULL AND c.merged_into IS NULL' : 'c.deleted_at IS NULL';
      const order = sort ? `${col[sort.field]} ${sort.dir}, c.id ${sort.dir}` : 'c.id ASC';
      return core.db
        .prepare(`SELECT c.id FROM contacts c NOT INDEXED WHERE ${live} AND (c.email LIKE ? ESCAPE '\\' OR c.first_name LIKE ? ESCAPE '\\' OR c.last_name LIKE ? ESCAPE '\\') ORDER BY ${order}`)
        .pluck()
        .all(like, like, like) as number[];
    };
    let wide = 0;
    for (const q of ['lovelace', 'LOVE', 'lovelaceson', 'hopper', 'new']) {
      for (const deleted of [false, true]) {
        for (const sort of [undefined, { field: 'id', dir: 'desc' }, { field: 'createdAt', dir: 'desc' }, { field: 'createdAt', dir: 'asc' }, { field: 'score', dir: 'desc' }, { field: 'email', dir: 'asc' }, { field: 'lastName', dir: 'asc' }] as const) {
          const all = plain(q, deleted, sort);
          if (all.length > WIDE_SEARCH) wide++;
          for (const totalUpTo of [undefined, 10, 1000, 5000]) {
            const label = { q, deleted, sort, totalUpTo };
            const first = listContacts(core, { search: q, deleted, sort, offset: 0, limit: 100, totalUpTo });
            const capped = totalUpTo !== undefined && all.length > totalUpTo;
            expect({ ...label, total: first.total, capped: first.totalCapped }).toEqual({ ...label, total: capped ? totalUpTo : all.length, capped });
            expect({ ...label, ids: first.rows.map((c) => c.id) }).toEqual({ ...label, ids: all.slice(0, 100) });
          }
          // A deep page by offset, and the pages after it by keyset, up to the end.
          const mid = Math.floor(all.length / 2);
          const byOffset = listContacts(core, { search: q, deleted, sort, offset: mid, limit: 50, totalUpTo: 1000 });
          expect({ q, deleted, sort, ids: byOffset.rows.map((c) => c.id) }).toEqual({ q, deleted, sort, ids: all.slice(mid, mid + 50) });
          let last = byOffset.rows.at(-1);
          let at = mid + byOffset.rows.length;
          while (last) {
            const after = { id: last.id, value: sort ? (last as unknown as Record<string, string | number | null>)[sort.field]! : last.id };
            const next = listContacts(core, { search: q, deleted, sort, offset: 0, after, limit: 400, totalUpTo: 1000 });
            expect({ q, deleted, sort, at, ids: next.rows.map((c) => c.id) }).toEqual({ q, deleted, sort, at, ids: all.slice(at, at + 400) });
            at += next.rows.length;
            last = next.rows.length === 400 ? next.rows.at(-1) : undefined;
          }
          expect(at).toBe(all.length);
        }
      }
    }
    expect(wide).toBeGreaterThan(0); // the wide paths ran
    // With a condition on the company (the list joins companies): the stream joins them too.
    const acme = await core.call('contacts.create', { email: 'ada@acme.io', firstName: 'Ada', lastName: 'Lovelace', companyName: 'Acme' });
    const byCompany: Filter = { match: 'all', conditions: [{ kind: 'field', field: 'companyName', op: 'eq', value: 'Acme' }] };
    for (const totalUpTo of [undefined, 1000]) {
      const r = listContacts(core, { search: 'lovelace', filter: byCompany, offset: 0, limit: 100, deleted: false, totalUpTo });
      expect({ totalUpTo, total: r.total, ids: r.rows.map((c) => c.id) }).toEqual({ totalUpTo, total: 1, ids: [acme.id] });
    }
  });

  it('the index and its triggers exist after the migrations; queries use the indexes', () => {
    const names = (core.db.prepare(`SELECT name FROM sqlite_master WHERE name LIKE 'contacts_search%' AND type IN ('table', 'trigger') ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['contacts_search', 'contacts_search_delete', 'contacts_search_pending', 'contacts_search_update']));
    const plan = (sql: string, ...p: unknown[]) => (core.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...p) as { detail: string }[]).map((r) => r.detail).join(' | ');
    const s = searchSql('abc');
    const search = plan(`SELECT COUNT(*) FROM contacts c WHERE +c.deleted_at IS NULL AND ${s.sql}`, ...s.params);
    expect(search).toMatch(/contacts_search VIRTUAL TABLE/);
    expect(search).toMatch(/USING INTEGER PRIMARY KEY/);
    // "clicked in the last 30 days" reads contacts from the events index, not from event rows
    const events = plan(`SELECT subject_id FROM events WHERE subject_type = 'contact' AND type = ? AND at >= ? GROUP BY subject_id`, 'email.clicked', '2025-01-01');
    expect(events).toMatch(/COVERING INDEX events_type_at_subject/);
    expect(countFilter(core, { match: 'all', conditions: [{ kind: 'event', type: 'email.clicked', op: 'did', withinDays: 30, minCount: 1 }] })).toBe(0);
  });
});
