import { useState } from 'react';
import { call } from '../../api/client';
import { useAction, useApi } from '../../api/hooks';
import { ErrorPanel, Loading } from '../../components/ui';
import { broughtText, TemplateNeeds, TemplateSummary } from '../workflows/templateParts';
import { splitTemplates, togglePick } from './model';

/**
 * Only templates whose requirements are met are offered here, installed enabled; the others are
 * listed with what each waits for and where to set it up (they are not installed: set up what they
 * need, then come back to this step at #/setup, or install one from a terminal).
 */
export function TemplatesStep() {
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
  const { ready, waiting } = splitTemplates(list.data.templates);
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
                onChange={(e) => setPicked(togglePick(picked, t.id, e.target.checked))}
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
