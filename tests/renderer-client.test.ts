/**
 * The renderer's client, in Node: error mapping, token handling, the connection
 * reducer, and the HTTP + WebSocket transport against the real headless server
 * (real core on a temp SQLite file, real `ws` WebSocket client).
 */
import { hashForTarget } from '../renderer/src/api/navigate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiError, SECRET_NAME_RULE, SecretName } from '../shared/api';
import type { Core } from '../electron/core/core';
import { startServer, type BatonServer } from '../electron/server';
import { backoffMs, createConnectionStore, describeConnection, initialConnection, OFFLINE_AFTER, reduceConnection, type ConnEvent } from '../renderer/src/api/connection';
import { errorFromHttp, errorFromNetwork, toApiError } from '../renderer/src/api/errors';
import { HttpTransport, type WebSocketCtor } from '../renderer/src/api/httpTransport';
import { parseEventMessage } from '../renderer/src/api/eventMessage';
import { IpcTransport } from '../renderer/src/api/ipcTransport';
import { bridgeError } from '../electron/preload/bridge';
import { boot, call, signIn, signOut, useSession, type StorageLike } from '../renderer/src/api/client';
import { connectionStore } from '../renderer/src/api/connection';
import { normalizeToken, takeHashToken, tokenProblem } from '../renderer/src/api/token';
import { hashOf, hashParams, hashShowsPage, hashWith, pageFromHash, PAGES, subPathFromHash } from '../renderer/src/api/nav';
import { fieldErrorsFromIssues, secretNameProblem, validateSecretForm } from '../renderer/src/api/secretForm';
import { SETTINGS_SECTIONS, sectionFromHash } from '../renderer/src/pages/settings/sections';
import { openTestCore } from './helpers';

describe('error mapping', () => {
  it('rebuilds the server ApiError from the HTTP envelope, issues included', () => {
    const e = errorFromHttp('secrets.set', 400, { error: { code: 'invalid_input', message: 'Invalid input', issues: [{ path: 'name', message: 'bad' }] } });
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe('invalid_input');
    expect(e.issues).toEqual([{ path: 'name', message: 'bad' }]);
  });

  it('keeps the sentence of host-level errors with their own code, and maps bare statuses', () => {
    const big = errorFromHttp('x.y', 413, { error: { code: 'too_large', message: 'The request body is larger than 1024 KiB.' } });
    expect(big.code).toBe('internal');
    expect(big.message).toContain('1024 KiB');
    expect(errorFromHttp('x.y', 401, null).code).toBe('unauthorized');
    expect(errorFromHttp('x.y', 401, null).message).toMatch(/baton token/);
    expect(errorFromHttp('x.y', 503, 'oops').code).toBe('unavailable');
    const generic = errorFromHttp('system.info', 500, undefined);
    expect(generic.message).toContain('system.info');
    expect(generic.message).toContain('500');
  });

  it('says the server is unreachable when fetch fails', () => {
    const e = errorFromNetwork('system.info', 'http://127.0.0.1:1', new TypeError('fetch failed'));
    expect(e.code).toBe('unavailable');
    expect(e.message).toMatch(/cannot reach Baton at http:\/\/127\.0\.0\.1:1.*fetch failed/);
  });

  it('recovers ApiErrors that crossed Electron IPC in any of the shapes it may take', () => {
    const body = { code: 'not_found', message: 'No run 7.' };
    expect(toApiError(new ApiError('conflict', 'busy')).code).toBe('conflict');
    expect(toApiError(body).code).toBe('not_found');
    expect(toApiError({ error: body }).message).toBe('No run 7.');
    expect(toApiError(Object.assign(new Error('nope'), { code: 'forbidden' })).code).toBe('forbidden');
    const viaIpc = toApiError(new Error(`Error invoking remote method 'baton:call': Error: ${JSON.stringify({ code: 'invalid_input', message: 'Invalid', issues: [{ path: 'name', message: 'x' }] })}`));
    expect(viaIpc.code).toBe('invalid_input');
    expect(viaIpc.issues?.[0]?.path).toBe('name');
    const plain = toApiError(new Error("Error invoking remote method 'baton:call': Error: disk full"));
    expect(plain.code).toBe('internal');
    expect(plain.message).toBe('disk full');
    // what electron/preload's bridge rejects with (a plain object: it crosses contextBridge whole)
    const fromBridge = toApiError(bridgeError({ code: 'invalid_input', message: 'Invalid name', issues: [{ path: 'name', message: 'rule' }] }));
    expect(fromBridge).toBeInstanceOf(ApiError);
    expect(fromBridge.toBody()).toEqual({ code: 'invalid_input', message: 'Invalid name', issues: [{ path: 'name', message: 'rule' }] });
    // an object with an unknown code is not trusted as an ApiError body
    expect(toApiError({ code: 'weird', message: 'm' }).code).toBe('internal');
  });
});

