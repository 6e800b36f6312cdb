/**
 * WordPress: the site address and user (settings), the application password (write-only into
 * the secret store), and Test connection (`wordpress.verify`: nothing is written to the site).
 */
import { useState } from 'react';
import { WORDPRESS_PASSWORD_SECRET } from '../../../../shared/api';
import { call } from '../../api/client';
import { useApi, useEvent } from '../../api/hooks';
import { SecretField, SettingsCard, type FieldSpec } from './SettingsForm';
import { TestConnection } from './TestConnection';

const FIELDS: FieldSpec[] = [
  { key: 'wordpress.siteUrl', kind: 'text', type: 'url' },
  { key: 'wordpress.user', kind: 'text', autoComplete: 'username' },
  { key: 'wordpress.timeoutMs', kind: 'number' },
];

const verifyWordPress = () => call('wordpress.verify', {});

export function WordPressCard() {
  const secrets = useApi('secrets.list', {});
  useEvent('secrets.changed', ({ names }) => secrets.setData((old) => (old ? { ...old, names } : old)));
  // A saved setting or password clears the last test's result.
  const [saves, setSaves] = useState(0);
  const saved = () => setSaves((n) => n + 1);
  const names = secrets.data?.names ?? [];
  return (
    <SettingsCard
      title="WordPress"
      id="settings-wordpress"
      intro={
        <>
          Where the <code>wordpress.publish</code> step posts drafts and articles. In WordPress, create an application password under Users → Profile → Application Passwords.
        </>
      }
      testId="wordpress-form"
      fields={FIELDS}
      saveLabel="Save WordPress settings"
      onSaved={saved}
    >
      <SecretField
        name={WORDPRESS_PASSWORD_SECRET}
        label="Application password"
        stored={names.includes(WORDPRESS_PASSWORD_SECRET)}
        writable={secrets.data?.backend.writable ?? false}
        onSaved={() => {
          saved();
          secrets.reload();
        }}
      />
      <TestConnection label="Test connection" what="Could not test the WordPress connection" testId="wordpress-verify" check={verifyWordPress} resetKey={saves} />
    </SettingsCard>
  );
}
