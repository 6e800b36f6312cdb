/**
 * A playbook run (`#/playbooks?run=ID`): the phase map (sequential / parallel, each phase's state),
 * per phase its steps (role, status, attempts, estimated vs actual time, cost, outputs linked to
 * their history in Documents) and its gate (checklist results with the evidence, a link to the
 * approval in the inbox while it waits), each role's status file (task, status, outputs, blockers,
 * next), conflicts with the Coordinator's decisions, and the decision criteria of the modes.
 * Live: the query cache refetches on the playbooks.* and workspace.* events.
 */
import { useState } from 'react';
import type { PlaybookConflict, PlaybookRoleStatus, PlaybookRunPhase, PlaybookRunStep } from '../../../../shared/api';
import { call } from '../../api/client';
import { toApiError } from '../../api/errors';
import { hashWith } from '../../api/nav';
import { DataTable, type Column } from '../../components/DataTable';
import { Card, ErrorPanel, PageHeader, QueryView, formatTime } from '../../components/ui';
import { invalidate, useQuery } from '../../data/query';
import { ApplyOutputs } from './Apply';
import { Badge, PHASE_STATUS, PathText, RunBadge, minutes, usd } from './format';

const STEP_TONE: Record<PlaybookRunStep['status'], string> = { pending: 'idle', skipped: 'idle', running: 'neutral', done: 'ok', failed: 'danger' };
const STEP_LABEL: Record<PlaybookRunStep['status'], string> = { pending: 'Waiting', skipped: 'Not in this mode', running: 'Working', done: 'Done', failed: 'Failed' };
const ROLE_TONE: Record<PlaybookRoleStatus['status'], string> = { idle: 'idle', working: 'neutral', complete: 'ok', blocked: 'danger', waiting: 'warn' };
const GATE_LABEL = { pending: 'Not yet', reviewing: 'Reviewing', passed: 'Passed', waiting_approval: 'Waiting for your approval', approved: 'Approved by you', rejected: 'Rejected' } as const;

export function docHref(path: string): string {
  return hashWith('documents', { path, view: 'history' });
}

