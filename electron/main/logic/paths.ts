/**
 * Where things are for the desktop app: data folder, renderer, preload and the
 * better-sqlite3 addon built for Electron. Pure functions: the caller passes
 * the Electron values (app.getPath, app.isPackaged, process.resourcesPath).
 */
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RendererTarget } from './security';

/** BATON_DATA_DIR wins (tests, a second profile); else Electron's userData folder. */
export function dataDirFor(env: Record<string, string | undefined>, userData: string): string {
  const override = env.BATON_DATA_DIR?.trim();
  if (override) return isAbsolute(override) ? override : resolve(override);
  return userData;
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
