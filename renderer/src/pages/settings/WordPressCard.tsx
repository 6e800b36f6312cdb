/**
 * WordPress: the site address and user (settings), the application password (write-only into
 * the secret store), and Test connection (`wordpress.verify`: nothing is written to the site).
 */
import { useState } from 'react';
import { WORDPRESS_PASSWORD_SECRET } from '../../../../shared/api';
import { call } from '../../api/client';
import { useAction, useApi, useEvent } from '../../api/hooks';
import { Card, ErrorPanel } from '../../components/ui';
import { SecretField, SettingsForm, type FieldSpec } from './SettingsForm';

const FIELDS: FieldSpec[] = [
  { key: 'wordpress.siteUrl', kind: 'text', type: 'url' },
  { key: 'wordpress.user', kind: 'text', autoComplete: 'username' },
  { key: 'wordpress.timeoutMs', kind: 'number' },
];

export function WordPressCard() {
  const secrets = useApi('secrets.list', {});
  useEvent('secrets.changed', ({ names }) => secrets.setData((old) => (old ? { ...old, names } : old)));
  const verify = useAction(() => call('wordpress.verify', {}));
  const [result, setResult] = useState<{ ok: boolean; message: string; hint: string | null } | null>(null);
  const names = secrets.data?.names ?? [];
  return (
    <Card title="WordPress" id="settings-wordpress">
      <p className="muted">
        Where the <code>wordpress.publish</code> step posts drafts and articles. In WordPress, create an application password under Users → Profile → Application Passwords.
      </p>
      <SettingsForm testId="wordpress-form" fields={FIELDS} saveLabel="Save WordPress settings" onSaved={() => setResult(null)} />
      <SecretField
        name={WORDPRESS_PASSWORD_SECRET}
        label="Application password"
        stored={names.includes(WORDPRESS_PASSWORD_SECRET)}
        writable={secrets.data?.backend.writable ?? false}
        onSaved={() => {
          setResult(null);
          secrets.reload();
        }}
      />
      <div className="form-actions">
        <button
          type="button"
          className="btn"
          disabled={verify.pending}
          onClick={async () => {
            setResult(null);
            const r = await verify.run();
            if (r) setResult(r);
          }}
        >
          {verify.pending ? 'Testing…' : 'Test connection'}
        </button>
        {result ? (
          <span className={result.ok ? 'success' : 'field-error'} role="status" data-testid="wordpress-verify">
            {result.message} {result.hint}
          </span>
        ) : null}
      </div>
      {verify.error ? <ErrorPanel what="Could not test the WordPress connection" error={verify.error} onRetry={() => void verify.run().then((r) => r && setResult(r))} /> : null}
    </Card>
  );
}
