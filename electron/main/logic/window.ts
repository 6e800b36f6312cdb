/** Window lifecycle decisions. */

export type CloseDecision = 'hide' | 'quit';

/**
 * Closing the window hides it (the engine keeps running, the tray brings it
 * back) unless the app is quitting (tray Quit, Cmd+Q, OS shutdown). Without a
 * tray on Windows/Linux a hidden window could only come back by launching Baton
 * again, so there the window close quits. On macOS the Dock icon always brings
 * it back.
 */
export function onWindowClose(opts: { quitting: boolean; platform: NodeJS.Platform | string; trayAvailable?: boolean }): CloseDecision {
  if (opts.quitting) return 'quit';
  if (opts.platform === 'darwin') return 'hide';
  return opts.trayAvailable === false ? 'quit' : 'hide';
}

export interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_SIZE = { width: 1200, height: 800 } as const;
export const MIN_SIZE = { width: 800, height: 560 } as const;

/**
 * The window bounds to restore: the saved ones when they are sane and at least
 * partly on one of today's displays (a monitor may have been unplugged), else
 * the default size centred by Electron (no x/y).
 */
export function restoreBounds(saved: unknown, workAreas: Bounds[]): Partial<Bounds> & { width: number; height: number } {
  const fallback = { ...DEFAULT_SIZE };
  if (!saved || typeof saved !== 'object') return fallback;
  const b = saved as Record<string, unknown>;
  const ok = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  if (!ok(b.x) || !ok(b.y) || !ok(b.width) || !ok(b.height)) return fallback;
  const width = Math.max(MIN_SIZE.width, Math.round(b.width));
  const height = Math.max(MIN_SIZE.height, Math.round(b.height));
  const x = Math.round(b.x);
  const y = Math.round(b.y);
  // Visible enough: at least 100x50 px of the title-bar area overlaps a work area.
  const visible = workAreas.some((a) => {
    const w = Math.min(x + width, a.x + a.width) - Math.max(x, a.x);
    const h = Math.min(y + 50, a.y + a.height) - Math.max(y, a.y);
    return w >= 100 && h >= 50;
  });
  if (!visible) return { width: Math.min(width, 4096), height: Math.min(height, 4096) };
  return { x, y, width, height };
}

/**
 * A page with unsaved changes (the workflow editor) cancels its unload; Electron then asks the main
 * process (`will-prevent-unload`), which asks the person with this dialog (Stay is the default and
 * what Escape gives).
 */
export const UNSAVED_CHANGES_DIALOG = {
  type: 'question',
  buttons: ['Leave without saving', 'Stay'],
  defaultId: 1,
  cancelId: 1,
  noLink: true,
  title: 'Unsaved changes',
  message: 'Leave without saving your changes?',
  detail: 'The page has changes that are not saved yet. If you leave now, they are lost.',
} as const;

/** The dialog's answer: true lets the page unload (its changes are dropped). */
export function leaveWithoutSaving(response: number): boolean {
  return response === 0;
}
