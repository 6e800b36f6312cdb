/**
 * The alert webhooks (docs/monitoring.md): listed with the host of their address only (the address
 * of a Slack or Discord webhook is its token: it is kept in the secret store and never comes back),
 * added with a write-only address, removed. Saved through `settings.set monitoring.webhooks`, which
 * moves the address to the secret store.
 */
import { useId, useState, type FormEvent } from 'react';
import { SETTINGS, WEBHOOK_FORMATS, settingProblem, type AlertWebhookInfo, type ApiError } from '../../../../shared/api';
import { call } from '../../api/client';
import { useApi, useEvent } from '../../api/hooks';
import { ErrorPanel, SaveActions } from '../../components/ui';

type Format = (typeof WEBHOOK_FORMATS)[number];

/** The stored entries as `settings.set` takes them back: their id keeps their address. */
const keep = (w: AlertWebhookInfo) => ({ id: w.id, format: w.format, ...(w.name ? { name: w.name } : {}), ...(w.quietHours ? { quietHours: w.quietHours } : {}) });

export function WebhooksEditor() {
  const q = useApi('monitor.webhooks.list', {});
  useEvent('settings.changed', ({ key }) => key === 'monitoring.webhooks' && q.reload());
  const [draft, setDraft] = useState({ url: '', format: 'slack' as Format, name: '', start: '', end: '' });
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const id = useId();
  const hooks = q.data?.webhooks ?? [];
  const entry = {
    url: draft.url.trim(),
    format: draft.format,
    ...(draft.name.trim() ? { name: draft.name.trim() } : {}),
    ...(draft.start || draft.end ? { quietHours: { start: draft.start, end: draft.end } } : {}),
  };
  const typed = draft.url.trim() !== '';
  const problem = typed ? settingProblem('monitoring.webhooks', [...hooks.map(keep), entry]) : null;

  async function save(list: unknown[], done: string) {
    setFailure(null);
    setSaved(null);
    setPending(true);
    try {
      await call('settings.set', { key: 'monitoring.webhooks', value: list });
      setSaved(done);
      q.reload();
      return true;
    } catch (err) {
      setFailure(err as ApiError);
      return false;
    } finally {
      setPending(false);
    }
  }
  async function add(e: FormEvent) {
    e.preventDefault();
    if (!typed || problem) return;
    if (await save([...hooks.map(keep), entry], 'Webhook added; its address is in the secret store.')) setDraft({ url: '', format: draft.format, name: '', start: '', end: '' });
  }

  return (
    <form onSubmit={add} noValidate className="webhooks" data-setting="monitoring.webhooks" aria-labelledby={`${id}-t`}>
      <h3 id={`${id}-t`}>{SETTINGS['monitoring.webhooks'].label}</h3>
      {q.error && !q.data ? <ErrorPanel what="Could not load the webhooks" error={q.error} onRetry={q.reload} /> : null}
      {hooks.length ? (
        <div className="table-wrap">
          <table className="table" aria-label="Alert webhooks">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Format</th>
                <th scope="col">Address</th>
                <th scope="col">Quiet hours</th>
                <th scope="col">
                  <span className="visually-hidden">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {hooks.map((w) => (
                <tr key={w.id} data-webhook={w.id}>
                  <td>{w.name ?? w.id}</td>
                  <td>{w.format}</td>
                  <td>{w.host ? <span title={`kept in the secret store as ${w.secret}`}>set · {w.host}</span> : <span className="badge badge-warn">not set ({w.secret})</span>}</td>
                  <td>{w.quietHours ? `${w.quietHours.start}–${w.quietHours.end}` : '—'}</td>
                  <td>
                    <button
                      type="button"
                      className="btn btn-quiet"
                      disabled={pending}
                      aria-label={`Remove ${w.name ?? w.id}`}
                      onClick={() => void save(hooks.filter((x) => x.id !== w.id).map(keep), `Removed ${w.name ?? w.id}.`)}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : q.data ? (
        <p className="muted">No webhook yet.</p>
      ) : null}
      <fieldset>
        <legend>Add a webhook</legend>
        <div className="form-row">
          <div className="field">
            <label htmlFor={`${id}-url`}>Webhook address</label>
            <input id={`${id}-url`} type="password" autoComplete="off" spellCheck={false} value={draft.url} onChange={(e) => (setSaved(null), setDraft({ ...draft, url: e.target.value }))} aria-invalid={problem ? true : undefined} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-format`}>Format</label>
            <select id={`${id}-format`} value={draft.format} onChange={(e) => setDraft({ ...draft, format: e.target.value as Format })}>
              {WEBHOOK_FORMATS.map((f) => (
                <option key={f} value={f}>
                  {f}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-name`}>Webhook name</label>
            <input id={`${id}-name`} value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-qs`}>Quiet from</label>
            <input id={`${id}-qs`} type="time" value={draft.start} onChange={(e) => setDraft({ ...draft, start: e.target.value })} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-qe`}>Quiet to</label>
            <input id={`${id}-qe`} type="time" value={draft.end} onChange={(e) => setDraft({ ...draft, end: e.target.value })} />
          </div>
        </div>
        <p className={problem ? 'field-error' : 'hint'} aria-live="polite">
          {problem
            ? `monitoring.webhooks: ${problem}`
            : `Write-only: the address (a Slack or Discord address is its token) is kept in the secret store and never shown again, only its host. ${q.data && !q.data.writable ? 'This secret store is read-only: set BATON_SECRET_MONITORING_WEBHOOK_<ID> where Baton starts.' : ''}`}
        </p>
      </fieldset>
      <SaveActions saved={saved} failure={failure} what="Could not save the webhooks">
        <button type="submit" className="btn btn-primary" disabled={pending || !typed || !!problem}>
          Add webhook
        </button>
      </SaveActions>
    </form>
  );
}
