/**
 * The window's file route while attached to a remote server (the approvals inbox's PDF preview,
 * `GET /api/files/workspace/…`): on real components, a second `baton serve` (the built app, a
 * child process) holding the report, and this computer's host (a real core and HTTP server)
 * attached to it with its token. The bytes are the remote's, fetched with the remote's token;
 * the remote's refusals come back with its status and name it; a bad path is refused here without
 * asking the remote; when the remote is down the window gets a 502 saying so; detached, the
 * route serves this computer's files again.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../electron/core/core';
import { REMOTE_GATEWAY } from '../electron/core/remote';
import { EncryptedFileSecretStore } from '../electron/core/secrets';
import { startServer, type BatonServer } from '../electron/server';
import { serverEnv, startServer as startBatonServe, type RunningServer } from '../e2e/server';
import { openTestCore } from './helpers';

async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const REPORT = 'workspace/deliverables/reports/2026-03/acme.pdf';
const remoteBytes = Buffer.concat([Buffer.from('%PDF-1.4\n% the remote report\n'), randomBytes(4096), Buffer.from('\n%%EOF\n')]);
const localBytes = Buffer.from('%PDF-1.4\n% this computer\'s own file\n%%EOF\n');

describe('the file route while the window is attached to a remote server', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'baton-remote-files-'));
  let remote: RunningServer;
  let local: { core: Core; dir: string; cleanup: () => Promise<void> };
  let host: BatonServer;

  beforeAll(async () => {
    // The remote: a real `baton serve` with the report in its workspace.
    const remoteDir = join(tmp, 'remote');
    mkdirSync(join(remoteDir, 'workspace/deliverables/reports/2026-03'), { recursive: true });
    writeFileSync(join(remoteDir, REPORT), remoteBytes);
    remote = await startBatonServe(remoteDir, 0, serverEnv());
    // This computer: its own file at the same path, a writable secret store for the remote's token.
    const localDir = join(tmp, 'local');
    mkdirSync(join(localDir, 'workspace/deliverables/reports/2026-03'), { recursive: true });
    writeFileSync(join(localDir, REPORT), localBytes);
    local = await openTestCore({ host: 'server', dataDir: localDir, secrets: EncryptedFileSecretStore.open({ dataDir: localDir, source: { kind: 'passphrase', passphrase: 'a long enough test passphrase' }, env: {} }) });
    host = await startServer(local.core, { port: 0, closeCore: false });
  }, 120_000);

  afterAll(async () => {
    await host?.close();
    await local?.cleanup();
    await remote?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  const get = (path: string) => fetch(new URL(`api/files/${path}`, host.url), { headers: { authorization: `Bearer ${host.token}` } });

  it('serves the remote\'s file with its token, relays its refusals, refuses a bad path itself, and says when the remote is down', async () => {
    // Local first: this computer's file.
    expect(Buffer.from(await (await get(REPORT)).arrayBuffer())).toEqual(localBytes);

    const gw = local.core.get(REMOTE_GATEWAY);
    await gw.start();
    try {
      await gw.attach({ url: remote.url, token: remote.token });
      await until(() => gw.status().state === 'connected', 'the link to connect');

      const res = await get(REPORT);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/pdf');
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
      expect(Buffer.from(await res.arrayBuffer())).toEqual(remoteBytes);
      // HEAD answers the same headers.
      const head = await fetch(new URL(`api/files/${REPORT}`, host.url), { method: 'HEAD', headers: { authorization: `Bearer ${host.token}` } });
      expect([head.status, head.headers.get('content-length')]).toEqual([200, String(remoteBytes.length)]);

      // A file only this computer has is not on the remote: its 404, named.
      writeFileSync(join(local.dir, 'workspace/only-here.pdf'), localBytes);
      const missing = await get('workspace/only-here.pdf');
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as { error: { message: string } }).error.message).toBe(`${new URL(remote.url).origin}: There is no file workspace/only-here.pdf in the data folder.`);
      // A path outside the workspace is refused here, as when local.
      const outside = await get('baton.db');
      expect(outside.status).toBe(403);
      // Without the window's own token: 401, the remote is not asked.
      expect((await fetch(new URL(`api/files/${REPORT}`, host.url))).status).toBe(401);

      // The remote stops: the window's preview gets a 502 that says why.
      await remote.stop();
      const down = await get(REPORT);
      expect(down.status).toBe(502);
      expect(((await down.json()) as { error: { message: string } }).error.message).toMatch(/^The file is on the remote server the window is attached to, and it could not be fetched: Cannot reach the Baton server at /);

      // Detached: this computer's file again.
      gw.detach();
      expect(Buffer.from(await (await get(REPORT)).arrayBuffer())).toEqual(localBytes);
    } finally {
      gw.stop();
    }
  }, 120_000);
});