export function RunView({ id, onBack }: { id: string; onBack: () => void }) {
  const run = useQuery('playbooks.run', { id });
  const [cancelError, setCancelError] = useState<ReturnType<typeof toApiError> | null>(null);
  const d = run.data;
  const live = d && (d.status === 'running' || d.status === 'waiting');
  return (
    <>
      <PageHeader
        title={d ? `${d.playbookName}: ${d.modeName}` : 'Playbook run'}
        intro={d ? `Started ${formatTime(d.startedAt)}${d.scenario ? ` · scenario ${d.scenario}` : ''}${d.role ? ` · role ${d.role}` : ''}` : undefined}
        actions={
          <>
            {live ? (
              <button
                type="button"
                className="btn btn-danger"
                onClick={() => {
                  if (!window.confirm('Cancel this run? Phases already merged stay merged.')) return;
                  call('playbooks.cancel', { id })
                    .then(() => invalidate('playbooks.run', 'playbooks.runs'))
                    .catch((e: unknown) => setCancelError(toApiError(e)));
                }}
              >
                Cancel run
              </button>
            ) : null}
            <button type="button" className="btn" onClick={onBack}>
              All playbooks
            </button>
          </>
        }
      />
      {cancelError ? <ErrorPanel what="Could not cancel the run" error={cancelError} /> : null}
      <QueryView q={run} what="Could not load the run" loading="Loading the run…">
        {(r) => (
          <div className="stack pb-run" data-testid="pb-run" data-status={r.status}>
            <section className="card" aria-label="Summary">
              <dl className="facts facts-inline">
                <div>
                  <dt>Status</dt>
                  <dd>
                    <RunBadge status={r.status} />
                    {r.waitingFor ? (
                      <div className="hint" data-testid="waiting-for">
                        {r.waitingFor}
                      </div>
                    ) : null}
                    {r.error ? <div className="field-error">{r.error}</div> : null}
                  </dd>
                </div>
                <div>
                  <dt>Time (estimated / actual)</dt>
                  <dd>
                    {minutes(r.estimatedMinutes)} / {minutes(r.actualMinutes)}
                  </dd>
                </div>
                <div>
                  <dt>Cost</dt>
                  <dd data-testid="run-cost">{usd(r.costUsd)}</dd>
                </div>
                <div>
                  <dt>Engine run</dt>
                  <dd>{r.workflowRunId ? <a href={hashWith('runs', { run: r.workflowRunId })}>Open in Runs</a> : '—'}</dd>
                </div>
              </dl>
            </section>

            <Card title="Phase map" id="pb-map">
              <ol className="pb-phase-map" aria-label="Phase map">
                {r.phases.map((p) => {
                  const s = PHASE_STATUS[p.status];
                  return (
                    <li key={p.id} className={`pb-phase-chip pb-chip-${s.tone}`} data-testid="phase-chip" data-phase={p.id} data-status={p.status} aria-current={r.currentPhase === p.id ? 'step' : undefined}>
                      <a href={`#pb-phase-${p.id}`} onClick={(e) => {
                        e.preventDefault();
                        document.getElementById(`pb-phase-${p.id}`)?.scrollIntoView({ block: 'start' });
                      }}>
                        <strong>{p.name}</strong>
                      </a>
                      <span className="hint">{p.execution === 'parallel' ? `${p.steps.length} steps in parallel` : `${p.steps.length} steps in order`}</span>
                      <Badge tone={s.tone}>{s.label}</Badge>
                    </li>
                  );
                })}
              </ol>
            </Card>

            {r.phases.map((p) => (
              <PhaseCard key={p.id} phase={p} />
            ))}

            {r.phases.some((p) => p.status === 'merged') ? <ApplyOutputs runId={r.id} /> : null}

            <Card title="Team status" id="pb-roles">
              <RoleTable roles={r.roles} />
            </Card>

            <Card title={`Conflicts and decisions (${r.conflicts.length})`} id="pb-conflicts">
              {r.conflicts.length === 0 ? <p className="muted">No conflict: no role disagreed with another one.</p> : <ConflictList conflicts={r.conflicts} />}
              {r.decisions.filter((x) => !r.conflicts.some((c) => c.id === x.conflictId)).map((x) => (
                <p key={x.conflictId + x.path}>
                  Decision: {x.choice} (<a href={docHref(x.path)}>{x.path}</a>)
                </p>
              ))}
            </Card>

            {Object.keys(r.config).length || r.task ? (
              <Card title="Inputs of this run" id="pb-config">
                <dl className="facts">
                  {r.task ? (
                    <div>
                      <dt>Task</dt>
                      <dd>{r.task}</dd>
                    </div>
                  ) : null}
                  {Object.entries(r.config).map(([k, v]) => (
                    <div key={k}>
                      <dt>{k}</dt>
                      <dd className="pb-pre">{v}</dd>
                    </div>
                  ))}
                </dl>
              </Card>
            ) : null}

            {r.decisionCriteria.length ? (
              <Card title="Which mode next time?" id="pb-criteria">
                <ul className="pb-criteria-list">
                  {r.decisionCriteria.map((c) => (
                    <li key={c.mode} aria-current={c.mode === r.mode ? 'true' : undefined}>
                      <strong>{c.mode}</strong>
                      {c.mode === r.mode ? ' (this run)' : ''}: {c.when.join('; ')}.
                    </li>
                  ))}
                </ul>
              </Card>
            ) : null}
          </div>
        )}
      </QueryView>
    </>
  );
}

