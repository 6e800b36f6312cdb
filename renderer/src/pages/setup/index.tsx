/**
 * First run: a short, skippable walk through what Baton needs (data folder, time
 * zone, optional SMTP, Anthropic key and public address), then data to look at (demo data or a
 * CSV) and a few example workflows. Every step can be skipped and done later in
 * Settings; "Finish" (or "Skip setup") stores setup.completed.
 */
import { useState, type ChangeEvent } from 'react';
import type { ApiError, ImportPreview, ImportReport } from '../../../../shared/api';
import { call } from '../../api/client';
import { useAction, useApi } from '../../api/hooks';
import { useNav } from '../../api/nav';
import { KeySavedPrompt } from '../../components/AiRelease';
import { ErrorPanel, Loading, PageHeader } from '../../components/ui';
import { PublicAddressForm } from '../settings/ServerCard';
import { ImportWorkflows } from '../crm/ImportCsv';
import { SecretField, SettingsForm } from '../settings/SettingsForm';
import { broughtText, TemplateNeeds, TemplateSummary } from '../workflows/templateParts';
import './setup.css';

const STEPS = ['Where your data lives', 'Your time zone', 'E-mail (optional)', 'Claude (optional)', 'Public address (optional)', 'Something to look at', 'Example workflows'] as const;

export async function finishSetup(): Promise<void> {
  await call('settings.set', { key: 'setup.completed', value: true });
}

export function Setup() {
  const [step, setStep] = useState(0);
  const go = useNav((s) => s.go);
  const finish = useAction(async () => {
    await finishSetup();
    go('dashboard');
  });
  const last = step === STEPS.length - 1;
  return (
    <>
      <PageHeader
        title="Set up Baton"
        intro="Seven short steps; skip any of them and come back from Settings."
        actions={
          <button type="button" className="btn btn-quiet" onClick={() => void finish.run()}>
            Skip setup
          </button>
        }
      />
      <ol className="setup-steps" aria-label="Setup steps">
        {STEPS.map((s, i) => (
          <li key={s} aria-current={i === step ? 'step' : undefined} className={i < step ? 'done' : undefined}>
            <button type="button" className="btn-link" onClick={() => setStep(i)}>
              <span className="setup-num" aria-hidden="true">
                {i + 1}
              </span>
              {s}
            </button>
          </li>
        ))}
      </ol>
      <section className="card setup-panel" aria-labelledby="setup-step-title">
        <h2 id="setup-step-title">
          Step {step + 1} of {STEPS.length}: {STEPS[step]}
        </h2>
        {step === 0 ? <DataStep /> : null}
        {step === 1 ? <TimeZoneStep /> : null}
        {step === 2 ? <EmailStep /> : null}
        {step === 3 ? <ClaudeStep /> : null}
        {step === 4 ? <PublicAddressStep /> : null}
        {step === 5 ? <DataToLookAt /> : null}
        {step === 6 ? <TemplatesStep /> : null}
        <div className="setup-nav">
          <button type="button" className="btn" disabled={step === 0} onClick={() => setStep(step - 1)}>
            Back
          </button>
          {last ? (
            <button type="button" className="btn btn-primary" disabled={finish.pending} onClick={() => void finish.run()}>
              Finish and open the dashboard
            </button>
          ) : (
            <button type="button" className="btn btn-primary" onClick={() => setStep(step + 1)}>
              Next
            </button>
          )}
        </div>
        {finish.error ? <ErrorPanel what="Could not finish the setup" error={finish.error} onRetry={() => void finish.run()} /> : null}
      </section>
    </>
  );
}

