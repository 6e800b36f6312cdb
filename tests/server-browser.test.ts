/**
 * The headless server from a real Chromium (Debian's /usr/bin/chromium): the
 * browser accepts the WebSocket handshake with the token as subprotocol, the CSP
 * blocks inline scripts, and a page from another origin cannot call the API.
 */
import { chromium, type Browser } from '@playwright/test';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../electron/core/core';
import { startServer, type BatonServer } from '../electron/server';
import { openTestCore, tempDir } from './helpers';

const CHROMIUM = process.env.BATON_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

describe('headless server in a real browser', () => {
  let browser: Browser;
  let core: Core;
  let cleanup: () => Promise<void>;
  let server: BatonServer;
  let evil: Server;
  const ui = tempDir('baton-ui-');

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set BATON_CHROMIUM).`);
    mkdirSync(join(ui.dir, 'assets'));
    writeFileSync(
      join(ui.dir, 'index.html'),
      '<!doctype html><html><head><script>window.inlineRan = true</script><script src="/assets/app.js"></script></head><body>UI</body></html>',
    );
    writeFileSync(join(ui.dir, 'assets', 'app.js'), 'window.externalRan = true;');
    ({ core, cleanup } = await openTestCore({ host: 'server' }));
    server = await startServer(core, { port: 0, rendererDir: ui.dir, closeCore: false });
    // Another site on another port: what a malicious page the user visits would be.
    evil = createServer((_req, res) => res.end('<!doctype html><title>evil</title>'));
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => evil?.close(r));
    await server?.close();
    await cleanup?.();
    ui.cleanup();
  });

  it('runs the UI with the CSP, opens the event socket with the token subprotocol and receives events', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    expect(await page.evaluate(() => (globalThis as unknown as { externalRan?: boolean }).externalRan)).toBe(true);
    expect(await page.evaluate(() => (globalThis as unknown as { inlineRan?: boolean }).inlineRan)).toBeUndefined();
    const out = await page.evaluate(async (token) => {
      const { location } = globalThis as unknown as { location: { host: string } };
      const ws = new WebSocket(`ws://${location.host}/api/v1/events`, [`baton.${token}`]);
      await new Promise((res, rej) => {
        ws.onopen = res;
        ws.onerror = () => rej(new Error('socket refused'));
      });
      const message = new Promise<string>((res) => (ws.onmessage = (m) => res(String(m.data))));
      const r = await fetch('/api/v1/settings.set', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ key: 'backup.keep', value: 5 }),
      });
      const wrong = await new Promise((res) => {
        const bad = new WebSocket(`ws://${location.host}/api/v1/events`, ['baton.wrong']);
        bad.onopen = () => res('opened');
        bad.onerror = () => res('refused');
      });
      return { status: r.status, protocol: ws.protocol, event: JSON.parse(await message), wrong };
    }, server.token);
    expect(out).toEqual({
      status: 200,
      protocol: `baton.${server.token}`,
      event: { event: 'settings.changed', payload: { key: 'backup.keep' } },
      wrong: 'refused',
    });
    await page.close();
  });

  it('a page on another origin that knows the token still cannot call the API or open the socket', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
    const out = await page.evaluate(
      async ({ base, token }) => {
        const api = await fetch(`${base}api/v1/settings.set`, {
          method: 'POST',
          mode: 'no-cors',
          headers: { 'content-type': 'text/plain' },
          body: JSON.stringify({ key: 'evil.write', value: token }),
        }).then(
          () => 'sent',
          () => 'blocked',
        );
        const ws = await new Promise((res) => {
          const s = new WebSocket(`${base.replace('http', 'ws')}api/v1/events`, [`baton.${token}`]);
          s.onopen = () => res('opened');
          s.onerror = () => res('refused');
        });
        return { api, ws };
      },
      { base: server.url, token: server.token },
    );
    expect(out.ws).toBe('refused');
    expect((await core.call('settings.get', {})).settings['evil.write']).toBeUndefined();
    await page.close();
  });
});
