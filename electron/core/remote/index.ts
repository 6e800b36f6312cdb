/**
 * The window's connection: this computer's core, or a remote `baton serve`.
 * Hosts (the desktop app's IPC, `baton serve`'s API and event socket, the tray)
 * talk to the UI through the gateway, never to core.call/core.bus directly:
 * while attached, the gateway sends every operation to the remote (except the
 * connection.* ones it answers itself) and relays the remote's events instead
 * of the local ones. The local core keeps running and keeps its data, so
 * switching back shows it again. The remote's address is a setting; its token
 * is in the secret store (or, without a writable one, in memory until Baton
 * stops), never in the database.
 */
import {
  ApiError,
  connectionOps,
  isLocalOnlyOp,
  parseRemoteUrl,
  REMOTE_TOKEN_SECRET,
  remoteTokenProblem,
  type EventName,
  type EventPayload,
  type WindowConnection,
} from '../../../shared/api';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { EventBus } from '../bus';
import { settings } from '../db/schema';
import type { Core } from '../core';
import { defineDomain } from '../domain';
import { hostService } from '../env';
import { RemoteClient, RemoteError, RemoteLink, type LinkState } from './client';

/** Events of the local host that the window hears whichever data it shows. */
const HOST_EVENTS: ReadonlySet<string> = new Set(['host.stopping', 'connection.changed']);

interface Stored {
  url: string;
  attached: boolean;
}

/** A workspace file of the remote the window is attached to (RemoteClient.fetchFile). */
export type RemoteFile = Awaited<ReturnType<RemoteClient['fetchFile']>> & { origin: string };

/** What a host's UI surface needs: call an operation, hear the events. */
export interface UiSurface {
  call(name: string, input: unknown): Promise<unknown>;
  readonly bus: Pick<EventBus, 'on' | 'onAny'>;
  /** While attached to a remote: its workspace file (the window's previews); null: serve this computer's. */
  remoteFile?(raw: string, maxBytes: number): Promise<RemoteFile | null>;
}

export class RemoteGateway implements UiSurface {
  /** The events the window hears (local or remote ones, and connection.changed). */
  readonly bus = new EventBus();
  private link: RemoteLink | null = null;
  private linkState: LinkState | null = null;
  private memoryToken: { url: string; token: string } | null = null;
  private serving = false;
  /** The revision of the state (connection.changed counts it up). */
  private readonly boot = randomUUID();
  private seq = 0;
  private readonly offLocal: () => void;

  constructor(
    private readonly core: Core,
    private readonly opts: { backoff?: (failures: number) => number } = {},
  ) {
    this.offLocal = core.bus.onAny((name, payload) => {
      if (!this.link || HOST_EVENTS.has(name)) this.bus.emit(name, payload as never);
    });
  }

  /** Start following the stored connection (hosts that serve a window). */
  async start(): Promise<void> {
    this.serving = true;
    const s = this.stored();
    if (s?.attached) {
      const token = await this.token(s.url);
      if (token) this.open(s.url, token);
      else this.core.log.warn('the remote connection has no token in the secret store: back to local data', { url: s.url });
    }
  }

  stop(): void {
    this.serving = false;
    this.closeLink();
  }

  dispose(): void {
    this.stop();
    this.offLocal();
  }

  async call(name: string, input: unknown): Promise<unknown> {
    if (!this.link || isLocalOnlyOp(name)) return this.core.call(name, input);
    return this.link.call(name, input);
  }

  async remoteFile(raw: string, maxBytes: number): Promise<RemoteFile | null> {
    const link = this.link;
    if (!link) return null;
    return { ...(await link.fetchFile(raw, maxBytes)), origin: link.origin };
  }

  status(): WindowConnection {
    const s = this.stored();
    const tokenStorage = s ? (this.memoryToken?.url === s.url ? 'memory' : 'secrets') : null;
    const revision = { boot: this.boot, seq: this.seq };
    if (!this.link) return { mode: 'local', url: s?.url ?? null, state: 'connected', problem: null, message: null, retryAt: null, tokenStorage, revision };
    const l = this.linkState ?? { state: 'connecting' as const };
    return {
      mode: 'remote',
      url: this.link.base,
      state: l.state === 'down' ? 'down' : l.state,
      problem: l.state === 'down' ? l.problem : null,
      message: l.state === 'down' ? l.message : null,
      retryAt: l.state === 'down' ? new Date(l.retryAt).toISOString() : null,
      tokenStorage,
      revision,
    };
  }

