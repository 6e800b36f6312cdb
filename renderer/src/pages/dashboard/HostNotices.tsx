/**
 * The dashboard's notices about the host: mail links and forms that cannot
 * reach Baton (the public address only reaches this computer while a sequence,
 * a form or a webhook needs the internet), and the one-time move of the data
 * folder (shown until dismissed).
 */
import { reachabilityWarning } from '../../../../shared/contract/address';
import { call } from '../../api/client';
import { useAction, useApi, useEvent } from '../../api/hooks';
import { useNav } from '../../api/nav';
import { useSettings } from '../settings/useSettings';
import './host-notices.css';

export function HostNotices() {
  const settings = useSettings();
  const sequences = useApi('sequences.list', {});
  const forms = useApi('forms.list', {});
  const hooks = useApi('hooks.list', {});
  useEvent('workflows.changed', () => hooks.reload());
  const go = useNav((s) => s.go);
  const s = settings.data?.settings;
  const dismiss = useAction(() => call('settings.set', { key: 'host.dataMoved', value: null }));
  if (!s) return null;
  const warning =
    sequences.data && forms.data && hooks.data
      ? reachabilityWarning({
          settings: s,
          ...(window.location.protocol.startsWith('http') ? { localUrl: window.location.origin } : {}),
          activeSequences: sequences.data.sequences.filter((q) => q.enabled).length,
          forms: forms.data.forms.length,
          enabledHooks: hooks.data.hooks.filter((h) => h.enabled).length,
        })
      : null;
  const moved = s['host.dataMoved'] as { from?: string; to?: string } | null | undefined;
  if (!warning && !moved?.from) return null;
  return (
    <div className="host-notices">
      {warning ? (
        <aside className="notice" aria-label="Public address" data-testid="reachability-warning">
          <strong>{warning.title}.</strong> {warning.detail}
          <p>{warning.fix}</p>
          <button type="button" className="btn" onClick={() => go('settings')}>
            Open Settings
          </button>
        </aside>
      ) : null}
      {moved && moved.from ? (
        <aside className="notice" aria-label="Data folder moved" data-testid="data-moved">
          Baton moved its data from <code>{moved.from}</code> to <code>{moved.to}</code>, its one data folder for the desktop app, the command line and <code>baton serve</code>. The old folder is kept unchanged as a backup; delete it when everything looks right.{' '}
          <button type="button" className="btn-link" disabled={dismiss.pending} onClick={() => void dismiss.run()}>
            Got it
          </button>
        </aside>
      ) : null}
    </div>
  );
}
