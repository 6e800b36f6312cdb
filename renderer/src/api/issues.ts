/** Problems named by field path (the contract's zod issues, or the server's), as the editors show them. */
export interface Issue {
  path: string;
  message: string;
}

/** The issues at a field or below it: `steps.1` covers `steps.1.subject`. */
export function issuesAt<T extends Issue>(issues: T[], path: string): T[] {
  return issues.filter((i) => i.path === path || i.path.startsWith(`${path}.`));
}
