/** Settings cards for e-mail, AI, notifications and general preferences. */
import { useId, useState, type FormEvent } from 'react';
import { SETTINGS, settingProblem, type ApiError, type PriceTable } from '../../../../shared/api';
import { call } from '../../api/client';
import { useApi, useEvent } from '../../api/hooks';
import { KeySavedPrompt } from '../../components/AiRelease';
import { Card, ErrorPanel, SaveActions, formatTime } from '../../components/ui';
import { WebhooksEditor } from './MonitoringWebhooks';
import { SecretField, SettingsCard, SettingsForm, useSettings, type FieldSpec } from './SettingsForm';
import { TestConnection } from './TestConnection';
import './settings.css';

function timeZones(): string[] {
  try {
    return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
}

const GENERAL_FIELDS: FieldSpec[] = [
  { key: 'email.timeZone', kind: 'text', list: 'tz-list' },
  { key: 'backup.keep', kind: 'number' },
  { key: 'operator.email', kind: 'text', type: 'email', autoComplete: 'email' },
  { key: 'brand.name', kind: 'text' },
  { key: 'brand.color', kind: 'text' },
  { key: 'brand.accentColor', kind: 'text' },
  { key: 'finance.currency', kind: 'text' },
  { key: 'finance.taxRate', kind: 'number' },
  { key: 'affiliate.linkBase', kind: 'text', type: 'url' },
];

export function GeneralCard() {
  return (
    <SettingsCard title="General" id="settings-general" testId="general-form" fields={GENERAL_FIELDS}>
      <datalist id="tz-list">
        {timeZones().map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
      <p className="hint">This computer's time zone: {Intl.DateTimeFormat().resolvedOptions().timeZone}.</p>
    </SettingsCard>
  );
}

function useSecretNames() {
  const q = useApi('secrets.list', {});
  useEvent('secrets.changed', ({ names }) => q.setData((old) => (old ? { ...old, names } : old)));
  return q;
}

const SMTP: FieldSpec[] = [
  { key: 'email.smtp.host', kind: 'text' },
  { key: 'email.smtp.port', kind: 'number' },
  { key: 'email.smtp.user', kind: 'text', autoComplete: 'username' },
  { key: 'email.from', kind: 'text', type: 'email' },
  { key: 'email.fromName', kind: 'text' },
  { key: 'email.frequencyCap', kind: 'number' },
  { key: 'email.frequencyCapDays', kind: 'number' },
  { key: 'email.frequencyCapAction', kind: 'select' },
  { key: 'email.bookingUrl', kind: 'text', type: 'url' },
  { key: 'email.leadMagnetUrl', kind: 'text', type: 'url' },
  { key: 'email.smtp.secure', kind: 'bool' },
  { key: 'email.smtp.rejectUnauthorized', kind: 'bool' },
];
const IMAP: FieldSpec[] = [
  { key: 'email.imap.host', kind: 'text' },
  { key: 'email.imap.port', kind: 'number' },
  { key: 'email.imap.user', kind: 'text', autoComplete: 'username' },
  { key: 'email.imap.mailbox', kind: 'text' },
  { key: 'email.imap.secure', kind: 'bool' },
  { key: 'email.imap.rejectUnauthorized', kind: 'bool' },
];

const verifySmtp = () => call('email.verify', {});

export function EmailCard() {
  const status = useApi('email.status', {});
  const secrets = useSecretNames();
  useEvent('settings.changed', () => status.reload());
  const names = secrets.data?.names ?? [];
  const writable = secrets.data?.backend.writable ?? false;
  const s = status.data;
  return (
    <Card title="E-mail" id="settings-email">
      <h3>Sending (SMTP)</h3>
      {s?.smtp.lastError ? (
        <div className="notice" role="status" data-testid="smtp-last-error">
          <strong>Last send failed {formatTime(s.smtp.lastError.at)}:</strong> {s.smtp.lastError.message}
          {s.smtp.lastError.hint ? <p>{s.smtp.lastError.hint}</p> : null}
        </div>
      ) : s?.smtp.lastSentAt ? (
        <p className="muted">Last e-mail sent {formatTime(s.smtp.lastSentAt)}.</p>
      ) : null}
      <SettingsForm testId="smtp-form" fields={SMTP} saveLabel="Save SMTP settings" />
      <SecretField name="SMTP_PASSWORD" label="SMTP password" stored={names.includes('SMTP_PASSWORD')} writable={writable} onSaved={secrets.reload} />
      <TestConnection label="Test SMTP connection" what="Could not test the connection" testId="smtp-verify" check={verifySmtp} />
      <h3>Replies and bounces (IMAP)</h3>
      {s?.imap.lastError ? (
        <div className="notice" role="status">
          <strong>Last poll failed:</strong> {s.imap.lastError.message} {s.imap.lastError.hint}
        </div>
      ) : s?.imap.lastPollAt ? (
        <p className="muted">
          Last checked {formatTime(s.imap.lastPollAt)}, {s.imap.seen} messages seen.
        </p>
      ) : null}
      <SettingsForm testId="imap-form" fields={IMAP} saveLabel="Save IMAP settings" />
      <SecretField name="IMAP_PASSWORD" label="IMAP password" stored={names.includes('IMAP_PASSWORD')} writable={writable} onSaved={secrets.reload} />
    </Card>
  );
}

const AI_FIELDS: FieldSpec[] = [
  { key: 'ai.model', kind: 'text' },
  { key: 'ai.maxTokens', kind: 'number' },
  { key: 'ai.confidenceThreshold', kind: 'number' },
  { key: 'ai.dailyCapUsd', kind: 'number' },
  { key: 'ai.baseUrl', kind: 'text', type: 'url' },
];

export function AiCard() {
  const status = useApi('ai.status', {});
  const secrets = useSecretNames();
  const [keySaved, setKeySaved] = useState(0);
  useEvent('settings.changed', () => status.reload());
  useEvent('secrets.changed', () => status.reload());
  const a = status.data;
  return (
    <Card title="AI (Claude)" id="settings-ai">
      {status.error && !a ? <ErrorPanel what="Could not load the AI status" error={status.error} onRetry={status.reload} /> : null}
      {a ? (
        <dl className="facts facts-inline" data-testid="ai-status">
          <div>
            <dt>Spent today</dt>
            <dd>
              ${a.spentTodayUsd.toFixed(2)}
              {a.dailyCapUsd !== null ? ` of $${a.dailyCapUsd.toFixed(2)}` : ' (no cap)'} {a.capReached ? <span className="badge badge-warn">cap reached: AI steps wait</span> : null}
              {a.dailyCapUsd !== null ? <span className="muted"> · a warning at 80 %; at the cap AI steps stop until tomorrow</span> : null}
            </dd>
          </div>
          <div>
            <dt>Model</dt>
            <dd>{a.model}</dd>
          </div>
        </dl>
      ) : null}
      <SecretField
        name="ANTHROPIC_API_KEY"
        label="Anthropic API key"
        stored={a?.keyPresent ?? false}
        writable={secrets.data?.backend.writable ?? false}
        onSaved={() => {
          status.reload();
          setKeySaved((n) => n + 1);
        }}
      />
      <KeySavedPrompt checkNonce={keySaved} />
      <SettingsForm testId="ai-form" fields={AI_FIELDS} saveLabel="Save AI settings" />
      {a ? <PricesEditor prices={a.prices} onSaved={status.reload} /> : null}
    </Card>
  );
}

type PriceRow = { model: string; input: string; output: string };

function PricesEditor({ prices, onSaved }: { prices: PriceTable; onSaved: () => void }) {
  const [rows, setRows] = useState<PriceRow[] | null>(null);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const id = useId();
  const shown: PriceRow[] = rows ?? Object.entries(prices).map(([model, p]) => ({ model, input: String(p.inputPerMTok), output: String(p.outputPerMTok) }));
  const table = Object.fromEntries(shown.filter((r) => r.model.trim()).map((r) => [r.model.trim(), { inputPerMTok: Number(r.input), outputPerMTok: Number(r.output) }]));
  const badNumber = shown.some((r) => r.model.trim() && (r.input.trim() === '' || r.output.trim() === '' || !Number.isFinite(Number(r.input)) || !Number.isFinite(Number(r.output))));
  const problem = badNumber ? 'every price must be a number (US dollars per million tokens)' : settingProblem('ai.prices', table);
  const edit = (i: number, patch: Partial<PriceRow>) => {
    setSaved(false);
    setRows(shown.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  };
  async function save(e: FormEvent) {
    e.preventDefault();
    if (problem || !rows) return;
    setFailure(null);
    try {
      await call('settings.set', { key: 'ai.prices', value: table });
      setRows(null);
      setSaved(true);
      onSaved();
    } catch (err) {
      setFailure(err as ApiError);
    }
  }
  return (
    <form onSubmit={save} noValidate aria-labelledby={`${id}-t`} className="prices" data-setting="ai.prices">
      <h3 id={`${id}-t`}>{SETTINGS['ai.prices'].label}</h3>
      <div className="table-wrap">
        <table className="table" aria-label="Model prices">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col" className="num">Input</th>
              <th scope="col" className="num">Output</th>
              <th scope="col"><span className="visually-hidden">Remove</span></th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r, i) => (
              <tr key={i}>
                <td>
                  <input aria-label={`Model ${i + 1}`} value={r.model} onChange={(e) => edit(i, { model: e.target.value })} spellCheck={false} />
                </td>
                <td className="num">
                  <input aria-label={`Input price of ${r.model || `model ${i + 1}`}`} inputMode="decimal" value={r.input} onChange={(e) => edit(i, { input: e.target.value })} />
                </td>
                <td className="num">
                  <input aria-label={`Output price of ${r.model || `model ${i + 1}`}`} inputMode="decimal" value={r.output} onChange={(e) => edit(i, { output: e.target.value })} />
                </td>
                <td>
                  <button type="button" className="btn btn-quiet" aria-label={`Remove ${r.model || `model ${i + 1}`}`} onClick={() => setRows(shown.filter((_, j) => j !== i))}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className={problem && rows ? 'field-error' : 'hint'} aria-live="polite">
        {problem && rows ? `ai.prices: ${problem}` : 'Costs in the usage ledger are computed from this table.'}
      </p>
      <SaveActions saved={saved && 'Saved.'} failure={failure} what="Could not save the prices">
        <button type="button" className="btn" onClick={() => setRows([...shown, { model: '', input: '', output: '' }])}>
          Add a model
        </button>
        <button type="submit" className="btn btn-primary" disabled={!rows || !!problem}>
          Save prices
        </button>
      </SaveActions>
    </form>
  );
}

const NOTIFICATION_FIELDS: FieldSpec[] = [
  { key: 'notifications.enabled', kind: 'bool' },
  { key: 'notifications.minSeverity', kind: 'select' },
  { key: 'notifications.sound', kind: 'bool' },
  { key: 'notifications.approvals', kind: 'bool' },
];

export function NotificationsCard() {
  return (
    <SettingsCard title="Notifications" id="settings-notifications" testId="notifications-form" fields={NOTIFICATION_FIELDS}>
      <QuietHours />
    </SettingsCard>
  );
}

function QuietHours() {
  const q = useSettings();
  const stored = q.data?.settings['notifications.quietHours'] as { start: string; end: string } | undefined;
  const [draft, setDraft] = useState<{ start: string; end: string } | null>(null);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const id = useId();
  const v = draft ?? { start: stored?.start ?? '', end: stored?.end ?? '' };
  const value = v.start === '' && v.end === '' ? null : v;
  const problem = draft ? settingProblem('notifications.quietHours', value) : null;
  async function save(e: FormEvent) {
    e.preventDefault();
    if (problem || !draft) return;
    setFailure(null);
    try {
      await call('settings.set', { key: 'notifications.quietHours', value });
      setDraft(null);
      setSaved(true);
    } catch (err) {
      setFailure(err as ApiError);
    }
  }
  return (
    <form onSubmit={save} noValidate className="quiet-hours" data-setting="notifications.quietHours">
      <fieldset>
        <legend>{SETTINGS['notifications.quietHours'].label}</legend>
        <div className="form-row">
          <div className="field">
            <label htmlFor={`${id}-s`}>From</label>
            <input id={`${id}-s`} type="time" value={v.start} onChange={(e) => (setSaved(false), setDraft({ ...v, start: e.target.value }))} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-e`}>To</label>
            <input id={`${id}-e`} type="time" value={v.end} onChange={(e) => (setSaved(false), setDraft({ ...v, end: e.target.value }))} />
          </div>
        </div>
        <p className={problem ? 'field-error' : 'hint'} aria-live="polite">
          {problem ? `notifications.quietHours: ${problem}` : 'Leave both empty for no quiet hours. Times are this computer\'s local time.'}
        </p>
      </fieldset>
      <SaveActions saved={saved && 'Saved.'} failure={failure} what="Could not save quiet hours">
        <button type="submit" className="btn btn-primary" disabled={!draft || !!problem}>
          Save quiet hours
        </button>
      </SaveActions>
    </form>
  );
}

const ENGINE_FIELDS: FieldSpec[] = [
  { key: 'engine.stepTimeout', kind: 'text' },
  { key: 'engine.subworkflowDepth', kind: 'number' },
  { key: 'engine.maxStepOutputBytes', kind: 'number' },
  { key: 'engine.workerHeapMb', kind: 'number' },
];

/** The workflow engine's limits (docs/engine.md, "Limits"); the step timeout and worker memory apply when the engine next starts. */
export function EngineCard() {
  return (
    <SettingsCard
      title="Workflow engine"
      id="settings-engine"
      intro="Limits every workflow runs under. The step timeout and the worker memory apply when Baton next starts."
      testId="engine-form"
      fields={ENGINE_FIELDS}
      saveLabel="Save engine limits"
    />
  );
}

const TRACKING_FIELDS: FieldSpec[] = [
  { key: 'tracking.clicks', kind: 'select' },
  { key: 'tracking.opens', kind: 'select' },
  { key: 'tracking.machineOpenSeconds', kind: 'number' },
  { key: 'tracking.allowedOrigins', kind: 'list' },
  { key: 'tracking.siteStorage', kind: 'select' },
];

/** Engagement tracking (docs/tracking.md): clicks and opens in e-mails, and the site snippet. */
export function TrackingCard() {
  return (
    <SettingsCard
      title="Engagement tracking"
      id="settings-tracking"
      intro="Clicks and opens in marketing e-mails, and the websites the site snippet may record visits from (several origins: separate them with commas)."
      testId="tracking-form"
      fields={TRACKING_FIELDS}
      saveLabel="Save tracking settings"
    />
  );
}

const MONITORING_FIELDS: FieldSpec[] = [
  { key: 'monitoring.siteUrl', kind: 'text', type: 'url' },
  { key: 'monitoring.email.enabled', kind: 'bool' },
  { key: 'monitoring.email.to', kind: 'text', type: 'email' },
  { key: 'monitoring.email.quietHours', kind: 'json' },
];

/** Monitoring (docs/monitoring.md): the site the uptime and link checks read, and where alerts go beyond the tray. */
export function MonitoringCard() {
  return (
    <SettingsCard
      title="Monitoring alerts"
      id="settings-monitoring"
      intro="Uptime, broken links and KPI drops raise an escalation in the tray; these send them by e-mail and to chat webhooks too, once per alert until it recovers."
      testId="monitoring-form"
      fields={MONITORING_FIELDS}
      saveLabel="Save monitoring settings"
    >
      <WebhooksEditor />
    </SettingsCard>
  );
}
