/** "Test connection" with its result line (SMTP, WordPress): the check runs on a click; a change of `resetKey` clears the last result. */
import { useEffect, useState } from 'react';
import { useAction } from '../../api/hooks';
import { ErrorPanel } from '../../components/ui';

type Verdict = { ok: boolean; message: string; hint: string | null };

export function TestConnection({ label, what, testId, check, resetKey }: { label: string; what: string; testId: string; check: () => Promise<Verdict>; resetKey?: unknown }) {
  const verify = useAction(check);
  const [result, setResult] = useState<Verdict | null>(null);
  useEffect(() => setResult(null), [resetKey]);
  const run = async () => {
    setResult(null);
    const r = await verify.run();
    if (r) setResult(r);
  };
  return (
    <>
      <div className="form-actions">
        <button type="button" className="btn" disabled={verify.pending} onClick={() => void run()}>
          {verify.pending ? 'Testing…' : label}
        </button>
        {result ? (
          <span className={result.ok ? 'success' : 'field-error'} role="status" data-testid={testId}>
            {result.message} {result.hint}
          </span>
        ) : null}
      </div>
      {verify.error ? <ErrorPanel what={what} error={verify.error} onRetry={() => void run()} /> : null}
    </>
  );
}