function DataStep() {
  const info = useApi('system.info', {});
  if (info.error) return <ErrorPanel what="Could not load the data folder" error={info.error} onRetry={info.reload} />;
  if (!info.data) return <Loading label="Loading…" />;
  return (
    <>
      <p>
        Everything Baton records — contacts, workflows, runs, approvals — lives in one SQLite file in <code data-testid="setup-data-dir">{info.data.dataDir}</code>. API keys
        do not: they go to {info.data.secretBackend.kind === 'keychain' ? 'your OS keychain' : info.data.secretBackend.kind === 'file' ? 'an encrypted file (AES-256-GCM) unlocked at start' : 'environment variables'}.
      </p>
      <p className="hint">
        To keep the data elsewhere (an encrypted disk, a synced folder), start Baton with <code>--data DIR</code> or set <code>BATON_DATA_DIR</code>. Backups go to{' '}
        <code>backups/</code> inside it, nightly.
      </p>
    </>
  );
}

function TimeZoneStep() {
  const here = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return (
    <>
      <p>Schedules, send windows and daily caps use this time zone when nothing more specific is set. This computer says {here}.</p>
      <SettingsForm testId="setup-tz" fields={[{ key: 'email.timeZone', kind: 'text', list: 'setup-tz-list' }]} saveLabel="Save time zone" />
      <datalist id="setup-tz-list">
        <option value={here} />
      </datalist>
    </>
  );
}

function EmailStep() {
  const secrets = useApi('secrets.list', {});
  return (
    <>
      <p>Workflows that send e-mail need your SMTP server. You can skip this and add it in Settings later.</p>
      <SettingsForm
        testId="setup-smtp"
        saveLabel="Save SMTP settings"
        fields={[
          { key: 'email.smtp.host', kind: 'text' },
          { key: 'email.smtp.port', kind: 'number' },
          { key: 'email.smtp.user', kind: 'text' },
          { key: 'email.from', kind: 'text', type: 'email' },
        ]}
      />
      <SecretField name="SMTP_PASSWORD" label="SMTP password" stored={secrets.data?.names.includes('SMTP_PASSWORD') ?? false} writable={secrets.data?.backend.writable ?? false} onSaved={secrets.reload} />
    </>
  );
}

function ClaudeStep() {
  const ai = useApi('ai.status', {});
  const secrets = useApi('secrets.list', {});
  const [keySaved, setKeySaved] = useState(0);
  return (
    <>
      <p>
        AI steps (drafts, reviews, lead research) use Claude with your Anthropic key. Without one they wait and tell you, rather than fail; when you save the key you choose
        whether the waiting ones run.
      </p>
      <SecretField
        name="ANTHROPIC_API_KEY"
        label="Anthropic API key"
        stored={ai.data?.keyPresent ?? false}
        writable={secrets.data?.backend.writable ?? false}
        onSaved={() => {
          ai.reload();
          setKeySaved((n) => n + 1);
        }}
      />
      <KeySavedPrompt checkNonce={keySaved} />
    </>
  );
}

function PublicAddressStep() {
  return (
    <>
      <p>Baton runs on this computer. E-mails, your website's forms and services such as Stripe reach it through a public address; without one, links in e-mails and forms cannot reach it. Skip this if you only use Baton yourself for now.</p>
      <PublicAddressForm testId="setup-public-url" fields={[{ key: 'server.publicUrl', kind: 'text', type: 'url' }]} />
    </>
  );
}

