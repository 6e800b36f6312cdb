/** Settings card: the local HTTP surface (port) and the public address mail links, forms and webhooks use. */
import { publicAddress } from '../../../../shared/api';
import { useApi } from '../../api/hooks';
import { Card } from '../../components/ui';
import { SettingsForm, useSettings, type FieldSpec } from './SettingsForm';

export const SERVER_FIELDS: FieldSpec[] = [
  { key: 'server.publicUrl', kind: 'text', type: 'url' },
  { key: 'server.port', kind: 'number' },
  { key: 'server.trustProxy', kind: 'bool' },
  { key: 'forms.perMinute', kind: 'number' },
  { key: 'hooks.perMinute', kind: 'number' },
];

export function ServerCard() {
  const info = useApi('system.info', {});
  const settings = useSettings();
  const desktop = info.data?.host === 'electron';
  const local = desktop || window.location.protocol === 'file:' ? `http://127.0.0.1:${String(settings.data?.settings['server.port'] ?? 4717)}` : window.location.origin;
  return (
    <Card title="Server and public address" id="settings-server">
      <p className="muted">
        {desktop ? 'The desktop app' : 'Baton'} serves its API, this web UI, forms and webhooks at <code data-testid="local-address">{local}</code>, which only this computer can open. Open it in a browser with the link from <code>baton token --url</code>.
      </p>
      <PublicAddressForm />
    </Card>
  );
}

/** The public address field with what it is for (also the first-run setup's step). */
export function PublicAddressForm({ testId = 'server-form', fields = SERVER_FIELDS }: { testId?: string; fields?: FieldSpec[] }) {
  const settings = useSettings();
  const addr = publicAddress(settings.data?.settings ?? {}, window.location.protocol.startsWith('http') ? window.location.origin : undefined);
  return (
    <>
      <p>
        Unsubscribe and tracking links in e-mails, the form snippets and the webhook addresses shown here use the <strong>public address</strong>. To receive them from the internet, run a tunnel to this machine (for example <code>cloudflared tunnel --url http://127.0.0.1:4717</code>) or a reverse proxy with TLS, and enter its https:// address.
      </p>
      {addr.loopback ? (
        <p className="notice" data-testid="public-url-loopback">
          Now: <code>{addr.url}</code>{addr.configured ? '' : ' (not set)'}: only this computer reaches it, so links in e-mails and forms on your site cannot.
        </p>
      ) : (
        <p className="success" data-testid="public-url-ok">
          Links and forms use <code>{addr.url}</code>.
        </p>
      )}
      <SettingsForm testId={testId} fields={fields} saveLabel="Save" />
    </>
  );
}