describe('IPC transport', () => {
  it('passes calls and events through the bridge and maps rejections to ApiError', async () => {
    const listeners = new Map<string, (p: unknown) => void>();
    const bridge = {
      call: async (name: string, input: unknown) => {
        if (name === 'system.info') throw new Error(`Error invoking remote method 'baton:call': ${JSON.stringify({ error: { code: 'unavailable', message: 'closing' } })}`);
        return { name, input };
      },
      on: (event: string, cb: (p: unknown) => void) => {
        listeners.set(event, cb);
        return () => listeners.delete(event);
      },
    };
    const t = new IpcTransport(bridge);
    expect(await t.call('backups.list', {})).toEqual({ name: 'backups.list', input: {} });
    const err = await t.call('system.info', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('unavailable');
    const got: unknown[] = [];
    const off = t.on('settings.changed', (p) => got.push(p));
    listeners.get('settings.changed')?.({ key: 'a.b' });
    expect(got).toEqual([{ key: 'a.b' }]);
    off();
    expect(listeners.has('settings.changed')).toBe(false);
  });
});

describe('navigate (desktop notification click)', () => {
  it('turns the shell target into the address the pages read', () => {
    expect(hashForTarget({ page: 'runs', id: 'r1', kind: 'run' })).toBe('#/runs?run=r1');
    expect(hashForTarget({ page: 'approvals', id: 'a 1', kind: 'approval' })).toBe('#/approvals?id=a%201');
    expect(hashForTarget({ page: 'dashboard', id: 'e9', kind: 'escalation' })).toBe('#/dashboard?escalation=e9');
    expect(hashForTarget({ page: 'approvals' })).toBe('#/approvals');
    expect(hashForTarget({ page: 'nowhere', id: 'x' })).toBeNull();
    expect(hashForTarget('runs')).toBeNull();
  });
});

describe('token', () => {
  it('takes the token out of the hash and keeps the rest', () => {
    expect(takeHashToken('#token=abc123')).toEqual({ token: 'abc123', hash: '' });
    expect(takeHashToken('#token=abc&page=x')).toEqual({ token: 'abc', hash: '#page=x' });
    expect(takeHashToken('#/settings')).toEqual({ token: null, hash: '#/settings' });
    expect(takeHashToken('')).toEqual({ token: null, hash: '' });
  });

  it('cleans a pasted token or login link and rejects what cannot be one', () => {
    expect(normalizeToken('  "abcDEF123"\n')).toBe('abcDEF123');
    expect(normalizeToken('http://127.0.0.1:4717/#token=xyz789')).toBe('xyz789');
    expect(tokenProblem('')).toMatch(/Paste/);
    expect(tokenProblem('two words')).toMatch(/one word/);
    expect(tokenProblem('Ab3_-x')).toBeNull();
  });
});

describe('connection state', () => {
  it('goes reconnecting, then offline after repeated failures, and back to connected with a new epoch', () => {
    let s = initialConnection;
    expect(describeConnection(s)).toBe('Connecting…');
    s = reduceConnection(s, { type: 'open' });
    expect(s).toMatchObject({ state: 'connected', epoch: 1, failures: 0 });
    const fail: ConnEvent = { type: 'fail', error: 'closed', retryAt: 5_000 };
    s = reduceConnection(s, fail);
    expect(s.state).toBe('reconnecting');
    expect(describeConnection(s, 2_000)).toBe('Reconnecting… Retrying in 3 s.');
    for (let i = 1; i < OFFLINE_AFTER; i++) s = reduceConnection(s, fail);
    expect(s.state).toBe('offline');
    expect(describeConnection(s, 9_000)).toMatch(/^Offline.*Retrying now/);
    s = reduceConnection(s, { type: 'open' });
    expect(s).toMatchObject({ state: 'connected', epoch: 2, failures: 0, lastError: null });
    expect(reduceConnection(s, { type: 'closed' }).state).toBe('offline');
  });

  it('backs off exponentially with jitter, capped at 10 s', () => {
    expect(backoffMs(1, 0.5)).toBe(500);
    expect(backoffMs(2, 0.5)).toBe(1000);
    expect(backoffMs(3, 0)).toBe(1600);
    expect(backoffMs(50, 0.999)).toBeLessThanOrEqual(12_000);
    expect(backoffMs(50, 0.5)).toBe(10_000);
  });

  it('the store applies the reducer', () => {
    const store = createConnectionStore();
    store.getState().dispatch({ type: 'open' });
    expect(store.getState().state).toBe('connected');
  });
});

describe('navigation and the secret form', () => {
  it('maps hashes to pages, unknown to the dashboard', () => {
    expect(PAGES.map((p) => p.label)).toEqual(['Dashboard', 'Approvals', 'Workflows', 'Runs', 'Contacts', 'Pipeline', 'Tasks', 'Sequences', 'Growth', 'Billing', 'Products', 'Finance', 'Playbooks', 'Documents', 'Settings', 'Setup', 'Escalations']);
    for (const p of PAGES) expect(pageFromHash(hashOf(p.id))).toBe(p.id);
    expect(pageFromHash('#/nope')).toBe('dashboard');
    expect(pageFromHash('')).toBe('dashboard');
    // A page's parameters ride after `?` and leave the page alone.
    expect(pageFromHash('#/contacts?id=12')).toBe('contacts');
    expect(hashParams('#/contacts?id=12&tab=x').get('id')).toBe('12');
    expect(hashParams('#/contacts').get('id')).toBeNull();
    expect(hashWith('contacts', { id: 12, q: '', s: null })).toBe('#/contacts?id=12');
    expect(hashWith('contacts', {})).toBe('#/contacts');
    expect(hashShowsPage('#/contacts?id=12', 'contacts')).toBe(true);
    expect(hashShowsPage('#/contactsx', 'contacts')).toBe(false);
    expect(hashShowsPage('#/contacts/x', 'contacts')).toBe(true);
    expect(hashShowsPage('#/contactsx/y', 'contacts')).toBe(false);
    expect(subPathFromHash('#/settings/wordpress')).toBe('wordpress');
    expect(subPathFromHash('#/settings/e%2Dmail?x=1')).toBe('e-mail');
    expect(subPathFromHash('#/settings')).toBeNull();
    expect(subPathFromHash('#/settings?x=1')).toBeNull();
    // Settings sections: a known section from the address, anything else none.
    expect(sectionFromHash('#/settings/wordpress')).toBe('wordpress');
    expect(sectionFromHash('#/settings/nope')).toBeNull();
    expect(sectionFromHash('#/settings')).toBeNull();
    expect(new Set(SETTINGS_SECTIONS.map((x) => x.id)).size).toBe(SETTINGS_SECTIONS.length);
  });

  it('validates names with the same rule as the server', () => {
    for (const name of ['ANTHROPIC_API_KEY', 'A1', 'X_', 'a', 'lower_case', 'BAD NAME', '1ABC', 'A'.repeat(65), 'ÄB']) {
      expect(secretNameProblem(name) === null).toBe(SecretName.safeParse(name).success);
    }
    expect(secretNameProblem('bad name')).toContain(SECRET_NAME_RULE);
    expect(secretNameProblem('smtp_pass')).toContain('Try SMTP_PASS');
    expect(secretNameProblem('')).toBeNull();
    expect(validateSecretForm('', '')).toEqual({ name: expect.stringContaining(SECRET_NAME_RULE), value: expect.any(String) });
    expect(validateSecretForm('OK_NAME', 'v')).toEqual({});
    expect(fieldErrorsFromIssues([{ path: 'value', message: 'the value must not be empty' }])).toEqual({ value: 'the value must not be empty' });
  });

  it('drops event messages that are unknown or malformed', () => {
    expect(parseEventMessage(JSON.stringify({ event: 'settings.changed', payload: { key: 'a' } }))).toEqual({ event: 'settings.changed', payload: { key: 'a' } });
    expect(parseEventMessage('not json')).toBeNull();
    expect(parseEventMessage(JSON.stringify({ event: 'nope', payload: {} }))).toBeNull();
    expect(parseEventMessage(JSON.stringify({ event: 'settings.changed', payload: { key: 5 } }))).toBeNull();
  });
});

describe('HTTP + WebSocket transport against the real server', () => {
  let core: Core;
  let server: BatonServer;
  let cleanup: () => Promise<void>;
  const open: HttpTransport[] = [];

  beforeEach(async () => {
    ({ core, cleanup } = await openTestCore({ host: 'server' }));
    server = await startServer(core, { port: 0, closeCore: false });
  });
  afterEach(async () => {
    for (const t of open.splice(0)) t.stop();
    await server.close();
    await cleanup();
  });

  function transport(token = server.token, extra: Partial<ConstructorParameters<typeof HttpTransport>[0]> = {}) {
    const t = new HttpTransport({ baseUrl: server.url, token, WebSocket: WebSocket as unknown as WebSocketCtor, backoff: () => 50, ...extra });
    open.push(t);
    return t;
  }

  const until = async (cond: () => boolean, ms = 5000) => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it('calls operations and rebuilds ApiErrors with field issues', async () => {
    const t = transport();
    const info = await t.call('system.info', {});
    expect(info.host).toBe('server');
    expect(info.schemaVersion).toBe(info.latestSchemaVersion);
    const err = await t.call('secrets.set', { name: 'bad name', value: 'v' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('invalid_input');
    expect((err as ApiError).issues?.[0]).toEqual({ path: 'name', message: SECRET_NAME_RULE });
    const env = await t.call('secrets.set', { name: 'SOME_KEY', value: 'v' }).catch((e: unknown) => e);
    expect((env as ApiError).code).toBe('unavailable');
    expect((env as ApiError).message).toContain('BATON_SECRET_SOME_KEY');
  });

  it('reports a wrong token as unauthorized and tells the app', async () => {
    let told = 0;
    const t = transport('wrong' + 'token', { onUnauthorized: () => told++ });
    const err = await t.call('system.info', {}).catch((e: unknown) => e);
    expect((err as ApiError).code).toBe('unauthorized');
    expect(told).toBe(1);
  });

  it('says so when the server is gone', async () => {
    const t = transport();
    await server.close();
    const err = await t.call('system.info', {}).catch((e: unknown) => e);
    expect((err as ApiError).code).toBe('unavailable');
    expect((err as ApiError).message).toContain('cannot reach Baton');
  });

  it('delivers push events, and reconnects after the server restarts', async () => {
    const store = createConnectionStore();
    const t = transport(server.token, { onConnection: (e) => store.getState().dispatch(e) });
    const got: string[] = [];
    t.on('backup.created', (b) => got.push(b.file));
    t.start();
    await until(() => store.getState().state === 'connected');
    const b = await t.call('backups.create', {});
    await until(() => got.length === 1);
    expect(got).toEqual([b.file]);

    const port = server.port;
    await server.close();
    await until(() => store.getState().state !== 'connected');
    await until(() => store.getState().state === 'offline');
    server = await startServer(core, { port, closeCore: false });
    await until(() => store.getState().state === 'connected');
    expect(store.getState().epoch).toBe(2);
    await t.call('backups.create', {});
    await until(() => got.length === 2);
  });

  it('boots from #token=, keeps it, strips it from the address; sign-in checks a pasted token', async () => {
    const mem = new Map<string, string>();
    const storage: StorageLike = { getItem: (k) => mem.get(k) ?? null, setItem: (k, v) => void mem.set(k, v), removeItem: (k) => void mem.delete(k) };
    const hashes: string[] = [];
    const env = { origin: server.url.replace(/\/$/, ''), storage, WebSocket: WebSocket as unknown as WebSocketCtor, replaceHash: (h: string) => void hashes.push(h) };
    try {
      boot({ ...env, hash: `#token=${server.token}` });
      expect(hashes).toEqual(['']);
      expect([...mem.values()]).toEqual([server.token]);
      expect(useSession.getState().status).toBe('ready');
      expect((await call('system.info', {})).host).toBe('server');
      await until(() => connectionStore.getState().state === 'connected');

      signOut();
      expect(useSession.getState().status).toBe('signin');
      expect(mem.size).toBe(0);
      boot({ ...env, hash: '' });
      expect(useSession.getState().status).toBe('signin');
      expect(await signIn('wrong' + 'token')).toMatch(/not accepted/);
      expect(await signIn('two words')).toMatch(/one word/);
      expect(useSession.getState().status).toBe('signin');
      expect(await signIn(`  ${server.url}#token=${server.token}\n`)).toBeNull();
      expect(useSession.getState().status).toBe('ready');
      expect([...mem.values()]).toEqual([server.token]);
    } finally {
      signOut();
    }
  });

  it('reopens the event stream at once when a call shows the server is back', async () => {
    const store = createConnectionStore();
    let delay = 50;
    const t = transport(server.token, { onConnection: (e) => store.getState().dispatch(e), backoff: () => delay });
    t.start();
    await until(() => store.getState().state === 'connected');
    const port = server.port;
    await server.close();
    await until(() => store.getState().failures >= 1);
    delay = 60_000; // from now on the backoff alone would wait a minute
    await until(() => store.getState().retryAt !== null && store.getState().retryAt! > Date.now() + 30_000);
    server = await startServer(core, { port, closeCore: false });
    await t.call('system.info', {});
    await until(() => store.getState().state === 'connected', 2000);
  });

  it('does not connect the event stream with a wrong token', async () => {
    const store = createConnectionStore();
    const t = transport('wrong' + 'token', { onConnection: (e) => store.getState().dispatch(e) });
    t.start();
    await until(() => store.getState().failures >= 2);
    expect(store.getState().epoch).toBe(0);
    expect(server.clientCount()).toBe(0);
  });
});
