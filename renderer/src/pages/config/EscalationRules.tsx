/** Settings card: the escalation rules (list, enable/disable, conditions, severity, add, delete, restore the defaults), saved whole. */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { RULE_WHEN, type ApiError } from '../../../../shared/api';
import { call } from '../../api/client';
import { useApi } from '../../api/hooks';
import { Card, ErrorPanel, Loading } from '../../components/ui';
import { checkRules, describeRule, messageAt, needsThreshold, newRule, ruleDrafts, slugify, WHEN_LABELS, type RuleDraft, type RuleWhen } from './model';
import './config.css';

const SEVERITIES = ['info', 'warning', 'critical'] as const;
/** What the core honours: a task for requests and events; exiting sequences on events (a complaint always exits). */
const TASK_WHEN: RuleWhen[] = ['demo_request', 'pricing_request', 'event'];
const EXIT_WHEN: RuleWhen[] = ['event', 'complaint'];
/** Short names for the condition menu (the row's summary says it in full). */
const WHEN_SHORT: Record<RuleWhen, string> = {
  score_above: 'Score above',
  demo_request: 'Demo request',
  pricing_request: 'Pricing request',
  complaint: 'Spam complaint',
  enterprise_company: 'Company size',
  stale_deal: 'Stale deal',
  event: 'Event',
};

