/**
 * Security decisions of the Electron shell, as pure functions (no electron
 * import: vitest runs them in plain Node). electron/main/index.ts wires them.
 */

/** Where the renderer comes from: the built file (packaged / `npm start`) or the Vite dev server. */
export type RendererTarget = { kind: 'file'; url: string; file: string } | { kind: 'dev'; url: string };

/**
 * The Content-Security-Policy of the app's pages. The same policy is in
 * renderer/index.html's <meta>; the shell also sends it as a response header so
 * a page that lost its <meta> (or the dev server's pages) is still covered.
 * In dev (electron-vite dev, renderer from Vite on localhost) two things need
 * more: Vite's HMR WebSocket (connect-src to the dev server) and the inline
 * React-refresh preamble that @vitejs/plugin-react puts at the top of <head>
 * (script-src 'unsafe-inline', dev only). The built app gets the strict policy.
 */
export function contentSecurityPolicy(opts: { devServerUrl?: string | undefined } = {}): string {
  const dev = opts.devServerUrl ? new URL(opts.devServerUrl) : null;
  const wsOrigin = dev ? `${dev.protocol === 'https:' ? 'wss:' : 'ws:'}//${dev.host}` : '';
  const directives: [string, string][] = [
    ['default-src', "'self'"],
    ['script-src', dev ? "'self' 'unsafe-inline'" : "'self'"],
    ['style-src', "'self' 'unsafe-inline'"],
    ['img-src', "'self' data:"],
    ['font-src', "'self'"],
    // The desktop renderer talks to the core over IPC, never over the network.
    ['connect-src', dev ? `'self' ${wsOrigin}` : "'self'"],
    ['object-src', "'none'"],
    ['base-uri', "'none'"],
    ['form-action', "'none'"],
    ['frame-src', "'none'"],
    ['worker-src', "'self'"],
    ['frame-ancestors', "'none'"],
  ];
  return directives.map(([k, v]) => `${k} ${v}`).join('; ');
}

function parse(url: string | null | undefined): URL | null {
  if (!url) return null;
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * Whether an IPC message comes from the app's own page: the exact file:// of the
 * built renderer (any hash/query: the router lives in the hash), or the dev
 * server's origin. Anything else (a navigated-away frame, an iframe of another
 * origin, about:blank, a data: URL) is refused.
 */
export function isTrustedSender(senderUrl: string | null | undefined, appUrl: string): boolean {
  const sender = parse(senderUrl);
  const app = parse(appUrl);
  if (!sender || !app) return false;
  if (app.protocol === 'file:') {
    return sender.protocol === 'file:' && sender.host === app.host && decodeURIComponent(sender.pathname) === decodeURIComponent(app.pathname);
  }
  if (app.protocol === 'http:' || app.protocol === 'https:') {
    return sender.origin === app.origin;
  }
  return false;
}

/**
 * In-window navigation is allowed only within the app's own page (a hash route
 * change or a reload). Everything else is denied; http(s) links go to the
 * default browser instead (see externalUrl).
 */
export function isAllowedNavigation(targetUrl: string, appUrl: string): boolean {
  return isTrustedSender(targetUrl, appUrl);
}

/** Longest URL we hand to the OS. */
const MAX_EXTERNAL_URL = 2048;

/**
 * The URL to open in the default browser for a link the page tried to open
 * (window.open, target=_blank, a denied navigation), or null when it must not be
 * opened: only http: and https: URLs with a host and without credentials;
 * file:, javascript:, custom schemes (which could launch other apps) are refused.
 */
export function externalUrl(candidate: string): string | null {
  if (typeof candidate !== 'string' || candidate.length === 0 || candidate.length > MAX_EXTERNAL_URL) return null;
  const u = parse(candidate);
  if (!u) return null;
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (!u.hostname) return null;
  if (u.username || u.password) return null;
  return u.href;
}

/** Permission requests (camera, microphone, notifications, geolocation …) from pages: Baton's UI needs none. */
export function allowPermission(_permission: string, _requestingUrl?: string): boolean {
  return false;
}

/** The webPreferences of the main window: isolation, sandbox, no Node, web security. */
export function secureWebPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: true,
  } as const;
}

/** Response headers with our CSP replacing any the response had (header names are case-insensitive). */
export function withCsp(headers: Record<string, string | string[]> | undefined, csp: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (k.toLowerCase() === 'content-security-policy') continue;
    out[k] = Array.isArray(v) ? v : [v];
  }
  out['Content-Security-Policy'] = [csp];
  return out;
}
