/**
 * Turning whatever a transport hands back into an ApiError the UI can show:
 * the HTTP error envelope, network failures, and errors that crossed Electron IPC.
 * Pure (no DOM): unit-tested in tests/renderer-client.test.ts.
 */
import { ApiError, statusOf, type ApiErrorBody, type ApiErrorCode, type ApiIssue } from '../../../shared/contract/errors';

const CODES = new Set(Object.keys(statusOf));

export function isApiErrorCode(x: unknown): x is ApiErrorCode {
  return typeof x === 'string' && CODES.has(x);
}

function isIssue(x: unknown): x is ApiIssue {
  return !!x && typeof x === 'object' && typeof (x as ApiIssue).path === 'string' && typeof (x as ApiIssue).message === 'string';
}

/** `{ code, message, issues? }` with a known code. */
export function isApiErrorBody(x: unknown): x is ApiErrorBody {
  if (!x || typeof x !== 'object') return false;
  const b = x as Record<string, unknown>;
  return isApiErrorCode(b.code) && typeof b.message === 'string' && (b.issues === undefined || (Array.isArray(b.issues) && b.issues.every(isIssue)));
}

function codeForStatus(status: number): ApiErrorCode {
  if (status === 400 || status === 422) return 'invalid_input';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 502 || status === 503 || status === 504) return 'unavailable';
  return 'internal';
}

/** An HTTP answer that was not `{ result }`: rebuild the server's ApiError, or describe the status. */
export function errorFromHttp(op: string, status: number, body: unknown): ApiError {
  const env = body && typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
  if (isApiErrorBody(env)) return ApiError.from(env);
  const code = codeForStatus(status);
  // A host-level error with its own code (too_large, method_not_allowed …): keep its sentence.
  const message = env && typeof env === 'object' ? (env as { message?: unknown }).message : undefined;
  if (typeof message === 'string' && message) return new ApiError(code, message);
  if (code === 'unauthorized') return new ApiError(code, 'The server did not accept the access token. Sign in again with the current token (run `npx baton token` in the Baton folder).');
  return new ApiError(code, `${op} failed: the server answered HTTP ${status} without an error description.`);
}

/** fetch() itself failed: the server is not reachable. */
export function errorFromNetwork(op: string, base: string, e: unknown): ApiError {
  const why = e instanceof Error ? e.message : String(e);
  return new ApiError('unavailable', `${op}: cannot reach Baton at ${base} (${why}). Is \`npx baton serve\` (or \`npm run serve\`) still running?`);
}

const IPC_PREFIX = /^Error invoking remote method '[^']*':\s*/;

/**
 * Errors from `window.baton.call` (Electron IPC). Electron keeps only the message
 * of a rejected handler, so the main process may send the body as JSON in it, or
 * the preload may rethrow an object with `code`. Accept all of these.
 */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (isApiErrorBody(e)) return ApiError.from(e);
  if (e && typeof e === 'object') {
    const o = e as { error?: unknown; code?: unknown; message?: unknown; issues?: unknown };
    if (isApiErrorBody(o.error)) return ApiError.from(o.error);
    if (isApiErrorCode(o.code) && typeof o.message === 'string') {
      const issues = Array.isArray(o.issues) && o.issues.every(isIssue) ? (o.issues as ApiIssue[]) : undefined;
      return new ApiError(o.code, o.message, issues);
    }
  }
  const raw = e instanceof Error ? e.message : typeof e === 'string' ? e : String(e);
  let msg = raw.replace(IPC_PREFIX, '');
  const json = msg.indexOf('{');
  if (json >= 0) {
    try {
      const parsed: unknown = JSON.parse(msg.slice(json));
      const body = isApiErrorBody(parsed) ? parsed : (parsed as { error?: unknown })?.error;
      if (isApiErrorBody(body)) return ApiError.from(body);
    } catch {
      // not JSON: keep the text
    }
  }
  msg = msg.replace(/^(Api)?Error:\s*/, '');
  return new ApiError('internal', msg || 'Unknown error');
}
