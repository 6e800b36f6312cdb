/**
 * Electron main: the thin desktop shell around the core. Every decision
 * (security checks, tray menu, close behaviour, notifications, paths) is a pure
 * function in ./logic (unit-tested in plain Node); this file only wires Electron
 * APIs to them. See docs/desktop.md.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, nativeTheme, Notification, screen, session, shell, Tray } from 'electron';
import type { MenuItemConstructorOptions } from 'electron';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Core } from '../core';
import { resolveDataDir } from '../core/paths';
import { startHost, type RunningHost } from '../server/host';
import { createCallHandler, EngineTrayState, forwardEvents, notifyEscalations, windowCore } from './logic/host';
import { CALL_CHANNEL, EVENT_CHANNEL, NAVIGATE_EVENT } from './logic/ipc';
import type { NavigateTarget } from './logic/notifications';
import { desktopPort, nativeBindingPath, preloadPath, rendererTarget } from './logic/paths';
import { allowPermission, contentSecurityPolicy, externalUrl, isAllowedNavigation, secureWebPreferences, withCsp } from './logic/security';
import { startHidden, startupErrorMessage } from './logic/startup';
import { badgeCount, trayMenu, trayTooltip, type TrayAction, type TrayMenuItem } from './logic/tray';
import { leaveWithoutSaving, MIN_SIZE, onWindowClose, restoreBounds, UNSAVED_CHANGES_DIALOG } from './logic/window';

const mainDir = dirname(fileURLToPath(import.meta.url));
// Same name, and so the same userData folder (Chromium's own state), in a checkout and when
// packaged (userData is derived from package.json's name at launch, so set it explicitly).
// Baton's data is elsewhere: the one data folder of this OS (electron/core/paths.ts).
app.setName('Baton');
app.setPath('userData', join(app.getPath('appData'), 'Baton'));
if (process.platform === 'win32') app.setAppUserModelId('app.baton.desktop');

const target = rendererTarget({ isPackaged: app.isPackaged, devServerUrl: process.env.ELECTRON_RENDERER_URL, mainDir });
const csp = contentSecurityPolicy({ devServerUrl: target.kind === 'dev' ? target.url : undefined });

let core: Core | null = null;
let host: RunningHost | null = null;
let win: BrowserWindow | null = null;
let tray: Tray | null = null;
let quitting = false;
let shutdownDone = false;
let engineState: EngineTrayState | null = null;
/** The pages a notification click may still need to reach once the window has loaded. */
let pendingNavigation: NavigateTarget | null = null;
/** Shown notifications, referenced until dismissed: a collected one loses its click handler. */
const liveNotifications = new Set<Notification>();

function showWindow(): void {
  if (!win || win.isDestroyed()) {
    createWindow(false);
    return;
  }
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
  refreshTray();
}

function navigate(to: NavigateTarget): void {
  showWindow();
  if (!win || win.isDestroyed()) return;
  if (win.webContents.isLoading()) pendingNavigation = to;
  else win.webContents.send(EVENT_CHANNEL, NAVIGATE_EVENT, to);
}

function openExternal(url: string): void {
  const safe = externalUrl(url);
  if (safe) void shell.openExternal(safe);
}

/** Security for every web contents the app ever creates. */
function hardenContents(): void {
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (isAllowedNavigation(url, target.url)) return;
      event.preventDefault();
      openExternal(url);
    });
    contents.on('will-redirect', (event, url) => {
      if (!isAllowedNavigation(url, target.url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      openExternal(url);
      return { action: 'deny' };
    });
  });
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback, details) => callback(allowPermission(permission, details.requestingUrl)));
  ses.setPermissionCheckHandler((_wc, permission, requestingOrigin) => allowPermission(permission, requestingOrigin));
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withCsp(details.responseHeaders, csp) });
  });
}

