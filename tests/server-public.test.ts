/**
 * Hardened public routes (docs/server.md, "Public routes"): per-route rate
 * limits per address and for everyone (429 + Retry-After, bounded memory), per
 * route body limits (413) and content types (415), redirects that cannot carry
 * a header injection, and answers that do not tell whether a contact exists.
 * Real server, real SQLite, raw HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core, PublicResponse } from '../electron/core/core';
import { unsubscribeToken } from '../electron/core/sales/unsubscribe';
import { startServer, type BatonServer } from '../electron/server';
import { RateLimiter, TokenBucket } from '../electron/server/ratelimit';
import { openTestCore } from './helpers';
import { http } from './support/http-probes';

describe('token buckets', () => {
  it('allow a burst, refill at the rate, and say when the next token comes', () => {
    const b = new TokenBucket({ perMinute: 60, burst: 3 }, 0);
    expect([b.take(0), b.take(0), b.take(0)]).toEqual([0, 0, 0]);
    expect(b.take(0)).toBe(1); // one a second
    expect(b.take(999)).toBe(1);
    expect(b.take(1000)).toBe(0);
    const slow = new TokenBucket({ perMinute: 2, burst: 1 }, 0);
    expect(slow.take(0)).toBe(0);
    expect(slow.take(0)).toBe(30);
  });

  it('per address first, then the route; a refused request costs the address nothing; memory stays bounded', () => {
    let now = 0;
    const rl = new RateLimiter({ maxClients: 100, now: () => now });
    const policy = { perIp: { perMinute: 60, burst: 2 }, global: { perMinute: 60, burst: 3 } };
    expect(rl.check('r', 'a', policy)).toEqual({ ok: true });
    expect(rl.check('r', 'a', policy)).toEqual({ ok: true });
    expect(rl.check('r', 'a', policy)).toMatchObject({ ok: false, scope: 'client' });
    expect(rl.check('r', 'b', policy)).toEqual({ ok: true });
    expect(rl.check('r', 'c', policy)).toMatchObject({ ok: false, scope: 'route' });
    now = 1000;
    expect(rl.check('r', 'c', policy)).toEqual({ ok: true }); // c's own bucket was not spent by the refusal
    expect(rl.check('other', 'a', policy)).toEqual({ ok: true }); // routes are separate
    for (let i = 0; i < 10_000; i++) rl.check('r', `10.0.${i >> 8}.${i & 255}`, { perIp: { perMinute: 60 } });
    expect(rl.size()).toBeLessThanOrEqual(101);
  });
});

describe('public routes on the server', () => {
  let core: Core;
  let server: BatonServer;
  let cleanup: () => Promise<void>;
  const seen: string[] = [];

  beforeAll(async () => {
    ({ core, cleanup } = await openTestCore({ host: 'server' }));
    core.registerPublicRoute('tiny', {
      handler: (req) => {
        seen.push(req.body.toString('utf8'));
        return { status: 200, json: { ok: true } };
      },
      limits: { bodyLimit: 100, contentTypes: ['application/json'], perIp: { perMinute: 6, burst: 3 }, global: { perMinute: 600, burst: 100 } },
    });
    core.registerPublicRoute('crowd', {
      handler: () => ({ status: 200, json: { ok: true } }),
      limits: { perIp: { perMinute: 600, burst: 100 }, global: { perMinute: 60, burst: 2 } },
    });
    core.registerPublicRoute('redir', (req): PublicResponse => {
      const to = req.query.get('to') ?? '';
      if (req.path === 'raw-header') return { status: 200, json: {}, headers: { 'X-Next': to } };
      if (req.path === 'cookie') return { status: 200, json: {}, headers: { 'Set-Cookie': 'a=b' } };
      return { status: 302, redirect: to };
    });
    server = await startServer(core, { port: 0, closeCore: false });
  });
  afterAll(async () => {
    await server?.close();
    await cleanup?.();
  });

  const post = (path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => http(server.port, path, { method: 'POST', headers, body });

  it('429 with Retry-After once an address has used its burst; nothing runs for the refused ones', async () => {
    // Visitors through a tunnel or proxy on this machine are told apart by X-Forwarded-For (trustProxy).
    const proxied = await startServer(core, { port: 0, closeCore: false, trustProxy: true });
    try {
      const before = seen.length;
      const replies = [];
      const from = (ip: string, i: number) => http(proxied.port, '/tiny/x', { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: `{"n":${i}}` });
      for (let i = 0; i < 5; i++) replies.push(await from('203.0.113.7', i));
      expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 429, 429]);
      expect(Number(replies[3]!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(replies[3]!.json().error).toMatchObject({ code: 'rate_limited' });
      expect(replies[3]!.json().error.message).toMatch(/from your address; try again in \d+ s/);
      expect(seen.length - before).toBe(3);
      // Another visitor has a budget of its own.
      expect((await from('198.51.100.9', 9)).status).toBe(200);
    } finally {
      await proxied.close();
    }
  });

  it('a request from this machine without trustProxy (a tunnel speaking for every visitor) meets only the route-wide limit', async () => {
    const before = seen.length;
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push((await post('/tiny/x', `{"n":${i}}`)).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(seen.length - before).toBe(8);
  });

  it('the route-wide bucket holds whatever the address', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await http(server.port, '/crowd', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status);
    expect(statuses).toEqual([200, 200, 429, 429]);
  });

  it('the limits of the real routes: forms, hooks, events and unsubscribe declare theirs', () => {
    expect(core.publicRouteLimits.get('hooks/forms')).toMatchObject({ bodyLimit: 64 * 1024, perIp: { perMinute: 10 } });
    expect(core.publicRouteLimits.get('hooks')).toMatchObject({ bodyLimit: 256 * 1024 });
    expect(core.publicRouteLimits.get('hooks/events')).toMatchObject({ contentTypes: ['application/json'] });
    expect(core.publicRouteLimits.get('u')).toMatchObject({ bodyLimit: 4 * 1024 });
  });

  it('a route\'s limits are merged once, and again when its declared limits change', async () => {
    const fresh = await startServer(core, { port: 0, closeCore: false });
    const declared = core.publicRouteLimits.get('tiny')!;
    try {
      const body = `{"pad":"${'x'.repeat(200)}"}`;
      const send = () => http(fresh.port, '/tiny/x', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect((await send()).status).toBe(413);
      core.publicRouteLimits.set('tiny', { ...declared, bodyLimit: 1000 });
      expect((await send()).status).toBe(200);
      core.publicRouteLimits.set('tiny', declared);
      expect((await send()).status).toBe(413);
    } finally {
      core.publicRouteLimits.set('tiny', declared);
      await fresh.close();
    }
  });

  it('413 over the route\'s body limit and 415 for a content type it does not take, before the handler', async () => {
    const fresh = await startServer(core, { port: 0, closeCore: false });
    try {
      const before = seen.length;
      const big = await http(fresh.port, '/tiny/x', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"pad":"${'x'.repeat(200)}"}` });
      expect(big.status).toBe(413);
      expect(big.json().error.code).toBe('too_large');
      const xml = await http(fresh.port, '/tiny/x', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<a/>' });
      expect(xml.status).toBe(415);
      expect(xml.json().error.message).toMatch(/does not take a application\/xml body; send application\/json/);
      const none = await http(fresh.port, '/tiny/x', { method: 'POST', headers: {}, body: 'x' });
      expect(none.status).toBe(415);
      expect(seen.length).toBe(before);
      // The real form route: a multipart or XML post is a 415, a huge one a 413, and nothing is stored.
      await core.call('forms.save', { slug: 'lead', name: 'Lead', fields: { email: 'email' }, tags: [] });
      expect((await http(fresh.port, '/hooks/forms/lead', { method: 'POST', headers: { 'content-type': 'text/xml' }, body: '<email>a@b.co</email>' })).status).toBe(415);
      expect((await http(fresh.port, '/hooks/forms/lead', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'a@b.co', pad: 'x'.repeat(70 * 1024) }) })).status).toBe(413);
      expect((await http(fresh.port, '/hooks', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: '--x--' })).status).toBe(415);
      expect((await core.call('contacts.list', { search: 'a@b.co' })).total).toBe(0);
    } finally {
      await fresh.close();
    }
  });

  it('a redirect is re-serialized: CR/LF in the target cannot add a header; other schemes are refused', async () => {
    const injected = await http(server.port, `/redir/x?to=${encodeURIComponent('https://shop.example/thanks\r\nSet-Cookie: session=evil')}`);
    expect(injected.status).toBe(500);
    expect(injected.headers['set-cookie']).toBeUndefined();
    const encoded = await http(server.port, `/redir/x?to=${encodeURIComponent('https://shop.example/a%0d%0aSet-Cookie:%20x=1')}`);
    expect(encoded.status).toBe(302);
    expect(encoded.headers.location).toBe('https://shop.example/a%0d%0aSet-Cookie:%20x=1');
    expect(encoded.headers['set-cookie']).toBeUndefined();
    const ok = await http(server.port, `/redir/x?to=${encodeURIComponent('https://shop.example/thanks?a=1 b')}`);
    expect(ok.headers.location).toBe('https://shop.example/thanks?a=1%20b');
    for (const bad of ['javascript:alert(1)', 'data:text/html,<script>1</script>', '//evil.example/', '/relative', 'https://user:pw@shop.example/']) {
      const r = await http(server.port, `/redir/x?to=${encodeURIComponent(bad)}`);
      expect(r.status, bad).toBe(500);
      expect(r.headers.location, bad).toBeUndefined();
    }
    const header = await http(server.port, `/redir/raw-header?to=${encodeURIComponent('a\r\nSet-Cookie: y=2')}`);
    expect(header.status).toBe(500);
    expect(header.headers['set-cookie']).toBeUndefined();
    expect((await http(server.port, '/redir/cookie')).status).toBe(500); // the server owns Set-Cookie
  });
});

describe('no public route tells whether a contact exists', () => {
  let core: Core;
  let server: BatonServer;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ core, cleanup } = await openTestCore({ host: 'server' }));
    server = await startServer(core, { port: 0, closeCore: false });
    await core.call('contacts.create', { email: 'known@example.com', firstName: 'Known' });
    await core.call('forms.save', { slug: 'news', name: 'News', fields: { email: 'email' }, tags: [] });
  });
  afterAll(async () => {
    await server?.close();
    await cleanup?.();
  });

  const strip = (r: { status: number; text: string; headers: Record<string, unknown> }, email: string) => ({
    status: r.status,
    type: r.headers['content-type'],
    body: r.text.split(email).join('<EMAIL>'),
  });

  it('a form post answers the same for a known and an unknown address', async () => {
    const post = (email: string) => http(server.port, '/hooks/forms/news', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) });
    const known = await post('known@example.com');
    const unknown = await post('stranger@example.com');
    expect(strip(known, 'known@example.com')).toEqual(strip(unknown, 'stranger@example.com'));
  });

  it('an unsubscribe link answers the same (GET and POST) for a contact and for an address that is none', async () => {
    const go = async (email: string) => {
      const token = unsubscribeToken(core.db, email);
      const get = await http(server.port, `/u/${token}`);
      const post = await http(server.port, `/u/${token}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
      return [strip(get, email), strip(post, email)];
    };
    expect(await go('known@example.com')).toEqual(await go('nobody@example.com'));
    const forged = await http(server.port, `/u/${Buffer.from('known@example.com').toString('base64url')}.${'A'.repeat(32)}`);
    expect(forged.status).toBe(400);
    expect(forged.text).not.toContain('known@example.com');
  });
});

describe('the public address is a name of this server', () => {
  it("a tunnel's Host (the public address) reaches the routes and the API; other names stay refused; it follows the setting", async () => {
    const { core, cleanup } = await openTestCore({ host: 'server' });
    const server = await startServer(core, { port: 0, closeCore: false, allowHosts: ['proxy.internal'] });
    try {
      const probe = (host: string, extra: Record<string, string> = {}) =>
        http(server.port, '/api/v1/system.info', { method: 'POST', headers: { host, authorization: `Bearer ${server.token}`, 'content-type': 'application/json', ...extra }, body: '{}' });
      expect((await probe('baton.example.com')).status).toBe(403);
      await core.call('settings.set', { key: 'server.publicUrl', value: 'https://baton.example.com' });
      expect((await probe('baton.example.com')).status).toBe(200);
      expect((await probe('baton.example.com:443')).status).toBe(200);
      expect((await probe('baton.example.com', { origin: 'https://baton.example.com' })).status).toBe(200);
      expect((await probe('baton.example.com', { origin: 'https://evil.example' })).status).toBe(403);
      expect((await probe('evil.example')).status).toBe(403);
      const hook = await http(server.port, '/hooks/none', { method: 'POST', headers: { host: 'baton.example.com', 'content-type': 'application/json' }, body: '{}' });
      expect(hook.status).toBe(404); // reached the route (no such hook), not refused by the Host check
      expect((await probe('proxy.internal')).status).toBe(200); // --allow-host names also without the port
      await core.call('settings.set', { key: 'server.publicUrl', value: 'http://127.0.0.1:4717' });
      expect((await probe('baton.example.com')).status).toBe(403);
    } finally {
      await server.close();
      await cleanup();
    }
  });
});
