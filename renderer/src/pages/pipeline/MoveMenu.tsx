/**
 * "Move to…": one menu button per deal (WAI-ARIA menu button). Enter, Space or ArrowDown open
 * it on the first stage, the arrows, Home and End move, Enter picks, Escape or Tab close it and
 * focus goes back to the button; a click elsewhere closes it. The menu is placed fixed under the
 * button (above it near the window's bottom) so a scrolled column does not clip it.
 */
import { forwardRef, useEffect, useId, useImperativeHandle, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';

export interface MoveTarget {
  id: string;
  name: string;
}

export const MoveMenu = forwardRef<HTMLButtonElement | null, { title: string; current: string; targets: MoveTarget[]; disabled?: boolean; onMove: (to: string) => void }>(function MoveMenu({ title, current, targets, disabled, onMove }, ref) {
  const [open, setOpen] = useState(false);
  const [pos, setPos] = useState<{ top: number; left: number } | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLUListElement>(null);
  const id = useId();
  useImperativeHandle(ref, () => button.current as HTMLButtonElement, []);
  const items = targets.filter((t) => t.id !== current);

  /** Under the button, or above it when there is too little room below (never outside the window). */
  const place = () => {
    const r = button.current?.getBoundingClientRect();
    if (!r) return;
    const h = menu.current?.offsetHeight ?? 0;
    const below = r.bottom + 4;
    setPos({ top: below + h > window.innerHeight - 8 && h ? Math.max(8, r.top - 4 - h) : below, left: Math.max(8, Math.min(r.left, window.innerWidth - 200)) });
  };
  const show = (focus: 'first' | 'last') => {
    place();
    setOpen(true);
    requestAnimationFrame(() => {
      const all = menu.current?.querySelectorAll<HTMLElement>('[role=menuitem]');
      if (all?.length) all[focus === 'first' ? 0 : all.length - 1]!.focus({ preventScroll: true });
    });
  };
  // Measured once shown; followed while the page or a column scrolls.
  useLayoutEffect(() => {
    if (open) place();
  }, [open]);
  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) button.current?.focus();
  };

  useEffect(() => {
    if (!open) return;
    const away = (e: Event) => {
      const t = e.target as Node;
      if (!menu.current?.contains(t) && !button.current?.contains(t)) setOpen(false);
    };
    const scrolled = (e: Event) => {
      if (!menu.current?.contains(e.target as Node)) place();
    };
    document.addEventListener('pointerdown', away);
    window.addEventListener('scroll', scrolled, true);
    window.addEventListener('resize', scrolled);
    return () => {
      document.removeEventListener('pointerdown', away);
      window.removeEventListener('scroll', scrolled, true);
      window.removeEventListener('resize', scrolled);
    };
  }, [open]);

  const onMenuKey = (e: KeyboardEvent) => {
    const all = [...(menu.current?.querySelectorAll<HTMLElement>('[role=menuitem]') ?? [])];
    const at = all.indexOf(document.activeElement as HTMLElement);
    const go = (i: number) => all[(i + all.length) % all.length]?.focus({ preventScroll: true });
    if (e.key === 'ArrowDown') go(at + 1);
    else if (e.key === 'ArrowUp') go(at - 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(all.length - 1);
    else if (e.key === 'Escape') close(true);
    else if (e.key === 'Tab') close(false);
    else return;
    if (e.key !== 'Tab') e.preventDefault();
  };

  return (
    <span className="pl-move">
      <button
        ref={button}
        type="button"
        className="btn btn-small"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        disabled={disabled || items.length === 0}
        onClick={(e) => {
          e.stopPropagation();
          if (open) close(false);
          else show('first');
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
            e.preventDefault();
            show(e.key === 'ArrowDown' ? 'first' : 'last');
          }
        }}
      >
        {/* The name starts with the visible text (voice control: "click Move to"), then says which deal. */}
        Move to…<span className="visually-hidden"> “{title}”</span> <span aria-hidden="true">▾</span>
      </button>
      {open ? (
        <ul ref={menu} id={id} role="menu" aria-label={`Move “${title}” to`} className="pl-menu" style={pos ? { top: pos.top, left: pos.left } : undefined} onKeyDown={onMenuKey}>
          {items.map((t) => (
            <li key={t.id} role="none">
              <button
                type="button"
                role="menuitem"
                tabIndex={-1}
                onClick={(e) => {
                  e.stopPropagation();
                  close(true);
                  onMove(t.id);
                }}
              >
                {t.name}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </span>
  );
});
