/** A labelled control with its hint, or the problems naming its field (`steps.1.subject: …`), wired for screen readers. */
import type { ReactNode } from 'react';
import { issuesAt, type Issue } from '../api/issues';

export type FieldProps = { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string };

export function Field({ id, label, path, issues, hint, className, children }: { id: string; label: ReactNode; path: string; issues: Issue[]; hint?: string | undefined; className: string; children: (p: FieldProps) => ReactNode }) {
  const mine = issuesAt(issues, path);
  const helpId = `${id}-help`;
  return (
    <div className={className}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': mine.length ? true : undefined, 'aria-describedby': mine.length || hint ? helpId : undefined })}
      {mine.length ? (
        <p id={helpId} className="field-error" data-testid="field-error" data-path={path}>
          {mine.map((i) => `${i.path}: ${i.message}`).join('; ')}
        </p>
      ) : hint ? (
        <p id={helpId} className="hint">
          {hint}
        </p>
      ) : null}
    </div>
  );
}
