/** Settings card: lead-capture forms (list, create, edit, delete) and how to post to one (its URL, curl, an HTML form). */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { ApiError, FormDef } from '../../../../shared/api';
import { call } from '../../api/client';
import { useAction, useApi } from '../../api/hooks';
import { Card, ErrorPanel, Loading } from '../../components/ui';
import { checkForm, curlExample, formDraft, FORM_TARGETS, htmlExample, messageAt, newForm, newMapping, webhookUrl, type FormDraft } from './model';
import { usePublicOrigin } from './Webhooks';
import './config.css';

const TARGET_LABELS: Record<(typeof FORM_TARGETS)[number], string> = {
  email: 'E-mail',
  firstName: 'First name',
  lastName: 'Last name',
  fullName: 'Full name (split)',
  phone: 'Phone',
  title: 'Job title',
  companyName: 'Company name',
  companyDomain: 'Company domain',
  timeZone: 'Time zone',
  consent: 'Consent',
  tags: 'Tags (comma-separated)',
};
const CUSTOM = '__custom';

/** The address this Baton is reached at from outside (the public address, else this page's server); `desktop` when that only reaches this computer. */
function useOrigin(): { origin: string; desktop: boolean } {
  const { origin, loopback } = usePublicOrigin();
  return { origin, desktop: loopback };
}