function DataToLookAt() {
  const contacts = useApi('contacts.list', { limit: 1 });
  const [report, setReport] = useState<ImportReport | null>(null);
  const [preview, setPreview] = useState<{ name: string; csv: string; p: ImportPreview } | null>(null);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const seed = useAction(async () => {
    const r = await call('demo.seed', { contacts: 1000 });
    contacts.reload();
    return r;
  });
  const [seeded, setSeeded] = useState<string | null>(null);
  // The file is checked first (which workflows the import would start), then imported on a click.
  async function checkFile(e: ChangeEvent<HTMLInputElement>) {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    setFailure(null);
    setReport(null);
    setPreview(null);
    try {
      const csv = await file.text();
      setPreview({ name: file.name, csv, p: await call('contacts.import.preview', { csv, file: file.name }) });
    } catch (err) {
      setFailure(err as ApiError);
    }
  }
  async function importChecked() {
    if (!preview) return;
    setFailure(null);
    try {
      setReport(await call('contacts.import', { csv: preview.csv, file: preview.name }));
      setPreview(null);
      contacts.reload();
    } catch (err) {
      setFailure(err as ApiError);
    }
  }
  const total = contacts.data?.total ?? 0;
  return (
    <>
      <p>
        {total > 0 ? (
          <span data-testid="setup-contacts">You have {total.toLocaleString()} contacts.</span>
        ) : (
          'Your CRM is empty. Load a demo business to try Baton, or import your contacts from a CSV file (a header row with email, first_name, last_name, company…).'
        )}
      </p>
      <div className="setup-choices">
        <div className="setup-choice">
          <h3>Demo business</h3>
          <p className="hint">1,000 contacts, their companies, a year of activity and open deals. Needs an empty CRM.</p>
          <button
            type="button"
            className="btn btn-primary"
            disabled={seed.pending || total > 0}
            onClick={async () => {
              const r = await seed.run();
              if (r) setSeeded(`Loaded ${r.contacts.toLocaleString()} contacts, ${r.companies.toLocaleString()} companies, ${r.events.toLocaleString()} events and ${r.deals} deals.`);
            }}
          >
            {seed.pending ? 'Loading…' : 'Load demo data'}
          </button>
          {seeded ? (
            <p className="success" role="status">
              {seeded}
            </p>
          ) : null}
          {seed.error ? <ErrorPanel what="Could not load the demo data" error={seed.error} /> : null}
        </div>
        <div className="setup-choice">
          <h3>Your contacts</h3>
          <p className="hint">Rows with a bad e-mail are listed with their line; the others are imported. Importing the same file twice creates nothing new.</p>
          <label className="btn file-btn">
            Import a CSV file
            <input type="file" accept=".csv,text/csv" onChange={(e) => void checkFile(e)} />
          </label>
          {preview ? (
            <div role="status" className="setup-report" data-testid="setup-import-preview">
              <p>
                {preview.name}: {preview.p.create} new, {preview.p.update} existing
                {preview.p.invalidCount ? `, ${preview.p.invalidCount} rows with problems` : ''}.
              </p>
              <ImportWorkflows plan={preview.p.workflows} />
              <button type="button" className="btn btn-primary" onClick={() => void importChecked()} disabled={preview.p.create + preview.p.update === 0}>
                Import {(preview.p.create + preview.p.update).toLocaleString()} rows
              </button>
            </div>
          ) : null}
          {report ? (
            <div role="status" className="setup-report">
              <p className="success">
                {report.created} created, {report.updated} updated, {report.unchanged} unchanged
                {report.invalidCount ? `, ${report.invalidCount} rows skipped` : ''}.
              </p>
              <ImportWorkflows plan={report.workflows} testId="import-report-workflows" />
              {report.invalid.length ? (
                <ul>
                  {report.invalid.slice(0, 10).map((r) => (
                    <li key={r.line}>
                      Line {r.line}: {r.reason}
                    </li>
                  ))}
                </ul>
              ) : null}
            </div>
          ) : null}
          {failure ? <ErrorPanel what="Could not import the file" error={failure} /> : null}
        </div>
      </div>
    </>
  );
}

/**
 * Only templates whose requirements are met are offered here, installed enabled; the others are
 * listed with what each waits for and where to set it up (they are not installed: set up what they
 * need, then come back to this step at #/setup, or install one from a terminal).
 */
