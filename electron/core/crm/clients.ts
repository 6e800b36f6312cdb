/**
 * Clients as other domains (finance, reports) name them: a CRM company or a
 * contact, written as a key, "company:12" or "contact:34". The CRM's read API
 * for them, through the CRM repository's statements: the name, the live
 * contacts a client's data is scoped to, where its e-mails go, and the client
 * a contact belongs to (its company, else itself).
 */
import { ApiError } from '../../../shared/api';
import type { ThreadEnv } from '../env';
import { storeOf } from './store';

export interface ClientRef {
  kind: 'company' | 'contact';
  id: number;
}

export function parseClient(key: string): ClientRef | null {
  const m = /^(company|contact):([1-9]\d{0,15})$/.exec(key);
  return m ? { kind: m[1] as ClientRef['kind'], id: Number(m[2]) } : null;
}

export function clientKey(companyId: number | null | undefined, contactId: number | null | undefined): string | null {
  if (companyId) return `company:${companyId}`;
  if (contactId) return `contact:${contactId}`;
  return null;
}

/** The client's name ("Acme" / "Ada Lovelace" / the e-mail), or null when it does not exist. */
export function clientName(env: Pick<ThreadEnv, 'get'>, key: string): string | null {
  const c = parseClient(key);
  if (!c) return null;
  const st = storeOf(env);
  if (c.kind === 'company') {
    const r = st.stmt('SELECT name, domain FROM companies WHERE id = ?').get(c.id) as { name: string | null; domain: string | null } | undefined;
    return r ? (r.name ?? r.domain ?? `Company ${c.id}`) : null;
  }
  const r = st.stmt('SELECT first_name, last_name, email FROM contacts WHERE id = ? AND merged_into IS NULL').get(c.id) as { first_name: string | null; last_name: string | null; email: string } | undefined;
  return r ? [r.first_name, r.last_name].filter(Boolean).join(' ') || r.email : null;
}

/** Names of many clients at once (missing ones are left out). */
export function clientNames(env: Pick<ThreadEnv, 'get'>, keys: Iterable<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const k of new Set(keys)) {
    const n = clientName(env, k);
    if (n !== null) out.set(k, n);
  }
  return out;
}

/** An ApiError('not_found') naming the client when it does not exist. */
export function requireClient(env: Pick<ThreadEnv, 'get'>, key: string, path = 'client'): string {
  const n = clientName(env, key);
  if (n === null) {
    const c = parseClient(key);
    const what = c?.kind === 'contact' ? `contact ${c.id}` : c ? `company ${c.id}` : JSON.stringify(key);
    throw new ApiError('not_found', `${path}: there is no ${what} in the CRM (companies.list and contacts.list give the ids)`, [{ path, message: 'no such client' }]);
  }
  return n;
}

/** The ids of the client's live contacts (a company's; a contact client: itself when live). */
export function clientContactIds(env: Pick<ThreadEnv, 'get'>, key: string): number[] {
  const c = parseClient(key);
  if (!c) return [];
  const st = storeOf(env);
  const rows =
    c.kind === 'company'
      ? (st.stmt('SELECT id FROM contacts WHERE company_id = ? AND deleted_at IS NULL AND merged_into IS NULL ORDER BY id').all(c.id) as { id: number }[])
      : (st.stmt('SELECT id FROM contacts WHERE id = ? AND deleted_at IS NULL AND merged_into IS NULL').all(c.id) as { id: number }[]);
  return rows.map((r) => r.id);
}

/** Where the client's e-mails go: a contact's address, or the company's first live contact's; null when none. */
export function clientEmail(env: Pick<ThreadEnv, 'get'>, key: string): string | null {
  const c = parseClient(key);
  if (!c) return null;
  const st = storeOf(env);
  const r =
    c.kind === 'contact'
      ? (st.stmt('SELECT email FROM contacts WHERE id = ? AND deleted_at IS NULL AND merged_into IS NULL').get(c.id) as { email: string } | undefined)
      : (st.stmt('SELECT email FROM contacts WHERE company_id = ? AND deleted_at IS NULL AND merged_into IS NULL ORDER BY id LIMIT 1').get(c.id) as { email: string } | undefined);
  return r?.email ?? null;
}

/** The client a contact belongs to: its company, else the contact itself; null when the contact is unknown. */
export function clientOfContact(env: Pick<ThreadEnv, 'get'>, contactId: number): string | null {
  const r = storeOf(env).stmt('SELECT company_id FROM contacts WHERE id = ?').get(contactId) as { company_id: number | null } | undefined;
  return r ? clientKey(r.company_id, contactId) : null;
}