export function FormsCard() {
  const list = useApi('forms.list', {});
  const [editing, setEditing] = useState<FormDraft | null>(null);
  const [shown, setShown] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const del = useAction(async (slug: string) => {
    await call('forms.delete', { slug });
    setConfirming(null);
    if (shown === slug) setShown(null);
    if (editing?.slug === slug && !editing.isNew) setEditing(null);
    setNotice(`Deleted the form ${slug}: posts to its address now get 404.`);
    list.reload();
  });
  const forms = list.data?.forms ?? [];
  const current = forms.find((f) => f.slug === shown) ?? null;

  return (
    <Card
      title="Lead-capture forms"
      id="settings-forms"
      actions={
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => {
            setEditing(newForm());
            setShown(null);
            setNotice(null);
          }}
        >
          New form
        </button>
      }
    >
      <p className="muted">A landing page or an ad platform's lead webhook posts to a form's address: Baton creates or updates the contact (e-mail required), adds the form's tags and source, and records form.submitted (which workflows and the escalation rules see; a form whose slug or fields say demo or pricing counts as that request).</p>
      {list.error && !list.data ? (
        <ErrorPanel what="Could not load the forms" error={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Loading label="Loading forms…" />
      ) : forms.length === 0 ? (
        <p className="muted" data-testid="no-forms">
          No forms yet. <strong>New form</strong> sets one up and shows the address to post to.
        </p>
      ) : (
        <div className="cfg-table-wrap">
          <table className="table cfg-table" aria-label="Lead-capture forms">
            <thead>
              <tr>
                <th scope="col">Form</th>
                <th scope="col">Fields</th>
                <th scope="col">Tags</th>
                <th scope="col">Source</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {forms.map((f) => (
                <tr key={f.slug} data-testid="form-row" data-form={f.slug}>
                  <td>
                    {f.name}
                    <code className="cfg-sub">/hooks/forms/{f.slug}</code>
                  </td>
                  <td>{Object.entries(f.fields).map(([k, t]) => `${k} → ${t}`).join(', ')}</td>
                  <td>{f.tags.length ? f.tags.join(', ') : <span className="muted">none</span>}</td>
                  <td>{f.source ?? <span className="muted">form:{f.slug}</span>}</td>
                  <td className="cfg-actions-cell">
                    {confirming === f.slug ? (
                      <span className="row-actions" role="group" aria-label={`Delete ${f.name}?`}>
                        <span>Delete “{f.name}”? Posts to it will fail.</span>
                        <button type="button" className="btn btn-danger" disabled={del.pending} onClick={() => void del.run(f.slug)}>
                          Delete
                        </button>
                        <button type="button" className="btn" onClick={() => setConfirming(null)}>
                          Cancel
                        </button>
                      </span>
                    ) : (
                      <>
                        <button
                          type="button"
                          className="btn btn-quiet"
                          aria-expanded={shown === f.slug && !editing}
                          onClick={() => {
                            setShown(shown === f.slug && !editing ? null : f.slug);
                            setEditing(null);
                            setNotice(null);
                          }}
                        >
                          How to use<span className="visually-hidden"> {f.name}</span>
                        </button>
                        <button
                          type="button"
                          className="btn btn-quiet"
                          onClick={() => {
                            setEditing(formDraft(f));
                            setShown(f.slug);
                            setNotice(null);
                          }}
                        >
                          Edit<span className="visually-hidden"> {f.name}</span>
                        </button>
                        <button type="button" className="btn btn-quiet" onClick={() => setConfirming(f.slug)}>
                          Delete<span className="visually-hidden"> {f.name}</span>
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {del.error ? <ErrorPanel what="Could not delete the form" error={del.error} onRetry={confirming ? () => void del.run(confirming) : undefined} /> : null}
      {notice ? (
        <p className="success" role="status">
          {notice}
        </p>
      ) : null}
      {editing ? (
        <FormEditor
          key={editing.isNew ? 'new' : editing.slug}
          initial={editing}
          taken={forms.map((f) => f.slug)}
          onCancel={() => setEditing(null)}
          onSaved={(f) => {
            setEditing(null);
            setShown(f.slug);
            setNotice(`Saved the form ${f.name}.`);
            list.setData((old) => (old ? { forms: [...old.forms.filter((x) => x.slug !== f.slug), f].sort((a, b) => a.slug.localeCompare(b.slug)) } : old));
          }}
        />
      ) : current ? (
        <FormUsage form={current} />
      ) : null}
    </Card>
  );
}

function FormEditor({ initial, taken, onCancel, onSaved }: { initial: FormDraft; taken: string[]; onCancel: () => void; onSaved: (f: FormDef) => void }) {
  const [d, setD] = useState(initial);
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [pending, setPending] = useState(false);
  const focusKey = useRef<string | null>(null);
  const first = useRef<HTMLInputElement>(null);
  const id = useId();
  useEffect(() => first.current?.focus(), []);
  useEffect(() => {
    if (!focusKey.current) return;
    document.querySelector<HTMLElement>(`[data-focus-key="${focusKey.current}"]`)?.focus();
    focusKey.current = null;
  });

  const checked = checkForm(d);
  const all = checked.ok ? [] : [...checked.issues];
  if (d.isNew && taken.includes(d.slug.trim())) all.push({ path: 'slug', message: `a form "${d.slug.trim()}" exists already; pick another slug or edit that form` });
  for (const iss of failure?.issues ?? []) if (!all.some((x) => x.path === iss.path)) all.push(iss);
  // A field's problem shows once it was edited, or after a Save.
  const shownIssues = all.filter((x) => submitted || [...touched].some((t) => x.path === t || x.path.startsWith(`${t}.`)));
  const msg = (p: string) => messageAt(shownIssues, p);
  const edit = (patch: Partial<FormDraft>, field: string) => {
    setD({ ...d, ...patch });
    setTouched((t) => new Set(t).add(field));
    setFailure(null);
  };
  const editRow = (i: number, patch: Partial<FormDraft['fields'][number]>) => edit({ fields: d.fields.map((f, j) => (j === i ? { ...f, ...patch } : f)) }, `fields.${i}`);

  async function save(e: FormEvent) {
    e.preventDefault();
    setSubmitted(true);
    if (!checked.ok || all.length) return;
    setPending(true);
    setFailure(null);
    try {
      onSaved(await call('forms.save', checked.value));
    } catch (err) {
      setFailure(err as ApiError);
    } finally {
      setPending(false);
    }
  }

  const help = (path: string, text: string, hid: string) => (
    <p id={hid} className={msg(path) ? 'field-error' : 'hint'} aria-live="polite">
      {msg(path) ?? text}
    </p>
  );

  return (
    <form className="cfg-detail" onSubmit={save} noValidate data-testid="form-editor" aria-labelledby={`${id}-t`}>
      <h3 id={`${id}-t`}>{d.isNew ? 'New form' : `Edit ${initial.name}`}</h3>
      <div className="cfg-grid">
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input id={`${id}-name`} ref={first} value={d.name} onChange={(e) => edit({ name: e.target.value }, 'name')} aria-invalid={msg('name') ? true : undefined} aria-describedby={`${id}-name-h`} />
          {help('name', 'For you, e.g. Webinar sign-up.', `${id}-name-h`)}
        </div>
        <div className="field">
          <label htmlFor={`${id}-slug`}>Slug</label>
          <input id={`${id}-slug`} value={d.slug} readOnly={!d.isNew} spellCheck={false} placeholder="webinar" onChange={(e) => edit({ slug: e.target.value }, 'slug')} aria-invalid={msg('slug') ? true : undefined} aria-describedby={`${id}-slug-h`} />
          {help('slug', d.isNew ? 'The address: /hooks/forms/<slug>. Lower-case letters, digits and -.' : 'Fixed: it is the form\'s address.', `${id}-slug-h`)}
        </div>
        <div className="field">
          <label htmlFor={`${id}-tags`}>Tags</label>
          <input id={`${id}-tags`} value={d.tags} placeholder="webinar, 2026" onChange={(e) => edit({ tags: e.target.value }, 'tags')} aria-invalid={msg('tags') ? true : undefined} aria-describedby={`${id}-tags-h`} />
          {help('tags', 'Comma-separated; added to every contact who submits.', `${id}-tags-h`)}
        </div>
        <div className="field">
          <label htmlFor={`${id}-source`}>Source</label>
          <input id={`${id}-source`} value={d.source} placeholder={`form:${d.slug || '<slug>'}`} onChange={(e) => edit({ source: e.target.value }, 'source')} aria-invalid={msg('source') ? true : undefined} aria-describedby={`${id}-source-h`} />
          {help('source', 'Set on new contacts (existing ones keep theirs).', `${id}-source-h`)}
        </div>
        <div className="field">
          <label htmlFor={`${id}-redirect`}>Thank-you page</label>
          <input id={`${id}-redirect`} type="url" value={d.redirect} spellCheck={false} placeholder="https://example.com/thanks" onChange={(e) => edit({ redirect: e.target.value }, 'redirect')} aria-invalid={msg('redirect') ? true : undefined} aria-describedby={`${id}-redirect-h`} />
          {help('redirect', 'Optional: a browser that posts the form lands here (303). An http(s) address.', `${id}-redirect-h`)}
        </div>
        <div className="field">
          <label htmlFor={`${id}-respond`}>Answer from workflow</label>
          <input id={`${id}-respond`} value={d.respondWorkflow} spellCheck={false} placeholder="demo-thanks" onChange={(e) => edit({ respondWorkflow: e.target.value }, 'respond')} aria-invalid={msg('respond.workflow') ? true : undefined} aria-describedby={`${id}-respond-h`} />
          {help('respond.workflow', 'Optional: the id of a workflow started by form.submitted; its respond node answers (e.g. a personalised page). Otherwise the thank-you page.', `${id}-respond-h`)}
        </div>
        {d.respondWorkflow.trim() ? (
          <div className="field">
            <label htmlFor={`${id}-respond-timeout`}>Wait at most</label>
            <input id={`${id}-respond-timeout`} value={d.respondTimeout} spellCheck={false} placeholder="10s" onChange={(e) => edit({ respondTimeout: e.target.value }, 'respond')} aria-invalid={msg('respond.timeout') ? true : undefined} aria-describedby={`${id}-respond-timeout-h`} />
            {help('respond.timeout', 'From 100ms to 2m (default 10s); then the thank-you page.', `${id}-respond-timeout-h`)}
          </div>
        ) : null}
      </div>
      <fieldset className="cfg-auto">
        <legend>Field mapping</legend>
        <p className="hint">Each form field (the input's name=&quot;…&quot;) fills a contact field; one must be the e-mail. Other submitted fields are kept on the form.submitted event.</p>
        <table className="table cfg-table" aria-label="Field mapping">
          <thead>
            <tr>
              <th scope="col">Form field</th>
              <th scope="col">Contact field</th>
              <th scope="col">
                <span className="visually-hidden">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {d.fields.map((f, i) => {
              const custom = !(FORM_TARGETS as readonly string[]).includes(f.target);
              const rowName = f.field.trim() || `row ${i + 1}`;
              return (
                <tr key={f.key} data-testid="mapping-row">
                  <td>
                    <input aria-label={`Form field ${i + 1}`} data-focus-key={`${f.key}-field`} value={f.field} spellCheck={false} onChange={(e) => editRow(i, { field: e.target.value })} aria-invalid={msg(`fields.${i}.field`) ? true : undefined} />
                    {msg(`fields.${i}.field`) ? <span className="field-error cfg-sub">{msg(`fields.${i}.field`)}</span> : null}
                  </td>
                  <td>
                    <div className="inline-input">
                      <select aria-label={`Contact field for ${rowName}`} value={custom ? CUSTOM : f.target} onChange={(e) => editRow(i, { target: e.target.value === CUSTOM ? 'custom.' : e.target.value })}>
                        {FORM_TARGETS.map((t) => (
                          <option key={t} value={t}>
                            {TARGET_LABELS[t]}
                          </option>
                        ))}
                        <option value={CUSTOM}>Custom field…</option>
                      </select>
                      {custom ? (
                        <input
                          aria-label={`Custom field name for ${rowName}`}
                          value={f.target.replace(/^custom\./, '')}
                          spellCheck={false}
                          placeholder="e.g. employees"
                          onChange={(e) => editRow(i, { target: `custom.${e.target.value}` })}
                          aria-invalid={msg(`fields.${i}.target`) ? true : undefined}
                        />
                      ) : null}
                    </div>
                    {msg(`fields.${i}.target`) ? <span className="field-error cfg-sub">{msg(`fields.${i}.target`)}</span> : null}
                  </td>
                  <td className="cfg-actions-cell">
                    <button
                      type="button"
                      className="btn btn-quiet"
                      disabled={d.fields.length === 1}
                      onClick={() => {
                        const next = d.fields.filter((_, j) => j !== i);
                        focusKey.current = `${next[Math.min(i, next.length - 1)]!.key}-field`;
                        edit({ fields: next }, 'fields');
                      }}
                    >
                      Remove<span className="visually-hidden"> {rowName}</span>
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {msg('fields') ? <p className="field-error">{msg('fields')}</p> : null}
        <button
          type="button"
          className="btn"
          disabled={d.fields.length >= 50}
          onClick={() => {
            const m = newMapping();
            focusKey.current = `${m.key}-field`;
            edit({ fields: [...d.fields, m] }, 'fields');
          }}
        >
          Add a field
        </button>
      </fieldset>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={pending}>
          {pending ? 'Saving…' : 'Save form'}
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
        {submitted && all.length ? (
          <span className="field-error" role="status" data-testid="form-problems">
            Nothing saved yet; fix {all.map((x) => x.path).join(', ')}.
          </span>
        ) : null}
      </div>
      {failure && !failure.issues?.length ? <ErrorPanel what="The form was not saved" error={failure} /> : null}
    </form>
  );
}

function FormUsage({ form }: { form: FormDef }) {
  const { origin, desktop } = useOrigin();
  const url = webhookUrl(origin, form.slug);
  const id = useId();
  return (
    <section className="cfg-detail" aria-labelledby={`${id}-t`} data-testid="form-usage">
      <h3 id={`${id}-t`}>How to use “{form.name}”</h3>
      <p>
        Post the fields as JSON or as an ordinary HTML form (urlencoded) to this address. The reply is <code>{'{"ok":true}'}</code>; a missing or bad e-mail gets 400 naming the field, an unknown form 404, and nothing is stored.
      </p>
      {desktop ? (
        <p className="notice" data-testid="form-loopback">
          This address only reaches this computer: a form on your website cannot post to it. Put a tunnel or reverse proxy in front of Baton and set the public address in Settings (Server and public address); the examples then use it.
        </p>
      ) : null}
      <Snippet title="Address" text={url} testId="form-url" />
      <Snippet title="Try it with curl" text={curlExample(url, form)} testId="form-curl" />
      <Snippet title="A minimal HTML form" text={htmlExample(url, form)} testId="form-html" />
    </section>
  );
}

function Snippet({ title, text, testId }: { title: string; text: string; testId: string }) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const pre = useRef<HTMLPreElement>(null);
  const id = useId();
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('yes');
    } catch {
      // No clipboard (an insecure origin): select the text so Ctrl+C copies it.
      const range = document.createRange();
      if (pre.current) range.selectNodeContents(pre.current);
      const sel = window.getSelection();
      sel?.removeAllRanges();
      sel?.addRange(range);
      setCopied('no');
    }
  }
  return (
    <div className="cfg-snippet">
      <div className="cfg-snippet-head">
        <h4 id={id}>{title}</h4>
        <span className="row-actions">
          {copied ? (
            <span className={copied === 'yes' ? 'success' : 'muted'} role="status">
              {copied === 'yes' ? 'Copied.' : 'Selected: press Ctrl+C to copy.'}
            </span>
          ) : null}
          <button type="button" className="btn btn-quiet" onClick={() => void copy()}>
            Copy<span className="visually-hidden"> {title.toLowerCase()}</span>
          </button>
        </span>
      </div>
      <pre ref={pre} aria-labelledby={id} tabIndex={0} data-testid={testId}>
        {text}
      </pre>
    </div>
  );
}
