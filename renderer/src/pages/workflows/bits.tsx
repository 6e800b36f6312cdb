/** Small pieces shared by the Workflows and Runs pages: status badges, times, JSON. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { Badge } from '../../components/ui';
import type { RunStatus, StepStatus, Trigger } from '../../../../shared/api';

const LABEL: Record<RunStatus | StepStatus, string> = {
  queued: 'Queued',
  ready: 'Ready',
  running: 'Running',
  waiting: 'Waiting',
  succeeded: 'Succeeded',
  failed: 'Failed',
  skipped: 'Skipped',
  cancelled: 'Cancelled',
};
const ICON: Record<RunStatus | StepStatus, string> = {
  queued: '…',
  ready: '…',
  running: '▶',
  waiting: '‖',
  succeeded: '✓',
  failed: '✕',
  skipped: '↷',
  cancelled: '⊘',
};

export function StatusBadge({ status, testId }: { status: RunStatus | StepStatus; testId?: string }) {
  return (
    <span className={`st-badge st-${status}`} data-testid={testId} data-status={status}>
      <span aria-hidden="true">{ICON[status]}</span> {LABEL[status]}
    </span>
  );
}

/** Whether a workflow runs on its trigger (the list's and the detail's Status). */
export function EnabledBadge({ enabled }: { enabled: boolean }) {
  return (
    <Badge tone={enabled ? 'ok' : 'warn'} data-testid="wf-enabled">
      {enabled ? 'Enabled' : 'Disabled'}
    </Badge>
  );
}

export function triggerText(t: Trigger): string {
  switch (t.type) {
    case 'manual':
      return 'Manual';
    case 'schedule':
      return `Schedule ${t.cron} (${t.timezone})`;
    case 'event':
      return `Event ${t.event}`;
    case 'webhook':
      return `Webhook /hooks/${t.slug}`;
  }
}

export function shortTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay ? d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function duration(from: string | null | undefined, to: string | null | undefined): string {
  if (!from || !to) return '—';
  const ms = Date.parse(to) - Date.parse(from);
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`;
}

export function percent(rate: number | null): string {
  return rate === null ? '—' : `${Math.round(rate * 100)}%`;
}

const MAX_SHOWN = 20_000;

/** JSON in a disclosure: closed by default, long values cut with a "Show all". */
export function JsonBlock({ label, value, open }: { label: string; value: unknown; open?: boolean }) {
  const [all, setAll] = useState(false);
  const text = value === undefined ? 'undefined' : JSON.stringify(value, null, 2);
  const long = text.length > MAX_SHOWN;
  return (
    <details className="json-block" open={open}>
      <summary>
        {label} <span className="muted">{value === null || value === undefined ? '(empty)' : `(${text.length.toLocaleString()} character${text.length === 1 ? '' : 's'})`}</span>
      </summary>
      <pre tabIndex={0} aria-label={label}>
        {long && !all ? `${text.slice(0, MAX_SHOWN)}\n…` : text}
      </pre>
      {long ? (
        <button type="button" className="btn-link" onClick={() => setAll((a) => !a)}>
          {all ? 'Show less' : 'Show all'}
        </button>
      ) : null}
    </details>
  );
}

/** Offer a value as a downloaded JSON file. */
export function downloadJson(fileName: string, value: unknown): void {
  const blob = new Blob([`${JSON.stringify(value, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Call `fn` at most once per `ms` (the last call wins, run at the end of the window). */
export function useThrottled(fn: () => void, ms: number): () => void {
  const ref = useRef(fn);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    ref.current = fn;
  });
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  return useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      ref.current();
    }, ms);
  }, [ms]);
}

/** Call `fn` every `ms` while mounted (and the tab is visible). */
export function useInterval(fn: () => void, ms: number): void {
  const ref = useRef(fn);
  useEffect(() => {
    ref.current = fn;
  });
  useEffect(() => {
    const t = setInterval(() => {
      if (document.visibilityState !== 'hidden') ref.current();
    }, ms);
    return () => clearInterval(t);
  }, [ms]);
}

/** Parse JSON typed by a person: the value, or the parser's message. */
export function parseJson(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    return { error: (e as Error).message };
  }
}
