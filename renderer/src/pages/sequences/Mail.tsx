/** Recent automated e-mails and the suppression list (add with a reason, remove). */
import { useId, useState } from 'react';
import { SUPPRESSION_REASONS, salesOps, type OpOutput } from '../../../../shared/api';
import { call } from '../../api/client';
import { useAction, useApi, useEvent } from '../../api/hooks';
import { hashWith } from '../../api/nav';
import { DataTable, type Column } from '../../components/DataTable';
import { Card, ErrorPanel, QueryView, formatTime } from '../../components/ui';

type Message = OpOutput<'email.messages'>['messages'][number];
const EMAIL_COLUMNS: Column<Message>[] = [
  { key: 'to', header: 'To', primary: true, cell: (m) => (m.contactId ? <a href={hashWith('contacts', { id: m.contactId })}>{m.to}</a> : m.to) },
  { key: 'subject', header: 'Subject', className: 'seq-subject', cell: (m) => m.subject },
  {
    key: 'status',
    header: 'Status',
    cell: (m) => (
      <>
        <span className={`badge ${m.status === 'sent' ? 'badge-ok' : m.status === 'failed' ? 'badge-danger' : 'badge-warn'}`}>{m.status}</span>
        {m.attempts > 1 ? <span className="muted"> · {m.attempts} tries</span> : null}
      </>
    ),
  },
  {
    key: 'why',
    header: 'Skip reason / error',
    cell: (m) => (
      <>
        {m.skipReason ? <code>{m.skipReason}</code> : null}
        {m.lastError ? <span className="seq-error-text">{m.lastError}</span> : null}
        {!m.skipReason && !m.lastError ? <span className="muted">–</span> : null}
      </>
    ),
  },
  {
    key: 'from',
    header: 'From',
    cell: (m) => (m.sequenceId ? <a href={hashWith('sequences', { id: m.sequenceId })}>{m.sequenceId}</a> : m.runId ? <a href={hashWith('runs', { run: m.runId })}>run</a> : <span className="muted">–</span>),
  },
  { key: 'sent', header: 'Sent', cell: (m) => (m.sentAt ? <time dateTime={m.sentAt}>{formatTime(m.sentAt)}</time> : <span className="muted">–</span>) },
];

export function RecentEmails() {
  const list = useApi('email.messages', { limit: 50 });
  useEvent('sales.email.sent', () => list.reload());
  const rows = list.data?.messages ?? [];
  return (
    <Card title="Recent e-mails" id="seq-emails" actions={<button type="button" className="btn btn-quiet" onClick={list.reload}>Refresh</button>}>
      <QueryView
        q={list}
        what="Could not load the recent e-mails"
        loading="Loading e-mails…"
        isEmpty={(d) => d.messages.length === 0}
        empty={
          <p className="muted" data-testid="no-emails">
            No automated e-mails yet. Sequence and workflow e-mails appear here once sent, skipped or failed.
          </p>
        }
      >
        {() => (
          <div className="seq-table-wrap">
            <DataTable rows={rows} columns={EMAIL_COLUMNS} rowKey={(m) => m.id} label="Recent e-mails" rowProps={() => ({ 'data-testid': 'email-row' })} />
          </div>
        )}
      </QueryView>
    </Card>
  );
}

const EmailRule = salesOps['email.suppressions.add'].input.shape.email;
type Reason = (typeof SUPPRESSION_REASONS)[number];

export function Suppressions() {
  const list = useApi('email.suppressions.list', { limit: 500 });
  const [email, setEmail] = useState('');
  const [reason, setReason] = useState<Reason>('manual');
  const [done, setDone] = useState<string | null>(null);
  const ids = useId();
  const typed = email.trim();
  const check = typed ? EmailRule.safeParse(typed) : null;
  const problem = check && !check.success ? (check.error.issues[0]?.message ?? 'give an e-mail address') : null;
  const add = useAction(async () => {
    const r = await call('email.suppressions.add', { email: typed, reason });
    setEmail('');
    setDone(`${r.email} is suppressed.`);
    list.reload();
  });
  const remove = useAction(async (address: string) => {
    await call('email.suppressions.remove', { email: address });
    setDone(`${address} was removed from the list.`);
    list.reload();
  });
  const rows = list.data?.suppressions ?? [];
  return (
    <Card title={`Suppression list${list.data ? ` (${rows.length})` : ''}`} id="seq-suppressions">
      <p className="hint seq-card-hint">Nothing is sent to these addresses, by sequences or workflows. Unsubscribes, bounces and complaints land here by themselves.</p>
      <form
        className="seq-suppress-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!typed || problem) return;
          setDone(null);
          void add.run();
        }}
      >
        <div className="seq-field seq-grow">
          <label htmlFor={`${ids}-email`}>E-mail address to suppress</label>
          <input
            id={`${ids}-email`}
            type="email"
            value={email}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={problem ? true : undefined}
            aria-describedby={`${ids}-email-help`}
            onChange={(e) => {
              setEmail(e.target.value);
              add.clearError();
            }}
          />
          <p id={`${ids}-email-help`} className={problem ? 'field-error' : 'hint'} aria-live="polite" data-testid="suppress-email-help">
            {problem ? `email: ${problem}` : 'e.g. someone@example.com'}
          </p>
        </div>
        <div className="seq-field">
          <label htmlFor={`${ids}-reason`}>Reason</label>
          <select id={`${ids}-reason`} value={reason} onChange={(e) => setReason(e.target.value as Reason)}>
            {SUPPRESSION_REASONS.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="btn btn-primary seq-suppress-btn" disabled={!typed || !!problem || add.pending}>
          Suppress
        </button>
      </form>
      {add.error ? <ErrorPanel what="Could not suppress the address" error={add.error} /> : null}
      {remove.error ? <ErrorPanel what="Could not remove the address" error={remove.error} /> : null}
      {done ? (
        <p className="success" role="status">
          {done}
        </p>
      ) : null}
      <QueryView
        q={list}
        what="Could not load the suppression list"
        loading="Loading the suppression list…"
        isEmpty={(d) => d.suppressions.length === 0}
        empty={
          <p className="muted" data-testid="no-suppressions">
            The list is empty: every address may be e-mailed.
          </p>
        }
      >
        {() => (
          <div className="seq-table-wrap">
            <DataTable
              rows={rows}
              label="Suppressed addresses"
              rowKey={(x) => x.email}
              rowProps={(x) => ({ 'data-testid': 'suppression-row', 'data-email': x.email })}
              columns={[
                { key: 'email', header: 'Address', primary: true, cell: (x) => x.email },
                { key: 'reason', header: 'Reason', cell: (x) => <span className={`badge ${x.reason === 'manual' ? 'badge-neutral' : 'badge-warn'}`}>{x.reason}</span> },
                { key: 'source', header: 'Source', cell: (x) => x.source ?? <span className="muted">–</span> },
                { key: 'added', header: 'Added', cell: (x) => <time dateTime={x.createdAt}>{formatTime(x.createdAt)}</time> },
                {
                  key: 'actions',
                  header: <span className="sr-only">Actions</span>,
                  label: 'Actions',
                  className: 'seq-actions-cell',
                  cell: (x) => (
                    <button type="button" className="btn" disabled={remove.pending} onClick={() => void remove.run(x.email)} aria-label={`Remove ${x.email}`}>
                      Remove
                    </button>
                  ),
                },
              ]}
            />
          </div>
        )}
      </QueryView>
    </Card>
  );
}
