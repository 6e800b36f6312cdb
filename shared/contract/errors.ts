/**
 * The one error shape every host returns, without zod: the renderer's first bundle (the shell and the
 * dashboard) imports it without the contract's schemas. Re-exported by ./base.ts.
 */
export type ApiErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'conflict'
  | 'unauthorized'
  | 'forbidden'
  | 'unavailable'
  | 'corrupt_database'
  | 'internal';

export const statusOf: Record<ApiErrorCode, number> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
  /** The store is damaged (SQLITE_CORRUPT, stored JSON that no longer parses): the message names the backup to restore. */
  corrupt_database: 503,
  internal: 500,
};

export interface ApiIssue {
  path: string;
  message: string;
}

/** The one error shape every host returns: `{ error: { code, message, issues? } }`. */
export interface ApiErrorBody {
  code: ApiErrorCode;
  message: string;
  issues?: ApiIssue[];
}

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly issues?: ApiIssue[];
  constructor(code: ApiErrorCode, message: string, issues?: ApiIssue[]) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    if (issues) this.issues = issues;
  }
  get status(): number {
    return statusOf[this.code];
  }
  toBody(): ApiErrorBody {
    return this.issues ? { code: this.code, message: this.message, issues: this.issues } : { code: this.code, message: this.message };
  }
  static from(body: ApiErrorBody): ApiError {
    return new ApiError(body.code, body.message, body.issues);
  }
}

