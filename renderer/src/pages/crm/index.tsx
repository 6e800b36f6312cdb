import { useState } from 'react';
import { PageHeader } from '../../components/ui';
import { Companies } from './Companies';
import { ContactDetail } from './ContactDetail';
import { ContactForm } from './ContactForm';
import { ContactTable } from './ContactTable';
import { ImportCsv } from './ImportCsv';
import { ScoringRules } from './ScoringRules';
import { Segments } from './Segments';
import { Tabs } from '../../components/Tabs';
import { readAddress, VIEWS, type View } from './model';
import { useHashParams } from './useHashParams';
import './crm.css';
import './contact-edit.css';
import './segments.css';

/**
 * The address: `#/contacts` (the list; `segment=ID`, `company=ID` narrow it; `id=ID` opens a
 * contact over it), `view=companies`, `view=segments` (`seg=ID|new` opens the editor),
 * `view=scoring`.
 */
export function Contacts() {
  const [params, go] = useHashParams('contacts');
  const { id, segmentId, companyId, shown, editing } = readAddress((k) => params.get(k));
  const [importing, setImporting] = useState(false);
  const [creating, setCreating] = useState(false);
  const [refreshToken, setRefreshToken] = useState(0);
  const refresh = () => setRefreshToken((n) => n + 1);
  // Views stay mounted once seen (their search and scroll survive a look elsewhere).
  const [seen, setSeen] = useState<Set<View>>(() => new Set([shown]));
  if (!seen.has(shown)) setSeen(new Set([...seen, shown]));

  const filters = { segment: segmentId, company: companyId };
  const openView = (v: View) => go(v === 'list' ? filters : { view: v });


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
      <Tabs tabs={VIEWS} value={shown} onChange={openView} idPrefix="contacts" label="Contacts views" />
      <div role="tabpanel" id="contacts-panel-list" aria-labelledby="contacts-tab-list" hidden={shown !== 'list'}>
        {id !== null ? <ContactDetail key={id} id={id} onBack={() => go(filters)} /> : null}
        <div hidden={id !== null}>
          <ContactTable
            onOpen={(cid) => go({ id: cid, ...filters })}
            refreshToken={refreshToken}
            segmentId={segmentId}
            companyId={companyId}
            onFilter={(f) => go({ segment: f.segmentId, company: f.companyId })}
          />
        </div>
      </div>
      {seen.has('companies') ? (
        <div role="tabpanel" id="contacts-panel-companies" aria-labelledby="contacts-tab-companies" hidden={shown !== 'companies'}>
          <Companies onOpen={(company) => go({ company })} />
        </div>
      ) : null}
      {shown === 'segments' ? (
        <div role="tabpanel" id="contacts-panel-segments" aria-labelledby="contacts-tab-segments">
          <Segments editing={editing} onEdit={(seg) => go({ view: 'segments', seg })} onShowContacts={(segment) => go({ segment })} />
        </div>
      ) : null}
      {shown === 'scoring' ? (
        <div role="tabpanel" id="contacts-panel-scoring" aria-labelledby="contacts-tab-scoring">
          <ScoringRules onSaved={refresh} />
        </div>
      ) : null}
    </>
  );
}
