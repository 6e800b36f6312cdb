/**
 * The sticky section navigation of Settings and its deep links: `#/settings/<section>` scrolls
 * to the section (and keeps it in place while the cards above it finish loading, until the
 * person scrolls themselves); the current section is marked in the navigation.
 */
import { useEffect, useState, type MouseEvent } from 'react';
import { SETTINGS_SECTIONS, sectionElementId, sectionFromHash, sectionHash, type SettingsSectionId } from './sections';

/** The section named in the address, following back/forward and links. */
export function useSettingsSection(): SettingsSectionId | null {
  const [section, setSection] = useState(() => sectionFromHash(window.location.hash));
  useEffect(() => {
    const read = () => setSection(sectionFromHash(window.location.hash));
    window.addEventListener('hashchange', read);
    window.addEventListener('popstate', read);
    return () => {
      window.removeEventListener('hashchange', read);
      window.removeEventListener('popstate', read);
    };
  }, []);
  return section;
}

/** Scroll to the section, and again while the page above it grows (cards loading), until the person scrolls. */
function scrollToSection(id: SettingsSectionId, container: HTMLElement | null): () => void {
  const go = () => document.getElementById(sectionElementId(id))?.scrollIntoView({ block: 'start' });
  go();
  if (!container || typeof ResizeObserver === 'undefined') return () => {};
  const obs = new ResizeObserver(() => go());
  obs.observe(container);
  const stop = () => {
    obs.disconnect();
    for (const e of ['wheel', 'touchstart', 'keydown', 'mousedown'] as const) window.removeEventListener(e, stop, true);
    clearTimeout(timer);
  };
  for (const e of ['wheel', 'touchstart', 'keydown', 'mousedown'] as const) window.addEventListener(e, stop, true);
  const timer = setTimeout(stop, 15_000);
  return stop;
}

/** Scroll to the section the address names, on arrival and whenever it changes. */
export function useScrollToSection(section: SettingsSectionId | null, container: HTMLElement | null): void {
  useEffect(() => {
    if (!section || !container) return;
    return scrollToSection(section, container);
  }, [section, container]);
}

export function SectionNav({ current }: { current: SettingsSectionId | null }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>, id: SettingsSectionId) => {
    // The same link again: the address does not change, so scroll here.
    if (window.location.hash === sectionHash(id)) {
      e.preventDefault();
      document.getElementById(sectionElementId(id))?.scrollIntoView({ block: 'start' });
    }
    // Keyboard and screen-reader users continue in the section they chose.
    requestAnimationFrame(() => {
      const heading = document.getElementById(`${sectionElementId(id)}-title`);
      if (!heading) return;
      if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    });
  };
  return (
    <nav className="settings-nav" aria-label="Settings sections" data-testid="settings-nav">
      <ul>
        {SETTINGS_SECTIONS.map((s) => (
          <li key={s.id}>
            <a href={sectionHash(s.id)} aria-current={current === s.id ? 'location' : undefined} onClick={(e) => onClick(e, s.id)}>
              {s.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