function registerIpc(c: Core): void {
  // The window's surface: this core, or the remote server it is attached to.
  const ui = windowCore(c);
  const handle = createCallHandler(ui, target.url);
  ipcMain.handle(CALL_CHANNEL, (event, name: unknown, input: unknown) => handle(event.senderFrame?.url, name, input));
  forwardEvents(ui, (name, payload) => {
    if (win && !win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, name, payload);
  });
}

function createWindow(hidden: boolean): void {
  const saved = core?.setting<unknown>('window.bounds', null);
  const bounds = restoreBounds(saved, screen.getAllDisplays().map((d) => d.workArea));
  win = new BrowserWindow({
    ...bounds,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    title: 'Baton',
    show: false,
    // The renderer's --bg for each theme (renderer/src/styles.css): no white flash in dark mode.
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#111418' : '#f6f7f9',
    icon: join(app.getAppPath(), 'resources', 'icons', 'icon.png'),
    webPreferences: secureWebPreferences(preloadPath(mainDir)),
  });
  const w = win;
  w.once('ready-to-show', () => {
    if (!hidden) w.show();
    refreshTray();
  });
  w.webContents.on('did-finish-load', () => {
    if (pendingNavigation) {
      w.webContents.send(EVENT_CHANNEL, NAVIGATE_EVENT, pendingNavigation);
      pendingNavigation = null;
    }
  });
  // Unsaved changes in the page (its beforeunload): ask; "Stay" keeps the window and cancels a quit.
  w.webContents.on('will-prevent-unload', (event) => {
    if (leaveWithoutSaving(dialog.showMessageBoxSync(w, { ...UNSAVED_CHANGES_DIALOG, buttons: [...UNSAVED_CHANGES_DIALOG.buttons] }))) event.preventDefault();
    else quitting = false;
  });
  w.on('close', (event) => {
    saveBounds(w);
    if (onWindowClose({ quitting, platform: process.platform, trayAvailable: tray !== null }) === 'hide') {
      event.preventDefault();
      w.hide();
      refreshTray();
    } else {
      quitting = true;
    }
  });
  w.on('show', refreshTray);
  w.on('hide', refreshTray);
  w.on('closed', () => {
    if (win === w) win = null;
  });
  if (target.kind === 'dev') void w.loadURL(target.url);
  else void w.loadFile(target.file);
}

function saveBounds(w: BrowserWindow): void {
  try {
    if (core && !w.isDestroyed() && !w.isMinimized() && !w.isFullScreen()) core.setSetting('window.bounds', w.getNormalBounds());
  } catch {
    /* the window state is a nicety */
  }
}

// ---- tray -----------------------------------------------------------------

function onTrayAction(action: TrayAction): void {
  switch (action) {
    case 'toggle-window':
      if (win && !win.isDestroyed() && win.isVisible()) win.hide();
      else showWindow();
      break;
    case 'open-approvals':
      navigate({ page: 'approvals' });
      break;
    case 'open-escalations':
      navigate({ page: 'dashboard' });
      break;
    case 'pause-all':
    case 'resume-all':
      void engineState?.setPaused(action === 'pause-all');
      break;
    case 'quit':
      quitting = true;
      app.quit();
      break;
  }
}

function toMenuTemplate(items: TrayMenuItem[]): MenuItemConstructorOptions[] {
  return items.map((i) =>
    i.type === 'separator'
      ? { type: 'separator' }
      : { id: i.id, label: i.label, enabled: i.enabled ?? true, click: () => i.action && onTrayAction(i.action) },
  );
}

function refreshTray(): void {
  const windowVisible = !!win && !win.isDestroyed() && win.isVisible();
  const state = {
    pendingApprovals: engineState?.pendingApprovals ?? 0,
    openEscalations: engineState?.openEscalations ?? 0,
    paused: engineState?.paused ?? false,
    canPause: engineState?.engineAvailable ?? false,
  };
  if (tray && !tray.isDestroyed()) {
    tray.setContextMenu(Menu.buildFromTemplate(toMenuTemplate(trayMenu({ ...state, windowVisible }))));
    tray.setToolTip(trayTooltip(state));
  }
  app.setBadgeCount(badgeCount(state.pendingApprovals, state.openEscalations));
}