function TemplatesStep() {
  const list = useApi('templates.list', {});
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [extras, setExtras] = useState<string[]>([]);
  const install = useAction(async () => {
    const r = await call('templates.install', { ids: [...picked], enable: true });
    setExtras(broughtText(r.brought));
    setPicked(new Set());
    list.reload();
    return r;
  });
  if (list.error) return <ErrorPanel what="Could not list the templates" error={list.error} onRetry={list.reload} />;
  if (!list.data) return <Loading label="Loading templates…" />;
  const ready = list.data.templates.filter((t) => t.ready || t.installed);
  const waiting = list.data.templates.filter((t) => !t.ready && !t.installed);
  return (
    <>
      <p>
        Pick the ones to start with: they are installed enabled and act on your own contacts, sequences and e-mail. You can turn each off in Workflows. Templates that need
        something you have not set up yet wait below, each with what it needs.
      </p>
      <h3 id="setup-ready-title">Ready to install</h3>
      {ready.length === 0 ? <p className="muted">None yet: each needs something from the steps above (see below).</p> : null}
      <ul className="setup-templates" aria-label="Example workflows">
        {ready.map((t) => (
          <li key={t.id} data-testid={`setup-template-${t.id}`}>
            <label>
              <input
                type="checkbox"
                disabled={t.installed}
                checked={t.installed || picked.has(t.id)}
                onChange={(e) => {
                  const next = new Set(picked);
                  if (e.target.checked) next.add(t.id);
                  else next.delete(t.id);
                  setPicked(next);
                }}
              />
              <span>
                <strong>{t.name}</strong>
                {t.installed ? <span className="badge badge-ok">installed</span> : null}
                <span className="setup-desc">
                  <TemplateSummary t={t} />
                </span>
                {t.overlaps.length ? <span className="hint setup-desc">Also on this trigger: {t.overlaps.join(', ')}.</span> : null}
              </span>
            </label>
          </li>
        ))}
      </ul>
      <div className="form-actions">
        <button type="button" className="btn btn-primary" disabled={picked.size === 0 || install.pending} onClick={() => void install.run()}>
          Install {picked.size || ''} selected
        </button>
        {extras.length ? (
          <p className="success" role="status">
            Also created {extras.join(', ')}.
          </p>
        ) : null}
        {install.error ? <ErrorPanel what="Could not install the templates" error={install.error} /> : null}
      </div>
      {waiting.length ? (
        <>
          <h3 id="setup-waiting-title">Waiting for something</h3>
          <p className="hint">
            Not installed. Set up what each needs (the steps above, or Settings), then come back to this step (<a href="#/setup">Setup</a>), install it from the{' '}
            <a href="#/workflows/templates">template gallery in Workflows</a> or from a terminal.
          </p>
          <ul className="setup-templates" aria-labelledby="setup-waiting-title">
            {waiting.map((t) => (
              <li key={t.id} data-testid={`setup-template-${t.id}`}>
                <strong>{t.name}</strong>
                <span className="setup-desc">
                  <TemplateSummary t={t} />
                </span>
                <TemplateNeeds t={t} unmetOnly label={`What ${t.name} waits for`} />
                <span className="hint setup-desc">
                  Then: <code>npx baton templates install {t.id} --enable</code>
                </span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}

/** The dashboard's welcome line until the setup is finished or skipped. */
export function WelcomeBanner() {
  const settings = useApi('settings.get', {});
  const go = useNav((s) => s.go);
  const [hidden, setHidden] = useState(false);
  const skip = useAction(async () => {
    await finishSetup();
    setHidden(true);
  });
  if (hidden || !settings.data || settings.data.settings['setup.completed'] === true) return null;
  return (
    <aside className="welcome" aria-label="Welcome">
      <div>
        <strong>Welcome to Baton.</strong> Set up your data, e-mail, Claude and a first workflow in about two minutes.
      </div>
      <div className="welcome-actions">
        <button type="button" className="btn btn-primary" onClick={() => go('setup')}>
          Start setup
        </button>
        <button type="button" className="btn btn-quiet" onClick={() => void skip.run()}>
          Not now
        </button>
      </div>
    </aside>
  );
}
