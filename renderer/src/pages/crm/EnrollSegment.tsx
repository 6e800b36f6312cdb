/**
 * Enroll a segment's contacts in a sequence: pick a sequence, see how many of the contacts the
 * segment matches now will be enrolled and how many are skipped and why (unsubscribed, already
 * enrolled, the re-enrollment policy) and how many wait for the per-contact cap — the server's
 * own checks run in a transaction rolled back (`sequences.enrollSegment` with dryRun) — then
 * confirm. Nothing is sent at once: the sequence takes them on its schedule.
 */
import { useEffect, useId, useRef, useState } from 'react';
import type { ApiError, OpOutput } from '../../../../shared/api';
import { call } from '../../api/client';
import { toApiError } from '../../api/errors';
import { useAction } from '../../api/hooks';
import { hashWith } from '../../api/nav';
import { ErrorPanel, Loading } from '../../components/ui';
import { useQuery } from '../../data/query';
import { plural } from './format';
import { capPeriod } from './model';

type Result = OpOutput<'sequences.enrollSegment'>;

/** A skip reason as the operator reads it. */
export function reasonLabel(reason: string): string {
  const sup = /^suppressed \((\w+)\)$/.exec(reason);
  if (sup) return sup[1] === 'manual' ? 'on the suppression list' : sup[1] === 'unsubscribed' ? 'unsubscribed' : `suppressed (${sup[1]})`;
  if (reason === 'already active in this sequence') return 'already enrolled (active in this sequence)';
  return reason;
}

export function EnrollSegment({ segment, onCancel, onDone }: { segment: { id: number; name: string }; onCancel: () => void; onDone: (message: string) => void }) {
  const ids = useId();
  const seqs = useQuery('sequences.list', {});
  const [sequenceId, setSequenceId] = useState('');
  const [preview, setPreview] = useState<{ r: Result | null; error: ApiError | null; loading: boolean }>({ r: null, error: null, loading: false });
  const [nonce, setNonce] = useState(0);
  const select = useRef<HTMLSelectElement>(null);
  // The picker takes the focus once it can (it is off while the sequences load).
  const ready = seqs.data !== undefined;
  useEffect(() => {
    if (ready) select.current?.focus();
  }, [ready]);

  useEffect(() => {
    if (!sequenceId) {
      setPreview({ r: null, error: null, loading: false });
      return;
    }
    let live = true;
    setPreview((p) => ({ ...p, loading: true, error: null }));
    call('sequences.enrollSegment', { sequenceId, segmentId: segment.id, dryRun: true }).then(
      (r) => live && setPreview({ r, error: null, loading: false }),
      (e: unknown) => live && setPreview({ r: null, error: toApiError(e), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [sequenceId, segment.id, nonce]);

  const enroll = useAction(() => call('sequences.enrollSegment', { sequenceId, segmentId: segment.id, dryRun: false }));
  const confirm = async () => {
    const r = await enroll.run();
    if (!r) return;
    const skipped = r.skipped.reduce((n, s) => n + s.count, 0);
    onDone(`Enrolled ${plural(r.enrolled, 'contact')} of “${r.segment.name}” in “${r.sequence.name}”${skipped ? `; ${skipped} skipped` : ''}. Nothing was sent yet: the sequence takes them on its schedule.`);
  };

  const r = preview.r;
  const sequences = seqs.data?.sequences ?? [];
  return (
    <div className="notice seg-enroll" role="group" aria-labelledby={`${ids}-t`} data-testid="segment-enroll" onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
      <p id={`${ids}-t`}>
        <strong>Enroll the contacts of “{segment.name}” in a sequence</strong>
      </p>
      {seqs.error && !seqs.data ? <ErrorPanel what="Could not load the sequences" error={seqs.error} onRetry={seqs.reload} /> : null}
      {seqs.data && sequences.length === 0 ? (
        <p>
          There is no sequence yet. <a href={hashWith('sequences')}>Create one on the Sequences page</a>.
        </p>
      ) : (
        <div className="seg-enroll-pick">
          <label htmlFor={`${ids}-seq`}>Sequence</label>
          <select id={`${ids}-seq`} ref={select} value={sequenceId} onChange={(e) => setSequenceId(e.target.value)} disabled={!seqs.data}>
            <option value="">{seqs.data ? 'Pick a sequence…' : 'Loading…'}</option>
            {sequences.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
                {s.enabled ? '' : ' (turned off)'}
              </option>
            ))}
          </select>
        </div>
      )}
      {preview.error ? <ErrorPanel what="Could not check who would be enrolled" error={preview.error} onRetry={() => setNonce((n) => n + 1)} /> : null}
      {preview.loading && !r ? <Loading label="Checking who would be enrolled…" /> : null}
      {r && sequenceId ? (
        <div className="seg-enroll-preview" data-testid="segment-enroll-preview" aria-busy={preview.loading}>
          <p data-testid="segment-enroll-summary">
            <strong>{plural(r.enrolled, 'contact')}</strong> of the {r.matched.toLocaleString()} in the segment will be enrolled in “{r.sequence.name}”
            {r.skipped.length ? `; ${r.skipped.reduce((n, s) => n + s.count, 0).toLocaleString()} skipped:` : '.'}
          </p>
          {r.skipped.length ? (
            <ul className="seg-enroll-skipped" aria-label="Skipped contacts" data-testid="segment-enroll-skipped">
              {r.skipped.map((s) => (
                <li key={s.reason} data-reason={s.reason}>
                  {s.count.toLocaleString()} {reasonLabel(s.reason)}
                </li>
              ))}
            </ul>
          ) : null}
          {r.capped ? (
            <p data-testid="segment-enroll-capped">
              {plural(r.capped, 'contact')} of them already got {r.perContactCap} e-mails {capPeriod(r.perContactCapDays)} (the per-contact cap, Settings → E-mail): their first e-mail
              waits until that allows another.
            </p>
          ) : null}
          <p className="hint">
            Nothing is sent now.{' '}
            {r.sequence.enabled
              ? `The sequence takes them on its schedule: ${r.sequence.firstStep === 'email' ? 'the first e-mail' : 'the first step'} inside its send window, at most ${r.sequence.dailyCap.toLocaleString()} e-mails a day.`
              : 'The sequence is turned off: nothing is sent until it is turned on (Sequences).'}
          </p>
        </div>
      ) : null}
      {enroll.error ? <ErrorPanel what="Could not enroll the contacts" error={enroll.error} onRetry={() => void confirm()} /> : null}
      <div className="row-actions">
        <button type="button" className="btn btn-primary" disabled={!r || !sequenceId || r.enrolled === 0 || preview.loading || enroll.pending} onClick={() => void confirm()}>
          {enroll.pending ? 'Enrolling…' : r && sequenceId ? `Enroll ${plural(r.enrolled, 'contact')}` : 'Enroll'}
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
