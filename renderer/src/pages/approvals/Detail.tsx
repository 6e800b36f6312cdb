/** One approval: what it is, the draft as its recipient would see it, and the decision bar. */
import { useMemo } from 'react';
import type { Approval } from '../../../../shared/api';
import { formatTime } from '../../components/ui';
import { age, deliveryLabel, describePayload, formatConfidence, PRIORITY_LABEL, STATUS_LABEL, timeLeft, type Mode, type Note } from './model';
import { pdfOf } from './pdf/model';
import { PdfPreview } from './pdf/PdfPreview';
import { AiPanel, EditDiff, Preview } from './Preview';
import { EditForm, RejectForm } from './Decide';
export function Detail(props: {
  a: Approval;
  now: number;
  mode: Mode;
  setMode: (m: Mode) => void;
  busy?: 'approve' | 'reject' | undefined;
  queued: { decision: 'approve' | 'reject'; savedAt: string } | null;
  note: Note | null;
  onApprove: (payload?: unknown) => void;
  onReject: (reason: string) => void;
  /** Small screens: back to the list. */
  onBack?: (() => void) | undefined;
}) {
  const { a, now, mode } = props;
  const shown = a.status === 'approved' && a.decidedPayload !== null && a.decidedPayload !== undefined ? a.decidedPayload : a.payload;
  const d = useMemo(() => describePayload(shown), [shown]);
  const pdf = useMemo(() => pdfOf(shown), [shown]);
  const left = timeLeft(a.expiresAt, now);
  const pending = a.status === 'pending' && !props.queued && !props.busy;
  const delivery = deliveryLabel(a);
  return (
    <article className="ap-detail" data-testid="detail" data-id={a.id}>
      {props.onBack ? (
        <button type="button" className="btn btn-quiet ap-back" onClick={props.onBack}>
          <span aria-hidden="true">←</span> Back to the list
        </button>
      ) : null}
      <header className="ap-detail-head">
        <h2 data-testid="detail-title">{a.title}</h2>
        <dl className="ap-meta">
          <div>
            <dt>Workflow</dt>
            <dd>{a.workflowName}</dd>
          </div>
          <div>
            <dt>Priority</dt>
            <dd>
              <span className={`ap-pri-label ap-pri-${a.priority}`}>{PRIORITY_LABEL[a.priority]}</span>
            </dd>
          </div>
          <div>
            <dt>Waiting</dt>
            <dd title={formatTime(a.createdAt)}>{age(a.createdAt, now)}</dd>
          </div>
          <div>
            <dt>Expires</dt>
            <dd title={a.expiresAt ? formatTime(a.expiresAt) : undefined}>{a.status !== 'pending' ? '—' : left ? left.label : 'never'}</dd>
          </div>
          <div>
            <dt>AI confidence</dt>
            <dd>{formatConfidence(a.confidence)}</dd>
          </div>
        </dl>
        {a.reason ? <p className="ap-reason">{a.reason}</p> : null}
      </header>

      {props.note ? (
        <p className={`ap-banner ap-tone-${props.note.tone}`} role="status" data-testid="detail-note">
          {props.note.text}
        </p>
      ) : null}

      {props.queued ? (
        <p className="ap-banner ap-tone-warn" role="status" data-testid="decision-state">
          {props.queued.decision === 'approve' ? 'Approved' : 'Rejected'} on this device — saved, sends when connected.
        </p>
      ) : a.status !== 'pending' ? (
        <div className="ap-decision" data-testid="decision-state">
          <p>
            <span className={`ap-pill ap-status-${a.status}`}>{STATUS_LABEL[a.status]}</span>{' '}
            {a.decidedBy ? (
              <>
                by <strong data-testid="decided-by">{a.decidedBy}</strong>
              </>
            ) : null}
            {a.decidedAt ? <> · {formatTime(a.decidedAt)}</> : null}
            {delivery ? (
              <>
                {' '}
                · <span className={`ap-pill ap-tone-${delivery.tone}`} data-testid="delivery">{delivery.text}</span>
              </>
            ) : null}
          </p>
          {a.decisionReason ? <p>Reason: {a.decisionReason}</p> : null}
          {a.deliveryDetail ? <p className="muted ap-delivery-detail">{a.deliveryDetail}</p> : null}
        </div>
      ) : null}

      {mode.kind === 'reject' && pending ? <RejectForm onCancel={() => props.setMode({ kind: 'view' })} onReject={props.onReject} /> : null}
      {mode.kind === 'edit' && pending ? (
        <EditForm a={a} onCancel={() => props.setMode({ kind: 'view' })} onApprove={props.onApprove} />
      ) : (
        <>
          {pending && mode.kind === 'view' ? (
            <div className="ap-actions" role="group" aria-label="Decide" data-testid="decide-bar">
              <button type="button" className="btn btn-primary" onClick={() => props.onApprove()}>
                Approve <kbd>a</kbd>
              </button>
              <button type="button" className="btn" onClick={() => props.setMode({ kind: 'edit' })}>
                Edit <kbd>e</kbd>
              </button>
              <button type="button" className="btn" onClick={() => props.setMode({ kind: 'reject' })}>
                Reject <kbd>r</kbd>
              </button>
            </div>
          ) : null}
          {d.ai ? <AiPanel ai={d.ai} /> : null}
          <section className="ap-section" aria-labelledby="ap-preview-title">
            <h3 id="ap-preview-title">{a.status === 'approved' && shown !== a.payload ? 'As approved (edited)' : 'As the recipient will see it'}</h3>
            <Preview preview={d.preview} />
          </section>
          {pdf ? <PdfPreview pdf={pdf} /> : null}
          {a.status === 'approved' && a.decidedPayload !== null && a.decidedPayload !== undefined ? <EditDiff before={a.payload} after={a.decidedPayload} label="Edits made before approving" /> : null}
        </>
      )}
    </article>
  );
}
