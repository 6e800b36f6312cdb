/** A sequence's enrollments (status, step, next send, exit reason) with Unenroll, and enrolling contacts found by search. */
import { useEffect, useId, useState } from 'react';
import type { SequenceDef } from '../../../../shared/api';
import { call } from '../../api/client';
import { useAction, useApi, useEvent } from '../../api/hooks';
import { hashWith } from '../../api/nav';
import { Card, ErrorPanel, Loading, QueryView, formatTime } from '../../components/ui';
import { describeStep } from './model';

export function Enrollments({ def }: { def: SequenceDef }) {
  const list = useApi('sequences.enrollments', { sequenceId: def.id, limit: 200 });
  useEvent('sales.enrollment.changed', (p) => {
    if (p.sequenceId === def.id) list.reload();
  });
  const unenroll = useAction(async (contactId: number) => {
    await call('sequences.unenroll', { contactId, sequenceId: def.id, reason: 'manual' });
    list.reload();
  });
  const rows = list.data?.enrollments ?? [];
  return (
    <Card title={`Enrollments (${rows.length})`} id="seq-enrollments">
      <EnrollContacts sequenceId={def.id} onEnrolled={list.reload} />
      {unenroll.error ? <ErrorPanel what="Could not unenroll" error={unenroll.error} /> : null}
      <QueryView
        q={list}
        what="Could not load the enrollments"
        loading="Loading enrollments…"
        isEmpty={(d) => d.enrollments.length === 0}
        empty={
          <p className="muted" data-testid="no-enrollments">
            Nobody is enrolled yet. Search contacts above and enroll them; the first step runs at the next tick inside the send window.
          </p>
        }
      >
        {() => (
          <div className="seq-table-wrap">
            <table className="table" aria-label="Enrollments">
              <thead>
                <tr>
                  <th scope="col">Contact</th>
                  <th scope="col">Status</th>
                  <th scope="col">Step</th>
                  <th scope="col">Next send</th>
                  <th scope="col">Exit reason / last error</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => {
                  const step = def.steps[r.stepIndex];
                  return (
                    <tr key={r.id} data-testid="enrollment-row" data-contact={r.contactId} data-status={r.status}>
                      <td>
                        <ContactName id={r.contactId} />
                      </td>
                      <td>
                        <span className={`badge ${r.status === 'active' ? 'badge-ok' : r.status === 'completed' ? 'badge-neutral' : 'badge-warn'}`}>{r.status}</span>
                      </td>
                      <td title={step ? describeStep(step) : undefined}>
                        {Math.min(r.stepIndex + 1, def.steps.length)} of {def.steps.length}
                        {step ? <span className="muted"> · {step.type}</span> : null}
                      </td>
                      <td>
                        {r.status !== 'active' ? (
                          <span className="muted">–</span>
                        ) : Date.parse(r.nextAt) <= Date.now() ? (
                          <span title={formatTime(r.nextAt)}>due now</span>
                        ) : (
                          <time dateTime={r.nextAt}>{formatTime(r.nextAt)}</time>
                        )}
                      </td>
                      <td>
                        {r.exitReason ? <code>{r.exitReason}</code> : null}
                        {r.lastError ? <span className="seq-error-text">{r.lastError}</span> : null}
                        {!r.exitReason && !r.lastError ? <span className="muted">–</span> : null}
                      </td>
                      <td className="seq-actions-cell">
                        {r.status === 'active' ? (
                          <button type="button" className="btn" disabled={unenroll.pending} onClick={() => void unenroll.run(r.contactId)} aria-label={`Unenroll contact ${r.contactId}`}>
                            Unenroll
                          </button>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </QueryView>
    </Card>
  );
}

const names = new Map<number, string>();

/** The contact's e-mail (looked up once per id), linking to it on the Contacts page. */
function ContactName({ id }: { id: number }) {
  const [name, setName] = useState(names.get(id));
  useEffect(() => {
    if (names.has(id)) return;
    let live = true;
    call('contacts.get', { id, timelineLimit: 1 }).then(
      (r) => {
        names.set(id, r.contact.email);
        if (live) setName(r.contact.email);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [id]);
  return <a href={hashWith('contacts', { id })}>{name ?? `Contact #${id}`}</a>;
}

function EnrollContacts({ sequenceId, onEnrolled }: { sequenceId: string; onEnrolled: () => void }) {
  const [search, setSearch] = useState('');
  const [term, setTerm] = useState('');
  const [picked, setPicked] = useState<Map<number, string>>(new Map());
  const [result, setResult] = useState<{ enrolled: number[]; skipped: { contactId: number; reason: string }[] } | null>(null);
  const searchId = useId();
  useEffect(() => {
    const t = setTimeout(() => setTerm(search.trim()), 250);
    return () => clearTimeout(t);
  }, [search]);
  const found = useApi('contacts.list', { search: term || undefined, limit: 20, offset: 0, deleted: false });
  const enroll = useAction(async () => {
    const r = await call('sequences.enroll', { sequenceId, contactIds: [...picked.keys()] });
    for (const id of r.enrolled) names.delete(id);
    setResult(r);
    setPicked(new Map());
    onEnrolled();
    return r;
  });
  const label = (id: number) => picked.get(id) ?? names.get(id) ?? `Contact #${id}`;
  const [lastNames, setLastNames] = useState<Map<number, string>>(new Map());
  return (
    <div className="seq-enroll" data-testid="enroll">
      <h3 className="seq-subhead">Enroll contacts</h3>
      <label htmlFor={searchId}>Search contacts</label>
      <input id={searchId} type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="E-mail or name" autoComplete="off" />
      {found.error ? <ErrorPanel what="Could not search the contacts" error={found.error} onRetry={found.reload} /> : null}
      {found.data ? (
        found.data.rows.length ? (
          <ul className="seq-pick" aria-label="Matching contacts">
            {found.data.rows.map((c) => {
              const name = [c.firstName, c.lastName].filter(Boolean).join(' ');
              return (
                <li key={c.id}>
                  <label className="seq-check">
                    <input
                      type="checkbox"
                      checked={picked.has(c.id)}
                      onChange={(e) =>
                        setPicked((old) => {
                          const next = new Map(old);
                          if (e.target.checked) next.set(c.id, c.email);
                          else next.delete(c.id);
                          return next;
                        })
                      }
                    />{' '}
                    {c.email}
                    {name ? <span className="muted"> · {name}</span> : null}
                  </label>
                </li>
              );
            })}
          </ul>
        ) : (
          <p className="muted">No contact matches “{term}”.</p>
        )
      ) : (
        <Loading label="Searching…" />
      )}
      <div className="form-actions">
        <button
          type="button"
          className="btn btn-primary"
          disabled={picked.size === 0 || enroll.pending}
          onClick={() => {
            setLastNames(new Map(picked));
            void enroll.run();
          }}
        >
          {picked.size ? `Enroll ${picked.size} selected` : 'Enroll selected'}
        </button>
        {found.data && found.data.total > found.data.rows.length ? <span className="hint">Showing 20 of {found.data.total}; narrow the search.</span> : null}
      </div>
      {enroll.error ? <ErrorPanel what="Could not enroll" error={enroll.error} /> : null}
      {result ? (
        <div className="seq-enroll-result" role="status" data-testid="enroll-result">
          {result.enrolled.length ? (
            <p className="success">
              Enrolled {result.enrolled.length} contact{result.enrolled.length === 1 ? '' : 's'}.
            </p>
          ) : null}
          {result.skipped.length ? (
            <ul className="seq-skipped" aria-label="Not enrolled">
              {result.skipped.map((s) => (
                <li key={s.contactId} data-testid="enroll-skipped">
                  <strong>{lastNames.get(s.contactId) ?? label(s.contactId)}</strong> was not enrolled: {s.reason}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
