import { useId, useState, type FormEvent } from 'react';
import { signIn, useSession } from '../api/client';

/** Shown by the headless server when no token is known yet. */
export function SignIn() {
  const notice = useSession((s) => s.notice);
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const fieldId = useId();
  const helpId = useId();
  const errorId = useId();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setPending(true);
    setError(await signIn(token));
    setPending(false);
  }

  return (
    <main className="signin">
      <form className="signin-card" onSubmit={submit} noValidate>
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true" />
          <span>Baton</span>
        </div>
        <h1>Sign in to this Baton</h1>
        {notice ? (
          <p className="notice" role="alert">
            {notice}
          </p>
        ) : null}
        <p id={helpId} className="muted">
          This Baton runs headless and asks for its access token once. On the machine that runs it, run <code>npx baton token</code> in the Baton folder (the server
          printed the exact command when it started), or read the file <code>&lt;data&gt;/server-token</code>, and paste the token here.{' '}
          <code>npx baton token --url</code> prints a link that signs you in directly.
        </p>
        <label htmlFor={fieldId}>Access token</label>
        <input
          id={fieldId}
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-describedby={error ? `${helpId} ${errorId}` : helpId}
          aria-invalid={error ? true : undefined}
          autoFocus
        />
        {error ? (
          <p id={errorId} className="field-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="btn btn-primary" disabled={pending}>
          {pending ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
