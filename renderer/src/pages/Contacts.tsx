import { useState } from 'react';
import { PageHeader } from '../components/ui';
import { ContactDetail } from './crm/ContactDetail';
import { ContactForm } from './crm/ContactForm';
import { ContactTable } from './crm/ContactTable';
import { ImportCsv } from './crm/ImportCsv';
import { ScoringRules } from './crm/ScoringRules';
import { useHashParams } from './crm/useHashParams';
import './crm/crm.css';
import './crm/contact-edit.css';

type View = 'list' | 'scoring';

export function Contacts() {
  const [params, go] = useHashParams('contacts');
  const idParam = Number(params.get('id'));
  const id = Number.isInteger(idParam) && idParam > 0 ? idParam : null;
  const view: View = params.get('view') === 'scoring' ? 'scoring' : 'list';
  const [importing, setImporting] = useState(false);
  const [creating, setCreating] = useState(false);
  const [refreshToken, setRefreshToken] = useState(0);
  const refresh = () => setRefreshToken((n) => n + 1);

  const tab = (v: View, label: string) => (
    <button
      type="button"
      role="tab"
      id={`contacts-tab-${v}`}
      aria-selected={view === v || (v === 'list' && id !== null)}
      aria-controls={`contacts-panel-${v}`}
      className="crm-tab"
      tabIndex={view === v || (v === 'list' && id !== null) ? 0 : -1}
      onClick={() => go(v === 'list' ? {} : { view: v })}
    >
      {label}
    </button>
  );

  return (
    <>
      <PageHeader
        title="Contacts"
        intro="Leads, clients and everyone your workflows talk to: search, sort, open one to see why it scores what it does."
        actions={
          <div className="ce-actions">
            <button type="button" className="btn btn-primary" aria-expanded={creating} onClick={() => setCreating((v) => !v)}>
              New contact
            </button>
            <button type="button" className="btn" aria-expanded={importing} onClick={() => setImporting((v) => !v)}>
              Import CSV…
            </button>
          </div>
        }
      />
      {creating ? (
        <div className="import-slot">
          <ContactForm
            onCancel={() => setCreating(false)}
            onSaved={(c) => {
              setCreating(false);
              refresh();
              go({ id: c.id });
            }}
          />
        </div>
      ) : null}
      {importing ? (
        <div className="import-slot">
          <ImportCsv onImported={refresh} onClose={() => setImporting(false)} />
        </div>
      ) : null}
      <div
        className="crm-tabs"
        role="tablist"
        aria-label="Contacts views"
        onKeyDown={(e) => {
          if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
          const next: View = view === 'list' && id === null ? 'scoring' : 'list';
          go(next === 'list' ? {} : { view: next });
          document.getElementById(`contacts-tab-${next}`)?.focus();
        }}
      >
        {tab('list', 'All contacts')}
        {tab('scoring', 'Scoring rules')}
      </div>
      <div role="tabpanel" id="contacts-panel-list" aria-labelledby="contacts-tab-list" hidden={id === null && view !== 'list'}>
        {id !== null ? <ContactDetail key={id} id={id} onBack={() => go({})} /> : null}
        <div hidden={id !== null}>
          <ContactTable onOpen={(cid) => go({ id: cid })} refreshToken={refreshToken} />
        </div>
      </div>
      {view === 'scoring' && id === null ? (
        <div role="tabpanel" id="contacts-panel-scoring" aria-labelledby="contacts-tab-scoring">
          <ScoringRules onSaved={refresh} />
        </div>
      ) : null}
    </>
  );
}
