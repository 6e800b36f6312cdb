/**
 * Outputs that act, on the run page (docs/playbooks.md, "Outputs that act"): the lead-scoring
 * criteria as Baton's scoring rules (a diff), the onboarding e-mails as a sequence (a disabled
 * draft), the campaign designs as plan items of the campaign engine. Each is a preview first and
 * an explicit Apply; nothing changes on a preview, and applying the same file twice creates nothing more.
 */
import { useState } from 'react';
import type { ApiError, OpOutput } from '../../../../shared/api';
import { call } from '../../api/client';
import { toApiError } from '../../api/errors';
import { hashWith } from '../../api/nav';
import { Card, ErrorPanel } from '../../components/ui';
import { invalidate } from '../../data/query';
import { usd } from './format';

type Kind = 'scoring' | 'sequence' | 'campaigns';
type Preview = OpOutput<'playbooks.apply.preview'>;
type Applied = OpOutput<'playbooks.apply'>;

const KINDS: { kind: Kind; title: string; what: string; button: string }[] = [
  { kind: 'scoring', title: 'Lead-scoring rules', what: 'The lead-scoring criteria of Demand Generation and the Pipeline Manager, as Baton\'s scoring rules (Claude drafts them; you see the diff).', button: 'Preview the scoring rules' },
  { kind: 'sequence', title: 'Onboarding sequence', what: 'The onboarding e-mails of Customer Success as a Baton sequence, created disabled: you enable it on the Sequences page.', button: 'Preview the onboarding sequence' },
  { kind: 'campaigns', title: 'Campaign plans', what: 'The campaign designs of Demand Generation as planned items of the campaign engine, citing this run and the file.', button: 'Preview the campaign plan' },
];

export function ApplyOutputs({ runId }: { runId: string }) {
  return (
    <Card title="Outputs that act" id="pb-apply">
      <p className="hint">Each output changes Baton only when you apply it, after its preview.</p>
      <div className="pb-apply-list">
        {KINDS.map((k) => (
          <ApplyOne key={k.kind} runId={runId} {...k} />
        ))}
      </div>
    </Card>
  );
}

function ApplyOne({ runId, kind, title, what, button }: { runId: string; kind: Kind; title: string; what: string; button: string }) {
  const [busy, setBusy] = useState<'preview' | 'apply' | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [applied, setApplied] = useState<Applied | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const run = (what: 'preview' | 'apply', fn: () => Promise<void>) => {
    setBusy(what);
    setError(null);
    fn()
      .catch((e: unknown) => setError(toApiError(e)))
      .finally(() => setBusy(null));
  };
  const doPreview = () =>
    run('preview', async () => {
      setApplied(null);
      setPreview(null);
      setPreview(await call('playbooks.apply.preview', kind === 'scoring' ? { kind } : { kind, runId }));
    });
  const doApply = () =>
    run('apply', async () => {
      if (!preview) return;
      const r =
        preview.kind === 'scoring'
          ? await call('playbooks.apply', { kind: 'scoring', proposed: preview.proposed })
          : preview.kind === 'sequence'
            ? await call('playbooks.apply', { kind: 'sequence', source: preview.source, proposed: preview.proposed })
            : await call('playbooks.apply', { kind: 'campaigns', source: preview.source, proposed: preview.proposed });
      setApplied(r);
      invalidate('scoring.rules.get', 'sequences.list', 'plans.list', 'plans.items');
    });
  const already = preview && ((preview.kind === 'sequence' && preview.existing) || (preview.kind === 'campaigns' && preview.existingPlanId !== null));
  return (
    <section className="pb-apply" aria-labelledby={`pb-apply-${kind}`} data-testid="apply" data-kind={kind}>
      <h3 id={`pb-apply-${kind}`}>{title}</h3>
      <p className="hint">{what}</p>
      <div className="form-actions">
        <button type="button" className="btn" onClick={doPreview} disabled={busy !== null}>
          {busy === 'preview' ? 'Previewing…' : button}
        </button>
        {preview && !applied ? (
          <button type="button" className="btn btn-primary" onClick={doApply} disabled={busy !== null || (preview.kind !== 'scoring' && !!already)} data-testid="apply-button">
            {busy === 'apply' ? 'Applying…' : preview.kind === 'scoring' ? 'Apply these rules' : preview.kind === 'sequence' ? 'Create the sequence (disabled)' : 'Add the plan'}
          </button>
        ) : null}
      </div>
      {error ? <ErrorPanel what={`Could not ${busy === 'apply' || preview ? 'apply' : 'preview'} the ${title.toLowerCase()}`} error={error} /> : null}
      {preview ? <PreviewView p={preview} /> : null}
      {applied ? <AppliedView a={applied} /> : null}
    </section>
  );
}

