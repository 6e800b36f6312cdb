/**
 * Settings card: the webhook triggers, the address a provider posts to (built
 * from the public address), how each one authenticates (Baton, Stripe, Meta,
 * a generic HMAC) and its secrets, set here write-only.
 */
import { useId, useState, type FormEvent } from 'react';
import { publicAddress, type ApiError, type HookInfo, type HookSecretRole } from '../../../../shared/api';
import { call } from '../../api/client';
import { useAction, useApi, useEvent } from '../../api/hooks';
import { Card, ErrorPanel, Loading } from '../../components/ui';
import { WriteOnlyField, useSettings } from '../settings/SettingsForm';
import { applyPreset, authDraft, checkAuth, describeAuth, HMAC_PRESETS, HOOK_KINDS, hookUrl, messageAt, type AuthDraft, type HmacDraft, type Issue } from './model';
import './config.css';

/** The address the outside world posts to: the public address, else this page's own origin in a browser. */
export function usePublicOrigin(): { origin: string; loopback: boolean; configured: boolean } {
  const settings = useSettings();
  const local = window.location.protocol.startsWith('http') ? window.location.origin : undefined;
  const addr = publicAddress(settings.data?.settings ?? {}, local);
  return { origin: addr.url, loopback: addr.loopback, configured: addr.configured };
}