export function EscalationRulesCard() {
  const q = useApi('escalationRules.get', {});
  const [drafts, setDrafts] = useState<RuleDraft[] | null>(null);
  const [dirty, setDirty] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [pending, setPending] = useState(false);
  const focusKey = useRef<string | null>(null);
  const id = useId();

  useEffect(() => {
    if (q.data && !dirty) setDrafts(ruleDrafts(q.data.rules));
  }, [q.data, dirty]);
  useEffect(() => {
    if (!focusKey.current) return;
    document.querySelector<HTMLElement>(`[data-focus-key="${focusKey.current}"]`)?.focus();
    focusKey.current = null;
  });

  const body = () => {
    if (q.error && !q.data) return <ErrorPanel what="Could not load the escalation rules" error={q.error} onRetry={q.reload} />;
    if (!drafts) return <Loading label="Loading the escalation rules…" />;
    const checked = checkRules(drafts);
    const issues = checked.ok || !dirty ? [] : checked.issues;
    const edit = (next: RuleDraft[], message: string | null = null) => {
      setDrafts(next);
      setDirty(true);
      setNote(message);
      setFailure(null);
    };
    const set = (i: number, patch: Partial<RuleDraft>) => edit(drafts.map((r, j) => (j === i ? { ...r, ...patch } : r)));

    async function save(e: FormEvent) {
      e.preventDefault();
      if (!checked.ok) return;
      setPending(true);
      setFailure(null);
      try {
        const out = await call('escalationRules.set', { rules: checked.value });
        q.setData(() => out);
        setDrafts(ruleDrafts(out.rules));
        setDirty(false);
        setNote('Saved.');
      } catch (err) {
        setFailure(err as ApiError);
      } finally {
        setPending(false);
      }
    }

    async function restoreDefaults() {
      setFailure(null);
      try {
        const d = await call('escalationRules.defaults', {});
        edit(ruleDrafts(d.rules), 'The default rules are loaded: Save rules to apply them, or Discard changes.');
      } catch (err) {
        setFailure(err as ApiError);
      }
    }

    return (
      <form onSubmit={save} noValidate data-testid="escalation-rules" aria-describedby={`${id}-intro`}>
        <p id={`${id}-intro`} className="muted">
          When one of these happens to a contact or a deal, Baton raises an escalation: on the dashboard, as a desktop notification by your notification settings, with a task if you ask. A rule fires once per contact (or deal stage).
        </p>
        {drafts.length === 0 ? (
          <p className="muted" data-testid="no-rules">
            No rules: nothing escalates. Add a rule or restore the defaults.
          </p>
        ) : (
          <div className="cfg-table-wrap">
            <table className="table cfg-table" aria-label="Escalation rules">
              <thead>
                <tr>
                  <th scope="col">On</th>
                  <th scope="col">Title</th>
                  <th scope="col">When</th>
                  <th scope="col">Threshold / event</th>
                  <th scope="col">Severity</th>
                  <th scope="col">Also</th>
                  <th scope="col">
                    <span className="visually-hidden">Delete</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {drafts.map((r, i) => {
                  const name = r.title.trim() || r.id;
                  const err = (f: string) => messageAt(issues, `rules.${i}.${f}`);
                  const valuePath = needsThreshold(r.when) ? 'threshold' : 'event';
                  return (
                    <tr key={r.key} data-testid="rule-row" data-rule={r.id} className={r.enabled ? undefined : 'cfg-off'}>
                      <td>
                        <input type="checkbox" aria-label={`Enabled: ${name}`} checked={r.enabled} data-focus-key={`${r.key}-on`} onChange={(e) => set(i, { enabled: e.target.checked })} />
                      </td>
                      <td>
                        <input
                          className="cfg-title"
                          aria-label={`Title of rule ${i + 1}`}
                          value={r.title}
                          data-focus-key={`${r.key}-title`}
                          onChange={(e) => set(i, r.isNew ? { title: e.target.value, id: uniqueId(slugify(e.target.value) || r.id, drafts, i) } : { title: e.target.value })}
                          aria-invalid={err('title') || err('id') ? true : undefined}
                        />
                        <span className="muted cfg-sub">{describeRule(r)}</span>
                      </td>
                      <td>
                        <select className="cfg-when" aria-label={`Condition of ${name}`} title={WHEN_LABELS[r.when]} value={r.when} onChange={(e) => set(i, { when: e.target.value as RuleWhen })}>
                          {RULE_WHEN.map((w) => (
                            <option key={w} value={w} title={WHEN_LABELS[w]}>
                              {WHEN_SHORT[w]}
                            </option>
                          ))}
                        </select>
                      </td>
                      <td>
                        {needsThreshold(r.when) ? (
                          <input
                            aria-label={r.when === 'score_above' ? `Score threshold of ${name}` : `Minimum employees of ${name}`}
                            inputMode="decimal"
                            value={r.threshold}
                            onChange={(e) => set(i, { threshold: e.target.value })}
                            aria-invalid={err('threshold') ? true : undefined}
                          />
                        ) : r.when === 'event' ? (
                          <input aria-label={`Event type of ${name}`} value={r.event} spellCheck={false} placeholder="e.g. purchase" onChange={(e) => set(i, { event: e.target.value })} aria-invalid={err('event') ? true : undefined} />
                        ) : (
                          <span className="muted">—</span>
                        )}
                        {err(valuePath) ? <span className="field-error cfg-sub">{err(valuePath)}</span> : null}
                      </td>
                      <td>
                        <select aria-label={`Severity of ${name}`} value={r.severity} onChange={(e) => set(i, { severity: e.target.value as RuleDraft['severity'] })}>
                          {SEVERITIES.map((s) => (
                            <option key={s} value={s}>
                              {s}
                            </option>
                          ))}
                        </select>
                      </td>
                      <td>
                        <label className="cfg-inline-check">
                          <input type="checkbox" checked={r.task} disabled={!TASK_WHEN.includes(r.when)} onChange={(e) => set(i, { task: e.target.checked })} /> Task<span className="visually-hidden"> for {name}</span>
                        </label>
                        <label className="cfg-inline-check">
                          <input type="checkbox" checked={r.exitSequences} disabled={!EXIT_WHEN.includes(r.when)} onChange={(e) => set(i, { exitSequences: e.target.checked })} /> Exit sequences<span className="visually-hidden"> for {name}</span>
                        </label>
                      </td>
                      <td className="cfg-actions-cell">
                        <button
                          type="button"
                          className="btn btn-quiet"
                          onClick={() => {
                            const next = drafts.filter((_, j) => j !== i);
                            const n = next[Math.min(i, next.length - 1)];
                            focusKey.current = n ? `${n.key}-on` : 'add-rule';
                            edit(next, `“${name}” removed: Save rules to apply, or Discard changes.`);
                          }}
                        >
                          Delete<span className="visually-hidden"> {name}</span>
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        {issues.length ? (
          <ul className="field-error cfg-issues" data-testid="rule-problems" aria-live="polite">
            {issues.map((x) => (
              <li key={x.path + x.message}>
                {x.path}: {x.message}
              </li>
            ))}
          </ul>
        ) : null}
        <div className="form-actions">
          <button
            type="button"
            className="btn"
            data-focus-key="add-rule"
            disabled={drafts.length >= 100}
            onClick={() => {
              const r = newRule(drafts);
              focusKey.current = `${r.key}-title`;
              edit([...drafts, r]);
            }}
          >
            Add a rule
          </button>
          <button type="button" className="btn" onClick={() => void restoreDefaults()}>
            Restore defaults
          </button>
          <button type="submit" className="btn btn-primary" disabled={pending || !dirty || !checked.ok}>
            {pending ? 'Saving…' : 'Save rules'}
          </button>
          {dirty ? (
            <button
              type="button"
              className="btn"
              onClick={() => {
                setDirty(false);
                setNote(null);
                setFailure(null);
                setDrafts(q.data ? ruleDrafts(q.data.rules) : null);
              }}
            >
              Discard changes
            </button>
          ) : null}
          {note ? (
            <span className={note === 'Saved.' ? 'success' : 'muted'} role="status">
              {note}
            </span>
          ) : dirty ? (
            <span className="muted">{checked.ok ? 'Unsaved changes.' : 'Fix the problems listed above to save.'}</span>
          ) : null}
        </div>
        {failure ? <ErrorPanel what="The escalation rules were not saved" error={failure} /> : null}
      </form>
    );
  };

  return (
    <Card title="Escalation rules" id="settings-escalations">
      {body()}
    </Card>
  );
}

/** `base`, or base-2, base-3 … when another rule has it. */
function uniqueId(base: string, rules: RuleDraft[], self: number): string {
  let id = base;
  for (let n = 2; rules.some((r, j) => j !== self && r.id === id); n++) id = `${base.slice(0, 60)}-${n}`;
  return id;
}