function Source({ s }: { s: { path: string; commit: string; runId: string | null } }) {
  return (
    <p className="hint">
      From <code>{s.path}</code> at <code>{s.commit.slice(0, 7)}</code>
      {s.runId ? ` (merged by run ${s.runId})` : ''}.
    </p>
  );
}

function Issues({ issues }: { issues: { path: string; message: string }[] }) {
  if (!issues.length) return null;
  return (
    <ul className="pb-apply-issues" aria-label="What could not be read">
      {issues.map((i) => (
        <li key={i.path + i.message}>
          <code>{i.path}</code>: {i.message}
        </li>
      ))}
    </ul>
  );
}

function PreviewView({ p }: { p: Preview }) {
  if (p.kind === 'scoring') {
    return (
      <div data-testid="apply-preview">
        <p className="hint">
          From {p.sources.join(', ')} · drafting cost {usd(p.costUsd)}
        </p>
        {p.diff ? (
          <pre className="pb-apply-diff" aria-label="Diff of the scoring rules" tabIndex={0}>
            {p.diff.split('\n').map((line, i) => (
              <span key={i} className={line.startsWith('+') && !line.startsWith('+++') ? 'pb-add' : line.startsWith('-') && !line.startsWith('---') ? 'pb-del' : undefined}>
                {line}
                {'\n'}
              </span>
            ))}
          </pre>
        ) : (
          <p className="muted">The rules would not change.</p>
        )}
      </div>
    );
  }
  if (p.kind === 'sequence') {
    return (
      <div data-testid="apply-preview">
        <Source s={p.source} />
        {p.existing ? (
          <p className="notice">
            This file already made the sequence <a href={hashWith('sequences', { id: p.existing.id })}>{p.existing.name}</a> ({p.existing.enabled ? 'enabled' : 'disabled'}); applying again changes nothing.
          </p>
        ) : null}
        <table className="table">
          <caption className="sr-only">E-mails of the sequence {p.proposed.name}</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Subject</th>
              <th scope="col">Body</th>
            </tr>
          </thead>
          <tbody>
            {p.emails.map((e, i) => (
              <tr key={i} data-testid="apply-email">
                <td>{i === 0 && e.afterDays === 0 ? 'At enrolment' : `${e.afterDays} day${e.afterDays === 1 ? '' : 's'} later`}</td>
                <td>{e.subject}</td>
                <td className="pb-pre">{e.body.length > 400 ? `${e.body.slice(0, 400)}…` : e.body}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <Issues issues={p.issues} />
      </div>
    );
  }
  return (
    <div data-testid="apply-preview">
      <Source s={p.source} />
      {p.existingPlanId !== null ? <p className="notice">This file already made campaign plan {p.existingPlanId}; applying again changes nothing.</p> : null}
      <table className="table">
        <caption className="sr-only">Campaigns of the plan</caption>
        <thead>
          <tr>
            <th scope="col">Campaign</th>
            <th scope="col">Channel</th>
            <th scope="col">Audience</th>
            <th scope="col">Offer</th>
            <th scope="col">Budget</th>
            <th scope="col">Targets</th>
          </tr>
        </thead>
        <tbody>
          {p.proposed.items.map((c) => (
            <tr key={c.name} data-testid="apply-campaign">
              <td>{c.name}</td>
              <td>{c.channel}</td>
              <td>{c.audience}</td>
              <td>{c.offer}</td>
              <td>{c.budget.toLocaleString()}</td>
              <td>{[c.leads !== null ? `${c.leads} leads` : '', c.expectedRoi !== null ? `ROI ${Math.round(c.expectedRoi * 100)}%` : ''].filter(Boolean).join(', ') || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Issues issues={p.issues} />
    </div>
  );
}

function AppliedView({ a }: { a: Applied }) {
  return (
    <p className="notice" role="status" data-testid="apply-result">
      {a.kind === 'scoring' ? (
        <>
          The scoring rules are applied: {a.rescored} contacts re-scored, {a.changed} changed.
        </>
      ) : a.kind === 'sequence' ? (
        <>
          {a.created ? 'Created the sequence ' : 'The sequence was already there: '}
          <a href={hashWith('sequences', { id: a.sequenceId })}>{a.sequenceId}</a>, {a.enabled ? 'enabled' : 'disabled until you enable it'}.
        </>
      ) : (
        <>
          {a.created ? `Added campaign plan ${a.planId} with ${a.items} items` : `Campaign plan ${a.planId} was already there (${a.items} items)`}: <a href={hashWith('growth')}>see it on the Growth page</a>.
        </>
      )}
    </p>
  );
}
