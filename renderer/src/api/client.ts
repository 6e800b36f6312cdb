/**
 * The app's one client, chosen once at start: Electron IPC when the preload
 * exposed `window.baton`, otherwise HTTP + WebSocket to the headless server with
 * the token from `#token=…`, storage, or the sign-in screen.
 */
import { create } from 'zustand';
import type { EventName, EventPayload, OpInput, OpName, OpOutput, Transport, WindowConnection } from '../../../shared/api';
import { isNewerConnection } from '../../../shared/contract/revision';
import { connectionStore } from './connection';
import { HttpTransport, type WebSocketCtor } from './httpTransport';
import { IpcTransport, type BatonBridge } from './ipcTransport';
import { TOKEN_KEY, normalizeToken, takeHashToken, tokenProblem } from './token';

/** What the client needs from its surroundings (main.tsx passes the browser's; tests pass their own). */
export interface ClientEnv {
  /** e.g. http://127.0.0.1:4717 */
  origin: string;
  /** The address's hash at start (may carry #token=…). */
  hash: string;
  /** Rewrite the hash without adding a history entry (to strip the token). */
  replaceHash(hash: string): void;
  storage: StorageLike | null;
  WebSocket: WebSocketCtor;
  /** The Electron preload's bridge, when present. */
  bridge?: BatonBridge;
}

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export type SessionStatus = 'signin' | 'ready';

interface Session {
  status: SessionStatus;
  transport: Transport | null;
  /** Why the sign-in screen is shown (e.g. a rejected token). */
  notice: string | null;
}

export const useSession = create<Session>(() => ({ status: 'signin', transport: null, notice: null }));

/** The host's connection: this computer's data or a remote server's (Settings > Connections). Null until known. */
export const useWindowConnection = create<{ conn: WindowConnection | null }>(() => ({ conn: null }));

let lastSource: string | null = null;

/**
 * A connection.changed (or connection.get) from the host: while it is attached
 * to a remote server that cannot be used, the window is offline and says why
 * (decisions queue up); when the window switches to another store, pages reload.
 */
export function applyWindowConnection(c: WindowConnection): void {
  // An older state arriving late (an answer overtaken by an event, or the reverse) changes nothing.
  if (!isNewerConnection(useWindowConnection.getState().conn, c)) return;
  const source = c.mode === 'remote' ? `remote:${c.url ?? ''}` : 'local';
  const switched = lastSource !== null && lastSource !== source;
  lastSource = source;
  useWindowConnection.setState({ conn: c });
  const dispatch = connectionStore.getState().dispatch;
  if (c.mode === 'remote' && c.state === 'down') {
    dispatch({ type: 'upstream', ok: false, error: c.message ?? 'The remote Baton server cannot be used.', retryAt: c.retryAt ? Date.parse(c.retryAt) : null, switched });
  } else {
    dispatch({ type: 'upstream', ok: true, switched });
  }
}

let unwatch: (() => void) | null = null;

/** Follow the host's connection: its events, and a fresh read each time the event stream (re)opens. */
function watchWindowConnection(t: Transport): void {
  unwatch?.();
  lastSource = null;
  const read = () => {
    t.call('connection.get', {}).then(applyWindowConnection, () => {
      // a host without the operation, or not reachable: the stream state says so
    });
  };
  const offEvent = t.on('connection.changed', applyWindowConnection);
  const offStore = connectionStore.subscribe((s, prev) => {
    if (s.stream && !prev.stream) read();
  });
  read();
  unwatch = () => {
    offEvent();
    offStore();
  };
}

let http: HttpTransport | null = null;
let env: ClientEnv | null = null;

function storage(): StorageLike | null {
  return env?.storage ?? null;
}

function environment(): ClientEnv {
  if (!env) throw new Error('boot() was not called');
  return env;
}

function startHttp(token: string): HttpTransport {
  http?.stop();
  const t = new HttpTransport({
    baseUrl: environment().origin,
    token,
    WebSocket: environment().WebSocket,
    onConnection: (e) => connectionStore.getState().dispatch(e),
    onUnauthorized: () => signOut('The server did not accept the saved token (it changes when the data folder is new or the token is reset). Paste the current one.'),
  });
  http = t;
  watchWindowConnection(t);
  t.start();
  return t;
}

/** Decide the transport. Called once by main.tsx. */
export function boot(e: ClientEnv): void {
  env = e;
  if (e.bridge) {
    connectionStore.getState().dispatch({ type: 'open' });
    const ipc = new IpcTransport(e.bridge);
    useSession.setState({ status: 'ready', transport: ipc, notice: null });
    watchWindowConnection(ipc);
    return;
  }
  const { token: fromHash, hash } = takeHashToken(e.hash);
  if (fromHash !== null) {
    storage()?.setItem(TOKEN_KEY, fromHash);
    e.replaceHash(hash);
  }
  const token = fromHash ?? storage()?.getItem(TOKEN_KEY) ?? null;
  if (token) useSession.setState({ status: 'ready', transport: startHttp(token), notice: null });
  else useSession.setState({ status: 'signin', transport: null, notice: null });
}

/**
 * Sign in with a pasted token: check it against the server (system.info) before
 * keeping it. Returns an error sentence, or null when signed in.
 */
export async function signIn(input: string): Promise<string | null> {
  const token = normalizeToken(input);
  const problem = tokenProblem(token);
  if (problem) return problem;
  const probe = new HttpTransport({ baseUrl: environment().origin, token, WebSocket: environment().WebSocket });
  try {
    await probe.call('system.info', {});
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (err.code === 'unauthorized') return 'That token was not accepted. Copy it again from `npx baton token` (in the Baton folder) or <data>/server-token.';
    return err.message ?? String(e);
  }
  storage()?.setItem(TOKEN_KEY, token);
  useSession.setState({ status: 'ready', transport: startHttp(token), notice: null });
  return null;
}

export function signOut(notice: string | null = null): void {
  unwatch?.();
  unwatch = null;
  http?.stop();
  http = null;
  storage()?.removeItem(TOKEN_KEY);
  useSession.setState({ status: 'signin', transport: null, notice });
}

function transport(): Transport {
  const t = useSession.getState().transport;
  if (!t) throw new Error('Baton is not connected yet.');
  return t;
}

/** Call an operation through the chosen transport. */
export function call<N extends OpName>(name: N, input: OpInput<N>): Promise<OpOutput<N>> {
  return transport().call(name, input);
}

/** Listen to a push event; returns the unsubscribe function. */
export function on<E extends EventName>(event: E, cb: (payload: EventPayload<E>) => void): () => void {
  return transport().on(event, cb);
}

/** Try the event stream now (the browser came back online). */
export function retryConnection(): void {
  http?.retryNow();
}

/**
 * A file of the data folder's workspace, for previews: over HTTP from the headless server's
 * file route; null when the window talks to its host over IPC (then ask an operation, such as
 * reports.file).
 */
export function fetchWorkspaceFile(path: string): Promise<Uint8Array> | null {
  return http ? http.fetchFile(path) : null;
}

/** True when the app runs against the headless server (it can sign out). */
export function usesToken(): boolean {
  return http !== null;
}
