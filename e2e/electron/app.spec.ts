/**
 * The real desktop app under Playwright's Electron driver: window, security
 * settings, CSP and one IPC round trip into the core. Needs the Electron binary
 * (downloaded at first launch) and .electron-native/ (node scripts/electron-native.mjs);
 * where the binary cannot be had (no internet) every test is skipped, saying why.
 * Linux without a display: xvfb-run -a npm run test:electron
 */
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinary } from './binary';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const binary = electronBinary(ROOT);

interface Info {
  schemaVersion: number;
  latestSchemaVersion: number;
  host: string;
  dataDir: string;
}
type BatonWindow = { baton: { call(name: string, input: unknown): Promise<unknown>; on(e: string, cb: (p: unknown) => void): () => void } };
// The page's globals, typed here: tsconfig.node.json compiles without the DOM lib.
declare const window: BatonWindow & { open(url: string): unknown };
declare const document: {
  createElement(tag: string): { textContent: string | null };
  head: { appendChild(node: unknown): void };
  querySelector(selector: string): { getAttribute(name: string): string | null } | null;
};

test.describe('Baton desktop app (Electron)', () => {
  if (!binary.ok) console.log(`\n  Electron binary not available on this machine (${binary.reason}): skipped\n`);
  test.skip(!binary.ok, `Electron binary not available on this machine (${binary.ok ? '' : binary.reason}): skipped`);

  let app: ElectronApplication;
  let win: Page;
  let dataDir: string;

  test.beforeAll(async () => {
    if (!binary.ok) return;
    if (!existsSync(join(ROOT, 'out', 'main', 'index.js'))) throw new Error('out/main/index.js is missing: run "npx electron-vite build" first.');
    if (!existsSync(join(ROOT, '.electron-native', 'better_sqlite3.node'))) {
      throw new Error('.electron-native/better_sqlite3.node is missing: run "node scripts/electron-native.mjs" first (npm start does it).');
    }
    dataDir = mkdtempSync(join(tmpdir(), 'baton-electron-e2e-'));
    const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    app = await electron.launch({
      executablePath: binary.path,
      args: ['.', ...(asRoot ? ['--no-sandbox'] : [])],
      cwd: ROOT,
      env: { ...process.env, BATON_DATA_DIR: dataDir, BATON_SECRETS: 'env', BATON_PORT: '0', ELECTRON_RENDERER_URL: '' },
      timeout: 30_000,
    });
    win = await app.firstWindow();
    await win.waitForLoadState('domcontentloaded');
  });

  test.afterAll(async () => {
    await app?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('window: title and the built renderer', async () => {
    await expect(win).toHaveTitle('Baton');
    expect(win.url()).toMatch(/^file:\/\/.*\/out\/renderer\/index\.html/);
  });

  test('renderer is isolated and sandboxed: no Node, only window.baton.call/on', async () => {
    const page = await win.evaluate(() => ({
      require: typeof (window as unknown as { require?: unknown }).require,
      process: typeof (window as unknown as { process?: unknown }).process,
      baton: Object.keys((window as unknown as BatonWindow).baton).sort(),
    }));
    expect(page).toEqual({ require: 'undefined', process: 'undefined', baton: ['call', 'on'] });
    // Electron has no public getter for a window's webPreferences; they come from
    // secureWebPreferences() (unit-tested). The bridge's functions are proxies: the
    // page cannot reach the preload's scope through them.
    const leaks = await win.evaluate(() => {
      const b = (window as unknown as BatonWindow).baton;
      return { callSource: Function.prototype.toString.call(b.call).includes('ipcRenderer'), frozenish: Object.keys(b).length };
    });
    expect(leaks).toEqual({ callSource: false, frozenish: 2 });
  });

  test('CSP blocks eval and injected inline scripts; window.open is denied', async () => {
    const r = await win.evaluate(() => {
      let evalResult = 'allowed';
      try {
        // eslint-disable-next-line no-eval -- the point: the CSP must block it
        (0, eval)('1 + 1');
      } catch (e) {
        evalResult = (e as Error).name;
      }
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.head.appendChild(s);
      return {
        evalResult,
        inlineRan: (window as unknown as { __inlineRan?: boolean }).__inlineRan === true,
        csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '',
        opened: window.open('file:///etc/passwd') !== null,
      };
    });
    expect(r.evalResult).toBe('EvalError');
    expect(r.inlineRan).toBe(false);
    expect(r.csp).toContain("script-src 'self'");
    expect(r.opened).toBe(false);
  });

  test('IPC round trip: system.info from the core on the test data folder', async () => {
    const info = (await win.evaluate(() => (window as unknown as BatonWindow).baton.call('system.info', {}))) as Info;
    expect(info.host).toBe('electron');
    expect(info.dataDir).toBe(dataDir);
    expect(info.schemaVersion).toBeGreaterThanOrEqual(1);
    expect(info.schemaVersion).toBe(info.latestSchemaVersion);
    const err = await win.evaluate(() => (window as unknown as BatonWindow).baton.call('settings.set', { key: 'Bad Key', value: 1 }).catch((e: unknown) => e));
    expect(err).toMatchObject({ code: 'invalid_input', issues: [{ path: 'key' }] });
  });

  test('the desktop app serves the same HTTP surface as baton serve on loopback, with the same defences', async () => {
    // The bootstrap writes server.json once it listens (BATON_PORT=0 picks a free port).
    let info: { url: string; port: number; host: string } | null = null;
    await expect.poll(() => {
      try {
        info = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as { url: string; port: number; host: string };
      } catch {
        info = null;
      }
      return info?.url ?? null;
    }).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const { url, port, host } = info!;
    expect(host).toBe('127.0.0.1');
    const token = readFileSync(join(dataDir, 'server-token'), 'utf8').trim();
    const call = (headers: Record<string, string>) => fetch(`${url}api/v1/system.info`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
    expect((await call({})).status).toBe(401);
    expect((await call({ authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await call({ authorization: `Bearer ${token}`, origin: 'http://evil.example' })).status).toBe(403);
    const ok = await call({ authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { result: Info }).result.host).toBe('electron');
    // A foreign Host (DNS rebinding) needs a raw request: fetch will not set Host.
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/', headers: { host: `evil.example:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(rebound).toBe(403);
    const ui = await fetch(url);
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  test('closing the window hides it to the tray; the core keeps answering', async () => {
    const state = await app.evaluate(({ BrowserWindow }) => {
      const w = BrowserWindow.getAllWindows()[0]!;
      w.close();
      return { destroyed: w.isDestroyed(), visible: w.isVisible() };
    });
    expect(state).toEqual({ destroyed: false, visible: false });
    const info = (await win.evaluate(() => (window as unknown as BatonWindow).baton.call('system.info', {}))) as Info;
    expect(info.host).toBe('electron');
  });
});
