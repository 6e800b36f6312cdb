/** The inbox's keyboard: j/k move, a approve, r reject, e edit, x select, Esc cancel (shortcutOf in model.ts decides which applies). */
import { useEffect, useRef } from 'react';
import { shortcutOf, type Mode, type Shortcut } from './model';

export function useShortcuts(state: { mode: Mode; hasActive: boolean; canAct: boolean }, handlers: Record<Shortcut, () => void>): void {
  const ref = useRef<(e: KeyboardEvent) => void>(() => {});
  ref.current = (e: KeyboardEvent) => {
    const s = shortcutOf({ key: e.key, ctrlKey: e.ctrlKey, metaKey: e.metaKey, altKey: e.altKey, defaultPrevented: e.defaultPrevented, target: e.target as HTMLElement | null }, state);
    if (!s) return;
    handlers[s]();
    e.preventDefault();
  };
  useEffect(() => {
    const h = (e: KeyboardEvent) => ref.current(e);
    window.addEventListener('keydown', h);
    return () => window.removeEventListener('keydown', h);
  }, []);
}
