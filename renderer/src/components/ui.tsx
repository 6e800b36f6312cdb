/** Small building blocks shared by the pages. */
import { useEffect, useRef, type HTMLAttributes, type ReactNode } from 'react';
import type { ApiError } from '../../../shared/api';

let navigatedYet = false;

export function PageHeader({ title, intro, actions }: { title: string; intro?: ReactNode; actions?: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  // Move focus to the heading when the person opens another page, so keyboard and screen reader
  // users land on it (not on first load: the skip link stays the first Tab stop).
  useEffect(() => {
    if (!navigatedYet) {
      navigatedYet = true;
      return;
    }
    if (document.activeElement && document.activeElement !== document.body && !document.activeElement.closest('nav')) return;
    ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <header className="page-header">
      <div>
        <h1 ref={ref} tabIndex={-1}>
          {title}
        </h1>
        {intro ? <p className="page-intro">{intro}</p> : null}
      </div>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </header>
  );
}

export function Card({ title, children, actions, id }: { title: string; children: ReactNode; actions?: ReactNode; id?: string }) {
  const headingId = id ? `${id}-title` : undefined;
  return (
    <section className="card" aria-labelledby={headingId} id={id}>
      <div className="card-head">
        <h2 id={headingId}>{title}</h2>
        {actions ? <div className="card-actions">{actions}</div> : null}
      </div>
      {children}
    </section>
  );
}

/** An honest "not yet": what will appear here and when. */
/** A small status pill (styles.css .badge): ok green, warn amber, danger red, neutral accent. */
export function Badge({ tone, children, ...rest }: { tone: 'ok' | 'warn' | 'danger' | 'neutral'; children: ReactNode } & HTMLAttributes<HTMLSpanElement> & Record<`data-${string}`, string>) {
  return (
    <span className={`badge badge-${tone}`} {...rest}>
      {children}
    </span>
  );
}

export function EmptyState({ title, children, icon }: { title: string; children: ReactNode; icon?: string }) {
  return (
    <div className="empty">
      <div className="empty-icon" aria-hidden="true">
        {icon ?? '○'}
      </div>
      <h2>{title}</h2>
      <div className="empty-body">{children}</div>
    </div>
  );
}

/** What failed, why, and a Retry. Never a blank page. */
export function ErrorPanel({ what, error, onRetry }: { what: string; error: ApiError; onRetry?: () => void }) {
  return (
    <div className="error-panel" role="alert">
      <div>
        <strong>{what}</strong>
        <p>{error.message}</p>
        {error.issues?.length ? (
          <ul>
            {error.issues.map((i) => (
              <li key={i.path + i.message}>
                <code>{i.path}</code>: {i.message}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      {onRetry ? (
        <button type="button" className="btn" onClick={onRetry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

/** An editor's buttons with its "Saved" line (or a note while nothing is saved), then what went wrong saving. */
export function SaveActions({ children, saved, note, failure, what }: { children: ReactNode; saved: ReactNode; note?: ReactNode; failure: ApiError | null; what: string }) {
  return (
    <>
      <div className="form-actions">
        {children}
        {saved ? (
          <span className="success" role="status">
            {saved}
          </span>
        ) : (
          (note ?? null)
        )}
      </div>
      {failure ? <ErrorPanel what={what} error={failure} /> : null}
    </>
  );
}

export function Loading({ label }: { label: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

/**
 * A query's states in one place: a loading line until the first answer, then the
 * content, or `empty` when `isEmpty(data)`. A failure shows `failed` when given
 * (a page that reports its errors elsewhere) and only while there is no data;
 * otherwise an ErrorPanel with Retry, above the last data if there is some.
 */
export function QueryView<T>({
  q,
  what,
  loading,
  failed,
  empty,
  isEmpty,
  children,
}: {
  q: { data: T | undefined; error: ApiError | null; reload: () => void };
  what: string;
  loading: string;
  failed?: ReactNode;
  empty?: ReactNode;
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
}) {
  const problem = q.error ? (failed !== undefined ? (q.data === undefined ? failed : null) : <ErrorPanel what={what} error={q.error} onRetry={q.reload} />) : null;
  const body = q.data === undefined ? (q.error ? null : <Loading label={loading} />) : isEmpty?.(q.data) ? (empty ?? null) : children(q.data);
  return (
    <>
      {problem}
      {body}
    </>
  );
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}
