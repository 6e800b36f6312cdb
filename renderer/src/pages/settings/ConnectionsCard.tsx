/**
 * Settings > Connections: use this computer's data, or attach the window to a
 * remote `baton serve` (its https address and token). The host checks both
 * before switching, keeps the token in its secret store, and relays every page
 * to the remote; switching back shows this computer's data again (both stay).
 */
import { useEffect, useId, useState, type FormEvent } from 'react';
import { parseRemoteUrl, remoteTokenProblem, type ApiError, type WindowConnection } from '../../../../shared/api';
import { applyWindowConnection, call, useWindowConnection } from '../../api/client';
import { useAction } from '../../api/hooks';
import { Card } from '../../components/ui';

const PROBLEM: Record<NonNullable<WindowConnection['problem']>, string> = {
  unreachable: 'Unreachable',
  bad_certificate: 'Bad certificate',
  bad_token: 'Token refused',
  forbidden: 'Host name refused',
  not_baton: 'Not a Baton server',
};

/** Field errors of the form: from the rules as typed, or the host's answer (issues name url or token). */
export function connectionFormErrors(url: string, token: string, tokenOptional: boolean): { url?: string; token?: string } {
  const out: { url?: string; token?: string } = {};
  const u = parseRemoteUrl(url);
  if (!u.ok) out.url = u.message.replace(/^url: /, '');
  const t = token.trim();
  if (!(tokenOptional && t === '')) {
    const p = remoteTokenProblem(t);
    if (p) out.token = p.replace(/^token: /, '');
  }
  return out;
}

function fieldErrorsOf(e: ApiError | null): { url?: string; token?: string; other?: string } {
  if (!e) return {};
  const out: { url?: string; token?: string; other?: string } = {};
  for (const i of e.issues ?? []) if (i.path === 'url' || i.path === 'token') out[i.path] = i.message.replace(/^(url|token): /, '');
  if (!out.url && !out.token) out.other = e.message;
  return out;
}

export function ConnectionsCard() {
  const conn = useWindowConnection((s) => s.conn);
  const ids = { url: useId(), token: useId() };
  const [url, setUrl] = useState('');
  const [token, setToken] = useState('');
  const [touched, setTouched] = useState(false);
  useEffect(() => {
    if (conn?.url && !url) setUrl(conn.url);
    // only fill the field once, from the stored address
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [conn?.url]);

  const reuse = !!conn?.url && parseRemoteUrl(url).ok && (parseRemoteUrl(url) as { base: string }).base === conn.url;
  const attach = useAction(async () => {
    const c = await call('connection.attach', { url, ...(token.trim() ? { token: token.trim() } : {}) });
    setToken('');
    setTouched(false);
    applyWindowConnection(c);
  });
  const detach = useAction(async () => applyWindowConnection(await call('connection.detach', {})));
  const typed = touched ? connectionFormErrors(url, token, reuse) : {};
  const answer = fieldErrorsOf(attach.error);
  const errors = { url: typed.url ?? answer.url, token: typed.token ?? answer.token };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    const errs = connectionFormErrors(url, token, reuse);
    if (errs.url || errs.token) return;
    void attach.run();
  };

  const remote = conn?.mode === 'remote';
  return (
    <Card title="Connections" id="settings-connections">
      <p>
        This window can show <strong>this computer&apos;s data</strong> or an <strong>always-on Baton server</strong> (<code>baton serve</code> behind https, see docs/server.md), which keeps automations running while this computer sleeps. Both keep their own data: switching only changes which one you see.
      </p>
      {!conn ? null : remote ? (
        <div data-testid="remote-status" data-state={conn.state} data-problem={conn.problem ?? ''}>
          <p className={conn.state === 'down' ? 'notice' : 'success'}>
            Using the Baton server at <code data-testid="remote-url-now">{conn.url}</code>:{' '}
            {conn.state === 'connected' ? 'connected.' : conn.state === 'connecting' ? 'connecting…' : <strong>{PROBLEM[conn.problem ?? 'unreachable']}.</strong>}
          </p>
          {conn.state === 'down' && conn.message ? (
            <p className="field-error" role="alert" data-testid="remote-problem">
              {conn.message} Decisions you make meanwhile are kept on this device and sent when it is back.
            </p>
          ) : null}
          {conn.tokenStorage === 'memory' ? <p className="muted">The token is kept only until Baton stops: this host has no writable secret store.</p> : null}
          <button type="button" className="btn" data-testid="remote-detach" disabled={detach.pending} onClick={() => void detach.run()}>
            Use this computer&apos;s data
          </button>
          {detach.error ? <p className="field-error">{detach.error.message}</p> : null}
        </div>
      ) : (
        <p className="muted" data-testid="remote-status" data-state="local">
          Now: this computer&apos;s data.
        </p>
      )}
      {!remote ? (
        <form onSubmit={submit} noValidate data-testid="remote-form">
          <div className="field">
            <label htmlFor={ids.url}>Server address</label>
            <input id={ids.url} type="url" data-testid="remote-url" placeholder="https://baton.example.com" value={url} onChange={(e) => setUrl(e.target.value)} aria-invalid={!!errors.url} />
            <p className={errors.url ? 'field-error' : 'hint'} data-testid="remote-url-help">
              {errors.url ?? 'https:// (http:// only for 127.0.0.1, e.g. an SSH tunnel). The certificate is verified.'}
            </p>
          </div>
          <div className="field">
            <label htmlFor={ids.token}>Token</label>
            <input id={ids.token} type="password" autoComplete="off" data-testid="remote-token" value={token} onChange={(e) => setToken(e.target.value)} aria-invalid={!!errors.token} />
            <p className={errors.token ? 'field-error' : 'hint'} data-testid="remote-token-help">
              {errors.token ?? (reuse ? 'Leave empty to use the stored token.' : 'On the server: baton token. Kept in the secret store, never in the database.')}
            </p>
          </div>
          {answer.other ? (
            <p className="field-error" role="alert">
              {answer.other}
            </p>
          ) : null}
          <button type="submit" className="btn btn-primary" data-testid="remote-attach" disabled={attach.pending}>
            {attach.pending ? 'Checking…' : 'Use this server'}
          </button>
        </form>
      ) : null}
    </Card>
  );
}
