/** Helpers of the Dashboard's cards: number formats, and a throttled reload for push events. */
import { useCallback, useEffect, useRef } from 'react';

/**
 * A reload for push events: at most once per `ms` (the first one soon, later ones folded into one
 * trailing reload), and never while the last load is still on its way (a new one would discard it,
 * so under a steady stream of events the numbers would never land). Data stays on screen meanwhile.
 */
export function useLiveReload(q: { reload: () => void; loading: boolean }, ms: number): () => void {
  const ref = useRef(q);
  useEffect(() => {
    ref.current = q;
  });
  const st = useRef({ last: 0, timer: 0 });
  useEffect(() => () => window.clearTimeout(st.current.timer), []);
  return useCallback(() => {
    const s = st.current;
    if (s.timer) return;
    const fire = () => {
      if (ref.current.loading) {
        s.timer = window.setTimeout(fire, 250);
        return;
      }
      s.timer = 0;
      s.last = Date.now();
      ref.current.reload();
    };
    s.timer = window.setTimeout(fire, Math.max(150, s.last + ms - Date.now()));
  }, [ms]);
}

export const fmtInt = (n: number) => n.toLocaleString(undefined, { maximumFractionDigits: 0 });
export const fmtPct = (n: number | null) => (n === null ? '–' : `${n.toLocaleString(undefined, { maximumFractionDigits: 1 })}%`);
export const fmtMoney = (n: number, currency: string) => {
  try {
    return n.toLocaleString(undefined, { style: 'currency', currency, maximumFractionDigits: 0 });
  } catch {
    return `${fmtInt(n)} ${currency}`;
  }
};
export const fmtDay = (d: string) => new Date(d + 'T00:00:00Z').toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
export const fmtRange = (r: { from: string; to: string }) => (r.from === r.to ? fmtDay(r.from) : `${fmtDay(r.from)} – ${fmtDay(r.to)}`);

/** The sums per currency of a list, and the main currency (the largest now, else the largest before). */
export function money(cur: { currency: string; value: number }[], prev: { currency: string; value: number }[]) {
  const sum = (l: { currency: string; value: number }[]) => {
    const m = new Map<string, number>();
    for (const x of l) m.set(x.currency, Math.round(((m.get(x.currency) ?? 0) + x.value) * 100) / 100);
    return m;
  };
  const c = sum(cur);
  const p = sum(prev);
  const main = [...c.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? [...p.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'USD';
  const others = [...c.keys()].filter((k) => k !== main);
  return { currency: main, current: c.get(main) ?? 0, previous: p.get(main) ?? 0, others };
}
