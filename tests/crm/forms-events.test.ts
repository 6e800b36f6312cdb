import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { startServer, type BatonServer } from '../../electron/server';
import { EventIngest, type EventPayload } from '../../shared/api';
import { openTestCore } from '../helpers';

let core: Core;
let cleanup: () => Promise<void>;
let server: BatonServer | null = null;
const key = ['ingest', 'test', 'value', '42'].join('-');
beforeEach(async () => {
  ({ core, cleanup } = await openTestCore({ env: { BATON_SECRET_CRM_INGEST_KEY: key } }));
  await core.call('forms.save', { slug: 'newsletter', name: 'Newsletter', fields: { mail: 'email', name: 'fullName', tz: 'timeZone', plan: 'custom.plan' }, tags: ['newsletter'], source: 'website' });
});
afterEach(async () => {
  await server?.close();
  server = null;
  await cleanup();
});

const req = (path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => ({
  method: 'POST',
  path,
  query: new URLSearchParams(),
  headers,
  body: Buffer.from(body),
});
const count = (sql: string) => (core.db.prepare(sql).get() as { n: number }).n;

describe('lead-capture forms', () => {
  it('creates the contact, tags the source and records form.submitted; a second submission updates it', async () => {
    const handler = core.publicRoutes.get('forms')!;
    const seen: EventPayload<'crm.form.submitted'>[] = [];
    core.bus.on('crm.form.submitted', (p) => seen.push(p));
    const r = await handler(req('newsletter', JSON.stringify({ mail: ' Ada@Example.com', name: 'Ada Lovelace', tz: 'Europe/London', plan: 'pro', extra: 'kept in the event' })));
    expect(r).toEqual({ status: 200, json: { ok: true } });
    const c = (await core.call('contacts.list', {})).rows[0]!;
    expect(c).toMatchObject({ email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', timeZone: 'Europe/London', source: 'website', tags: ['newsletter'], custom: { plan: 'pro' } });
    const g = await core.call('contacts.get', { id: c.id });
    expect(g.timeline.find((e) => e.type === 'form.submitted')!.data).toEqual({ form: 'newsletter', email: 'ada@example.com', fields: { mail: ' Ada@Example.com', name: 'Ada Lovelace', tz: 'Europe/London', plan: 'pro', extra: 'kept in the event' } });
    const r2 = await handler(req('newsletter', 'mail=ada%40example.com&plan=team', { 'content-type': 'application/x-www-form-urlencoded' }));
    expect(r2.status).toBe(200);
    expect((await core.call('contacts.get', { id: c.id })).contact.custom).toEqual({ plan: 'team' });
    expect(count(`SELECT COUNT(*) AS n FROM contacts`)).toBe(1);
    expect(seen).toEqual([{ form: 'newsletter', contactId: c.id, created: true }, { form: 'newsletter', contactId: c.id, created: false }]);
  });

  it('unknown form -> 404, bad payload -> 400 with the reason, nothing stored', async () => {
    const handler = core.publicRoutes.get('forms')!;
    expect((await handler(req('nope', '{"mail":"a@b.co"}'))).status).toBe(404);
    const bad = await handler(req('newsletter', JSON.stringify({ mail: 'not an email' })));
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toContain('mail: \\"not an email\\" is not a valid e-mail address');
    const tz = await handler(req('newsletter', JSON.stringify({ mail: 'a@b.co', tz: 'Moon/Base' })));
    expect(tz.status).toBe(400);
    expect(JSON.stringify(tz.json)).toContain('tz: ');
    expect((await handler(req('newsletter', '{broken'))).status).toBe(400);
    expect((await handler({ ...req('newsletter', ''), method: 'GET' })).status).toBe(405);
    expect(count(`SELECT COUNT(*) AS n FROM contacts`)).toBe(0);
    expect(count(`SELECT COUNT(*) AS n FROM events`)).toBe(0);
  });

  it('rejects a form definition whose fields name no contact field', async () => {
    const e = await core.call('forms.save', { slug: 'x', name: 'X', fields: { a: 'email', b: 'shoeSize' } }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'invalid_input', issues: [{ path: 'fields.b' }] });
    const e2 = await core.call('forms.save', { slug: 'x', name: 'X', fields: { a: 'firstName' } }).catch((x: unknown) => x);
    expect(e2).toMatchObject({ code: 'invalid_input', issues: [{ path: 'fields', message: 'map one form field to email' }] });
  });

  it('serves POST /forms/<slug> and POST /events over a real HTTP server', async () => {
    server = await startServer(core, { port: 0, closeCore: false });
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(new URL(path, server!.url), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const f = await post('/forms/newsletter', { mail: 'web@example.com', name: 'Web Person' });
    expect(f.status).toBe(200);
    expect((await post('/forms/missing', { mail: 'web@example.com' })).status).toBe(404);

    const ev = { email: 'web@example.com', type: 'page.visited', data: { url: 'https://x.io/pricing' } };
    expect((await post('/events', ev)).status).toBe(401);
    expect((await post('/events', ev, { authorization: 'Bearer wrong' })).status).toBe(401);
    const ok = await post('/events', ev, { authorization: `Bearer ${key}` });
    expect(ok.status).toBe(200);
    const batch = await post('/events', { events: [{ email: 'new@lead.io', type: 'email.opened' }, ev] }, { 'x-baton-key': key });
    expect(batch.status).toBe(200);
    expect(((await batch.json()) as { ids: number[] }).ids).toHaveLength(2);
    const bad = await post('/events', { events: [ev, { email: 'x@y.io', type: 'email.teleported' }] }, { authorization: `Bearer ${key}` });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { issues: { path: string }[] } }).error.issues[0]!.path).toBe('events.1.type');
    expect(count(`SELECT COUNT(*) AS n FROM events WHERE type = 'page.visited'`)).toBe(2);
    expect(count(`SELECT COUNT(*) AS n FROM contacts`)).toBe(2);
  });

  it('the same routes answer below /hooks (/hooks/forms/<slug>, /hooks/events) beside the workflow webhooks', async () => {
    server = await startServer(core, { port: 0, closeCore: false });
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(new URL(path, server!.url), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    expect((await post('/hooks/forms/newsletter', { mail: 'hook@example.com', name: 'Hook Person' })).status).toBe(200);
    expect(count(`SELECT COUNT(*) AS n FROM contacts WHERE email = 'hook@example.com'`)).toBe(1);
    expect((await post('/hooks/forms/missing', { mail: 'x@example.com' })).status).toBe(404);
    expect((await post('/hooks/forms/newsletter', { name: 'No mail' })).status).toBe(400);
    const ev = { email: 'hook@example.com', type: 'page.visited', data: { url: 'https://x.io/pricing' } };
    expect((await post('/hooks/events', ev)).status).toBe(401);
    expect((await post('/hooks/events', ev, { authorization: `Bearer ${key}` })).status).toBe(200);
    expect(count(`SELECT COUNT(*) AS n FROM events WHERE type = 'page.visited'`)).toBe(1);
    // A workflow webhook is still /hooks/<slug>: an unknown one is the webhook router's 404.
    const wh = await post('/hooks/no-such-hook', {});
    expect(wh.status).toBe(404);
    expect(JSON.stringify(await wh.json())).toContain('No webhook at /hooks/no-such-hook');
  });

  it('events.ingest is all or nothing and names the failing item', async () => {
    const e = await core.call('events.ingest', { events: [{ email: 'a@b.co', type: 'email.opened' }, { contactId: 999, type: 'email.opened' }] }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'not_found', issues: [{ path: 'events.1.contactId' }] });
    expect(count(`SELECT COUNT(*) AS n FROM contacts`)).toBe(0);
    expect(count(`SELECT COUNT(*) AS n FROM events`)).toBe(0);
    expect(EventIngest.safeParse({ type: 'email.opened' }).success).toBe(false);
  });

  it('without a configured key POST /events says how to set one up', async () => {
    const other = await openTestCore();
    try {
      const r = await other.core.publicRoutes.get('events')!(req('', '{}', { authorization: 'Bearer x' }));
      expect(r.status).toBe(503);
      expect(JSON.stringify(r.json)).toContain('events.ingestKey.rotate');
    } finally {
      await other.cleanup();
    }
  });
});
