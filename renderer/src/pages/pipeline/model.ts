/**
 * The deal forms' view-model (DOM-free): a typed amount read as a number, the New deal and
 * Edit deal inputs checked with the contract's own schemas (the API's messages, by field),
 * and a contact typed as "Name <e-mail>" or an e-mail read back.
 */
import { crmOps, type ApiIssue } from '../../../../shared/api';

/** A typed amount: "1200", "1 200", "1,200.50", "1200,5" (a decimal comma). null when it is not a number. */
export function parseAmount(text: string): number | null {
  let s = text.trim().replace(/[\s_\u00a0\u202f]/g, '');
  if (s === '') return null;
  if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) s = s.replace(/,/g, '');
  else if (/^-?\d+,\d{1,2}$/.test(s)) s = s.replace(',', '.');
  if (!/^-?(\d+\.?\d*|\.\d+)$/.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

export const AMOUNT_HINT = 'use a number such as 1200 (no currency sign)';

/** The e-mail in "Ada Lovelace <ada@acme.test>" or "ada@acme.test"; null for an empty field. */
export function emailOf(text: string): string | null {
  const t = text.trim();
  if (!t) return null;
  const m = /<([^<>]+)>\s*$/.exec(t);
  return (m ? m[1]! : t).trim().toLowerCase();
}

/** How a contact shows in the picker. */
export function contactLabel(c: { firstName: string | null; lastName: string | null; email: string }): string {
  const name = [c.firstName, c.lastName].filter(Boolean).join(' ');
  return name ? `${name} <${c.email}>` : c.email;
}

export interface NewDealForm {
  title: string;
  value: string;
  currency: string;
  stage: string;
  closeDate: string;
}

/** The New deal form as a deals.create input, or the problems by field (the contract's messages). */
export function checkNewDeal(f: NewDealForm, contactId: number | null): { ok: true; input: Record<string, unknown> } | { ok: false; issues: ApiIssue[] } {
  const issues: ApiIssue[] = [];
  if (!f.title.trim()) issues.push({ path: 'title', message: 'give the deal a title' });
  const value = f.value.trim() === '' ? 0 : parseAmount(f.value);
  if (value === null) issues.push({ path: 'value', message: AMOUNT_HINT });
  const input = {
    title: f.title.trim(),
    stage: f.stage,
    value: value ?? 0,
    currency: f.currency.trim().toUpperCase(),
    ...(f.closeDate ? { closeDate: f.closeDate } : {}),
    ...(contactId !== null ? { contactId } : {}),
  };
  const r = crmOps['deals.create'].input.safeParse(input);
  if (!r.success) for (const i of r.error.issues) if (!(i.path.join('.') === 'value' && value === null)) issues.push({ path: i.path.join('.'), message: i.message });
  return issues.length ? { ok: false, issues } : { ok: true, input };
}

export interface EditDealForm {
  title: string;
  value: string;
  closeDate: string;
}

/** The panel's edit form as a deals.update input with only what changed, or the problems by field. */
export function checkEdit(id: number, f: EditDealForm, was: { title: string | null; value: number; closeDate: string | null }): { ok: true; input: Record<string, unknown> & { id: number }; changed: boolean } | { ok: false; issues: ApiIssue[] } {
  const issues: ApiIssue[] = [];
  const value = parseAmount(f.value);
  if (value === null) issues.push({ path: 'value', message: AMOUNT_HINT });
  const input: Record<string, unknown> & { id: number } = { id };
  if (f.title.trim() !== (was.title ?? '')) input.title = f.title;
  if (value !== null && value !== was.value) input.value = value;
  const close = f.closeDate || null;
  if (close !== was.closeDate) input.closeDate = close;
  const r = crmOps['deals.update'].input.safeParse(input);
  if (!r.success) for (const i of r.error.issues) issues.push({ path: i.path.join('.'), message: i.message });
  if (issues.length) return { ok: false, issues };
  return { ok: true, input, changed: Object.keys(input).length > 1 };
}
