/**
 * Pick a client (a CRM company or contact) instead of typing its key: a search box narrows
 * the list (companies.list and contacts.list, 20 each), the select holds the choice.
 */
import { useId, useMemo, useState } from 'react';
import { useQuery } from '../../data/query';
import { clientOptions } from './model';

export function ClientPicker({ label, value, onChange }: { label: string; value: { value: string; label: string } | null; onChange: (v: { value: string; label: string } | null) => void }) {
  const uid = useId();
  const [search, setSearch] = useState('');
  const q = search.trim();
  const companies = useQuery('companies.list', q ? { search: q, limit: 20 } : { limit: 20 });
  const contacts = useQuery('contacts.list', q ? { search: q, limit: 20 } : { limit: 20 });
  const options = useMemo(() => clientOptions(companies.data?.rows ?? [], contacts.data?.rows ?? [], value), [companies.data, contacts.data, value]);
  const groups = (['Companies', 'Contacts'] as const).map((g) => ({ g, items: options.filter((o) => o.group === g) }));
  return (
    <fieldset className="fin-field fin-client-picker">
      <legend>{label}</legend>
      <label htmlFor={`${uid}-find`} className="sr-only">
        Find a client by name, domain or e-mail
      </label>
      <input className="control" id={`${uid}-find`} type="search" value={search} placeholder="Find a company or contact…" autoComplete="off" onChange={(e) => setSearch(e.target.value)} />
      <label htmlFor={`${uid}-pick`} className="sr-only">
        {label}
      </label>
      <select className="control"
        id={`${uid}-pick`}
        data-testid="client-picker"
        value={value?.value ?? ''}
        onChange={(e) => {
          const o = options.find((x) => x.value === e.target.value);
          onChange(o ? { value: o.value, label: o.label } : null);
        }}
      >
        <option value="">No client</option>
        {groups.map(({ g, items }) =>
          items.length ? (
            <optgroup key={g} label={g}>
              {items.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </optgroup>
          ) : null,
        )}
      </select>
      {companies.loading || contacts.loading ? <span className="hint">Searching…</span> : null}
    </fieldset>
  );
}
