// Over HTTP, a store whose write lock another process holds past the busy timeout
// answers 503 `unavailable` naming the cause (an operation, and a public form
// post), never a 500; nothing is half-written and the same request succeeds once
// the lock is free. Real server, real SQLite file, a second real connection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../electron/core/core';
import { openWorkerStore, type Sqlite } from '../electron/core/db/open';
import { startServer, type BatonServer } from '../electron/server';
import { openTestCore } from './helpers';

let core: Core;
let cleanup: () => Promise<void>;
let server: BatonServer;
let other: Sqlite;
beforeAll(async () => {
  ({ core, cleanup } = await openTestCore({ host: 'server' }));
  server = await startServer(core, { port: 0, closeCore: false });
  await core.call('forms.save', { slug: 'newsletter', name: 'Newsletter', fields: { email: 'email' } });
  other = openWorkerStore(core.dbFile).db;
});
afterAll(async () => {
  if (other?.inTransaction) other.exec('ROLLBACK');
  other?.close();
  await server?.close();
  await cleanup?.();
});

const post = async (path: string, body: unknown, auth = true) => {
  const r = await fetch(`http://127.0.0.1:${server.port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${server.token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: r.status, json: (await r.json()) as { error?: { code: string; message: string }; result?: unknown } };
};
const contacts = () => (other.prepare('SELECT COUNT(*) AS n FROM contacts').get() as { n: number }).n;

describe('a busy store over HTTP', () => {
  it('an operation and a form post answer 503 naming the busy store; once free, the same requests succeed', async () => {
    other.exec('BEGIN IMMEDIATE');
    let op: Awaited<ReturnType<typeof post>>;
    let form: Awaited<ReturnType<typeof post>>;
    try {
      op = await post('/api/v1/contacts.create', { email: 'busy@example.com' });
      form = await post('/hooks/forms/newsletter', { email: 'form@example.com' }, false);
    } finally {
      other.exec('ROLLBACK');
    }
    expect(op.status).toBe(503);
    expect(op.json.error).toEqual({
      code: 'unavailable',
      message: expect.stringMatching(/^The database stayed busy: another Baton process .* \(SQLITE_BUSY\)\. contacts\.create stopped; what it had not committed was rolled back, nothing is half-written\. Try again\.$/),
    });
    expect(form.status).toBe(503);
    expect(form.json.error).toEqual({ code: 'unavailable', message: expect.stringMatching(/^The database stayed busy: .*Nothing was stored\. Try again\.$/) });
    expect(contacts()).toBe(0);

    expect((await post('/api/v1/contacts.create', { email: 'busy@example.com' })).status).toBe(200);
    expect((await post('/hooks/forms/newsletter', { email: 'form@example.com' }, false)).status).toBe(200);
    expect(contacts()).toBe(2);
  }, 60_000);
});
