/**
 * The Electron shell's decisions, as pure functions (electron/main/logic), run in
 * plain Node: security checks, IPC envelope, tray model, close behaviour,
 * notifications, paths.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiError, parseOrThrow } from '../shared/api';
import { checkCallArgs, toErrorReply, untrustedSenderReply } from '../electron/main/logic/ipc';
import {
  approvalNotificationFor,
  DEFAULT_PREFS,
  navigationForApproval,
  inQuietHours,
  navigationFor,
  notificationFor,
  prefsFromSettings,
  type NotificationPrefs,
} from '../electron/main/logic/notifications';
import { desktopPort, nativeBindingPath, preloadPath, rendererTarget } from '../electron/main/logic/paths';
import {
  allowPermission,
  contentSecurityPolicy,
  externalUrl,
  isAllowedNavigation,
  isTrustedSender,
  secureWebPreferences,
  withCsp,
} from '../electron/main/logic/security';
import { startHidden, startupErrorMessage } from '../electron/main/logic/startup';
import { approvalsLabel, badgeCount, openEscalationsFrom, pausedFrom, pendingCountFrom, trayMenu, trayTooltip } from '../electron/main/logic/tray';
import { DEFAULT_SIZE, MIN_SIZE, onWindowClose, restoreBounds } from '../electron/main/logic/window';

const APP_FILE = join('/opt', 'Baton (beta)', 'resources', 'app.asar', 'out', 'renderer', 'index.html');
const APP_URL = pathToFileURL(APP_FILE).href;
const DEV_URL = 'http://localhost:5173/';

describe('isTrustedSender', () => {
  it('accepts the app page itself, with any hash or query (the router lives in the hash)', () => {
    expect(APP_URL).toContain('Baton%20(beta)');
    expect(isTrustedSender(APP_URL, APP_URL)).toBe(true);
    expect(isTrustedSender(APP_URL + '#/approvals', APP_URL)).toBe(true);
    expect(isTrustedSender(APP_URL + '?x=1#/runs', APP_URL)).toBe(true);
  });

  it('refuses other files, other schemes, blank and garbage', () => {
    expect(isTrustedSender(pathToFileURL('/tmp/evil.html').href, APP_URL)).toBe(false);
    expect(isTrustedSender(APP_URL.replace('index.html', 'other.html'), APP_URL)).toBe(false);
    expect(isTrustedSender('https://example.com/', APP_URL)).toBe(false);
    expect(isTrustedSender('about:blank', APP_URL)).toBe(false);
    expect(isTrustedSender('data:text/html,<p>x', APP_URL)).toBe(false);
    expect(isTrustedSender('', APP_URL)).toBe(false);
    expect(isTrustedSender(undefined, APP_URL)).toBe(false);
    expect(isTrustedSender(null, APP_URL)).toBe(false);
    expect(isTrustedSender('not a url', APP_URL)).toBe(false);
    // A UNC-style file URL with a host is not the local app file.
    expect(isTrustedSender(APP_URL.replace('file:///', 'file://evilhost/'), APP_URL)).toBe(false);
  });

  it('in development trusts exactly the dev server origin', () => {
    expect(isTrustedSender('http://localhost:5173/#/settings', DEV_URL)).toBe(true);
    expect(isTrustedSender('http://localhost:5173/src/other.html', DEV_URL)).toBe(true);
    expect(isTrustedSender('http://localhost:5174/', DEV_URL)).toBe(false);
    expect(isTrustedSender('https://localhost:5173/', DEV_URL)).toBe(false);
    expect(isTrustedSender('http://127.0.0.1:5173/', DEV_URL)).toBe(false);
    expect(isTrustedSender(APP_URL, DEV_URL)).toBe(false);
  });

  it('navigation follows the same rule: hash routes yes, anything else no', () => {
    expect(isAllowedNavigation(APP_URL + '#/runs', APP_URL)).toBe(true);
    expect(isAllowedNavigation('https://example.com/', APP_URL)).toBe(false);
    expect(isAllowedNavigation('file:///etc/passwd', APP_URL)).toBe(false);
  });
});

describe('externalUrl (links opened in the default browser)', () => {
  it('passes plain http(s) links, normalised', () => {
    expect(externalUrl('https://docs.anthropic.com/en/docs')).toBe('https://docs.anthropic.com/en/docs');
    expect(externalUrl('http://example.com')).toBe('http://example.com/');
  });

  it('refuses schemes that run code or launch other apps, credentials, and oversized URLs', () => {
    for (const bad of [
      'javascript:alert(1)',
      'file:///etc/passwd',
      'smb://server/share',
      'vscode://file/x',
      'ms-settings:privacy',
      'data:text/html,hi',
      'https://user:pw@example.com/',
      'notaurl',
      '',
      'https://example.com/' + 'a'.repeat(3000),
    ]) {
      expect(externalUrl(bad), bad).toBeNull();
    }
  });
});

describe('content security policy and web preferences', () => {
  it('is strict in the packaged app: scripts from the app only, no eval, no objects, no framing', () => {
    const csp = contentSecurityPolicy();
    expect(csp).toContain("default-src 'self'");
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("connect-src 'self';");
  });

  it('in dev also allows the HMR WebSocket and the inline React-refresh preamble, still no eval', () => {
    const csp = contentSecurityPolicy({ devServerUrl: DEV_URL });
    expect(csp).toContain("connect-src 'self' ws://localhost:5173");
    expect(csp).toContain("script-src 'self' 'unsafe-inline';");
    expect(csp).not.toContain('unsafe-eval');
  });

  it('replaces any CSP header a response had, whatever its case', () => {
    const out = withCsp({ 'content-security-policy': ['default-src *'], 'Content-Type': 'text/html' }, "default-src 'self'");
    expect(out).toEqual({ 'Content-Type': ['text/html'], 'Content-Security-Policy': ["default-src 'self'"] });
    expect(withCsp(undefined, 'x')).toEqual({ 'Content-Security-Policy': ['x'] });
  });

  it('the window is isolated, sandboxed, without Node, with web security', () => {
    const p = secureWebPreferences('/app/out/preload/index.cjs');
    expect(p).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false, allowRunningInsecureContent: false });
    expect(p.preload).toBe('/app/out/preload/index.cjs');
  });

  it('denies every permission request', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fileSystem']) {
      expect(allowPermission(p, APP_URL)).toBe(false);
    }
  });
});

describe('IPC envelope', () => {
  it('keeps an ApiError code, message and issues, and is structured-cloneable', async () => {
    const err = (() => {
      try {
        parseOrThrow(z.object({ name: z.string() }).strict(), { name: 3 }, 'input for secrets.set');
      } catch (e) {
        return e;
      }
    })();
    const reply = toErrorReply(err);
    expect(reply.error.code).toBe('invalid_input');
    expect(reply.error.issues).toEqual([{ path: 'name', message: expect.any(String) }]);
    expect(reply.error.message).toContain('name');
    expect(structuredClone(reply)).toEqual(reply);
    expect(toErrorReply(new ApiError('not_found', 'Unknown operation "x".')).error).toEqual({ code: 'not_found', message: 'Unknown operation "x".' });
  });

  it('turns anything else into internal without leaking its text, naming the log file', () => {
    const reply = toErrorReply(new Error('SQLITE_IOERR at /secret/path'), '/data/logs/baton.log');
    expect(reply).toEqual({ error: { code: 'internal', message: 'Internal error; details are in /data/logs/baton.log.' } });
    expect(toErrorReply('a string').error.code).toBe('internal');
    // An Error named ApiError but with a made-up code is not trusted.
    const fake = Object.assign(new Error('x'), { name: 'ApiError', code: 'teapot' });
    expect(toErrorReply(fake).error.code).toBe('internal');
  });

  it('checks the raw arguments: the name must be a string, missing input is {}', () => {
    expect(checkCallArgs('system.info', undefined)).toEqual({ name: 'system.info', input: {} });
    expect(() => checkCallArgs(42, {})).toThrow(/operation name/);
    expect(() => checkCallArgs('', {})).toThrow(ApiError);
    expect(untrustedSenderReply('https://evil.example/').error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('https://evil.example/') });
  });
});

describe('tray', () => {
  it('builds the menu from the state', () => {
    const items = trayMenu({ pendingApprovals: 3, paused: false, windowVisible: false });
    expect(items.filter((i) => i.type !== 'separator').map((i) => i.label)).toEqual([
      'Open Baton',
      '3 pending approvals',
      'No open escalations',
      'Pause all automations',
      'Quit Baton',
    ]);
    expect(items.find((i) => i.id === 'approvals')).toMatchObject({ enabled: true, action: 'open-approvals' });
    expect(items.find((i) => i.id === 'quit')?.action).toBe('quit');
  });

  it('offers Resume when paused, Hide when visible, and a disabled approvals line at zero', () => {
    const items = trayMenu({ pendingApprovals: 0, paused: true, windowVisible: true });
    expect(items.find((i) => i.id === 'window')).toMatchObject({ label: 'Hide Baton', action: 'toggle-window' });
    expect(items.find((i) => i.id === 'automations')).toMatchObject({ label: 'Resume all automations', action: 'resume-all', enabled: true });
    expect(items.find((i) => i.id === 'approvals')).toMatchObject({ label: 'No pending approvals', enabled: false });
  });

  it('counts open escalations in the menu, the tooltip and the badge', () => {
    const items = trayMenu({ pendingApprovals: 1, openEscalations: 2, paused: false, windowVisible: false });
    expect(items.find((i) => i.id === 'escalations')).toMatchObject({ label: '2 open escalations', enabled: true, action: 'open-escalations' });
    expect(trayTooltip({ pendingApprovals: 1, openEscalations: 1, paused: false })).toBe('Baton — automations running — 1 pending approval — 1 open escalation');
    expect(badgeCount(1, 2)).toBe(3);
    expect(badgeCount(0, -1)).toBe(0);
    expect(openEscalationsFrom({ escalations: [], unacknowledged: 4 })).toBe(4);
    expect(openEscalationsFrom({ nope: 1 })).toBeNull();
  });

  it('disables pause/resume when the engine is not there', () => {
    expect(trayMenu({ pendingApprovals: 0, paused: false, windowVisible: false, canPause: false }).find((i) => i.id === 'automations')?.enabled).toBe(false);
  });

  it('labels, tooltip and badge', () => {
    expect(approvalsLabel(1)).toBe('1 pending approval');
    expect(approvalsLabel(-2)).toBe('No pending approvals');
    expect(trayTooltip({ pendingApprovals: 2, paused: true })).toBe('Baton — automations paused — 2 pending approvals');
    expect(trayTooltip({ pendingApprovals: 0, paused: false })).toBe('Baton — automations running');
    expect(badgeCount(5)).toBe(5);
    expect(badgeCount(0)).toBe(0);
    expect(badgeCount(NaN)).toBe(0);
    expect(badgeCount(12345)).toBe(999);
  });

  it('reads the engine payloads tolerantly', () => {
    expect(pendingCountFrom({ pending: 4 })).toBe(4);
    expect(pendingCountFrom({ approvals: [], pending: 0 })).toBe(0);
    expect(pendingCountFrom(7)).toBe(7);
    expect(pendingCountFrom({ count: 2 })).toBe(2);
    expect(pendingCountFrom({ pending: -1 })).toBeNull();
    expect(pendingCountFrom(null)).toBeNull();
    expect(pausedFrom({ paused: true, mode: 'pool' })).toBe(true);
    expect(pausedFrom({ state: 'running' })).toBe(false);
    expect(pausedFrom({})).toBeNull();
    expect(pausedFrom(null)).toBeNull();
  });
});

describe('window', () => {
  it('closing hides to the tray unless quitting', () => {
    expect(onWindowClose({ quitting: false, platform: 'linux' })).toBe('hide');
    expect(onWindowClose({ quitting: false, platform: 'win32' })).toBe('hide');
    expect(onWindowClose({ quitting: false, platform: 'darwin' })).toBe('hide');
    expect(onWindowClose({ quitting: true, platform: 'linux' })).toBe('quit');
    expect(onWindowClose({ quitting: true, platform: 'darwin' })).toBe('quit');
  });

  it('without a tray, closing quits on Windows/Linux (nothing could bring the window back) but hides on macOS', () => {
    expect(onWindowClose({ quitting: false, platform: 'linux', trayAvailable: false })).toBe('quit');
    expect(onWindowClose({ quitting: false, platform: 'darwin', trayAvailable: false })).toBe('hide');
  });

  it('restores saved bounds only when they are sane and on a display', () => {
    const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];
    expect(restoreBounds({ x: 100, y: 80, width: 1000, height: 700 }, screen)).toEqual({ x: 100, y: 80, width: 1000, height: 700 });
    // Too small -> minimum size.
    expect(restoreBounds({ x: 0, y: 0, width: 10, height: 10 }, screen)).toEqual({ x: 0, y: 0, ...MIN_SIZE });
    // On a monitor that is gone -> size kept, position left to Electron (centred).
    expect(restoreBounds({ x: 3000, y: 100, width: 1000, height: 700 }, screen)).toEqual({ width: 1000, height: 700 });
    expect(restoreBounds(null, screen)).toEqual(DEFAULT_SIZE);
    expect(restoreBounds({ x: 'a' }, screen)).toEqual(DEFAULT_SIZE);
  });

  it('--hidden starts in the tray', () => {
    expect(startHidden(['/usr/bin/baton', '--hidden'])).toBe(true);
    expect(startHidden(['/usr/bin/baton'])).toBe(false);
  });
});

describe('notifications', () => {
  const esc = (severity: string, extra: Record<string, unknown> = {}) => ({
    id: 'esc_1',
    severity,
    title: 'Stripe webhook failing',
    detail: 'Run r_9 failed 3 times: 502 Bad Gateway',
    createdAt: '2025-01-31T08:00:00Z',
    ...extra,
  });
  const noon = new Date(2025, 0, 31, 12, 0);
  const prefs = (p: Partial<NotificationPrefs> = {}): NotificationPrefs => ({ ...DEFAULT_PREFS, ...p });

  it('by default notifies warning and critical, not info', () => {
    expect(notificationFor(esc('info'), prefs(), noon)).toBeNull();
    expect(notificationFor(esc('warning'), prefs(), noon)).toEqual({
      title: 'Needs attention: Stripe webhook failing',
      body: 'Run r_9 failed 3 times: 502 Bad Gateway',
      urgency: 'normal',
      silent: false,
    });
    expect(notificationFor(esc('critical'), prefs(), noon)).toMatchObject({ title: 'Critical: Stripe webhook failing', urgency: 'critical', silent: false });
  });

  it('follows the minimum severity, the master switch and the sound setting', () => {
    expect(notificationFor(esc('info'), prefs({ minSeverity: 'info' }), noon)).toMatchObject({ title: 'Stripe webhook failing', urgency: 'low' });
    expect(notificationFor(esc('warning'), prefs({ minSeverity: 'critical' }), noon)).toBeNull();
    expect(notificationFor(esc('critical'), prefs({ enabled: false }), noon)).toBeNull();
    expect(notificationFor(esc('critical'), prefs({ sound: false }), noon)?.silent).toBe(true);
  });

  it('in quiet hours only critical escalations notify, silently', () => {
    const quiet = prefs({ quietHours: { start: '22:00', end: '07:00' } });
    const night = new Date(2025, 0, 31, 23, 30);
    const early = new Date(2025, 0, 31, 6, 59);
    expect(notificationFor(esc('warning'), quiet, night)).toBeNull();
    expect(notificationFor(esc('warning'), quiet, early)).toBeNull();
    expect(notificationFor(esc('critical'), quiet, night)).toMatchObject({ urgency: 'critical', silent: true });
    expect(notificationFor(esc('warning'), quiet, new Date(2025, 0, 31, 7, 0))).not.toBeNull();
    expect(inQuietHours({ start: '13:00', end: '14:00' }, 13 * 60 + 30)).toBe(true);
    expect(inQuietHours({ start: '13:00', end: '14:00' }, 14 * 60)).toBe(false);
    expect(inQuietHours({ start: '09:00', end: '09:00' }, 9 * 60)).toBe(false);
  });

  it('ignores malformed escalations and clips long text to one line', () => {
    expect(notificationFor({ severity: 'critical' }, prefs(), noon)).toBeNull();
    expect(notificationFor(esc('panic'), prefs(), noon)).toBeNull();
    const n = notificationFor(esc('critical', { title: 'x'.repeat(300), detail: 'line1\n\nline2 ' + 'y'.repeat(500) }), prefs(), noon);
    expect(n?.title.length).toBeLessThanOrEqual(80);
    expect(n?.title.endsWith('…')).toBe(true);
    expect(n?.body.startsWith('line1 line2 y')).toBe(true);
    expect(n?.body.length).toBeLessThanOrEqual(240);
    expect(notificationFor(esc('critical', { detail: '' }), prefs(), noon)?.body).toBe('Open Baton to see the details.');
  });

  it('reads preferences from settings, field by field, naming a bad setting and keeping its default', () => {
    expect(prefsFromSettings({})).toEqual({ prefs: DEFAULT_PREFS, problems: [] });
    const { prefs: p, problems } = prefsFromSettings({
      'notifications.minSeverity': 'info',
      'notifications.sound': 'loud',
      'notifications.quietHours': { start: '22:00', end: '7am' },
      'ai.model': 'x',
    });
    expect(p).toEqual({ ...DEFAULT_PREFS, minSeverity: 'info' });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('notifications.sound');
    expect(problems[1]).toContain('notifications.quietHours');
    expect(problems[1]).toContain('HH:MM');
    expect(prefsFromSettings({ 'notifications.enabled': false }).prefs.enabled).toBe(false);
  });

  it('approvals notify only with the window hidden, outside quiet hours, when enabled', () => {
    const ap = { id: 'ap_1', title: 'Publish the post?' };
    expect(approvalNotificationFor(ap, prefs(), { windowVisible: true, now: noon })).toBeNull();
    expect(approvalNotificationFor(ap, prefs(), { windowVisible: false, now: noon })).toEqual({ title: 'Approval needed', body: 'Publish the post?', urgency: 'normal', silent: false });
    expect(approvalNotificationFor(ap, prefs({ approvals: false }), { windowVisible: false, now: noon })).toBeNull();
    expect(approvalNotificationFor(ap, prefs({ enabled: false }), { windowVisible: false, now: noon })).toBeNull();
    expect(approvalNotificationFor(ap, prefs({ quietHours: { start: '11:00', end: '13:00' } }), { windowVisible: false, now: noon })).toBeNull();
    expect(approvalNotificationFor({ id: 7 }, prefs({ sound: false }), { windowVisible: false, now: noon })).toMatchObject({ body: 'A workflow is waiting for your decision.', silent: true });
    expect(approvalNotificationFor({ title: 'no id' }, prefs(), { windowVisible: false, now: noon })).toBeNull();
    expect(navigationForApproval(ap)).toEqual({ page: 'approvals', id: 'ap_1', kind: 'approval' });
    expect(navigationForApproval(null)).toEqual({ page: 'approvals' });
  });

  it('a click goes to the run when there is one, else to the escalation on the dashboard', () => {
    expect(navigationFor(esc('critical', { runId: 'r_9' }))).toEqual({ page: 'runs', id: 'r_9', kind: 'run' });
    expect(navigationFor(esc('critical'))).toEqual({ page: 'dashboard', id: 'esc_1', kind: 'escalation' });
    expect(navigationFor('junk')).toEqual({ page: 'dashboard' });
  });
});

describe('paths', () => {
  it('port of the HTTP surface: BATON_PORT when it is a port, else the setting decides (nothing here)', () => {
    expect(desktopPort({})).toEqual({});
    expect(desktopPort({ BATON_PORT: '0' })).toEqual({ port: 0 });
    expect(desktopPort({ BATON_PORT: ' 5000 ' })).toEqual({ port: 5000 });
    expect(desktopPort({ BATON_PORT: '70000' })).toEqual({});
    expect(desktopPort({ BATON_PORT: '80; rm' })).toEqual({});
  });

  it('native binding: resources/native when packaged, .electron-native in a checkout, undefined when absent', () => {
    const exists = (f: string) => f.endsWith('better_sqlite3.node');
    expect(nativeBindingPath({ isPackaged: true, resourcesPath: '/opt/Baton/resources', appPath: '/x', exists })).toBe(join('/opt/Baton/resources', 'native', 'better_sqlite3.node'));
    expect(nativeBindingPath({ isPackaged: false, resourcesPath: '/y', appPath: '/src/baton', exists })).toBe(join('/src/baton', '.electron-native', 'better_sqlite3.node'));
    expect(nativeBindingPath({ isPackaged: false, resourcesPath: '/y', appPath: '/src/baton', exists: () => false })).toBeUndefined();
  });

  it('renderer: the dev server only in development, else the built file; preload next to main', () => {
    const mainDir = join('/src', 'my app', 'out', 'main');
    expect(rendererTarget({ isPackaged: false, devServerUrl: 'http://localhost:5173', mainDir })).toEqual({ kind: 'dev', url: 'http://localhost:5173/' });
    const file = rendererTarget({ isPackaged: true, devServerUrl: 'http://localhost:5173', mainDir });
    expect(file).toEqual({ kind: 'file', file: join('/src', 'my app', 'out', 'renderer', 'index.html'), url: 'file:///src/my%20app/out/renderer/index.html' });
    expect(rendererTarget({ isPackaged: false, devServerUrl: 'javascript:alert(1)', mainDir }).kind).toBe('file');
    expect(preloadPath(mainDir)).toBe(join('/src', 'my app', 'out', 'preload', 'index.cjs'));
  });
});

describe('startup errors', () => {
  const ctx = { dataDir: '/d', nativeBinding: undefined, isPackaged: false };
  it('explains a better-sqlite3 ABI mismatch with the fix', () => {
    const e = new Error("The module '/x/better_sqlite3.node' was compiled against a different Node.js version using NODE_MODULE_VERSION 115. This version of Node.js requires NODE_MODULE_VERSION 140.");
    expect(startupErrorMessage(e, ctx)).toMatch(/electron-native\.mjs/);
    expect(startupErrorMessage(e, { ...ctx, nativeBinding: '/a/.electron-native/better_sqlite3.node' })).toMatch(/Delete the \.electron-native folder/);
    expect(startupErrorMessage(e, { ...ctx, isPackaged: true })).toMatch(/reinstall Baton/);
  });

  it('explains a data folder held by another host, and anything else with the folder', () => {
    expect(startupErrorMessage(new Error('Baton is already running on /d (pid 42). Stop it first or use another --data folder.'), ctx)).toMatch(/baton serve/);
    expect(startupErrorMessage(new Error('EACCES'), ctx)).toBe('Baton could not open its data folder /d.\n\nEACCES');
  });
});

describe('electron/main/logic stays Electron-free', () => {
  it('no file there imports electron (they must run in plain Node)', () => {
    const dir = resolve(__dirname, '..', 'electron', 'main', 'logic');
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const f of files) {
      const src = readFileSync(join(dir, f), 'utf8');
      expect(src, f).not.toMatch(/from ['"]electron['"]|require\(['"]electron['"]\)|import\(['"]electron['"]\)/);
    }
  });
});
