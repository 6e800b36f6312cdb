/**
 * E-mail sequences: the list, one sequence's definition (form or JSON) and its enrollments,
 * recent automated e-mails and the suppression list. The open sequence lives in the address
 * (#/sequences?id=welcome; #/sequences?new=1 for a new one). docs/sequences.md, docs/email.md.
 */
import { useState } from 'react';
import type { SequenceDef } from '../../../../shared/api';
import { call } from '../../api/client';
import { useAction, useApi } from '../../api/hooks';
import { useQuery } from '../../data/query';
import { hashWith } from '../../api/nav';
import { useHashQuery } from '../../components/hashQuery';
import { Card, EmptyState, ErrorPanel, Loading, PageHeader } from '../../components/ui';
import { SequenceEditor } from './Editor';
import { Enrollments } from './Enrollments';
import { RecentEmails, Suppressions } from './Mail';
import './sequences.css';

type Summary = { id: string; name: string; enabled: boolean; steps: number; active: number; completed: number; exited: number };

export function Sequences() {
  const [query, setQuery] = useHashQuery('sequences');
  // From the query cache: enrollment changes invalidate it (data/invalidation.ts).
  const list = useQuery('sequences.list', {});
  const creating = query.new === '1';
  const selected = creating ? undefined : query.id;
  const rows = list.data?.sequences ?? [];

  return (
    <>
      <PageHeader
        title="Sequences"
        intro="Multi-step e-mails with waits and tasks, sent inside a window and under a daily cap, until the contact replies, books, or reaches the goal."
        actions={
          <button type="button" className="btn btn-primary" aria-pressed={creating} onClick={() => setQuery({ new: '1' })}>
            New sequence
          </button>
        }
      />
      {list.error && !list.data ? (
        <ErrorPanel what="Could not load the sequences" error={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Loading label="Loading sequences…" />
      ) : (
        <>
          {list.error ? <ErrorPanel what="Could not refresh the sequences" error={list.error} onRetry={list.reload} /> : null}
          {rows.length === 0 && !creating ? (
            <EmptyState title="No sequences yet" icon="✉">
              <p>
                A sequence sends e-mails step by step (with waits and tasks for you) to the contacts you enroll.{' '}
                <a
                  href={hashWith('sequences', { new: '1' })}
                  onClick={(e) => {
                    e.preventDefault();
                    setQuery({ new: '1' });
                  }}
                >
                  Create the first one
                </a>
                .
              </p>
            </EmptyState>
          ) : rows.length ? (
            <Card title={`Sequences (${rows.length})`} id="seq-list">
              <div className="seq-table-wrap">
                <table className="table" aria-label="Sequences">
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col" className="num">
                        Steps
                      </th>
                      <th scope="col">Window</th>
                      <th scope="col" className="num">
                        Daily cap
                      </th>
                      <th scope="col" className="num">
                        Active
                      </th>
                      <th scope="col" className="num">
                        Done / exited
                      </th>
                      <th scope="col">Status</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((s) => (
                      <SequenceRow key={s.id} s={s} selected={s.id === selected} onOpen={() => setQuery({ id: s.id })} />
                    ))}
                  </tbody>
                </table>
              </div>
            </Card>
          ) : null}
          {creating ? (
            <Card title="New sequence" id="seq-detail">
              <SequenceEditor
                initial={null}
                takenIds={rows.map((r) => r.id)}
                onSaved={(def) => {
                  list.reload();
                  setQuery({ id: def.id });
                }}
                onCancel={() => setQuery({})}
              />
            </Card>
          ) : selected ? (
            <SequenceDetail
              key={selected}
              id={selected}
              summary={rows.find((r) => r.id === selected)}
              onChanged={list.reload}
              onClose={() => setQuery({})}
            />
          ) : rows.length ? (
            <p className="muted seq-pick-hint">Select a sequence to edit its steps and see who is enrolled.</p>
          ) : null}
        </>
      )}
      <RecentEmails />
      <Suppressions />
    </>
  );
}

/** One row; the window and cap come from the definition (sequences.list has counts only). */
function SequenceRow({ s, selected, onOpen }: { s: Summary; selected: boolean; onOpen: () => void }) {
  const def = useApi('sequences.get', { id: s.id });
  const d = def.data?.definition;
  return (
    <tr className={selected ? 'seq-row-selected' : undefined} data-testid="sequence-row" data-id={s.id}>
      <td>
        <a
          href={hashWith('sequences', { id: s.id })}
          aria-current={selected ? 'true' : undefined}
          onClick={(e) => {
            if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
            e.preventDefault();
            onOpen();
          }}
        >
          {s.name}
        </a>{' '}
        <code className="seq-id">{s.id}</code>
      </td>
      <td className="num">{s.steps}</td>
      <td>{d ? `${d.window.start}–${d.window.end}${d.window.weekdaysOnly ? ', weekdays' : ''}${d.window.timeZone ? ` (${d.window.timeZone})` : ''}` : def.error ? '?' : '…'}</td>
      <td className="num">{d ? d.dailyCap : def.error ? '?' : '…'}</td>
      <td className="num">{s.active}</td>
      <td className="num">
        {s.completed} / {s.exited}
      </td>
      <td>{s.enabled ? <span className="badge badge-ok">enabled</span> : <span className="badge badge-warn">paused</span>}</td>
    </tr>
  );
}

function SequenceDetail({ id, summary, onChanged, onClose }: { id: string; summary: Summary | undefined; onChanged: () => void; onClose: () => void }) {
  const got = useApi('sequences.get', { id });
  const [confirming, setConfirming] = useState(false);
  const [def, setDef] = useState<SequenceDef | null>(null);
  const del = useAction(async () => {
    await call('sequences.delete', { id });
    onChanged();
    onClose();
  });
  const current = def ?? got.data?.definition ?? null;
  if (got.error && !got.data)
    return (
      <Card title={`Sequence ${id}`} id="seq-detail">
        <ErrorPanel what={got.error.code === 'not_found' ? `There is no sequence “${id}”` : 'Could not load the sequence'} error={got.error} onRetry={got.reload} />
      </Card>
    );
  if (!current) return <Loading label="Loading the sequence…" />;
  return (
    <>
      <Card
        title={current.name}
        id="seq-detail"
        actions={
          <button type="button" className="btn btn-quiet" onClick={onClose}>
            Close
          </button>
        }
      >
        {confirming ? (
          <div className="notice seq-confirm" role="alertdialog" aria-label="Delete sequence" data-testid="seq-confirm-delete">
            <p>
              Delete “{current.name}” and its {(summary?.active ?? 0) + (summary?.completed ?? 0) + (summary?.exited ?? 0)} enrollment(s)? Active contacts stop receiving its e-mails. This cannot be undone.
            </p>
            <div className="row-actions">
              <button type="button" className="btn btn-danger" disabled={del.pending} onClick={() => void del.run()}>
                Delete
              </button>
              <button type="button" className="btn" autoFocus onClick={() => setConfirming(false)}>
                Keep it
              </button>
            </div>
            {del.error ? <ErrorPanel what="Could not delete the sequence" error={del.error} onRetry={() => void del.run()} /> : null}
          </div>
        ) : null}
        <SequenceEditor
          initial={current}
          onSaved={(d) => {
            setDef(d);
            onChanged();
          }}
          onDelete={() => setConfirming(true)}
        />
      </Card>
      <Enrollments def={current} />
    </>
  );
}