export function WebhooksCard() {
  const list = useApi('hooks.list', {});
  useEvent('secrets.changed', () => list.reload());
  useEvent('workflows.changed', () => list.reload());
  const { origin, loopback } = usePublicOrigin();
  const hooks = list.data?.hooks ?? [];
  return (
    <Card title="Webhooks" id="settings-webhooks">
      <p className="muted">
        A workflow whose trigger is a webhook starts when another service posts to its address. Choose how each one proves where it comes from; a post with a bad signature, an old timestamp or an event seen before gets 401 and starts nothing.
      </p>
      {loopback ? (
        <p className="notice" data-testid="hooks-loopback">
          These addresses use {origin}, which only this computer can open: services on the internet cannot reach it. Set the public address under <strong>Server</strong>.
        </p>
      ) : null}
      {list.error && !list.data ? (
        <ErrorPanel what="Could not load the webhooks" error={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Loading label="Loading webhooks…" />
      ) : hooks.length === 0 ? (
        <p className="muted" data-testid="no-hooks">
          No webhook triggers yet. Import a workflow whose trigger is {'{ "type": "webhook", "slug": "…" }'} and it appears here.
        </p>
      ) : (
        <ul className="hook-list" aria-label="Webhooks">
          {hooks.map((h) => (
            <HookItem key={h.slug} hook={h} origin={origin} onChanged={list.reload} />
          ))}
        </ul>
      )}
    </Card>
  );
}

function HookItem({ hook, origin, onChanged }: { hook: HookInfo; origin: string; onChanged: () => void }) {
  const [editing, setEditing] = useState(false);
  const id = useId();
  const url = hookUrl(origin, hook.slug);
  return (
    <li className="hook-item" data-testid={`hook-${hook.slug}`} aria-labelledby={`${id}-t`}>
      <h3 id={`${id}-t`}>
        /hooks/{hook.slug} <span className="muted">→ {hook.workflowId}</span>{' '}
        <span className={hook.enabled ? 'badge badge-ok' : 'badge badge-neutral'}>{hook.enabled ? 'on' : 'off'}</span>
      </h3>
      <dl className="facts">
        <div>
          <dt>Address</dt>
          <dd>
            <code data-testid="hook-url">{url}</code>
          </dd>
        </div>
        <div>
          <dt>Authentication</dt>
          <dd>
            <span data-testid="hook-auth">{describeAuth(hook.auth)}</span>{' '}
            <button type="button" className="btn-link" onClick={() => setEditing((e) => !e)} aria-expanded={editing}>
              {editing ? 'Close' : 'Change…'}
            </button>
          </dd>
        </div>
      </dl>
      {editing ? (
        <AuthEditor
          hook={hook}
          onSaved={() => {
            setEditing(false);
            onChanged();
          }}
        />
      ) : null}
      {hook.secrets.map((s) => (
        <HookSecret key={s.role} hook={hook} role={s.role} name={s.name} stored={s.set} onSaved={onChanged} />
      ))}
      {hook.auth.type === 'baton' ? <RotateSecret slug={hook.slug} onDone={onChanged} /> : null}
    </li>
  );
}

const ROLE_LABEL: Record<HookSecretRole, string> = { signing: 'Signing secret', verify: 'Verify token' };
function roleHelp(hook: HookInfo, role: HookSecretRole): string {
  if (role === 'verify') return 'Any phrase you choose; enter the same in the Meta app\'s webhook settings ("Verify token").';
  switch (hook.auth.type) {
    case 'stripe':
      return "The endpoint's signing secret from Stripe's dashboard (whsec_…).";
    case 'meta':
      return "The Meta app's App Secret (App settings > Basic).";
    case 'hmac':
      return 'The secret the service shows for this webhook.';
    default:
      return 'Paste a secret you share with the sender, or generate one below.';
  }
}

function HookSecret({ hook, role, name, stored, onSaved }: { hook: HookInfo; role: HookSecretRole; name: string; stored: boolean; onSaved: () => void }) {
  const label = ROLE_LABEL[role];
  return (
    <WriteOnlyField
      label={label}
      stored={stored}
      help={`${roleHelp(hook, role)} Write-only: kept as ${name}, never shown again.`}
      savedText={`Saved the ${label.toLowerCase()} of /hooks/${hook.slug}.`}
      what={`Could not save the ${label.toLowerCase()}`}
      store={(value) => call('hooks.setSecret', { slug: hook.slug, role, value })}
      onSaved={onSaved}
    />
  );
}

function RotateSecret({ slug, onDone }: { slug: string; onDone: () => void }) {
  const [shown, setShown] = useState<string | null>(null);
  const rotate = useAction(async () => {
    const r = await call('hooks.rotateSecret', { slug });
    setShown(r.secret);
    onDone();
  });
  return (
    <div className="form-actions">
      <button type="button" className="btn" disabled={rotate.pending} onClick={() => void rotate.run()}>
        Generate a new secret
      </button>
      {shown ? (
        <p className="notice" role="status">
          New secret (shown only now; the old one stops working): <code data-testid="hook-new-secret">{shown}</code>
        </p>
      ) : null}
      {rotate.error ? <ErrorPanel what="Could not generate a secret" error={rotate.error} /> : null}
    </div>
  );
}

function AuthEditor({ hook, onSaved }: { hook: HookInfo; onSaved: () => void }) {
  const [draft, setDraft] = useState<AuthDraft>(() => authDraft(hook.auth));
  const [issues, setIssues] = useState<Issue[]>([]);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [pending, setPending] = useState(false);
  const ids = { type: useId(), tol: useId(), preset: useId() };
  const setHmac = (patch: Partial<HmacDraft>) => setDraft((d) => ({ ...d, hmac: { ...d.hmac, ...patch } }));
  async function submit(e: FormEvent) {
    e.preventDefault();
    setFailure(null);
    const checked = checkAuth(draft);
    if (!checked.ok) {
      setIssues(checked.issues);
      return;
    }
    setIssues([]);
    setPending(true);
    try {
      await call('hooks.configure', { slug: hook.slug, auth: checked.value });
      onSaved();
    } catch (err) {
      const apiErr = err as ApiError;
      if (apiErr.issues?.length) setIssues(apiErr.issues);
      else setFailure(apiErr);
    } finally {
      setPending(false);
    }
  }
  const field = (key: keyof HmacDraft, label: string, help: string) => {
    const fid = `${ids.type}-${key}`;
    const problem = messageAt(issues, `auth.${key}`);
    return (
      <div className="field" key={key}>
        <label htmlFor={fid}>{label}</label>
        <input id={fid} value={draft.hmac[key]} spellCheck={false} autoComplete="off" onChange={(e) => setHmac({ [key]: e.target.value })} aria-invalid={problem ? true : undefined} aria-describedby={`${fid}-h`} />
        <p id={`${fid}-h`} className={problem ? 'field-error' : 'hint'}>
          {problem ?? help}
        </p>
      </div>
    );
  };
  return (
    <form className="settings-form hook-auth-editor" onSubmit={submit} noValidate aria-label={`Authentication of /hooks/${hook.slug}`}>
      <div className="settings-grid">
        <div className="field">
          <label htmlFor={ids.type}>How callers prove who they are</label>
          <select id={ids.type} value={draft.type} onChange={(e) => setDraft((d) => ({ ...d, type: e.target.value as AuthDraft['type'] }))}>
            {HOOK_KINDS.map((k) => (
              <option key={k.value} value={k.value}>
                {k.label}
              </option>
            ))}
          </select>
        </div>
        {draft.type === 'stripe' ? (
          <div className="field">
            <label htmlFor={ids.tol}>Refuse events older than (seconds)</label>
            <input id={ids.tol} inputMode="numeric" value={draft.tolerance} onChange={(e) => setDraft((d) => ({ ...d, tolerance: e.target.value }))} aria-describedby={`${ids.tol}-h`} />
            <p id={`${ids.tol}-h`} className={messageAt(issues, 'auth.tolerance') ? 'field-error' : 'hint'}>
              {messageAt(issues, 'auth.tolerance') ?? "Stripe's recommended 300."}
            </p>
          </div>
        ) : null}
        {draft.type === 'hmac' ? (
          <>
            <div className="field">
              <label htmlFor={ids.preset}>Fill in for</label>
              <select id={ids.preset} value="" onChange={(e) => setDraft((d) => ({ ...d, hmac: applyPreset(d.hmac, e.target.value) }))}>
                <option value="">Choose a service…</option>
                {HMAC_PRESETS.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.label}
                  </option>
                ))}
              </select>
            </div>
            {field('header', 'Signature header', 'e.g. X-Hub-Signature-256')}
            <div className="field">
              <label htmlFor={`${ids.type}-alg`}>Algorithm</label>
              <select id={`${ids.type}-alg`} value={draft.hmac.algorithm} onChange={(e) => setHmac({ algorithm: e.target.value })}>
                <option value="sha256">SHA-256</option>
                <option value="sha512">SHA-512</option>
                <option value="sha1">SHA-1</option>
              </select>
            </div>
            <div className="field">
              <label htmlFor={`${ids.type}-enc`}>Encoding</label>
              <select id={`${ids.type}-enc`} value={draft.hmac.encoding} onChange={(e) => setHmac({ encoding: e.target.value })}>
                <option value="hex">hex</option>
                <option value="base64">base64</option>
              </select>
            </div>
            {field('prefix', 'Prefix before the signature', 'e.g. sha256= (GitHub) or v0= (Slack); empty for none')}
            {field('signatureKey', 'Signature key (key=value header)', 'e.g. v1 when the header is t=…,v1=… (Calendly); empty otherwise')}
            {field('timestampKey', 'Timestamp key', 'e.g. t in the same header (Calendly)')}
            {field('timestampHeader', 'Timestamp header', 'e.g. X-Slack-Request-Timestamp')}
            {field('signedPayload', 'What is signed', '{body} is the raw body, {timestamp} the timestamp')}
            {field('tolerance', 'Timestamp tolerance (seconds)', 'Deliveries further off are refused')}
            {field('eventIdHeader', 'Delivery id header', 'e.g. X-GitHub-Delivery; a delivery seen before is refused')}
          </>
        ) : null}
      </div>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={pending}>
          {pending ? 'Saving…' : 'Save authentication'}
        </button>
        {issues.length ? (
          <span className="field-error" role="status">
            Nothing saved; fix {issues.map((i) => i.path).join(', ')}.
          </span>
        ) : null}
      </div>
      {failure ? <ErrorPanel what="Could not save the authentication" error={failure} /> : null}
    </form>
  );
}
