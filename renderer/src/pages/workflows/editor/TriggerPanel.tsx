/**
 * The trigger: started by hand, on a schedule (cron in words and the next five
 * fire times in the chosen zone, from schedules.preview), on an event (its data
 * shape from events.catalog, an optional filter), or on a webhook call (its
 * address and its secret).
 */
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { EventTypeInfo, Trigger } from '../../../../../shared/api';
import { call } from '../../../api/client';
import { useApi } from '../../../api/hooks';
import { ExpressionInput } from './ExpressionInput';
import { placeIssues, setTrigger } from './model';
import { useEditor, useEditorStore } from './store';
import { triggerLabel } from './triggerText';

type Kind = Trigger['type'];
const KINDS: { kind: Kind; label: string; help: string }[] = [
  { kind: 'manual', label: 'By hand', help: 'Run now, the API (runs.start) or baton run start.' },
  { kind: 'schedule', label: 'On a schedule', help: 'A cron schedule in a time zone.' },
  { kind: 'event', label: 'On an event', help: 'A form submitted, a contact created, an approval decided …' },
  { kind: 'webhook', label: 'On a webhook call', help: 'POST /hooks/<slug> with the hook’s secret.' },
];

const localZone = (): string => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
};

function defaults(kind: Kind, events: readonly EventTypeInfo[], id: string): Trigger {
  switch (kind) {
    case 'schedule':
      return { type: 'schedule', cron: '0 9 * * 1-5', timezone: localZone(), catchUp: 'once' };
    case 'event':
      return { type: 'event', event: events.find((e) => e.type === 'form.submitted')?.type ?? events[0]?.type ?? 'contact.created' };
    case 'webhook':
      return { type: 'webhook', slug: id || 'my-hook' };
    default:
      return { type: 'manual' };
  }
}

