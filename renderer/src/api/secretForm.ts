/** Validation of the secret form, shared with the server's rule (shared/contract/system.ts). Pure. */
import { SECRET_NAME_RULE, SecretName, type ApiIssue } from '../../../shared/api';

export interface SecretFormErrors {
  name?: string;
  value?: string;
}

/** The problem with a name as typed, or null. Empty is not an error until submit. */
export function secretNameProblem(name: string, submitting = false): string | null {
  if (name === '') return submitting ? `Enter a name: ${SECRET_NAME_RULE}.` : null;
  const r = SecretName.safeParse(name);
  if (r.success) return null;
  if (/^[a-z][a-z0-9_]*$/i.test(name) && name !== name.toUpperCase()) return `${SECRET_NAME_RULE}. Try ${name.toUpperCase()}.`;
  return r.error.issues[0]?.message ?? SECRET_NAME_RULE;
}

export function validateSecretForm(name: string, value: string): SecretFormErrors {
  const errors: SecretFormErrors = {};
  const n = secretNameProblem(name, true);
  if (n) errors.name = n;
  if (value.length === 0) errors.value = 'Enter the value to store.';
  return errors;
}

/** Field errors from the server's `issues` (path "name" / "value"). */
export function fieldErrorsFromIssues(issues: ApiIssue[] | undefined): SecretFormErrors {
  const out: SecretFormErrors = {};
  for (const i of issues ?? []) {
    if (i.path === 'name' && !out.name) out.name = i.message;
    if (i.path === 'value' && !out.value) out.value = i.message;
  }
  return out;
}
