/**
 * An expression field: a combobox that completes `input`, `prev`, `steps.<id>`
 * and `run` paths from the scope (the last run's data), and shows the value the
 * expression evaluates to against that scope, live (expressions.evaluate, time-bounded
 * on the core). Keyboard: the list opens as you type; ↓/↑ move, Enter or Tab takes,
 * Escape closes.
 */
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { call } from '../../../api/client';
import { applyCompletion, completionsAt, type Completion, type Scope } from './completions';

export function ExpressionInput({
  id,
  value,
  onChange,
  scope,
  label,
  describedBy,
  invalid,
  multiline,
  placeholder,
  evaluate = true,
}: {
  id: string;
  value: string;
  onChange: (text: string) => void;
  scope: Scope | Record<string, unknown>;
  label: string;
  describedBy?: string | undefined;
  invalid?: boolean | undefined;
  multiline?: boolean | undefined;
  placeholder?: string | undefined;
  /** Show the evaluated value (off for expressions evaluated against other data, e.g. an event filter). */
  evaluate?: boolean;
}) {
  const listId = useId();
  const valueId = useId();
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const [cursor, setCursor] = useState<number | null>(null);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const comp = useMemo(() => (cursor === null ? null : completionsAt(value, cursor, scope as Scope, 30)), [value, cursor, scope]);
  const items = open && comp ? comp.items : [];
  const shown = items.length > 0;

  const [result, setResult] = useState<{ text: string; ok: boolean } | null>(null);
  useEffect(() => {
    if (!evaluate) return;
    if (!value.trim()) {
      setResult(null);
      return;
    }
    let live = true;
    const t = setTimeout(() => {
      call('expressions.evaluate', { expression: value, scope })
        .then((r) => {
          if (!live) return;
          if (r.ok) setResult({ ok: true, text: r.value === undefined ? 'nothing (no value at this path in the sample data)' : `${typeof r.value === 'string' && r.truncated ? r.value : short(JSON.stringify(r.value))}` });
          else setResult({ ok: false, text: `${r.error?.message ?? 'error'}${r.error?.position !== undefined ? ` (at character ${r.error.position})` : ''}` });
        })
        .catch((e: unknown) => live && setResult({ ok: false, text: (e as Error).message }));
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [value, scope, evaluate]);

  const take = (c: Completion) => {
    if (!comp) return;
    const next = applyCompletion(value, comp, c);
    onChange(next.text);
    setOpen(false);
    requestAnimationFrame(() => {
      ref.current?.setSelectionRange(next.cursor, next.cursor);
      setCursor(next.cursor);
      // After a completed object path, offer its keys.
      setOpen(true);
      setActive(0);
    });
  };

  const onKeyDown = (e: React.KeyboardEvent) => {
    if (!shown) {
      if (e.key === 'ArrowDown' && e.altKey) setOpen(true);
      return;
    }
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((a) => (a + 1) % items.length);
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => (a - 1 + items.length) % items.length);
    } else if (e.key === 'Enter' || e.key === 'Tab') {
      const c = items[Math.min(active, items.length - 1)];
      if (c) {
        e.preventDefault();
        take(c);
      }
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
    }
  };

  const common = {
    id,
    ref,
    value,
    role: 'combobox' as const,
    'aria-autocomplete': 'list' as const,
    'aria-expanded': shown,
    'aria-controls': listId,
    'aria-activedescendant': shown ? `${listId}-${Math.min(active, items.length - 1)}` : undefined,
    'aria-describedby': [describedBy, evaluate ? valueId : undefined].filter(Boolean).join(' ') || undefined,
    'aria-invalid': invalid ? (true as const) : undefined,
    spellCheck: false,
    autoComplete: 'off',
    placeholder,
    className: 'expr-input',
    onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => {
      onChange(e.target.value);
      setCursor(e.target.selectionStart);
      setOpen(true);
      setActive(0);
    },
    onSelect: (e: React.SyntheticEvent<HTMLInputElement | HTMLTextAreaElement>) => setCursor((e.target as HTMLInputElement).selectionStart),
    onKeyDown,
    onBlur: () => setTimeout(() => setOpen(false), 150),
    onFocus: (e: React.FocusEvent<HTMLInputElement | HTMLTextAreaElement>) => setCursor(e.target.selectionStart),
  };

  return (
    <div className="expr">
      {multiline ? <textarea {...common} rows={2} /> : <input {...common} type="text" />}
      {shown ? (
        <ul id={listId} role="listbox" aria-label={`Suggestions for ${label}`} className="expr-list">
          {items.map((c, i) => (
            <li
              key={c.label}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : undefined}
              onMouseDown={(e) => {
                e.preventDefault();
                take(c);
              }}
            >
              <code>{c.label}</code> <span className="muted small">{c.detail}</span>
            </li>
          ))}
        </ul>
      ) : null}
      {evaluate ? (
        <p id={valueId} className={`expr-value small${result && !result.ok ? ' err-text' : ''}`} role="status" data-testid="expr-value">
          {result ? (result.ok ? `= ${result.text}` : `Error: ${result.text}`) : null}
        </p>
      ) : null}
    </div>
  );
}

function short(s: string | undefined): string {
  if (s === undefined) return 'nothing';
  return s.length > 300 ? `${s.slice(0, 299)}…` : s;
}
