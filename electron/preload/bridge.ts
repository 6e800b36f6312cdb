/**
 * What the preload exposes as `window.baton`, built from an ipcRenderer-like
 * object so it runs in plain Node tests. Only two functions cross the bridge;
 * no ipcRenderer, event object or Electron type ever reaches the page.
 *
 * Errors: the main process replies `{ error: { code, message, issues? } }` and
 * `call` rejects with `{ name: 'ApiError', code, message, issues? }`. That is a
 * plain object on purpose: Electron's contextBridge copies only the message of
 * an Error that crosses it (code and issues would be lost), while a plain
 * object arrives whole. The page-side transport rebuilds an ApiError from it
 * (`ApiError.from(e)`); reading e.code / e.message / e.issues works as well.
 * See docs/desktop.md.
 */
import type { ApiErrorBody } from '../../shared/contract/base';

export const CALL_CHANNEL = 'baton:call';
export const EVENT_CHANNEL = 'baton:event';

/** The subset of ipcRenderer the bridge uses. */
export interface IpcLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export interface BatonBridge {
  call(name: string, input?: unknown): Promise<unknown>;
  on(event: string, cb: (payload: unknown) => void): () => void;
}

/** What `call` rejects with: Error-shaped, structured-cloneable, survives contextBridge whole. */
export interface BridgeError extends ApiErrorBody {
  name: 'ApiError';
}

export function bridgeError(body: ApiErrorBody): BridgeError {
  const err: BridgeError = { name: 'ApiError', code: body.code, message: body.message };
  if (Array.isArray(body.issues)) err.issues = body.issues.map((i) => ({ path: String(i.path), message: String(i.message) }));
  return err;
}

function isErrorReply(v: unknown): v is { error: ApiErrorBody } {
  return !!v && typeof v === 'object' && 'error' in v && !!(v as { error: unknown }).error && typeof (v as { error: { message?: unknown } }).error.message === 'string';
}

export function createBridge(ipc: IpcLike): BatonBridge {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let attached = false;

  const dispatch = (_event: unknown, ...args: unknown[]) => {
    const [name, payload] = args;
    if (typeof name !== 'string') return;
    const set = listeners.get(name);
    if (!set) return;
    for (const cb of [...set]) {
      try {
        cb(payload);
      } catch (e) {
        // One broken listener must not stop the others.
        console.error(`baton.on("${name}") listener failed:`, e);
      }
    }
  };

  const bridge: BatonBridge = {
    async call(name: string, input?: unknown): Promise<unknown> {
      if (typeof name !== 'string' || name.length === 0) {
        throw bridgeError({ code: 'invalid_input', message: 'baton.call(name, input): name must be an operation name such as "system.info".', issues: [{ path: 'name', message: 'expected a string' }] });
      }
      let reply: unknown;
      try {
        reply = await ipc.invoke(CALL_CHANNEL, name, input === undefined ? {} : input);
      } catch (e) {
        // The main process is not answering (still starting, or the input could not be cloned).
        throw bridgeError({ code: 'unavailable', message: `Baton's core did not answer ${name}: ${(e as Error)?.message ?? String(e)}` });
      }
      if (isErrorReply(reply)) throw bridgeError(reply.error);
      if (reply && typeof reply === 'object' && 'result' in reply) return (reply as { result: unknown }).result;
      throw bridgeError({ code: 'internal', message: `Unexpected reply from the main process for ${name}.` });
    },
    on(event: string, cb: (payload: unknown) => void): () => void {
      if (typeof event !== 'string' || typeof cb !== 'function') {
        throw new TypeError('baton.on(event, callback): event must be a string and callback a function.');
      }
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      // Wrap so the same function subscribed twice gets two independent subscriptions.
      const wrapped = (payload: unknown) => cb(payload);
      set.add(wrapped);
      if (!attached) {
        ipc.on(EVENT_CHANNEL, dispatch);
        attached = true;
      }
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        const s = listeners.get(event);
        s?.delete(wrapped);
        if (s && s.size === 0) listeners.delete(event);
        if (listeners.size === 0 && attached) {
          ipc.removeListener(EVENT_CHANNEL, dispatch);
          attached = false;
        }
      };
    },
  };
  return Object.freeze(bridge);
}
