import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { ApiError } from '../../shared/api';
import { openTestCore } from '../helpers';

let core: Core;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ core, cleanup } = await openTestCore());
});
afterEach(async () => cleanup());

const err = (p: Promise<unknown>) => p.then(() => { throw new Error('expected an error'); }, (e: unknown) => e as ApiError);

describe('contacts', () => {
  it('creates with a normalised e-mail, unique among live contacts, companies deduped on domain', async () => {
    const a = await core.call('contacts.create', {
      email: '  Ada@Example.COM ', firstName: 'Ada', companyName: 'Example Ltd', companyDomain: 'https://www.example.com/about',
      timeZone: 'Europe/London', tags: ['vip', 'beta'], custom: { plan: 'pro' }, utmSource: 'google', consent: 'granted', stage: 'subscriber',
    });
    expect(a.email).toBe('ada@example.com');
    expect(a.companyDomain).toBe('example.com');
    expect(a.tags).toEqual(['beta', 'vip']);
    expect(a.consentAt).not.toBeNull();
    const b = await core.call('contacts.create', { email: 'bob@example.com', companyName: 'Example' });
    expect(b.companyId).toBe(a.companyId); // derived from the e-mail domain
    const c = await core.call('contacts.create', { email: 'carl@gmail.com', companyName: 'Solo Carl' });
    expect(c.companyDomain).toBeNull(); // free mail never names a company
    const dup = await err(core.call('contacts.create', { email: 'ADA@example.com' }));
    expect(dup.code).toBe('conflict');
    expect(dup.message).toMatch(/already belongs to contact/);
    const tz = await err(core.call('contacts.create', { email: 'x@y.io', timeZone: 'Mars/Olympus' }));
    expect(tz.code).toBe('invalid_input');
    expect(tz.issues?.[0]?.path).toBe('timeZone');
    const em = await err(core.call('contacts.create', { email: 'not-an-email' }));
    expect(em.issues?.[0]?.path).toBe('email');
    expect((await core.call('contacts.list', {})).total).toBe(3);
  });

  it('updates fields and tags and records stage changes on the timeline', async () => {
    const a = await core.call('contacts.create', { email: 'ada@example.com', tags: ['a'] });
    const u = await core.call('contacts.update', { id: a.id, set: { firstName: 'Ada', stage: 'customer' }, addTags: ['b'], removeTags: ['a'] });
    expect(u.firstName).toBe('Ada');
    expect(u.tags).toEqual(['b']);
    const g = await core.call('contacts.get', { id: a.id });
    expect(g.timeline.map((e) => e.type)).toEqual(['lifecycle.changed', 'contact.updated', 'contact.created']);
    expect(g.timeline[0]!.data).toMatchObject({ from: 'lead', to: 'customer', reason: 'manual' });
    // One contact.updated for the write: every changed field as { from, to }, and the contact after it.
    expect(g.timeline[1]!.data).toMatchObject({
      via: 'api',
      changes: { firstName: { from: null, to: 'Ada' }, stage: { from: 'lead', to: 'customer' }, tags: { from: ['a'], to: ['b'] } },
      id: a.id,
      firstName: 'Ada',
      name: 'Ada',
      stage: 'customer',
      tags: ['b'],
    });
    const cleared = await core.call('contacts.update', { id: a.id, set: { firstName: null } });
    expect(cleared.firstName).toBeNull();
    // A write that changes nothing records nothing.
    const before = (await core.call('contacts.get', { id: a.id })).timeline.length;
    await core.call('contacts.update', { id: a.id, set: { firstName: null, stage: 'customer' }, addTags: ['b'], removeTags: ['zzz'] });
    const after = await core.call('contacts.get', { id: a.id });
    expect(after.timeline.length).toBe(before);
    expect(after.timeline[0]!.data).toMatchObject({ changes: { firstName: { from: 'Ada', to: null } }, firstName: null, name: null });
  });

  it('soft-deletes, frees the e-mail, restores within the undo window, refuses after it', async () => {
    const a = await core.call('contacts.create', { email: 'ada@example.com' });
    const d = await core.call('contacts.delete', { id: a.id });
    expect(Date.parse(d.restorableUntil) - Date.parse(d.deletedAt)).toBe(30 * 86_400_000);
    expect((await core.call('contacts.list', {})).total).toBe(0);
    expect((await core.call('contacts.list', { deleted: true })).rows.map((r) => r.id)).toEqual([a.id]);
    const r = await core.call('contacts.restore', { id: a.id });
    expect(r.deletedAt).toBeNull();
    expect((await core.call('contacts.list', {})).total).toBe(1);

    // the e-mail was taken while deleted: restore names the conflict and changes nothing
    await core.call('contacts.delete', { id: a.id });
    const b = await core.call('contacts.create', { email: 'ada@example.com' });
    const e = await err(core.call('contacts.restore', { id: a.id }));
    expect(e.code).toBe('conflict');
    expect(e.message).toContain(`contact ${b.id}`);
    await core.call('contacts.delete', { id: b.id });
    // past the window
    core.db.prepare(`UPDATE contacts SET deleted_at = ? WHERE id = ?`).run(new Date(Date.now() - 31 * 86_400_000).toISOString(), a.id);
    const late = await err(core.call('contacts.restore', { id: a.id }));
    expect(late.message).toMatch(/undo window of 30 days ended/);
  });

  it('merges: events, deals and tags move, empty fields are filled, the duplicate is kept as merged', async () => {
    const t = await core.call('contacts.create', { email: 'ada@work.com', tags: ['x'] });
    const s = await core.call('contacts.create', { email: 'ada.l@gmail.com', firstName: 'Ada', phone: '+44 1', tags: ['y'], custom: { plan: 'pro' }, stage: 'mql' });
    await core.call('events.ingest', { events: [{ contactId: s.id, type: 'email.opened', at: '2025-01-01T10:00:00Z' }] });
    await core.call('deals.create', { contactId: s.id, value: 100 });
    const m = await core.call('contacts.merge', { targetId: t.id, sourceId: s.id });
    expect(m).toMatchObject({ email: 'ada@work.com', firstName: 'Ada', phone: '+44 1', tags: ['x', 'y'], custom: { plan: 'pro' }, stage: 'mql' });
    const g = await core.call('contacts.get', { id: t.id });
    expect(g.timeline.map((e) => e.type)).toContain('email.opened');
    expect(g.timeline.filter((e) => e.type === 'contact.created')).toHaveLength(2);
    expect(g.timeline.find((e) => e.type === 'contact.merged')!.data).toMatchObject({ sourceId: s.id, sourceEmail: 'ada.l@gmail.com' });
    expect(g.deals).toHaveLength(1);
    const src = await core.call('contacts.get', { id: s.id });
    expect(src.contact).toMatchObject({ mergedInto: t.id });
    expect(src.timeline).toEqual([]);
    expect((await err(core.call('contacts.restore', { id: s.id }))).message).toMatch(/merged into/);
    expect((await err(core.call('contacts.merge', { targetId: t.id, sourceId: s.id }))).code).toBe('not_found');
  });

  it('lists with search, filter, sort and pagination', async () => {
    for (let i = 0; i < 30; i++) await core.call('contacts.create', { email: `p${String(i).padStart(2, '0')}@ex.com`, firstName: i % 2 ? 'Odd' : 'Even', tags: i % 3 === 0 ? ['three'] : [] });
    const page = await core.call('contacts.list', { sort: { field: 'email', dir: 'desc' }, offset: 5, limit: 10 });
    expect(page.total).toBe(30);
    expect(page.rows.map((r) => r.email)[0]).toBe('p24@ex.com');
    expect((await core.call('contacts.list', { search: 'odd' })).total).toBe(15);
    expect((await core.call('contacts.list', { search: '%' })).total).toBe(0);
    await core.call('contacts.create', { email: 'al@ex.org', firstName: 'Ada', lastName: 'Lovelace' });
    expect((await core.call('contacts.list', { search: 'ada love' })).rows.map((r) => r.email)).toEqual(['al@ex.org']);
    expect((await core.call('contacts.list', { search: 'LOVE' })).total).toBe(1);
    const f = await core.call('contacts.list', { filter: { match: 'all', conditions: [{ kind: 'tag', op: 'has', tag: 'three' }, { kind: 'field', field: 'firstName', op: 'eq', value: 'Even' }] } });
    expect(f.total).toBe(5);
  });

  it('pages by keyset (after the previous page\'s last row) in exactly the order offset pages give, NULLs and ties included', async () => {
    // Ties (same last name, same score) and NULLs (no last name, no activity) on both sides of page boundaries.
    for (let i = 0; i < 23; i++) {
      await core.call('contacts.create', { email: `k${String(i).padStart(2, '0')}@keyset.test`, ...(i % 3 ? { lastName: ['Ames', 'Byrd', 'Cole'][i % 4 % 3] } : {}), stage: i % 5 ? 'lead' : 'mql' });
    }
    await core.call('contacts.delete', { id: 4 });
    for (const id of [3, 8, 9, 15]) await core.call('events.ingest', { events: [{ type: 'email.replied', contactId: id }] });
    const fields = ['id', 'email', 'lastName', 'score', 'stage', 'createdAt', 'lastActivityAt'] as const;
    for (const field of [...fields, null]) {
      for (const dir of ['asc', 'desc'] as const) {
        for (const search of [undefined, 'keyset']) {
          const base = { ...(field ? { sort: { field, dir } } : {}), ...(search ? { search } : {}) };
          const all = await core.call('contacts.list', { ...base, limit: 1000 });
          const seen: number[] = [];
          let after: { id: number; value: string | number | null } | undefined;
          for (;;) {
            const r = await core.call('contacts.list', { ...base, limit: 5, ...(after ? { after } : {}) });
            expect(r.total).toBe(all.total);
            seen.push(...r.rows.map((c) => c.id));
            if (r.rows.length < 5 || seen.length > all.rows.length) break; // (the second: a cursor that did not move on)
            const last = r.rows[r.rows.length - 1]!;
            after = { id: last.id, value: field ? (last[field] as string | number | null) : last.id };
          }
          expect(seen, `${field} ${dir} ${search}`).toEqual(all.rows.map((c) => c.id));
          if (!field) break;
        }
      }
    }
    const both = await err(core.call('contacts.list', { offset: 5, after: { id: 1, value: 1 } }));
    expect(both).toMatchObject({ code: 'invalid_input', message: expect.stringContaining('offset: give either offset or after') });
  });
});