function PhaseCard({ phase: p }: { phase: PlaybookRunPhase }) {
  const columns: Column<PlaybookRunStep>[] = [
    {
      key: 'step',
      header: 'Step',
      primary: true,
      cell: (s) => (
        <>
          {s.title}
          {s.error ? <div className="field-error">{s.error}</div> : null}
        </>
      ),
    },
    { key: 'role', header: 'Role', cell: (s) => s.roleName },
    {
      key: 'status',
      header: 'Status',
      cell: (s) => (
        <>
          <Badge tone={STEP_TONE[s.status]}>{STEP_LABEL[s.status]}</Badge>
          {s.attempts > 1 ? <span className="hint"> {s.attempts} attempts</span> : null}
        </>
      ),
    },
    { key: 'time', header: 'Time (est. / actual)', cell: (s) => `${minutes(s.estimatedMinutes)} / ${minutes(s.actualMinutes)}` },
    { key: 'cost', header: 'Cost', cell: (s) => usd(s.costUsd) },
    {
      key: 'outputs',
      header: 'Outputs',
      cell: (s) => (
        <ul className="pb-files">
          {s.outputs.map((o) => (
            <li key={o.path}>
              {s.status === 'done' || o.bytes !== null ? (
                <a href={docHref(o.path)} data-testid="output-link">
                  <PathText path={o.path} />
                </a>
              ) : (
                <span className="muted">{o.path}</span>
              )}
            </li>
          ))}
        </ul>
      ),
    },
  ];
  const s = PHASE_STATUS[p.status];
  return (
    <section className="card pb-phase" id={`pb-phase-${p.id}`} aria-labelledby={`pb-phase-${p.id}-title`} data-testid="phase" data-phase={p.id}>
      <div className="card-head">
        <h2 id={`pb-phase-${p.id}-title`}>{p.name}</h2>
        <Badge tone={s.tone}>{s.label}</Badge>
      </div>
      <p className="hint">
        {p.execution === 'parallel' ? 'Parallel' : 'Sequential'} · estimated {minutes(p.estimatedMinutes)}, actual {minutes(p.actualMinutes)} · {usd(p.costUsd)}
        {p.branch ? ` · branch ${p.branch}` : ''}
        {p.mergeCommit ? ` · merged as ${p.mergeCommit.slice(0, 7)}` : ''}
      </p>
      <DataTable label={`Steps of ${p.name}`} rows={p.steps} columns={columns} rowKey={(x) => x.id} rowProps={(x) => ({ 'data-testid': 'step-row', 'data-step': x.id, 'data-status': x.status })} />
      {p.gate ? <Gate phase={p} /> : null}
    </section>
  );
}

