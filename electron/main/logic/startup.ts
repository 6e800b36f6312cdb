/** What the person sees when the desktop app cannot start. */

export interface StartupContext {
  dataDir: string;
  nativeBinding: string | undefined;
  isPackaged: boolean;
}

/**
 * A message for the error dialog: what failed and what to do. The common
 * desktop failure is better-sqlite3 built for Node instead of Electron
 * ("was compiled against a different Node.js version … NODE_MODULE_VERSION").
 */
export function startupErrorMessage(e: unknown, ctx: StartupContext): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (/NODE_MODULE_VERSION|compiled against a different Node\.js version|invalid ELF header|not a valid Win32 application|slice is not valid mach-o/i.test(msg)) {
    const fix = ctx.isPackaged
      ? 'This installation is missing its database engine built for this app; reinstall Baton.'
      : ctx.nativeBinding
        ? `The addon at ${ctx.nativeBinding} does not match this Electron. Delete the .electron-native folder and run "npm start" again (it rebuilds it with scripts/electron-native.mjs).`
        : 'No better-sqlite3 build for Electron was found in .electron-native/. Run "node scripts/electron-native.mjs" (npm start does it) on a machine that can download Electron\'s headers.';
    return `Baton's database engine (better-sqlite3) could not load in Electron.\n\n${fix}\n\nDetails: ${firstLine(msg)}`;
  }
  if (/already running on/i.test(msg)) {
    return `${msg}\n\nBaton's desktop app and "baton serve" cannot both run the engine on the same data folder. Stop the other one, or set BATON_DATA_DIR to use another folder.`;
  }
  return `Baton could not open its data folder ${ctx.dataDir}.\n\n${msg}`;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

/** `--hidden` (set by the login-item entry): start in the tray without showing the window. */
export function startHidden(argv: readonly string[]): boolean {
  return argv.includes('--hidden');
}
