/**
 * Create or edit a contact. Validated as you type with the contract's own schemas
 * (ContactCreate / ContactPatch); an edit sends only the fields that changed, tags
 * as addTags / removeTags. Server refusals (a duplicate e-mail) land on their field.
 */
import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { CONSENTS, STAGES, ContactCreate, ContactPatch, type ApiError, type Contact, type Stage } from '../../../../shared/api';
import { call } from '../../api/client';
import { useAction } from '../../api/hooks';
import { ErrorPanel } from '../../components/ui';
import { STAGE_LABEL } from './format';
import './contact-edit.css';

type TextKey = 'email' | 'firstName' | 'lastName' | 'phone' | 'title' | 'companyName' | 'companyDomain' | 'timeZone';
type Key = TextKey | 'stage' | 'consent' | 'tags';
type Values = Record<TextKey, string> & { stage: Stage; consent: Contact['consent']; tags: string };

export const FIELD_LABEL: Record<Key, string> = {
  email: 'E-mail',
  firstName: 'First name',
  lastName: 'Last name',
  phone: 'Phone',
  title: 'Title',
  companyName: 'Company name',
  companyDomain: 'Company domain',
  stage: 'Lifecycle stage',
  timeZone: 'Time zone',
  tags: 'Tags',
  consent: 'Consent',
};
const TEXT_KEYS: TextKey[] = ['email', 'firstName', 'lastName', 'phone', 'title', 'companyName', 'companyDomain', 'timeZone'];
const CONSENT_LABEL = { unknown: 'Unknown', granted: 'Granted (opted in)', denied: 'Denied (opted out)' } as const;

const splitTags = (s: string): string[] => [...new Set(s.split(/[,;]/).map((t) => t.trim()).filter(Boolean))];

function initialValues(c?: Contact): Values {
  return {
    email: c?.email ?? '',
    firstName: c?.firstName ?? '',
    lastName: c?.lastName ?? '',
    phone: c?.phone ?? '',
    title: c?.title ?? '',
    companyName: c?.companyName ?? '',
    companyDomain: c?.companyDomain ?? '',
    timeZone: c?.timeZone ?? '',
    stage: c?.stage ?? 'lead',
    consent: c?.consent ?? 'unknown',
    tags: (c?.tags ?? []).join(', '),
  };
}

/** The request this form would send now. */
function build(v: Values, initial?: Contact) {
  if (!initial) {
    const body: Record<string, unknown> = { email: v.email };
    for (const k of TEXT_KEYS) if (k !== 'email' && v[k].trim()) body[k] = v[k];
    body.stage = v.stage;
    body.consent = v.consent;
    const tags = splitTags(v.tags);
    if (tags.length) body.tags = tags;
    return { set: body, addTags: [] as string[], removeTags: [] as string[] };
  }
  const iv = initialValues(initial);
  const set: Record<string, unknown> = {};
  for (const k of TEXT_KEYS) {
    if (v[k].trim() === iv[k].trim()) continue;
    set[k] = v[k].trim() === '' ? (k === 'email' ? '' : null) : v[k];
  }
  if (v.stage !== iv.stage) set.stage = v.stage;
  if (v.consent !== iv.consent) set.consent = v.consent;
  const now = splitTags(v.tags);
  const before = initial.tags;
  return { set, addTags: now.filter((t) => !before.includes(t)), removeTags: before.filter((t) => !now.includes(t)) };
}

/** Field → first issue message, from the contract's schema. */
function validate(v: Values, initial?: Contact): Partial<Record<Key, string>> {
  const req = build(v, initial);
  const schema = initial ? ContactPatch : ContactCreate;
  const out: Partial<Record<Key, string>> = {};
  const r = schema.safeParse(initial ? { ...req.set, ...(req.addTags.length ? { tags: req.addTags } : {}) } : req.set);
  if (!r.success) {
    for (const issue of r.error.issues) {
      const k = String(issue.path[0] ?? '') as Key;
      if (k in FIELD_LABEL && !out[k]) out[k] = issue.message;
    }
  }
  return out;
}

function serverFieldErrors(e: ApiError | null): Partial<Record<Key, string>> {
  const out: Partial<Record<Key, string>> = {};
  if (!e) return out;
  for (const i of e.issues ?? []) {
    const k = i.path.replace(/^set\./, '').split('.')[0] as Key;
    if (k in FIELD_LABEL && !out[k]) out[k] = k === 'email' && e.code === 'conflict' ? e.message.replace(/^email:\s*/, '') : i.message;
  }
  return out;
}

let zones: string[] | null = null;
function timeZones(): string[] {
  if (!zones) {
    try {
      zones = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
    } catch {
      zones = [];
    }
  }
  return zones;
}

