/** The setup's settings steps: data folder, time zone, e-mail, Claude, public address. */
import { useState } from 'react';
import { useApi } from '../../api/hooks';
import { KeySavedPrompt } from '../../components/AiRelease';
import { ErrorPanel, Loading } from '../../components/ui';
import { PublicAddressForm } from '../settings/ServerCard';
import { SecretField, SettingsForm } from '../settings/SettingsForm';

export function DataStep() {
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

export function TimeZoneStep() {
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

export function EmailStep() {
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

export function ClaudeStep() {
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

export function PublicAddressStep() {
  return (
    <>
      <p>Baton runs on this computer. E-mails, your website's forms and services such as Stripe reach it through a public address; without one, links in e-mails and forms cannot reach it. Skip this if you only use Baton yourself for now.</p>
      <PublicAddressForm testId="setup-public-url" fields={[{ key: 'server.publicUrl', kind: 'text', type: 'url' }]} />
    </>
  );
}
