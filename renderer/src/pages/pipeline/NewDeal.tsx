/**
 * New deal: a modal dialog (native <dialog>: focus stays inside, Escape closes) with the title,
 * the contact (picked by name or e-mail, or a new e-mail, which adds the contact), value and
 * currency, stage and expected close date. Problems are named by field with the contract's
 * messages and checked before anything is stored; the API's own refusals land on their field too.
 * Opened from the Pipeline (any contact) and from a contact's page (that contact).
 */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { ApiIssue, Deal } from '../../../../shared/api';
import { call } from '../../api/client';
import { toApiError } from '../../api/errors';
import { Field } from '../../components/Field';
import { invalidate, useQuery } from '../../data/query';
import { useDebounced } from '../crm/useDebounced';
import './pipeline.css';
import { checkNewDeal, contactLabel, emailOf, type NewDealForm } from './model';

export function NewDealButton({ contact, onCreated, className }: { contact?: { id: number; label: string }; onCreated?: (d: Deal) => void; className?: string }) {
  const [open, setOpen] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);
  return (
    <>
      <button ref={opener} type="button" className={className ?? 'btn btn-primary'} onClick={() => setOpen(true)}>
        New deal
      </button>
      {open ? (
        <NewDealDialog
          contact={contact}
          onClose={(d) => {
            setOpen(false);
            opener.current?.focus();
            if (d) onCreated?.(d);
          }}
        />
      ) : null}
    </>
  );
}

function NewDealDialog({ contact, onClose }: { contact: { id: number; label: string } | undefined; onClose: (created: Deal | null) => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const pipe = useQuery('pipeline.get', {});
  const stages = pipe.data?.stages ?? [];
  const [form, setForm] = useState<NewDealForm>({ title: '', value: '', currency: '', stage: '', closeDate: '' });
  const [who, setWho] = useState('');
  const [issues, setIssues] = useState<ApiIssue[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const search = useDebounced(who.trim(), 250);
  const found = useQuery('contacts.list', !contact && search.length >= 2 ? { search, limit: 8 } : null);

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  const currency = form.currency || pipe.data?.autoCreate.currency || 'USD';
  const stage = form.stage || stages[0]?.id || 'qualification';
  const set = (k: keyof NewDealForm) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setProblem(null);
    const typed = contact ? null : emailOf(who);
    const checked = checkNewDeal({ ...form, currency, stage }, contact?.id ?? (typed ? 1 : null));
    if (!checked.ok) {
      setIssues(checked.issues);
      return;
    }
    setIssues([]);
    setPending(true);
    try {
      let contactId = contact?.id ?? null;
      if (typed) {
        const hits = await call('contacts.list', { search: typed, limit: 20 });
        const hit = hits.rows.find((c) => c.email.toLowerCase() === typed);
        if (hit) contactId = hit.id;
        else {
          try {
            contactId = (await call('contacts.create', { email: typed })).id;
          } catch (err) {
            const a = toApiError(err);
            setIssues([{ path: 'contactId', message: a.issues?.find((i) => i.path === 'email')?.message ?? a.message }]);
            return;
          }
        }
      }
      const input = { ...checked.input, ...(contactId !== null ? { contactId } : {}) };
      const deal = await call('deals.create', input as never);
      invalidate('deals.list', 'contacts.get');
      ref.current?.close();
      onClose(deal);
    } catch (err) {
      const a = toApiError(err);
      if (a.issues?.length) setIssues(a.issues.map((i) => ({ path: i.path, message: i.message })));
      else setProblem(a.message);
    } finally {
      setPending(false);
    }
  }

  return (
    <dialog
      ref={ref}
      className="pl-dialog"
      aria-labelledby={`${id}-h`}
      onCancel={(e) => {
        e.preventDefault();
        ref.current?.close();
        onClose(null);
      }}
    >
      <form onSubmit={submit} noValidate aria-labelledby={`${id}-h`} className="pl-form">
        <h2 id={`${id}-h`}>New deal{contact ? ` with ${contact.label}` : ''}</h2>
        <Field id={`${id}-title`} label="Title" path="title" issues={issues} className="field">
          {(p) => <input {...p} value={form.title} maxLength={200} placeholder="Website audit" onChange={set('title')} autoFocus />}
        </Field>
        {contact ? null : (
          <Field id={`${id}-who`} label="Contact (optional)" path="contactId" issues={issues} className="field" hint="Type a name or an e-mail and pick one; a new e-mail adds the contact.">
            {(p) => (
              <>
                <input {...p} value={who} list={`${id}-list`} autoComplete="off" placeholder="ada@acme.com" onChange={(e) => setWho(e.target.value)} />
                <datalist id={`${id}-list`}>
                  {(found.data?.rows ?? []).map((c) => (
                    <option key={c.id} value={contactLabel(c)} />
                  ))}
                </datalist>
              </>
            )}
          </Field>
        )}
        <div className="pl-form-row">
          <Field id={`${id}-value`} label="Value" path="value" issues={issues} className="field">
            {(p) => <input {...p} value={form.value} inputMode="decimal" placeholder="0" onChange={set('value')} />}
          </Field>
          <Field id={`${id}-cur`} label="Currency" path="currency" issues={issues} className="field pl-currency">
            {(p) => <input {...p} value={currency} maxLength={3} onChange={(e) => setForm((f) => ({ ...f, currency: e.target.value.toUpperCase() }))} />}
          </Field>
        </div>
        <div className="pl-form-row">
          <Field id={`${id}-stage`} label="Stage" path="stage" issues={issues} className="field">
            {(p) => (
              <select {...p} value={stage} onChange={set('stage')}>
                {stages.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field id={`${id}-close`} label="Expected close (optional)" path="closeDate" issues={issues} className="field">
            {(p) => <input {...p} type="date" value={form.closeDate} onChange={set('closeDate')} />}
          </Field>
        </div>
        {problem ? (
          <p className="field-error" role="alert">
            Could not create the deal: {problem}
          </p>
        ) : issues.length ? (
          <p className="field-error" role="alert" data-testid="new-deal-problems">
            Fix {issues.map((i) => i.path).join(', ')}: nothing was saved.
          </p>
        ) : null}
        <div className="pl-form-actions">
          <button type="submit" className="btn btn-primary" disabled={pending || !pipe.data}>
            {pending ? 'Creating…' : 'Create deal'}
          </button>
          <button
            type="button"
            className="btn"
            onClick={() => {
              ref.current?.close();
              onClose(null);
            }}
          >
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