export function TriggerPanel() {
  const store = useEditorStore();
  const trigger = useEditor((s) => s.history.present.trigger);
  const events = useEditor((s) => s.events);
  const draft = useEditor((s) => s.history.present);
  const issues = useEditor((s) => s.issues);
  const problems = useMemo(() => placeIssues(draft, issues).trigger, [draft, issues]);
  // What each kind was set to, so trying another kind and coming back keeps it.
  const memory = useRef(new Map<Kind, Trigger>([[trigger.type, trigger]]));
  const set = (t: Trigger, group?: string) => {
    memory.current.set(t.type, t);
    const s = store.getState();
    s.commit(setTrigger(s.history.present, t), group);
  };
  const label = triggerLabel(trigger, events);
  const name = useId();

  return (
    <>
      <div className="ed-panel-head">
        <h2 tabIndex={-1}>Trigger</h2>
        <p className="muted small">
          {label.title}: {label.detail}. It starts every step that has no incoming connection.
        </p>
      </div>
      <fieldset className="ed-radio-group">
        <legend>The workflow starts</legend>
        {KINDS.map((k) => (
          <label key={k.kind} className="ed-radio">
            <input type="radio" name={name} value={k.kind} checked={trigger.type === k.kind} onChange={() => set(memory.current.get(k.kind) ?? defaults(k.kind, events, draft.id))} />
            <span>
              {k.label}
              <span className="muted small block">{k.help}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {trigger.type === 'schedule' ? <ScheduleFields t={trigger} onChange={(t, g) => set(t, g)} problems={problems} /> : null}
      {trigger.type === 'event' ? <EventFields t={trigger} events={events} onChange={(t, g) => set(t, g)} problems={problems} /> : null}
      {trigger.type === 'webhook' ? <WebhookFields t={trigger} onChange={(t, g) => set(t, g)} problems={problems} /> : null}
      {problems.filter((p) => !['trigger.cron', 'trigger.timezone', 'trigger.event', 'trigger.filter', 'trigger.slug'].includes(p.path)).map((p) => (
        <p key={p.path + p.message} className="field-error">
          {p.path}: {p.message}
        </p>
      ))}
    </>
  );
}

function Errors({ list }: { list: { message: string }[] }) {
  return (
    <>
      {list.map((p) => (
        <p key={p.message} className="field-error">
          {p.message}
        </p>
      ))}
    </>
  );
}

type Schedule = Extract<Trigger, { type: 'schedule' }>;
function ScheduleFields({ t, onChange, problems }: { t: Schedule; onChange: (t: Trigger, group?: string) => void; problems: { path: string; message: string }[] }) {
  const ids = { cron: useId(), tz: useId(), list: useId(), catchUp: useId(), prev: useId() };
  const zones = useMemo(() => {
    try {
      return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
    } catch {
      return ['UTC'];
    }
  }, []);
  const [preview, setPreview] = useState<{ text: string | null; next: string[]; issues: { path: string; message: string }[] } | null>(null);
  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      call('schedules.preview', { cron: t.cron, timezone: t.timezone, count: 5 }).then(
        (r) => live && setPreview(r),
        () => live && setPreview(null),
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [t.cron, t.timezone]);
  const fmt = useMemo(() => {
    try {
      return new Intl.DateTimeFormat(undefined, { timeZone: t.timezone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
    } catch {
      return null;
    }
  }, [t.timezone]);
  const cronIssues = [...problems.filter((p) => p.path === 'trigger.cron'), ...(preview?.issues.filter((p) => p.path === 'trigger.cron' && !problems.some((q) => q.message === p.message)) ?? [])];
  const tzIssues = [...problems.filter((p) => p.path === 'trigger.timezone'), ...(preview?.issues.filter((p) => p.path === 'trigger.timezone' && !problems.some((q) => q.message === p.message)) ?? [])];
  return (
    <div className="pf-section">
      <div className="pf-field">
        <label htmlFor={ids.cron}>Cron</label>
        <input id={ids.cron} type="text" value={t.cron} spellCheck={false} aria-invalid={cronIssues.length ? true : undefined} aria-describedby={ids.prev} onChange={(e) => onChange({ ...t, cron: e.target.value }, 'trigger:cron')} />
        <Errors list={cronIssues} />
        <p className="hint">minute hour day-of-month month day-of-week, e.g. 0 9 * * 1-5; or 6 fields with seconds first.</p>
      </div>
      <div className="pf-field">
        <label htmlFor={ids.tz}>Time zone</label>
        <input id={ids.tz} type="text" list={ids.list} value={t.timezone} spellCheck={false} aria-invalid={tzIssues.length ? true : undefined} onChange={(e) => onChange({ ...t, timezone: e.target.value }, 'trigger:tz')} />
        <datalist id={ids.list}>
          {zones.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
        <Errors list={tzIssues} />
      </div>
      <div className="pf-field">
        <label htmlFor={ids.catchUp}>Missed while Baton was closed</label>
        <select id={ids.catchUp} value={t.catchUp ?? 'once'} onChange={(e) => onChange({ ...t, catchUp: e.target.value as Schedule['catchUp'] })}>
          <option value="once">Run once for all missed times</option>
          <option value="all">Run each missed time</option>
          <option value="skip">Skip them</option>
        </select>
      </div>
      <div id={ids.prev} className="ed-schedule-preview" data-testid="schedule-preview" aria-live="polite">
        {preview?.text ? (
          <p>
            <strong>Runs {preview.text}</strong>
            {tzIssues.length ? null : <span className="muted"> in {t.timezone}</span>}.
          </p>
        ) : null}
        {preview && preview.next.length ? (
          <>
            <p className="muted small">The next {preview.next.length} times:</p>
            <ol className="ed-next-fires">
              {preview.next.map((iso) => (
                <li key={iso}>
                  <time dateTime={iso}>{fmt ? fmt.format(new Date(iso)) : iso}</time>
                </li>
              ))}
            </ol>
          </>
        ) : null}
      </div>
    </div>
  );
}

type EventT = Extract<Trigger, { type: 'event' }>;
function EventFields({ t, events, onChange, problems }: { t: EventT; events: readonly EventTypeInfo[]; onChange: (t: Trigger, group?: string) => void; problems: { path: string; message: string }[] }) {
  const ids = { ev: useId(), filter: useId(), fh: useId() };
  const pinned = useEditor((s) => s.pinned);
  const info = events.find((e) => e.type === t.event);
  const byDomain = useMemo(() => {
    const m = new Map<string, EventTypeInfo[]>();
    for (const e of events) m.set(e.domain, [...(m.get(e.domain) ?? []), e]);
    return [...m.entries()];
  }, [events]);
  const scope = useMemo(() => ({ event: { type: t.event, data: pinned ?? {}, subject: null } }), [t.event, pinned]);
  return (
    <div className="pf-section">
      <div className="pf-field">
        <label htmlFor={ids.ev}>Event type</label>
        <select id={ids.ev} value={info ? t.event : ''} onChange={(e) => onChange({ ...t, event: e.target.value })}>
          {info ? null : <option value="">{t.event ? `${t.event} (not declared by any domain)` : '— choose —'}</option>}
          {byDomain.map(([domain, list]) => (
            <optgroup key={domain} label={domain}>
              {list.map((e) => (
                <option key={e.type} value={e.type}>
                  {e.type}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
        <Errors list={problems.filter((p) => p.path === 'trigger.event')} />
        {info ? <p className="hint">{info.description}</p> : null}
      </div>
      {info ? (
        <div className="ed-shape" data-testid="event-shape">
          <h3>The run gets the event’s data as input</h3>
          <table className="table" aria-label={`Data of ${info.type}`}>
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Type</th>
              </tr>
            </thead>
            <tbody>
              {info.data.map((f) => (
                <tr key={f.name}>
                  <td>
                    <code>input.{f.name}</code>
                    {f.required ? '' : <span className="muted small"> (optional)</span>}
                  </td>
                  <td>{f.type.replace(/\\\|/g, '|')}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {info.subject ? <p className="muted small">About a {info.subject}: the run’s subject is its id.</p> : null}
        </div>
      ) : null}
      <div className="pf-field">
        <label htmlFor={ids.filter}>Only when (optional filter)</label>
        <ExpressionInput
          id={ids.filter}
          label="Only when"
          value={t.filter ?? ''}
          onChange={(f) => {
            const { filter: _drop, ...rest } = t;
            onChange(f === '' ? rest : { ...rest, filter: f }, 'trigger:filter');
          }}
          scope={scope}
          describedBy={ids.fh}
          placeholder='e.g. event.data.form = "webinar"'
        />
        <Errors list={problems.filter((p) => p.path === 'trigger.filter')} />
        <p id={ids.fh} className="hint">
          An expression over <code>event</code> (type, data, subject); the run starts when it is true. The value shown uses the test input.
        </p>
      </div>
    </div>
  );
}

type Hook = Extract<Trigger, { type: 'webhook' }>;
function WebhookFields({ t, onChange, problems }: { t: Hook; onChange: (t: Trigger, group?: string) => void; problems: { path: string; message: string }[] }) {
  const id = useId();
  const stored = useEditor((s) => s.stored);
  const baseline = useEditor((s) => s.baseline.trigger);
  const saved = stored && baseline.type === 'webhook' && baseline.slug === t.slug;
  const hooks = useApi('hooks.list', {});
  const reloadHooks = hooks.reload;
  // Saved (or saved with another slug): the hook exists now.
  useEffect(() => {
    if (saved) reloadHooks();
  }, [saved, reloadHooks]);
  const hook = hooks.data?.hooks.find((h) => h.slug === t.slug);
  const [secret, setSecret] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const origin = /^https?:$/.test(window.location.protocol) ? window.location.origin : null;
  const address = origin ? `${origin}/hooks/${t.slug}` : `/hooks/${t.slug}`;
  return (
    <div className="pf-section">
      <div className="pf-field">
        <label htmlFor={id}>Slug</label>
        <input id={id} type="text" value={t.slug} spellCheck={false} aria-invalid={problems.some((p) => p.path === 'trigger.slug') ? true : undefined} onChange={(e) => onChange({ ...t, slug: e.target.value }, 'trigger:slug')} />
        <Errors list={problems.filter((p) => p.path === 'trigger.slug')} />
      </div>
      <p>
        Address: <code data-testid="hook-address">{address}</code>
        {origin ? null : <span className="muted small"> on the headless server (baton serve)</span>}
      </p>
      <p className="muted small">
        The run gets <code>{'{ body, query, headers }'}</code>. The caller signs the body with the hook’s secret (<code>X-Baton-Signature: sha256=…</code>) or sends it as <code>Authorization: Bearer</code>.
      </p>
      <div className="ed-secret">
        <h3>Secret</h3>
        {saved ? (
          <>
            <p>
              Kept in the secret store as <code>{hook?.secretName ?? '…'}</code>: {hook ? (hook.hasSecret ? 'set.' : 'not set yet; calls get 401 until it is.') : hooks.data ? 'the hook is not registered yet.' : 'checking…'}
            </p>
            <button
              type="button"
              className="btn"
              onClick={() => {
                setErr(null);
                call('hooks.rotateSecret', { slug: t.slug }).then(
                  (r) => {
                    setSecret(r.secret);
                    hooks.reload();
                  },
                  (e: unknown) => setErr((e as Error).message),
                );
              }}
            >
              {hook?.hasSecret ? 'Replace the secret' : 'Create the secret'}
            </button>
            {secret ? (
              <p className="notice" role="status">
                The new secret, shown once: <code data-testid="hook-secret">{secret}</code>. The old one no longer works.
              </p>
            ) : null}
            {err ? <p className="field-error">{err}</p> : null}
          </>
        ) : (
          <p className="muted small">Save the workflow first; then create its secret here (or with baton hooks secret {t.slug}).</p>
        )}
      </div>
    </div>
  );
}