export function ContactForm({ initial, onSaved, onCancel }: { initial?: Contact; onSaved: (c: Contact) => void; onCancel: () => void }) {
  const ids = useId();
  const [values, setValues] = useState<Values>(() => initialValues(initial));
  const [touched, setTouched] = useState<Partial<Record<Key, boolean>>>({});
  const [submitted, setSubmitted] = useState(false);
  const [unchanged, setUnchanged] = useState(false);
  const errors = useMemo(() => validate(values, initial), [values, initial]);
  const firstInput = useRef<HTMLInputElement>(null);
  useEffect(() => firstInput.current?.focus(), []);

  const save = useAction(async (v: Values) => {
    const req = build(v, initial);
    if (!initial) return call('contacts.create', ContactCreate.parse(req.set));
    return call('contacts.update', {
      id: initial.id,
      set: ContactPatch.parse(req.set),
      ...(req.addTags.length ? { addTags: req.addTags } : {}),
      ...(req.removeTags.length ? { removeTags: req.removeTags } : {}),
    });
  });
  const server = serverFieldErrors(save.error);
  const serverElsewhere = save.error && Object.keys(server).length === 0 ? save.error : null;

  const set = (k: Key, val: string) => {
    setValues((v) => ({ ...v, [k]: val }));
    setTouched((t) => ({ ...t, [k]: true }));
    setUnchanged(false);
    if (save.error) save.clearError();
  };
  const shown = (k: Key): string | undefined => server[k] ?? (touched[k] || submitted ? errors[k] : undefined);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (Object.keys(errors).length) {
      const k = (Object.keys(FIELD_LABEL) as Key[]).find((x) => errors[x]);
      if (k) document.getElementById(`${ids}-${k}`)?.focus();
      return;
    }
    if (initial) {
      const req = build(values, initial);
      if (!Object.keys(req.set).length && !req.addTags.length && !req.removeTags.length) {
        setUnchanged(true);
        return;
      }
    }
    const c = await save.run(values);
    if (c) onSaved(c);
    else if (values) document.getElementById(`${ids}-email`)?.focus();
  };

  const errId = (k: Key) => `${ids}-${k}-err`;
  const text = (k: TextKey, opts: { type?: string; required?: boolean; autoComplete?: string; list?: string; hint?: string; placeholder?: string } = {}) => {
    const err = shown(k);
    return (
      <div className="cf-field">
        <label htmlFor={`${ids}-${k}`}>
          {FIELD_LABEL[k]}
          {opts.required ? <span className="cf-req"> (required)</span> : null}
        </label>
        <input
          id={`${ids}-${k}`}
          ref={k === 'email' ? firstInput : undefined}
          name={k}
          type={opts.type ?? 'text'}
          value={values[k]}
          required={opts.required}
          autoComplete={opts.autoComplete ?? 'off'}
          list={opts.list}
          placeholder={opts.placeholder}
          aria-invalid={err ? true : undefined}
          aria-describedby={err ? errId(k) : opts.hint ? `${ids}-${k}-hint` : undefined}
          onChange={(e) => set(k, e.target.value)}
          onBlur={() => setTouched((t) => ({ ...t, [k]: true }))}
        />
        {err ? (
          <p className="field-error" id={errId(k)} data-testid={`error-${k}`}>
            {FIELD_LABEL[k]}: {err}
          </p>
        ) : opts.hint ? (
          <p className="hint" id={`${ids}-${k}-hint`}>
            {opts.hint}
          </p>
        ) : null}
      </div>
    );
  };

  const title = initial ? `Edit ${initial.email}` : 'New contact';
  return (
    <form
      className="card cf"
      aria-labelledby={`${ids}-heading`}
      onSubmit={(e) => void submit(e)}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onCancel();
        }
      }}
      noValidate
      data-testid="contact-form"
    >
      <h3 id={`${ids}-heading`}>{title}</h3>
      <div className="cf-grid">
        {text('email', { type: 'email', required: true, autoComplete: 'off', placeholder: 'ada@example.com' })}
        {text('phone', { type: 'tel' })}
        {text('firstName')}
        {text('lastName')}
        {text('title', { hint: 'Job title, e.g. CEO' })}
        <div className="cf-field">
          <label htmlFor={`${ids}-stage`}>{FIELD_LABEL.stage}</label>
          <select id={`${ids}-stage`} className="cf-select" value={values.stage} onChange={(e) => set('stage', e.target.value)}>
            {STAGES.map((s) => (
              <option key={s} value={s}>
                {STAGE_LABEL[s]}
              </option>
            ))}
          </select>
        </div>
        {text('companyName')}
        {text('companyDomain', { hint: 'e.g. acme.com (a URL is fine)' })}
        {text('timeZone', { list: `${ids}-zones`, hint: 'IANA name, e.g. Europe/Berlin' })}
        <div className="cf-field">
          <label htmlFor={`${ids}-consent`}>{FIELD_LABEL.consent}</label>
          <select id={`${ids}-consent`} className="cf-select" value={values.consent} onChange={(e) => set('consent', e.target.value)}>
            {CONSENTS.map((s) => (
              <option key={s} value={s}>
                {CONSENT_LABEL[s]}
              </option>
            ))}
          </select>
        </div>
        <div className="cf-field cf-wide">
          <label htmlFor={`${ids}-tags`}>{FIELD_LABEL.tags}</label>
          <input
            id={`${ids}-tags`}
            name="tags"
            value={values.tags}
            autoComplete="off"
            aria-invalid={shown('tags') ? true : undefined}
            aria-describedby={shown('tags') ? errId('tags') : `${ids}-tags-hint`}
            onChange={(e) => set('tags', e.target.value)}
            placeholder="vip, newsletter"
          />
          {shown('tags') ? (
            <p className="field-error" id={errId('tags')} data-testid="error-tags">
              {FIELD_LABEL.tags}: {shown('tags')}
            </p>
          ) : (
            <p className="hint" id={`${ids}-tags-hint`}>
              Separated by commas.
            </p>
          )}
        </div>
      </div>
      <datalist id={`${ids}-zones`}>
        {timeZones().map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
      {serverElsewhere ? <ErrorPanel what={initial ? 'Could not save the contact' : 'Could not create the contact'} error={serverElsewhere} onRetry={() => void submit({ preventDefault() {} } as FormEvent)} /> : null}
      {unchanged ? (
        <p className="hint" role="status">
          Nothing changed.
        </p>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={save.pending}>
          {save.pending ? 'Saving…' : initial ? 'Save changes' : 'Create contact'}
        </button>
        <button type="button" className="btn btn-quiet" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
