/**
 * Where things are for the desktop app: its port, renderer, preload and the
 * better-sqlite3 addon built for Electron. Pure functions: the caller passes
 * the Electron values (app.getPath, app.isPackaged, process.resourcesPath).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RendererTarget } from './security';

/**
 * The port of the desktop app's HTTP surface: BATON_PORT (tests, a second
 * profile; 0 picks a free one) else nothing, and the bootstrap reads the
 * server.port setting (4717 by default). The data folder is the one of every
 * host (electron/core/paths.ts), not Electron's userData.
 */
export function desktopPort(env: Record<string, string | undefined>): { port?: number } {
  const v = env.BATON_PORT?.trim();
  if (!v || !/^\d{1,5}$/.test(v) || Number(v) > 65535) return {};
  return { port: Number(v) };
}

/** The file name better-sqlite3's build produces; scripts/electron-native.mjs writes it to .electron-native/. */
export const NATIVE_ADDON = 'better_sqlite3.node';
export const NATIVE_DEV_DIR = '.electron-native';

/**
 * The better-sqlite3 addon built for Electron's ABI: in the packaged app it is in
 * <resources>/native/ (electron-builder extraResources), in a checkout it is in
 * <app>/.electron-native/. Undefined when absent: the core then loads the
 * package's own build (which only works if someone rebuilt node_modules for
 * Electron) and the error names the fix.
 */
export function nativeBindingPath(opts: {
  isPackaged: boolean;
  resourcesPath: string;
  appPath: string;
  exists: (file: string) => boolean;
}): string | undefined {
  const file = opts.isPackaged ? join(opts.resourcesPath, 'native', NATIVE_ADDON) : join(opts.appPath, NATIVE_DEV_DIR, NATIVE_ADDON);
  return opts.exists(file) ? file : undefined;
}

/** The page to load: ELECTRON_RENDERER_URL (electron-vite dev) in development, else out/renderer/index.html. */
export function rendererTarget(opts: { isPackaged: boolean; devServerUrl?: string | undefined; mainDir: string }): RendererTarget {
  if (!opts.isPackaged && opts.devServerUrl) {
    const u = new URL(opts.devServerUrl);
    if (u.protocol === 'http:' || u.protocol === 'https:') return { kind: 'dev', url: u.href };
  }
  const file = join(opts.mainDir, '..', 'renderer', 'index.html');
  return { kind: 'file', file, url: pathToFileURL(file).href };
}

/** out/preload/index.cjs next to out/main/. */
export function preloadPath(mainDir: string): string {
  return join(mainDir, '..', 'preload', 'index.cjs');
}