  /** Check the address and token against the server, keep them, and (in a serving host) switch the window to it. */
  async attach(input: { url: string; token?: string | undefined }): Promise<WindowConnection> {
    const u = parseRemoteUrl(input.url);
    if (!u.ok) throw new ApiError('invalid_input', u.message, [{ path: 'url', message: u.message }]);
    const token = input.token?.trim() || (await this.token(u.base));
    const problem = remoteTokenProblem(token ?? '');
    if (problem || !token) throw new ApiError('invalid_input', problem ?? 'token: paste the token', [{ path: 'token', message: problem ?? 'paste the token' }]);
    try {
      await new RemoteClient({ url: u.base, token }).call('system.info', {});
    } catch (e) {
      if (e instanceof RemoteError) {
        const field = e.problem === 'bad_token' ? 'token' : 'url';
        throw new ApiError('invalid_input', `${field}: ${e.message}`, [{ path: field, message: e.message }]);
      }
      throw e;
    }
    if (this.core.secrets.backend().writable) {
      await this.core.secrets.set(REMOTE_TOKEN_SECRET, token);
      this.memoryToken = null;
    } else {
      this.memoryToken = { url: u.base, token };
    }
    this.core.setSetting('connection.remote', { url: u.base, attached: true } satisfies Stored);
    if (this.serving) this.open(u.base, token);
    this.changed();
    return this.status();
  }

  /** Back to this computer's data; the remote's address and token stay for next time. */
  detach(): WindowConnection {
    const s = this.stored();
    if (s) this.core.setSetting('connection.remote', { url: s.url, attached: false } satisfies Stored);
    this.closeLink();
    this.changed();
    return this.status();
  }

  async forget(): Promise<void> {
    this.closeLink();
    // Absent, not null: the settings table keeps no null values.
    this.core.orm.delete(settings).where(eq(settings.key, 'connection.remote')).run();
    this.memoryToken = null;
    if (this.core.secrets.backend().writable) await this.core.secrets.delete(REMOTE_TOKEN_SECRET);
    this.changed();
  }

  private stored(): Stored | null {
    const v = this.core.setting<unknown>('connection.remote', null);
    if (!v || typeof v !== 'object') return null;
    const { url, attached } = v as Partial<Stored>;
    return typeof url === 'string' ? { url, attached: attached === true } : null;
  }

  private async token(url: string): Promise<string | null> {
    if (this.memoryToken?.url === url) return this.memoryToken.token;
    const s = this.stored();
    if (s && s.url !== url) return null;
    try {
      return await this.core.secrets.get(REMOTE_TOKEN_SECRET);
    } catch (e) {
      this.core.log.warn('could not read the remote token from the secret store', { error: e as Error });
      return null;
    }
  }

  private open(url: string, token: string): void {
    this.closeLink();
    this.linkState = { state: 'connecting' };
    const link = new RemoteLink({
      url,
      token,
      ...(this.opts.backoff ? { backoff: this.opts.backoff } : {}),
      onState: (s) => {
        if (this.link !== link) return;
        const was = this.linkState;
        // Retrying after a failure: the window keeps saying why it is down until the retry succeeds or fails anew.
        if (s.state === 'connecting' && was?.state === 'down') return;
        this.linkState = s;
        if (s.state === 'down' && was?.state !== 'down') this.core.log.warn('remote server not usable', { url: link.base, problem: s.problem });
        if (s.state === 'connected' && was?.state === 'down') this.core.log.info('remote server back', { url: link.base });
        this.changed();
      },
      onEvent: (name, payload) => {
        if (this.link === link && !HOST_EVENTS.has(name)) this.bus.emit(name, payload as never);
      },
    });
    this.link = link;
    link.start();
    this.core.log.info('the window uses a remote server', { url: link.base });
  }

  private closeLink(): void {
    if (!this.link) return;
    this.link.stop();
    this.link = null;
    this.linkState = null;
  }

  private changed(): void {
    this.seq += 1;
    const s = this.status();
    this.core.bus.emit('connection.changed', s);
  }

  on<E extends EventName>(name: E, cb: (payload: EventPayload<E>) => void): () => void {
    return this.bus.on(name, cb);
  }
}

export const REMOTE_GATEWAY = hostService<RemoteGateway>('connection.gateway');

/** The UI surface of a core: its gateway when the connection domain is composed, else the core itself. */
export function uiOf(core: Core): UiSurface {
  return core.has(REMOTE_GATEWAY) ? core.get(REMOTE_GATEWAY) : core;
}

export const connectionDomain = defineDomain({
  id: 'connection',
  description: 'Attach the window to a remote `baton serve` (Settings > Connections) instead of this computer.',
  ops: connectionOps,
  settings: ['connection.remote'],
  create(core) {
    const gw = new RemoteGateway(core);
    core.provide(REMOTE_GATEWAY, gw);
    return {
      handlers: {
        'connection.get': async () => gw.status(),
        'connection.attach': (i) => gw.attach(i),
        'connection.detach': async () => gw.detach(),
        'connection.forget': async () => {
          await gw.forget();
          return { ok: true as const };
        },
      },
      services: [{ name: 'connection', start: () => gw.start(), stop: () => gw.stop() }],
      onClose: () => gw.dispose(),
    };
  },
});
