/**
 * The template gallery (`#/workflows/templates`, also `#/workflows?view=templates`): every
 * example workflow shipped in resources/templates as a card that says in plain words when it
 * starts, what it then does and what it needs (each requirement met or not, with where to set
 * it up). Install (enabled) stays off, with the reason in words, until every requirement is
 * met; a template whose trigger also starts an enabled workflow says so. "Duplicate and edit"
 * opens the visual editor on a copy of its workflow, not saved yet.
 */
import { useState } from 'react';
import type { TemplateInfo } from '../../../../shared/api';
import { call } from '../../api/client';
import { useAction } from '../../api/hooks';
import { hashWith } from '../../api/nav';
import { ErrorPanel, PageHeader, QueryView } from '../../components/ui';
import { invalidate, useQuery } from '../../data/query';
import { broughtText, TemplateNeeds, TemplateSummary } from './templateParts';

/** Switches between the workflows and the template gallery (links: each view has its own address). */
export function WorkflowTabs({ current }: { current: 'list' | 'templates' }) {
  return (
    <nav className="wf-tabs" aria-label="Workflows views">
      <a href={hashWith('workflows')} aria-current={current === 'list' ? 'page' : undefined}>
        Your workflows
      </a>
      <a href={hashWith('workflows', { view: 'templates' })} aria-current={current === 'templates' ? 'page' : undefined}>
        Templates
      </a>
    </nav>
  );
}

export function TemplateGallery() {
  const list = useQuery('templates.list', {});
  return (
    <>
      <PageHeader
        title="Workflow templates"
        intro="Ready-made workflows: what starts each one, what it does, and what it needs before it can run. Install one as it is, or duplicate it and change it in the editor first."
        actions={
          <a className="btn" href={hashWith('workflows', { new: '1' })}>
            New workflow
          </a>
        }
      />
      <WorkflowTabs current="templates" />
      <QueryView q={list} what="Could not list the templates" loading="Loading templates…" isEmpty={(d) => d.templates.length === 0} empty={<p className="muted">No templates are shipped with this copy of Baton.</p>}>
        {(d) => (
          <>
            <p className="muted" data-testid="gallery-counts">
              {d.templates.length} templates: {d.templates.filter((t) => t.ready && !t.installed).length} ready to install, {d.templates.filter((t) => t.installed).length} installed,{' '}
              {d.templates.filter((t) => !t.ready && !t.installed).length} waiting for something.
            </p>
            <ul className="tpl-grid" aria-label="Templates">
              {d.templates.map((t) => (
                <TemplateCard key={t.id} t={t} />
              ))}
            </ul>
          </>
        )}
      </QueryView>
    </>
  );
}

function TemplateCard({ t }: { t: TemplateInfo }) {
  const [done, setDone] = useState<string | null>(null);
  const install = useAction(async (enable: boolean) => {
    const r = await call('templates.install', { ids: [t.id], enable });
    const extras = broughtText(r.brought);
    setDone(`${enable ? 'Installed and enabled' : 'Installed, turned off'}${extras.length ? `; also created ${extras.join(', ')}` : ''}.`);
    invalidate('templates.list', 'workflows.list');
    return r;
  });
  const titleId = `tpl-${t.id}-title`;
  const reasonId = `tpl-${t.id}-reason`;
  const unmet = t.requirements.filter((r) => !r.met).length;
  // A webhook's secret is made once its workflow exists: such a template may be installed turned off first.
  const offFirst = !t.ready && t.requirements.some((r) => !r.met && r.id.startsWith('hook-secret:'));
  return (
    <li className="card tpl-card" data-testid={`template-${t.id}`} aria-labelledby={titleId}>
      <div className="tpl-head">
        <h2 id={titleId}>{t.name}</h2>
        {t.installed ? <span className="badge badge-ok">Installed</span> : t.ready ? <span className="badge badge-neutral">Ready</span> : <span className="badge badge-warn">Needs setup</span>}
      </div>
      <p className="tpl-plain">
        <TemplateSummary t={t} />
      </p>
      <p className="muted small">
        Starts: <code>{t.trigger}</code>
      </p>
      <h3 className="tpl-sub">Needs</h3>
      <TemplateNeeds t={t} />
      {t.overlaps.length ? (
        <p className="tpl-overlap" data-testid="template-overlap">
          <strong>Warning:</strong> {t.overlaps.length === 1 ? 'the enabled workflow' : 'the enabled workflows'}{' '}
          {t.overlaps.map((id, i) => (
            <span key={id}>
              {i ? ', ' : ''}
              <a href={hashWith('workflows', { wf: id })}>{id}</a>
            </span>
          ))}{' '}
          {t.overlaps.length === 1 ? 'starts' : 'start'} on the same trigger ({t.trigger}): with this one enabled too, both run for each one.
        </p>
      ) : null}
      <div className="tpl-actions">
        {t.installed ? (
          <a className="btn" href={hashWith('workflows', { wf: t.id })}>
            Open the installed workflow
          </a>
        ) : (
          <button type="button" className="btn btn-primary" disabled={!t.ready || install.pending} aria-describedby={t.ready ? undefined : reasonId} onClick={() => void install.run(true)}>
            {install.pending ? 'Installing…' : 'Install'}
          </button>
        )}
        {!t.installed && offFirst ? (
          <button type="button" className="btn" disabled={install.pending} onClick={() => void install.run(false)}>
            Install turned off
          </button>
        ) : null}
        <a className="btn" href={hashWith('workflows', { new: '1', from: t.id })} aria-label={`Duplicate and edit ${t.name}`}>
          Duplicate and edit
        </a>
      </div>
      {!t.installed && !t.ready ? (
        <p className="tpl-reason" id={reasonId}>
          Install is off until {unmet === 1 ? 'the requirement marked ✗ is' : `the ${unmet} requirements marked ✗ are`} set up.{' '}
          {offFirst ? 'Its webhook secret is made once it is installed: install it turned off, make the secret, then enable it.' : 'You can still duplicate it and edit the copy.'}
        </p>
      ) : null}
      {done ? (
        <p className="success" role="status">
          {done}
        </p>
      ) : null}
      {install.error ? <ErrorPanel what={`Could not install ${t.name}`} error={install.error} /> : null}
    </li>
  );
}
