/**
 * Form posts that arrive together are written in one group commit (the engine's, engine.ts "Group
 * commit"): each post in its own savepoint, so a post whose write fails stores nothing and leaves the
 * others stored; each is answered only after the commit (another connection sees it at once).
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { openTestCore } from '../helpers';

let core: Core;
let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ core, dir, cleanup } = await openTestCore());
  await core.call('forms.save', { slug: 'demo', name: 'Demo', fields: { email: 'email', name: 'fullName' }, tags: ['web'] });
});
afterEach(async () => {
  await cleanup();
});

const post = (email: string) =>
  core.publicRoutes.get('forms')!({
    method: 'POST',
    path: 'demo',
    query: new URLSearchParams(),
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify({ email, name: 'Ada Lovelace' })),
  });

it('posts of one turn: a failing write rolls back only its own post; the others are stored and visible when answered', async () => {
  // A real failure inside the write of one post (the contact insert is refused by SQLite).
  core.db.exec(`CREATE TEMP TRIGGER refuse_bad BEFORE INSERT ON contacts WHEN NEW.email = 'bad@example.com' BEGIN SELECT RAISE(ABORT, 'refused for the test'); END`);
  const emails = ['a@example.com', 'b@example.com', 'bad@example.com', 'c@example.com', 'd@example.com'];
  const other = new Database(join(dir, 'baton.db'), { readonly: true });
  try {
    const seen = new Map<string, number>();
    const answers = await Promise.all(
      emails.map(async (e) => {
        const r = await post(e);
        // Answered "ok" only after the commit: another connection already sees the contact.
        seen.set(e, (other.prepare(`SELECT COUNT(*) AS n FROM contacts WHERE email = ?`).get(e) as { n: number }).n);
        return r.status;
      }),
    );
    expect(answers).toEqual([200, 200, 500, 200, 200]);
    expect(Object.fromEntries(seen)).toEqual({ 'a@example.com': 1, 'b@example.com': 1, 'bad@example.com': 0, 'c@example.com': 1, 'd@example.com': 1 });
    const events = core.db.prepare(`SELECT json_extract(data, '$.email') AS email FROM events WHERE type = 'form.submitted' ORDER BY id`).all() as { email: string }[];
    expect(events.map((e) => e.email)).toEqual(['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com']);
    // The kept counts moved by the four stored contacts only.
    expect((core.db.prepare(`SELECT COUNT(*) AS n FROM contacts WHERE deleted_at IS NULL`).get() as { n: number }).n).toBe(4);
  } finally {
    other.close();
  }
});

it('two posts of one turn for the same e-mail: one contact, updated by the second, two form.submitted events', async () => {
  const [r1, r2] = await Promise.all([post('same@example.com'), post('Same@Example.com')]);
  expect([r1.status, r2.status]).toEqual([200, 200]);
  expect((core.db.prepare(`SELECT COUNT(*) AS n FROM contacts WHERE email = 'same@example.com'`).get() as { n: number }).n).toBe(1);
  expect((core.db.prepare(`SELECT COUNT(*) AS n FROM events WHERE type = 'form.submitted'`).get() as { n: number }).n).toBe(2);
});
