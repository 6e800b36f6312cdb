/**
 * The one tab strip of the pages (Contacts, Growth, Finance): buttons with role="tab", the one
 * shown selected and in the tab order, the arrows (wrapping), Home and End move between them.
 * Tab `id` is `<idPrefix>-tab-<id>` and it controls `<idPrefix>-panel-<id>` (the page's tabpanel).
 */
import { nextTab } from './tabs';
import './tabs.css';

export function Tabs<T extends string>({ tabs, value, onChange, idPrefix, label, className }: { tabs: readonly { id: T; label: string }[]; value: T; onChange: (t: T) => void; idPrefix: string; label: string; className?: string }) {
  return (
    <div
      className={`tabs${className ? ` ${className}` : ''}`}
      role="tablist"
      aria-label={label}
      onKeyDown={(e) => {
        const next = nextTab(
          tabs.map((t) => t.id),
          value,
          e.key,
        );
        if (next === null) return;
        e.preventDefault();
        onChange(next);
        document.getElementById(`${idPrefix}-tab-${next}`)?.focus();
      }}
    >
      {tabs.map((t) => (
        <button
          key={t.id}
          type="button"
          role="tab"
          id={`${idPrefix}-tab-${t.id}`}
          aria-selected={value === t.id}
          aria-controls={`${idPrefix}-panel-${t.id}`}
          tabIndex={value === t.id ? 0 : -1}
          className="tab"
          onClick={() => onChange(t.id)}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}
