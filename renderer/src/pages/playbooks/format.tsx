/** Small formatting helpers of the Playbooks pages. */
import type { ReactNode } from 'react';
import type { PlaybookPhaseStatus, PlaybookRunStatus } from '../../../../shared/api';

export function minutes(m: number | null | undefined): string {
  if (m === null || m === undefined) return '—';
  if (m < 1) return `${Math.max(1, Math.round(m * 60))} s`;
  if (m < 90) return `${Math.round(m)} min`;
  const h = Math.floor(m / 60);
  const r = Math.round(m - h * 60);
  return r ? `${h} h ${r} min` : `${h} h`;
}

export function usd(n: number): string {
  return n === 0 ? '$0' : n < 0.01 ? '< $0.01' : `$${n.toFixed(2)}`;
}

export const RUN_STATUS: Record<PlaybookRunStatus, { label: string; tone: 'ok' | 'warn' | 'neutral' | 'danger' }> = {
  running: { label: 'Running', tone: 'neutral' },
  waiting: { label: 'Waiting', tone: 'warn' },
  succeeded: { label: 'Finished', tone: 'ok' },
  failed: { label: 'Failed', tone: 'danger' },
  cancelled: { label: 'Cancelled', tone: 'warn' },
};

export const PHASE_STATUS: Record<PlaybookPhaseStatus, { label: string; tone: 'ok' | 'warn' | 'neutral' | 'danger' | 'idle' }> = {
  pending: { label: 'Not started', tone: 'idle' },
  skipped: { label: 'Not in this mode', tone: 'idle' },
  running: { label: 'Working', tone: 'neutral' },
  gate: { label: 'Quality gate', tone: 'neutral' },
  waiting_approval: { label: 'Waiting for your approval', tone: 'warn' },
  merged: { label: 'Merged', tone: 'ok' },
  rejected: { label: 'Rejected', tone: 'danger' },
  failed: { label: 'Failed', tone: 'danger' },
};

export function Badge({ tone, children, testId }: { tone: string; children: ReactNode; testId?: string }) {
  return (
    <span className={`badge pb-badge pb-${tone}`} data-testid={testId}>
      {children}
    </span>
  );
}

export function RunBadge({ status }: { status: string }) {
  const s = RUN_STATUS[status as keyof typeof RUN_STATUS] ?? { label: status, tone: 'neutral' };
  return (
    <Badge tone={s.tone} testId="run-status">
      {s.label}
    </Badge>
  );
}

/** A workspace path that may wrap after each / (long paths in narrow columns). */
export function PathText({ path }: { path: string }) {
  const parts = path.split('/');
  return (
    <>
      {parts.map((p, i) => (
        <span key={i}>
          {p}
          {i < parts.length - 1 ? (
            <>
              /<wbr />
            </>
          ) : null}
        </span>
      ))}
    </>
  );
}
