/**
 * The client picker's options (pure): CRM companies and contacts as the client keys finance
 * takes ("company:12", "contact:34"), companies first, each labelled so two with the same name
 * can be told apart; the chosen client is kept even when the search no longer lists it.
 */
export interface ClientOption {
  value: string;
  label: string;
  group: 'Companies' | 'Contacts';
}

interface CompanyLike {
  id: number;
  name: string | null;
  domain: string | null;
}
interface ContactLike {
  id: number;
  email: string;
  firstName: string | null;
  lastName: string | null;
  companyName: string | null;
}

export function companyLabel(c: CompanyLike): string {
  const name = c.name?.trim() || c.domain || `Company ${c.id}`;
  return c.domain && c.name?.trim() ? `${name} (${c.domain})` : name;
}

export function contactLabel(c: ContactLike): string {
  const name = [c.firstName, c.lastName].filter((x) => x && x.trim()).join(' ');
  return `${name ? `${name} <${c.email}>` : c.email}${c.companyName ? `, ${c.companyName}` : ''}`;
}

export function clientOptions(companies: readonly CompanyLike[], contacts: readonly ContactLike[], chosen?: { value: string; label: string } | null): ClientOption[] {
  const out: ClientOption[] = [
    ...companies.map((c): ClientOption => ({ value: `company:${c.id}`, label: companyLabel(c), group: 'Companies' })),
    ...contacts.map((c): ClientOption => ({ value: `contact:${c.id}`, label: contactLabel(c), group: 'Contacts' })),
  ];
  if (chosen && chosen.value && !out.some((o) => o.value === chosen.value)) out.unshift({ value: chosen.value, label: chosen.label, group: chosen.value.startsWith('company:') ? 'Companies' : 'Contacts' });
  return out;
}
