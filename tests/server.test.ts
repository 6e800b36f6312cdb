import { chmodSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { connect as netConnect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemOps } from '../shared/api';
import type { Core } from '../electron/core/core';
import { defineDomain } from '../electron/core/domain';
import { systemDomain, systemHandlers } from '../electron/core/api/system';
import { startServer, type BatonServer } from '../electron/server';
import { allowedHosts, checkHostAndOrigin, isLoopback } from '../electron/server/guard';
import { openTestCore, tempDir } from './helpers';
import { api, connect, http, securityProbes, waitFor } from './support/http-probes';

describe('headless server', () => {
  let core: Core;
  let dir: string;
  let cleanup: () => Promise<void>;
  let server: BatonServer;
  const ui = tempDir('baton-ui-');
  const hookCalls: { method: string; path: string; body: string; q: string | null }[] = [];

  beforeAll(async () => {
    mkdirSync(join(ui.dir, 'assets'));
    writeFileSync(join(ui.dir, 'index.html'), '<!doctype html><html><head><script type="module" src="/assets/app.js"></script></head><body>Baton UI</body></html>');
    writeFileSync(join(ui.dir, 'assets', 'app.js'), 'console.log("app")');
    ({ core, dir, cleanup } = await openTestCore({ host: 'server' }));
    core.registerPublicRoute('testhook', (req) => {
      hookCalls.push({ method: req.method, path: req.path, body: req.body.toString('utf8'), q: req.query.get('q') });
      if (req.path === 'page') return { status: 200, html: '<p>Thanks</p>' };
      return { status: 202, json: { received: true } };
    });
    server = await startServer(core, { port: 0, rendererDir: ui.dir, closeCore: false, bodyLimit: 64 * 1024 });
  });

  afterAll(async () => {
    await server?.close();
    await cleanup?.();
    ui.cleanup();
  });

  it('serves an operation: 200 with { result }', async () => {
    const set = await api(server, 'settings.set', { key: 'ai.model', value: 'claude-x' });
    expect(set.status).toBe(200);
    expect(set.json()).toEqual({ result: { ok: true } });
    const get = await api(server, 'settings.get', {});
    expect(get.json().result.settings).toEqual({ 'ai.model': 'claude-x' });
    expect(get.headers['cache-control']).toBe('no-store');
  });

  it('400 names the field and stores nothing; bad JSON is a 400 too', async () => {
    const bad = await api(server, 'settings.set', { key: 'Bad Key', value: 1 });
    expect(bad.status).toBe(400);
    const body = bad.json();
    expect(body.error.code).toBe('invalid_input');
    expect(body.error.issues[0].path).toBe('key');
    expect(Object.keys((await api(server, 'settings.get', {})).json().result.settings)).not.toContain('Bad Key');
    const notJson = await http(server.port, '/api/v1/settings.get', { method: 'POST', headers: { authorization: `Bearer ${server.token}` }, body: '{nope' });
    expect(notJson.status).toBe(400);
    expect(notJson.json().error.message).toMatch(/not valid JSON/);
  });

  it('404 for an unknown operation and an unknown API path', async () => {
    const r = await api(server, 'nope.nothing', {});
    expect(r.status).toBe(404);
    expect(r.json().error).toMatchObject({ code: 'not_found' });
    expect((await api(server, '../v2/x', {})).status).toBe(400);
    const v2 = await http(server.port, '/api/v2/system.info', { method: 'POST', headers: { authorization: `Bearer ${server.token}` } });
    expect(v2.status).toBe(404);
  });

  securityProbes(() => server);

  it('405 for other methods on the API, 413 for an oversized body', async () => {
    const get = await http(server.port, '/api/v1/system.info', { headers: { authorization: `Bearer ${server.token}` } });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    const big = await api(server, 'settings.set', { key: 'big.value', value: 'x'.repeat(70 * 1024) });
    expect(big.status).toBe(413);
    expect((await api(server, 'settings.get', {})).json().result.settings['big.value']).toBeUndefined();
  });

  it('after a 413 the rest of the body is read and dropped: a sender still writing it (a reverse proxy) gets the answer, and the connection serves the next request', async () => {
    const sock = netConnect(server.port, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    let got = '';
    let closed = false;
    sock.on('data', (c: Buffer) => (got += c.toString('latin1')));
    sock.on('close', () => (closed = true));
    sock.on('error', () => (closed = true));
    const size = 300 * 1024;
    sock.write(`POST /api/v1/settings.set HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAuthorization: Bearer ${server.token}\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\n\r\n`);
    sock.write(Buffer.alloc(16 * 1024, 0x20));
    // The 413 comes before the body is all sent (its declared length is over the limit) ...
    await waitFor(() => got.includes('\r\n\r\n') || closed, 30_000);
    expect(got.split('\r\n')[0]).toBe('HTTP/1.1 413 Payload Too Large');
    expect(got.toLowerCase()).not.toContain('connection: close');
    // ... and the sender goes on writing it: nothing is reset, and the same connection answers the next request.
    for (let sent = 16 * 1024; sent < size; sent += 32 * 1024) sock.write(Buffer.alloc(Math.min(32 * 1024, size - sent), 0x20));
    got = '';
    sock.write(`POST /api/v1/system.info HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Length: 0\r\n\r\n`);
    await waitFor(() => got.includes('\r\n\r\n') || closed, 30_000);
    expect(closed).toBe(false);
    expect(got.split('\r\n')[0]).toBe('HTTP/1.1 401 Unauthorized');
    sock.destroy();
  });

  it('pushes core events over the WebSocket and removes the listener on close', async () => {
    const { ws, messages } = await connect(server, [`baton.${server.token}`], { origin: `http://127.0.0.1:${server.port}` });
    expect(ws.protocol).toBe(`baton.${server.token}`);
    await api(server, 'settings.set', { key: 'email.fromName', value: 'WebSocket test' });
    await waitFor(() => messages.length > 0);
    expect(messages[0]).toEqual({ event: 'settings.changed', payload: { key: 'email.fromName' } });
    expect(server.clientCount()).toBe(1);
    ws.close();
    await waitFor(() => server.clientCount() === 0);
  });

  it('serves the built renderer with a strict CSP and an SPA fallback', async () => {
    const index = await http(server.port, '/');
    expect(index.status).toBe(200);
    expect(index.text).toContain('Baton UI');
    expect(index.headers['content-type']).toMatch(/text\/html/);
    const csp = String(index.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`);
    expect(csp).not.toContain('unsafe-inline');
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect(index.headers['referrer-policy']).toBe('no-referrer');
    const js = await http(server.port, '/assets/app.js');
    expect(js.headers['content-type']).toMatch(/javascript/);
    const deep = await http(server.port, '/approvals/42');
    expect(deep.status).toBe(200);
    expect(deep.text).toContain('Baton UI');
  });

  it('refuses directory traversal', async () => {
    writeFileSync(join(dir, 'outside.txt'), 'SECRET-OUTSIDE');
    for (const p of ['/../outside.txt', '/assets/../../outside.txt', '/%2e%2e/outside.txt', '/assets/%2e%2e%2f%2e%2e%2foutside.txt', '/..%5coutside.txt']) {
      const r = await http(server.port, p);
      expect(r.text, p).not.toContain('SECRET-OUTSIDE');
      expect(r.status, p).toBe(400);
    }
  });

  it('mounts public routes without a token but with the Host check', async () => {
    const post = await http(server.port, '/testhook/new-lead?q=1', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://forms.example' },
      body: '{"email":"a@b.c"}',
    });
    expect(post.status).toBe(202);
    expect(post.json()).toEqual({ received: true });
    expect(hookCalls.at(-1)).toEqual({ method: 'POST', path: 'new-lead', body: '{"email":"a@b.c"}', q: '1' });
    const page = await http(server.port, '/testhook/page');
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(String(page.headers['content-security-policy'])).toContain("default-src 'none'");
    const rebound = await http(server.port, '/testhook/new-lead', { method: 'POST', headers: { host: `evil.example:${server.port}` }, body: '{}' });
    expect(rebound.status).toBe(403);
    const big = await http(server.port, '/testhook/new-lead', { method: 'POST', body: 'x'.repeat(65 * 1024) });
    expect(big.status).toBe(413);
  });
});

describe('server token and lifecycle', () => {
  it('creates the token file with mode 0600, reuses it, and tightens a looser mode', async () => {
    const { core, dir, cleanup } = await openTestCore({ host: 'server' });
    try {
      const first = await startServer(core, { port: 0, closeCore: false });
      const file = join(dir, 'server-token');
      expect(first.tokenFile).toBe(file);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8').trim()).toBe(first.token);
      expect(first.token.length).toBeGreaterThanOrEqual(40);
      await first.close();
      chmodSync(file, 0o644);
      const second = await startServer(core, { port: 0, closeCore: false });
      expect(second.token).toBe(first.token);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      await second.close();
    } finally {
      await cleanup();
    }
  });

  it('says the UI is not built when the renderer folder is missing', async () => {
    const { core, dir, cleanup } = await openTestCore({ host: 'server' });
    try {
      const s = await startServer(core, { port: 0, rendererDir: join(dir, 'no-ui'), closeCore: false });
      const r = await http(s.port, '/');
      expect(r.status).toBe(503);
      expect(r.text).toMatch(/npm run build/);
      await s.close();
    } finally {
      await cleanup();
    }
  });

  it('serves a rebuilt renderer without a restart, never more bytes than announced on a kept-alive connection', async () => {
    const { core, cleanup } = await openTestCore({ host: 'server' });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // A rebuild rewrites index.html in place right after a browser fetched it: the old
      // file stream must not leak the new bytes into the connection (20 rounds: it is a race).
      for (let round = 0; round < 20; round++) {
        const ui = tempDir('baton-ui-');
        const s = await startServer(core, { port: 0, rendererDir: ui.dir, closeCore: false });
        try {
          const get = (path: string) => http(s.port, path, { agent });
          expect((await get('/')).status).toBe(503);
          mkdirSync(join(ui.dir, 'assets'));
          writeFileSync(join(ui.dir, 'index.html'), '<p>v1</p>');
          expect((await get('/')).text).toBe('<p>v1</p>');
          const v2 = '<p>version two, longer</p><script src="/assets/new-abc.js"></script>';
          writeFileSync(join(ui.dir, 'assets', 'new-abc.js'), 'window.v2 = 1;');
          writeFileSync(join(ui.dir, 'index.html'), v2);
          utimesSync(join(ui.dir, 'index.html'), new Date(), new Date(Date.now() + 5000));
          const index = await get('/');
          expect(index.text).toBe(v2);
          expect(Number(index.headers['content-length'])).toBe(Buffer.byteLength(v2));
          expect((await get('/assets/new-abc.js')).text).toBe('window.v2 = 1;');
          expect((await get('/assets/missing-123.js')).status).toBe(404);
          expect((await get('/runs/7')).text).toBe(v2);
        } finally {
          await s.close();
          ui.cleanup();
        }
      }
    } finally {
      agent.destroy();
      await cleanup();
    }
  });

  it('a bug in a handler is a 500 that names the log, with the details only in the log', async () => {
    // A core composed of the system domain, with its settings.get replaced by a handler with a bug.
    const { 'settings.get': _replaced, ...otherOps } = systemOps;
    const systemWithoutSettingsGet = defineDomain({
      ...systemDomain,
      ops: otherOps,
      create: (core) => {
        const { 'settings.get': _h, ...handlers } = systemHandlers(core);
        return { handlers };
      },
    });
    const buggy = defineDomain({
      id: 'buggy',
      description: 'a handler with a bug',
      ops: { 'settings.get': systemOps['settings.get'] },
      create: () => ({
        handlers: {
          'settings.get': () => {
            throw new Error('internal detail /etc/hidden-path');
          },
        },
      }),
    });
    const { core, dir, cleanup } = await openTestCore({ host: 'server', domains: [systemWithoutSettingsGet, buggy] });
    try {
      const s = await startServer(core, { port: 0, closeCore: false });
      const r = await api(s, 'settings.get', {});
      expect(r.status).toBe(500);
      expect(r.json().error.code).toBe('internal');
      expect(r.text).not.toContain('hidden-path');
      expect(r.json().error.message).toContain(join(dir, 'logs'));
      expect(readFileSync(join(dir, 'logs', 'baton.log'), 'utf8')).toContain('hidden-path');
      expect((await api(s, 'system.info', {})).status).toBe(200);
      await s.close();
    } finally {
      await cleanup();
    }
  });

  it('stops gracefully: closes WebSocket clients, the port and the core', async () => {
    const { core, cleanup } = await openTestCore({ host: 'server' });
    try {
      const s = await startServer(core, { port: 0 });
      const { ws } = await connect(s, [`baton.${s.token}`]);
      const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
      await s.close();
      expect(await closed).toBe(1001);
      expect(core.db.open).toBe(false);
      await expect(http(s.port, '/')).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await cleanup();
    }
  });
});

describe('Host and Origin guard', () => {
  it('accepts loopback names with the port, the bind address, extra names, and own origins only', () => {
    const allowed = allowedHosts('127.0.0.1', 4717, ['baton.example.org']);
    const ok = (host: string, origin?: string) => checkHostAndOrigin({ host, origin }, allowed).ok;
    expect(ok('127.0.0.1:4717')).toBe(true);
    expect(ok('LOCALHOST:4717')).toBe(true);
    expect(ok('[::1]:4717')).toBe(true);
    expect(ok('baton.example.org:4717', 'http://baton.example.org:4717')).toBe(true);
    expect(ok('localhost')).toBe(false);
    expect(ok('localhost:4718')).toBe(false);
    expect(ok('127.0.0.1.nip.io:4717')).toBe(false);
    expect(ok('127.0.0.1:4717', 'https://127.0.0.1:4717')).toBe(false);
    expect(ok('127.0.0.1:4717', 'http://127.0.0.1:4717.evil.example')).toBe(false);
    expect(checkHostAndOrigin({ host: '127.0.0.1:4717', origin: 'https://forms.example' }, allowed, { requireOriginMatch: false }).ok).toBe(true);
  });

  it("bound to every interface, also accepts this machine's own addresses", () => {
    const own = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
    const allowed = allowedHosts('0.0.0.0', 8080);
    if (own) expect(allowed.has(`${own.address}:8080`)).toBe(true);
    expect(allowed.has('0.0.0.0:8080')).toBe(false);
    expect(allowedHosts('::1', 1).has('[::1]:1')).toBe(true);
  });

  it('tells loopback from network addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.5', 'example.org']) expect(isLoopback(h), h).toBe(false);
  });

  it('a server started with allowHosts answers requests for that name (reverse proxy)', async () => {
    const { core, cleanup } = await openTestCore({ host: 'server' });
    try {
      const s = await startServer(core, { port: 0, closeCore: false, allowHosts: ['baton.internal'] });
      const r = await api(s, 'system.info', {}, { host: `baton.internal:${s.port}` });
      expect(r.status).toBe(200);
      await s.close();
    } finally {
      await cleanup();
    }
  });
});
