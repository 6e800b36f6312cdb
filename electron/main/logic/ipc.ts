/**
 * The IPC envelope between the preload and the main process. ipcMain.handle
 * would turn a thrown error into a bare "Error invoking remote method" string,
 * losing its code and issues, so the main process always resolves with
 * `{ result }` or `{ error: ApiErrorBody }` and the preload rethrows.
 */
import { ApiError, statusOf, type ApiErrorBody, type ApiErrorCode } from '../../../shared/contract/base';

export const CALL_CHANNEL = 'baton:call';
export const EVENT_CHANNEL = 'baton:event';
/** Pseudo-event the shell sends on EVENT_CHANNEL to move the UI to a page (a notification or tray click). */
export const NAVIGATE_EVENT = 'navigate';

export type CallReply = { result: unknown } | { error: ApiErrorBody };

const CODES: ReadonlySet<ApiErrorCode> = new Set(Object.keys(statusOf) as ApiErrorCode[]);

/**
 * Any thrown value -> a structured-cloneable error body. ApiErrors keep code,
 * message and issues; anything else is an internal error whose details stay in
 * the log (the message says where), the same as the headless server does.
 */
export function toErrorReply(e: unknown, logFile?: string | null): { error: ApiErrorBody } {
  if (e instanceof ApiError || (e instanceof Error && isApiErrorLike(e))) {
    const err = e as Error & { code: ApiErrorCode; issues?: ApiErrorBody['issues'] };
    const body: ApiErrorBody = { code: err.code, message: err.message };
    if (Array.isArray(err.issues)) body.issues = err.issues.map((i) => ({ path: String(i.path), message: String(i.message) }));
    return { error: body };
  }
  return { error: { code: 'internal', message: `Internal error; details are in ${logFile ?? 'the log'}.` } };
}

function isApiErrorLike(e: Error): boolean {
  const code = (e as { code?: unknown }).code;
  return e.name === 'ApiError' && typeof code === 'string' && CODES.has(code as ApiErrorCode);
}

/** Check the raw IPC arguments before they reach core.call. */
export function checkCallArgs(name: unknown, input: unknown): { name: string; input: unknown } {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) {
    throw new ApiError('invalid_input', 'The operation name must be a non-empty string such as "system.info".', [
      { path: 'name', message: 'expected an operation name' },
    ]);
  }
  return { name, input: input === undefined ? {} : input };
}

/** The reply sent to a frame that is not the app's own page. */
export function untrustedSenderReply(senderUrl: string | null | undefined): { error: ApiErrorBody } {
  return {
    error: {
      code: 'forbidden',
      message: `IPC call refused: the calling frame (${senderUrl || 'unknown'}) is not Baton's own page.`,
    },
  };
}