function Gate({ phase: p }: { phase: PlaybookRunPhase }) {
  const g = p.gate!;
  return (
    <div className="pb-gate" data-testid="gate" data-status={g.status}>
      <h3>
        Quality gate: {GATE_LABEL[g.status]}
        {g.confidence !== null ? (
          <span className="hint">
            {' '}
            · lowest confidence {Math.round(g.confidence * 100)}% (threshold {Math.round(g.threshold * 100)}%)
          </span>
        ) : null}
      </h3>
      {g.status === 'waiting_approval' && g.approvalId ? (
        <p className="notice">
          The gate needs you: <a href={hashWith('approvals', { id: g.approvalId })} data-testid="gate-approval-link">review the checklist and the changes in the inbox</a>. Approving merges the phase into your workspace.
        </p>
      ) : null}
      <ul className="pb-checklist" aria-label={`Checklist of ${p.name}`}>
        {g.items.map((i) => (
          <li key={i.id} data-testid="gate-item" data-result={i.result ?? 'pending'}>
            <span className={`pb-mark pb-mark-${i.result ?? 'none'}`} aria-hidden="true">
              {i.result === 'pass' ? '✓' : i.result === 'fail' ? '✗' : '·'}
            </span>
            <div>
              <div>
                <span className="sr-only">{i.result === 'pass' ? 'Passed: ' : i.result === 'fail' ? 'Failed: ' : 'Not reviewed: '}</span>
                {i.check}
              </div>
              <div className="hint">
                {i.role}
                {i.confidence !== null ? ` · confidence ${Math.round(i.confidence * 100)}%` : ''}
                {i.attempts > 1 ? ` · reviewed ${i.attempts} times` : ''}
                {i.files.length ? ' · ' : ''}
                {i.files.map((f, k) => (
                  <span key={f}>
                    {k ? ', ' : ''}
                    <a href={docHref(f)}>{f}</a>
                  </span>
                ))}
              </div>
              {i.evidence ? <blockquote className="pb-evidence">{i.evidence}</blockquote> : null}
              {i.result === 'fail' ? (
                <p className="pb-notes" data-testid="gate-item-reason">
                  <strong>{g.status === 'passed' || g.status === 'approved' ? 'Failed' : 'Blocks the merge'}:</strong> {i.notes || 'the reviewer found it not met.'}
                </p>
              ) : i.notes ? (
                <p className="pb-notes">Reviewer: {i.notes}</p>
              ) : null}
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}

function RoleTable({ roles }: { roles: PlaybookRoleStatus[] }) {
  const columns: Column<PlaybookRoleStatus>[] = [
    { key: 'role', header: 'Role', primary: true, cell: (r) => <a href={docHref(r.path)}>{r.name}</a> },
    { key: 'status', header: 'Status', cell: (r) => <Badge tone={ROLE_TONE[r.status]}>{r.status}</Badge> },
    { key: 'task', header: 'Task', cell: (r) => r.task ?? <span className="muted">—</span> },
    { key: 'outputs', header: 'Outputs', cell: (r) => (r.outputs.length ? <ul className="pb-files">{r.outputs.map((o) => <li key={o}>{o}</li>)}</ul> : <span className="muted">none yet</span>) },
    { key: 'blockers', header: 'Blockers', cell: (r) => (r.blockers.length ? r.blockers.join('; ') : <span className="muted">none</span>) },
    { key: 'next', header: 'Next', cell: (r) => r.next ?? <span className="muted">—</span> },
  ];
  return <DataTable label="Team status" rows={roles} columns={columns} rowKey={(r) => r.role} rowProps={(r) => ({ 'data-testid': 'role-row', 'data-role': r.role, 'data-status': r.status })} />;
}

function ConflictList({ conflicts }: { conflicts: PlaybookConflict[] }) {
  return (
    <ul className="pb-conflicts">
      {conflicts.map((c) => (
        <li key={c.id} data-testid="conflict" data-status={c.status}>
          <div>
            <strong>{c.topic}</strong> <Badge tone={c.status === 'decided' ? 'ok' : 'warn'}>{c.status === 'decided' ? 'Decided' : 'Open'}</Badge>
            <span className="hint">
              {' '}
              · {c.kind === 'merge' ? 'the workspace could not merge' : `raised by ${c.raisedBy}`} in {c.phaseId}, {formatTime(c.raisedAt)}
            </span>
          </div>
          {c.positions.length ? (
            <ul>
              {c.positions.map((p) => (
                <li key={p.role}>
                  <strong>{p.role}</strong>: {p.position}
                </li>
              ))}
            </ul>
          ) : null}
          {c.files.length ? (
            <p className="hint">
              Files:{' '}
              {c.files.map((f, k) => (
                <span key={f}>
                  {k ? ', ' : ''}
                  <a href={docHref(f)}>{f}</a>
                </span>
              ))}
            </p>
          ) : null}
          {c.decision ? (
            <div className="pb-decision" data-testid="decision">
              <p>
                <strong>{c.decision.decidedBy} decided:</strong> {c.decision.choice}
              </p>
              <p>Why: {c.decision.rationale}</p>
              <p className="hint">
                <a href={docHref(c.decision.path)}>{c.decision.path}</a>
                {c.rerunSteps.length ? ` · re-ran ${c.rerunSteps.join(', ')} with the decision` : ''}
              </p>
            </div>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
