/**
 * Raw HTTP helpers and the security probes every host's HTTP surface must pass
 * (token, Origin, Host, bind address). tests/server.test.ts runs them on
 * startServer; tests/host.test.ts on the shared bootstrap as the desktop app
 * and as `baton serve` run it.
 */
import { Agent, request } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { expect, it } from 'vitest';
import WebSocket from 'ws';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Raw HTTP so the test controls the Host header (fetch would not let it). */
export function http(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer; agent?: Agent } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { host: `127.0.0.1:${port}`, ...opts.headers }, ...(opts.agent ? { agent: opts.agent } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

export interface Surface {
  port: number;
  token: string;
  tokenFile: string;
  /** The address it was bound to. */
  host: string;
}

export function api(s: Surface, op: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return http(s.port, `/api/v1/${op}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

export function connect(s: Surface, protocols: string[], headers: Record<string, string> = {}): Promise<{ ws: WebSocket; messages: unknown[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${s.port}/api/v1/events`, protocols, { headers });
    const messages: unknown[] = [];
    ws.on('message', (m) => messages.push(JSON.parse(String(m))));
    ws.once('open', () => resolve({ ws, messages }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

export async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** This machine's first non-loopback IPv4 address, if it has one. */
export function externalAddress(): string | null {
  return Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address ?? null;
}

/** 'refused' when nothing listens at address:port, 'open' when a connection is accepted. */
export function tcpProbe(address: string, port: number): Promise<'open' | 'refused'> {
  return new Promise((resolve) => {
    const sock = tcpConnect({ host: address, port });
    sock.once('connect', () => {
      sock.destroy();
      resolve('open');
    });
    sock.once('error', () => resolve('refused'));
    sock.setTimeout(3000, () => {
      sock.destroy();
      resolve('refused');
    });
  });
}

/**
 * The probes: each host's HTTP surface refuses a missing or wrong token, a
 * foreign Host (DNS rebinding) and a foreign Origin, on the API, the WebSocket,
 * the UI and the public routes, and listens on loopback only.
 */
export function securityProbes(get: () => Surface): void {
  it('401 without a token or with a wrong one, and the message says where the token is', async () => {
    const s = get();
    const none = await http(s.port, '/api/v1/system.info', { method: 'POST', body: '{}' });
    expect(none.status).toBe(401);
    expect(none.json().error.message).toContain(s.tokenFile);
    expect(none.text).not.toContain(s.token);
    const wrong = await api(s, 'system.info', {}, { authorization: `Bearer ${'x'.repeat(43)}` });
    expect(wrong.status).toBe(401);
    const almost = await api(s, 'system.info', {}, { authorization: `Bearer ${s.token.slice(0, -1)}` });
    expect(almost.status).toBe(401);
    expect((await api(s, 'system.info', {})).status).toBe(200);
  });

  it('403 for a foreign Host (DNS rebinding) or a foreign Origin, even with the token', async () => {
    const s = get();
    const host = await api(s, 'system.info', {}, { host: `evil.example:${s.port}` });
    expect(host.status).toBe(403);
    expect(host.json().error.code).toBe('forbidden');
    const wrongPort = await api(s, 'system.info', {}, { host: `127.0.0.1:${s.port + 1}` });
    expect(wrongPort.status).toBe(403);
    const origin = await api(s, 'system.info', {}, { origin: 'http://evil.example' });
    expect(origin.status).toBe(403);
    const nullOrigin = await api(s, 'system.info', {}, { origin: 'null' });
    expect(nullOrigin.status).toBe(403);
    const ownOrigin = await api(s, 'system.info', {}, { origin: `http://localhost:${s.port}`, host: `localhost:${s.port}` });
    expect(ownOrigin.status).toBe(200);
    const staticFromEvil = await http(s.port, '/', { headers: { host: `attacker.example:${s.port}` } });
    expect(staticFromEvil.status).toBe(403);
    const publicFromEvil = await http(s.port, '/hooks/anything', { method: 'POST', headers: { host: `attacker.example:${s.port}`, 'content-type': 'application/json' }, body: '{}' });
    expect(publicFromEvil.status).toBe(403);
  });

  it('refuses the WebSocket without a token, with a wrong one, from a foreign Origin or Host; accepts the token', async () => {
    const s = get();
    await expect(connect(s, [])).rejects.toThrow('status 401');
    await expect(connect(s, ['baton.wrong'])).rejects.toThrow('status 401');
    await expect(connect(s, [`baton.${s.token}`], { origin: 'http://evil.example' })).rejects.toThrow('status 403');
    await expect(connect(s, [`baton.${s.token}`], { host: `rebind.example:${s.port}` })).rejects.toThrow('status 403');
    const { ws } = await connect(s, [`baton.${s.token}`], { origin: `http://127.0.0.1:${s.port}` });
    expect(ws.protocol).toBe(`baton.${s.token}`);
    ws.close();
  });

  it('binds loopback only: nothing answers on the machine\'s network address', async () => {
    const s = get();
    expect(s.host).toBe('127.0.0.1');
    expect(await tcpProbe('127.0.0.1', s.port)).toBe('open');
    const ext = externalAddress();
    if (ext) expect(await tcpProbe(ext, s.port)).toBe('refused');
  });
}