function createTray(): void {
  try {
    const icon = nativeImage.createFromPath(join(app.getAppPath(), 'resources', 'icons', 'tray.png'));
    tray = new Tray(icon);
    tray.on('click', () => onTrayAction('toggle-window'));
  } catch (e) {
    tray = null;
    core?.log.warn('no system tray: closing the window will quit Baton', { error: e as Error });
  }
  refreshTray();
}

// ---- engine state and notifications ------------------------------------------

function followEngine(c: Core): void {
  const ui = windowCore(c);
  const state = new EngineTrayState(ui, refreshTray);
  engineState = state;
  const detach = state.attach();
  notifyEscalations(ui, (n, to) => {
    if (!Notification.isSupported()) return;
    const notification = new Notification({ title: n.title, body: n.body, urgency: n.urgency, silent: n.silent });
    liveNotifications.add(notification);
    notification.on('click', () => {
      liveNotifications.delete(notification);
      navigate(to);
    });
    notification.on('close', () => liveNotifications.delete(notification));
    notification.show();
  }, { windowVisible: () => !!win && !win.isDestroyed() && win.isVisible() && win.isFocused() });
  // Another host (the CLI) may pause or resume the engine: keep the tray honest.
  const timer = setInterval(() => void state.refresh(), 15_000);
  timer.unref();
  c.onClose(() => {
    clearInterval(timer);
    detach();
  });
}

// ---- lifecycle ----------------------------------------------------------------

async function start(): Promise<void> {
  hardenContents();
  const nativeBinding = nativeBindingPath({
    isPackaged: app.isPackaged,
    resourcesPath: process.resourcesPath,
    appPath: app.getAppPath(),
    exists: existsSync,
  });
  try {
    // The same bootstrap as `baton serve` (electron/server/host.ts): data folder, lock, restore,
    // core, services, and the same HTTP surface on 127.0.0.1 (setting server.port, default 4717).
    const h = await startHost({
      host: 'electron',
      ...(nativeBinding ? { nativeBinding } : {}),
      http: { host: '127.0.0.1', ...desktopPort(process.env) },
      httpOptional: true,
    });
    host = h;
    const c = h.core;
    // The data folder or the database file went away under the app: say why, stop, exit non-zero.
    c.onLost((loss) => {
      dialog.showErrorBox('Baton stopped', loss.message);
      void shutdown().finally(() => app.exit(1));
    });
    core = c;
    registerIpc(c);
    createWindow(startHidden(process.argv));
    createTray();
    followEngine(c);
    await engineState?.refresh();
    c.log.info('desktop app started', { dataDir: h.dataDir, url: h.server?.url ?? null, httpError: h.httpError, nativeBinding: nativeBinding ?? null, packaged: app.isPackaged });
  } catch (e) {
    dialog.showErrorBox('Baton could not start', startupErrorMessage(e, { dataDir: resolveDataDir(undefined, process.env), nativeBinding, isPackaged: app.isPackaged }));
    await shutdown();
    app.exit(1);
  }
}

async function shutdown(): Promise<void> {
  if (shutdownDone) return;
  shutdownDone = true;
  const h = host;
  host = null;
  core = null;
  if (h) await h.close();
}

if (!app.requestSingleInstanceLock()) {
  // Another Baton is running: it gets our 'second-instance' event and shows its window.
  app.quit();
} else {
  app.on('second-instance', () => showWindow());
  app.on('activate', () => showWindow());
  app.on('before-quit', () => {
    quitting = true;
  });
  // The engine keeps running with every window closed (hidden to the tray).
  app.on('window-all-closed', () => {});
  app.on('will-quit', (event) => {
    if (shutdownDone) return;
    event.preventDefault();
    void shutdown().finally(() => app.quit());
  });
  app
    .whenReady()
    .then(start)
    .catch((e: unknown) => {
      dialog.showErrorBox('Baton could not start', e instanceof Error ? e.message : String(e));
      app.exit(1);
    });
}
