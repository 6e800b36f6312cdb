/**
 * Attaching to a remote `baton serve`, on real components: two real cores on
 * real SQLite files, the remote served by the real HTTP/WebSocket server, a
 * real TLS server with a self-signed certificate, and the CLI's --url/--token.
 * The gateway relays operations and events to the remote, says why it is down
 * when the remote stops, comes back when it restarts, and switches back.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WindowConnection } from '../shared/api';
import type { Core } from '../electron/core/core';
import { RemoteClient, RemoteError, RemoteLink, type LinkState } from '../electron/core/remote/client';
import { REMOTE_GATEWAY, RemoteGateway } from '../electron/core/remote';
import { EncryptedFileSecretStore } from '../electron/core/secrets';
import { EngineTrayState, windowCore } from '../electron/main/logic/host';
import { engineOf } from '../electron/core/engine';
import { startServer, type BatonServer } from '../electron/server';
import { openTestCore, tempDir } from './helpers';

const execFileAsync = promisify(execFile);

/** Wait on a state, with a generous limit for a loaded machine. */
async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function listen(s: Server): Promise<number> {
  return new Promise((ok) => s.listen(0, '127.0.0.1', () => ok((s.address() as AddressInfo).port)));
}

describe('remote connection on real servers', () => {
  const ui = tempDir('baton-ui-');
  const keyDir = tempDir('baton-key-');
  const localDir = tempDir('baton-local-');
  let remote: { core: Core; dir: string; cleanup: () => Promise<void> };
  let local: { core: Core; dir: string; cleanup: () => Promise<void> };
  let server: BatonServer | null = null;
  let port = 0;
  let base = '';

  beforeAll(async () => {
    writeFileSync(join(ui.dir, 'index.html'), '<!doctype html><title>Baton</title>');
    remote = await openTestCore({ host: 'server' });
    server = await startServer(remote.core, { port: 0, rendererDir: ui.dir, closeCore: false });
    port = server.port;
    base = `http://127.0.0.1:${port}`;
    // The local host keeps secrets in the encrypted file (a writable store), as the desktop does without a keychain.
    const dir = localDir.dir;
    const keyFile = join(keyDir.dir, 'secrets.key');
    writeFileSync(keyFile, randomBytes(32), { mode: 0o600 });
    local = await openTestCore({ host: 'electron', dataDir: dir, secrets: EncryptedFileSecretStore.open({ dataDir: dir, source: { kind: 'keyfile', path: keyFile }, env: {} }) });
  });

  afterAll(async () => {
    await server?.close();
    await remote?.cleanup();
    await local?.cleanup();
    ui.cleanup();
    keyDir.cleanup();
    localDir.cleanup();
  });

  it('the client calls operations on the remote; the operation\'s own errors stay ApiErrors; a wrong token is bad_token', async () => {
    const client = new RemoteClient({ url: base, token: server!.token });
    expect(await client.call('system.info', {})).toMatchObject({ dataDir: remote.dir });
    await expect(client.call('settings.set', { key: 'Bad Key', value: 1 })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(client.call('settings.set', { key: 'Bad Key', value: 1 })).rejects.not.toBeInstanceOf(RemoteError);
    const bad = await new RemoteClient({ url: base, token: 'wrong' }).call('system.info', {}).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(RemoteError);
    expect(bad).toMatchObject({ problem: 'bad_token' });
  });

  it('nothing listening is unreachable; a redirect is refused, not followed; a TLS certificate it cannot verify is bad_certificate', async () => {
    const closed = createHttpServer();
    const freePort = await listen(closed);
    await new Promise((r) => closed.close(r));
    const down = await new RemoteClient({ url: `http://127.0.0.1:${freePort}`, token: 't' }).call('system.info', {}).catch((e: unknown) => e);
    expect(down).toMatchObject({ problem: 'unreachable', message: expect.stringMatching(/^Cannot reach the Baton server at http:\/\/127\.0\.0\.1/) });

    let followed = false;
    const redirector = createHttpServer((req, res) => {
      if (req.url?.startsWith('/elsewhere')) followed = true;
      res.writeHead(302, { location: `/elsewhere${req.url}` }).end();
    });
    const rport = await listen(redirector);
    try {
      const r = await new RemoteClient({ url: `http://127.0.0.1:${rport}`, token: 't' }).call('system.info', {}).catch((e: unknown) => e);
      expect(r).toMatchObject({ problem: 'not_baton', message: expect.stringMatching(/redirects to \/elsewhere/) });
      expect(followed).toBe(false);
    } finally {
      await new Promise((r) => redirector.close(r));
    }

    const { dir, cleanup } = tempDir('baton-tls-');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    let answered = false;
    const tls = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => {
      answered = true;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"result":{}}');
    });
    const tport = await listen(tls);
    try {
      const t = await new RemoteClient({ url: `https://localhost:${tport}`, token: 't' }).call('system.info', {}).catch((e: unknown) => e);
      expect(t).toMatchObject({ problem: 'bad_certificate', message: expect.stringMatching(/does not connect to a server it cannot verify/) });
      expect(answered).toBe(false);
      // The event stream verifies it too.
      const states: LinkState[] = [];
      const link = new RemoteLink({ url: `https://localhost:${tport}`, token: 't', backoff: () => 60_000, onState: (s) => states.push(s), onEvent: () => {} });
      link.start();
      try {
        await until(() => link.state.state === 'down', 'the link to refuse the certificate');
        expect(link.state).toMatchObject({ problem: 'bad_certificate' });
      } finally {
        link.stop();
      }
    } finally {
      await new Promise((r) => tls.close(r));
      cleanup();
    }
  });

  it('the host refuses a wrong token on the token field and an address on the url field, and keeps nothing', async () => {
    const wrong = await local.core.call('connection.attach', { url: base, token: 'not-the-token' }).catch((e: unknown) => e);
    expect(wrong).toMatchObject({ code: 'invalid_input', issues: [{ path: 'token', message: expect.stringMatching(/did not accept the token/) }] });
    const plain = await local.core.call('connection.attach', { url: 'http://baton.example.com', token: server!.token }).catch((e: unknown) => e);
    expect(plain).toMatchObject({ code: 'invalid_input', issues: [{ path: 'url' }] });
    expect(await local.core.call('connection.get', {})).toMatchObject({ mode: 'local', url: null });
    expect(local.core.setting('connection.remote', null)).toBeNull();
  });

  it('attached: operations and events are the remote\'s, it goes down saying why when the remote stops, comes back when it restarts, and detaches', async () => {
    // The host's own gateway (what `baton serve` and the desktop use), started as their services start it.
    const gw = local.core.get(REMOTE_GATEWAY);
    const changes: WindowConnection[] = [];
    const heard: string[] = [];
    gw.bus.on('connection.changed', (c) => changes.push(c));
    gw.bus.onAny((name) => heard.push(name));
    await gw.start();
    // The tray and the dock badge read the window's surface: the remote's counts once attached, this computer's after detaching.
    const tray = new EngineTrayState(windowCore(local.core), () => {});
    const stopTray = tray.attach();
    try {
      await tray.refresh();
      const localOpen = tray.openEscalations;
      for (const k of ['a', 'b', 'c']) engineOf(remote.core).store.raiseEscalation({ severity: 'warning', title: 'Hot lead', detail: 'score 92', key: `tray-remote-${k}` });
      const remoteOpen = (await remote.core.call('escalations.list', { acknowledged: false, limit: 1 })).unacknowledged;
      expect(remoteOpen).toBeGreaterThanOrEqual(localOpen + 3);

      const c = await gw.attach({ url: `${base}/`, token: server!.token });
      expect(c).toMatchObject({ mode: 'remote', url: base, tokenStorage: 'secrets' });
      await until(() => gw.status().state === 'connected', 'the link to connect');
      // The token is in the secret store, the address in the settings; never the token in the database.
      expect(await local.core.secrets.get('BATON_REMOTE_TOKEN')).toBe(server!.token);
      expect(local.core.setting('connection.remote', null)).toEqual({ url: base, attached: true });
      expect(execFileSync('sqlite3', [join(local.dir, 'baton.db'), 'select value from settings']).toString()).not.toContain(server!.token);

      // Operations go to the remote; connection.* stay local.
      expect(await gw.call('system.info', {})).toMatchObject({ dataDir: remote.dir });
      expect(await local.core.call('connection.get', {})).toMatchObject({ mode: 'remote', url: base });
      // The remote's events reach the window, the local ones do not.
      await gw.call('settings.set', { key: 'ai.model', value: 'remote-model' });
      await until(() => heard.includes('settings.changed'), 'the remote event');
      expect(remote.core.setting('ai.model', null)).toBe('remote-model');
      heard.length = 0;
      local.core.bus.emit('settings.changed', { key: 'local.only' });
      await gw.call('system.info', {});
      expect(heard).not.toContain('settings.changed');

      // The desktop's window, tray and notifications follow the same surface.
      expect(await windowCore(local.core).call('system.info', {})).toMatchObject({ dataDir: remote.dir });
      // No refresh by hand: the connection change alone makes the tray re-read.
      await until(() => tray.openEscalations === remoteOpen, "the tray to show the remote's open escalations");

      // The remote stops: down, unreachable, with the sentence and the next attempt.
      await server!.close();
      server = null;
      await until(() => gw.status().state === 'down', 'the link to go down');
      const down = gw.status();
      expect(down).toMatchObject({ mode: 'remote', problem: 'unreachable', message: expect.stringMatching(/^Cannot reach the Baton server at http:\/\/127\.0\.0\.1/) });
      expect(down.retryAt).not.toBeNull();
      expect(changes.some((x) => x.state === 'down')).toBe(true);
      await expect(gw.call('system.info', {})).rejects.toMatchObject({ problem: 'unreachable' });
      // Retries keep saying why rather than flipping to "connecting".
      await new Promise((r) => setTimeout(r, 400));
      expect(gw.status().state).toBe('down');

      // It restarts on the same port: back on its own.
      server = await startServer(remote.core, { port, rendererDir: ui.dir, closeCore: false });
      await until(() => gw.status().state === 'connected', 'the link to come back');
      expect(changes.at(-1)).toMatchObject({ mode: 'remote', state: 'connected', problem: null });
      // Each change is a newer revision than the one before (the window keeps the newest).
      expect(changes.map((x) => x.revision.seq)).toEqual([...changes.map((x) => x.revision.seq)].sort((a, b) => a - b));
      expect(new Set(changes.map((x) => x.revision.seq)).size).toBe(changes.length);
      expect(gw.status().revision).toEqual(changes.at(-1)!.revision);
      expect(await gw.call('system.info', {})).toMatchObject({ dataDir: remote.dir });

      // Back to this computer: local data and events again; the address stays, with the token.
      expect(gw.detach()).toMatchObject({ mode: 'local', url: base, state: 'connected' });
      expect(await gw.call('system.info', {})).toMatchObject({ dataDir: local.dir });
      await until(() => tray.openEscalations === localOpen, "the tray to show this computer's open escalations again");
      heard.length = 0;
      local.core.bus.emit('settings.changed', { key: 'local.only' });
      expect(heard).toContain('settings.changed');
      // Attaching again reuses the stored token for the same address.
      expect(await gw.attach({ url: base })).toMatchObject({ mode: 'remote' });
      await until(() => gw.status().state === 'connected', 'the link to reconnect');
    } finally {
      stopTray();
      gw.stop();
    }
  });

  it('a host that starts again follows the stored connection; forget deletes the address and the token', async () => {
    const gw = new RemoteGateway(local.core, { backoff: () => 100 });
    try {
      await gw.start();
      expect(gw.status()).toMatchObject({ mode: 'remote', url: base });
      await until(() => gw.status().state === 'connected', 'the link after a restart');
      await gw.forget();
      expect(gw.status()).toMatchObject({ mode: 'local', url: null, tokenStorage: null });
      expect(await local.core.secrets.get('BATON_REMOTE_TOKEN')).toBeNull();
      expect(local.core.setting('connection.remote', null)).toBeNull();
    } finally {
      gw.dispose();
    }
  });

  it('the CLI (the built `baton`, a child process) runs a command on the remote with --url/--token, and says which problem when it cannot', async () => {
    const run = (...args: string[]) =>
      execFileAsync(process.execPath, [join(import.meta.dirname, '..', 'bin', 'baton.js'), ...args], { env: { ...process.env, BATON_DATA_DIR: join(local.dir, 'unused') } }).then(
        (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
        (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }),
      );
    const ok = await run('--url', base, '--token', server!.token, '--json', 'settings', 'get', 'ai.model');
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ 'ai.model': 'remote-model' });
    // The environment works the same way.
    const viaEnv = await execFileAsync(process.execPath, [join(import.meta.dirname, '..', 'bin', 'baton.js'), '--json', 'settings', 'get', 'ai.model'], { env: { ...process.env, BATON_URL: base, BATON_TOKEN: server!.token } });
    expect(JSON.parse(viaEnv.stdout)).toEqual({ 'ai.model': 'remote-model' });
    const bad = await run('--url', base, '--token', 'wrong', 'settings', 'get', 'ai.model');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/did not accept the token.*\(the token came from --token\)/);
    expect(bad.stderr).not.toContain(server!.token);
    const localOnly = await run('--url', base, '--token', server!.token, 'backup');
    expect(localOnly.code).not.toBe(0);
    expect(localOnly.stderr).toMatch(/`baton backup` works on this computer's data folder and cannot run against --url\/BATON_URL/);
    // Commands that never open a store through the API refuse too, before doing anything: none of
    // them starts a server, prints the local token, checks or restores the local store, or writes a key.
    const keyFile = join(local.dir, 'never.key');
    for (const args of [['serve', '--port', '0'], ['token'], ['doctor'], ['restore', join(local.dir, 'none.sqlite')], ['secrets', 'keyfile', keyFile]]) {
      const r = await run('--url', base, '--token', server!.token, ...args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toContain(`\`baton ${args[0] === 'secrets' ? 'secrets keyfile' : args[0]}\` works on this computer's data folder and cannot run against --url/BATON_URL`);
    }
    expect(existsSync(keyFile)).toBe(false);
    const viaEnvDoctor = await execFileAsync(process.execPath, [join(import.meta.dirname, '..', 'bin', 'baton.js'), 'doctor'], { env: { ...process.env, BATON_URL: base, BATON_TOKEN: server!.token } }).catch((e: { code?: number; stderr?: string }) => e);
    expect(viaEnvDoctor).toMatchObject({ code: 2, stderr: expect.stringContaining('unset BATON_URL') });
    // Twelve CLI processes one after another: each starts Node and loads the CLI, seconds apiece on a loaded machine.
  }, 120_000);
});
