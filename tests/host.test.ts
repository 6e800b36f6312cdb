/**
 * The one host bootstrap (electron/server/host.ts), run the way the desktop
 * app's main process runs it (host 'electron', loopback, the port from
 * BATON_PORT / the setting, HTTP optional) and the way `baton serve` does: the
 * same HTTP surface passes the same security probes, the lock keeps a second
 * host off the folder, CLI one-shot commands work next to it, and an earlier
 * data folder is moved into the default once.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBaton } from '../electron/core';
import { MOVED_FROM, MOVED_MARKER } from '../electron/core/data-move';
import { EnvSecretStore } from '../electron/core/secrets';
import { desktopPort } from '../electron/main/logic/paths';
import { DATA_MOVED_SETTING, HostStartError, startHost, type RunningHost } from '../electron/server/host';
import { runningServer } from '../electron/server/runtime';
import { tempDir } from './helpers';
import { api, connect, http, securityProbes, waitFor, type Surface } from './support/http-probes';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin', 'baton.js');
const secrets = () => new EnvSecretStore({}, 'tests');

function surface(h: RunningHost): Surface {
  if (!h.server) throw new Error(`no HTTP surface: ${h.httpError}`);
  return { port: h.server.port, token: h.server.token, tokenFile: h.server.tokenFile, host: h.server.host };
}

describe('the desktop host (the bootstrap as electron/main runs it)', () => {
  const dir = tempDir('baton-desktop-');
  let host: RunningHost;

  beforeAll(async () => {
    host = await startHost({
      host: 'electron',
      dataDir: dir.dir,
      secrets: secrets(),
      http: { host: '127.0.0.1', ...desktopPort({ BATON_PORT: '0' }) },
      httpOptional: true,
    });
  });
  afterAll(async () => {
    await host?.close();
    dir.cleanup();
  });

  securityProbes(() => surface(host));

  it('serves the same surface as baton serve: API, events, web UI and public routes', async () => {
    const s = surface(host);
    expect((await api(s, 'system.info', {})).json().result.host).toBe('electron');
    const { ws, messages } = await connect(s, [`baton.${s.token}`]);
    await api(s, 'settings.set', { key: 'ai.model', value: 'claude-desktop' });
    await waitFor(() => messages.some((m) => (m as { event: string }).event === 'settings.changed'));
    ws.close();
    const ui = await http(s.port, '/');
    expect([200, 503]).toContain(ui.status); // 503 only when the renderer was never built
    if (ui.status === 200) expect(String(ui.headers['content-security-policy'])).toContain("default-src 'self'");
    await api(s, 'forms.save', { slug: 'desk', name: 'Desk', fields: { email: 'email' }, tags: [] });
    const post = await http(s.port, '/hooks/forms/desk', { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://site.example' }, body: '{"email":"desk@example.com"}' });
    expect(post.status).toBe(200);
    expect((await api(s, 'contacts.list', { search: 'desk@example.com' })).json().result.total).toBe(1);
  });

  it('writes server.json (no secrets) so the CLI finds it', async () => {
    // (runningServer() ignores this process' own lock: the CLI test below reads it from another process.)
    const info = JSON.parse(readFileSync(join(host.dataDir, 'server.json'), 'utf8')) as { url: string; pid: number };
    expect(info).toMatchObject({ url: host.server?.url, pid: process.pid });
    expect(runningServer(host.dataDir)).toBeNull();
    expect(readFileSync(join(host.dataDir, 'server.json'), 'utf8')).not.toContain(host.server!.token);
  });

  it('baton serve on the same folder is refused while the desktop host runs (one engine per folder)', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, BATON_SECRETS: 'env' };
    delete env.BATON_DATA_DIR;
    const r = await promisify(execFile)(process.execPath, [bin, '--data', dir.dir, 'serve', '--port', '0'], { cwd: root, env }).catch((e: { code: number; stderr: string }) => e);
    expect((r as { code: number }).code).not.toBe(0);
    expect((r as { stderr: string }).stderr).toMatch(new RegExp(`already running on .*\\(pid ${process.pid}\\)`));
  });

  it('CLI one-shot commands work next to it (and see its URL)', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, BATON_SECRETS: 'env' };
    delete env.BATON_DATA_DIR;
    const run = (...args: string[]) => promisify(execFile)(process.execPath, [bin, '--data', dir.dir, '--json', ...args], { cwd: root, env });
    const doctor = JSON.parse((await run('doctor')).stdout) as { server: { running: boolean; url: string } };
    expect(doctor.server).toMatchObject({ running: true, url: host.server!.url });
    const link = JSON.parse((await run('token', '--url')).stdout) as { url: string; running: boolean };
    expect(link).toEqual({ url: `${host.server!.url}#token=${host.server!.token}`, running: true });
    const list = JSON.parse((await run('contacts', 'list')).stdout) as { total: number };
    expect(list.total).toBeGreaterThanOrEqual(1);
  });
});

describe('the serve host (the bootstrap as baton serve runs it)', () => {
  const dir = tempDir('baton-serve-host-');
  let host: RunningHost;
  beforeAll(async () => {
    host = await startHost({ host: 'server', dataDir: dir.dir, secrets: secrets(), http: { host: '127.0.0.1', port: 0 } });
  });
  afterAll(async () => {
    await host?.close();
    dir.cleanup();
  });
  securityProbes(() => surface(host));
});

describe('host start and stop', () => {
  let blocker: Server;
  let busyPort: number;
  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    busyPort = (blocker.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => blocker.close(() => r())));

  it('the desktop app keeps running when its port is taken, and says how to fix it; baton serve refuses', async () => {
    const dir = tempDir('baton-busy-');
    const notices: string[] = [];
    try {
      const h = await startHost({ host: 'electron', dataDir: dir.dir, secrets: secrets(), http: { port: busyPort }, httpOptional: true, notice: (m) => notices.push(m) });
      expect(h.server).toBeNull();
      expect(h.httpError).toMatch(new RegExp(`Port ${busyPort} .* already in use.*server\\.port`));
      expect(notices).toContain(h.httpError);
      expect((await h.core.call('system.info', {})).host).toBe('electron');
      expect(existsSync(join(dir.dir, 'server.json'))).toBe(false);
      await h.close();
      const err = await startHost({ host: 'server', dataDir: dir.dir, secrets: secrets(), http: { port: busyPort } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HostStartError);
      expect((err as Error).message).toMatch(/--port N/);
      // Refused at start: nothing is left holding the folder.
      expect(existsSync(join(dir.dir, 'baton.pid'))).toBe(false);
    } finally {
      dir.cleanup();
    }
  });

  it('the desktop port comes from the server.port setting when BATON_PORT is not set', async () => {
    const dir = tempDir('baton-port-');
    try {
      const first = await openBaton({ dataDir: dir.dir, host: 'cli', secrets: secrets() });
      first.setSetting('server.port', busyPort);
      await first.close();
      const h = await startHost({ host: 'electron', dataDir: dir.dir, secrets: secrets(), http: { host: '127.0.0.1', ...desktopPort({}) }, httpOptional: true });
      expect(h.httpError).toContain(`Port ${busyPort}`);
      await h.close();
    } finally {
      dir.cleanup();
    }
  });

  it('close() stops serving, closes the core, removes server.json and the lock', async () => {
    const dir = tempDir('baton-close-');
    try {
      const h = await startHost({ host: 'electron', dataDir: dir.dir, secrets: secrets(), http: { port: 0 }, httpOptional: true });
      const port = h.server!.port;
      await h.close();
      await h.close(); // twice is fine
      expect(h.core.db.open).toBe(false);
      expect(existsSync(join(dir.dir, 'server.json'))).toBe(false);
      expect(existsSync(join(dir.dir, 'baton.pid'))).toBe(false);
      await expect(http(port, '/')).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      dir.cleanup();
    }
  });

  it('moves an earlier desktop data folder into the default once, keeps the old one, and says so', async () => {
    const home = tempDir('baton-home-');
    try {
      const legacy = join(home.dir, '.config', 'Baton');
      mkdirSync(legacy, { recursive: true });
      const old = await openBaton({ dataDir: legacy, host: 'electron', secrets: secrets() });
      old.setSetting('ai.model', 'from-the-old-folder');
      await old.close();
      const paths = { platform: 'linux' as const, env: {}, home: home.dir };
      const notices: string[] = [];
      const h = await startHost({ host: 'electron', paths, secrets: secrets(), http: false, notice: (m) => notices.push(m) });
      try {
        expect(h.dataDir).toBe(join(home.dir, '.local', 'share', 'baton'));
        expect(h.core.setting('ai.model', null)).toBe('from-the-old-folder');
        expect(h.moved?.from).toBe(legacy);
        expect(notices[0]).toMatch(/moved its data from .*\.config\/Baton to .*\.local\/share\/baton.*kept unchanged as a backup/);
        expect(h.core.setting(DATA_MOVED_SETTING, null)).toMatchObject({ from: legacy, to: h.dataDir });
        expect(existsSync(join(legacy, 'baton.db'))).toBe(true);
        expect(existsSync(join(legacy, MOVED_MARKER))).toBe(true);
        expect(existsSync(join(h.dataDir, MOVED_FROM))).toBe(true);
      } finally {
        await h.close();
      }
      // Once: the next start uses the new folder and says nothing.
      const again: string[] = [];
      const h2 = await startHost({ host: 'electron', paths, secrets: secrets(), http: false, notice: (m) => again.push(m) });
      expect(h2.moved).toBeNull();
      expect(again).toEqual([]);
      await h2.close();
    } finally {
      home.cleanup();
    }
  });
});
