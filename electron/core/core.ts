import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import {
  ApiError,
  type EventName,
  type EventPayload,
  isOpName,
  operations,
  parseOrThrow,
  type OpName,
  type OpOutput,
  type SystemInfo,
} from '../../shared/api';
import { jsonTooDeep, MAX_JSON_DEPTH, shortPath, tooDeepMessage } from '../../shared/contract/limits';
import type { Handler, HandlerMap } from './api/types';
import { backupToRestore, lastVerifiedBackup, privateBackups } from './backup';
import { EventBus } from './bus';
import { storeUnavailable } from './db/errors';
import { isCorruption, StoredDataError } from './db/integrity';
import { loadMigrations, schemaVersion } from './db/migrate';
import { CorruptDatabaseError, makePrivate, openStore, type Orm, type Sqlite } from './db/open';
import { settings } from './db/schema';
import { EventTypes } from './domain';
import { NodeRegistry } from './engine/registry';
import { Services, type ServiceKey, type ThreadEnv } from './env';
import { createLogger, type Logger } from './log';
import { resourcesDir } from './resources';
import { createSecretStore, type SecretStore, type SecretStoreOptions } from './secrets';
import { VERSION } from './version';

/** A request to a public route (webhooks, form capture, unsubscribe pages): no bearer token, own auth. */
export interface PublicRequest {
  method: string;
  /** The path below the route's prefix, e.g. for /hooks/new-lead: "new-lead". */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: Buffer;
  /** The client's address (with server.trustProxy behind a local proxy: the last X-Forwarded-For entry). */
  ip?: string;
}
export interface PublicResponse {
  status: number;
  /** JSON body, or `html` for a page, or `text` (sent as text/plain). */
  json?: unknown;
  html?: string;
  /** A body sent as it is, with the Content-Type (and any Content-Security-Policy) in `headers` (a workflow's answer). */
  text?: string;
  /** Bytes sent as they are (an image), with the Content-Type in `headers`. */
  bytes?: Uint8Array;
  /**
   * A redirect target (with status 301/302/303/307/308): an absolute http(s) URL.
   * The server re-serializes it (control characters cannot reach the Location
   * header) and refuses any other scheme.
   */
  redirect?: string;
  headers?: Record<string, string>;
}
export type PublicHandler = (req: PublicRequest) => Promise<PublicResponse> | PublicResponse;

/** Why a host stops on its own: its data folder or database file went away under it. */
export interface StoreLoss {
  reason: 'data_folder_lost' | 'database_lost';
  message: string;
}

/** How often a serving host checks that its data folder and database file are still there. */
export const STORE_WATCH_MS = 1000;

/**
 * The limits of one public route, enforced by the server before the handler
 * runs (docs/server.md, "Public routes"): body size (413), content types of a
 * body (415), and token-bucket rate limits per client address and for the
 * whole route (429 with Retry-After).
 */
export interface RouteLimits {
  /** Largest body in bytes (default: the server's, 1 MiB). */
  bodyLimit?: number;
  /** Media types a request body may have (lower-case, without parameters); any other gets 415. Unset: any. */
  contentTypes?: readonly string[];
  /** Per client address: `burst` requests at once, refilled at `perMinute`. */
  perIp?: { perMinute: number; burst?: number };
  /** For the route as a whole, from every address together. */
  global?: { perMinute: number; burst?: number };
}
/** A route as a domain declares it: a handler alone (the server's default limits), or with its limits. */
export type PublicRoute = PublicHandler | { handler: PublicHandler; limits: RouteLimits };

/** Something that runs while a host is up (the engine's worker pool, the IMAP poller …). */
/** See Core.registerSettingHook. */
export interface SettingHook {
  write?(value: unknown): Promise<{ value: unknown; stored?: () => Promise<void> }>;
  read?(value: unknown): unknown;
}

export interface Service {
  name: string;
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

export interface CoreOptions {
  dataDir: string;
  host: SystemInfo['host'];
  secrets?: SecretStore;
  /** How to choose the secret store when `secrets` is not given (passphrase, key file …); the data folder is added. */
  secretOptions?: SecretStoreOptions;
  /** better-sqlite3 addon built for Electron's ABI (the desktop app). */
  nativeBinding?: string;
  resourcesDir?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/**
 * The engine room: one SQLite store, the secret store, the log, the event bus,
 * the registry the domains fill (operations, node types, event types, host
 * services), and the dispatcher that serves every operation of shared/api.ts.
 * Hosts (Electron main, the HTTP server, the CLI) only translate to `call`.
 * The Core is also the main thread's ThreadEnv (electron/core/env.ts).
 */
export class Core implements ThreadEnv {
  readonly bus = new EventBus();
  readonly startedAt = new Date().toISOString();
  /** Node types of every domain (the engine's only source of them on this thread). */
  readonly nodes = new NodeRegistry();
  /** Event types of every domain, with the schema of each event's data. */
  readonly eventTypes = new EventTypes();
  /** The domains composed into this core, in order. */
  readonly domains: string[] = [];
  private readonly services$ = new Services('on this core');
  private clockFn: () => number = Date.now;
  private readonly appendedListeners = new Set<() => void>();
  private handlers: Partial<Record<OpName, Handler<OpName>>> = {};
  private closers: (() => void | Promise<void>)[] = [];
  private services: Service[] = [];
  private readonly settingHooks = new Map<string, SettingHook>();
  private started = false;
  private storeId: { dev: number; ino: number } | null = null;
  private storeWatch: NodeJS.Timeout | null = null;
  private lost: StoreLoss | null = null;
  private lostHandlers: ((loss: StoreLoss) => void)[] = [];
  /** When each kind of damage was last logged (a polling UI must not flood the log). */
  private damageLogged = new Map<string, number>();
  /** Public HTTP routes by first path segment ("hooks", "u" …), mounted by the headless server. */
  readonly publicRoutes = new Map<string, PublicHandler>();
  /** The limits each public route declared (the server applies its defaults to the others). */
  readonly publicRouteLimits = new Map<string, RouteLimits>();

  private constructor(
    readonly opts: CoreOptions,
    readonly dataDir: string,
    readonly db: Sqlite,
    readonly orm: Orm,
    readonly dbFile: string,
    readonly secrets: SecretStore,
    readonly log: Logger,
    readonly migrationsDir: string,
  ) {}

  static async open(opts: CoreOptions): Promise<Core> {
    mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
    // The data folder, the store and the backups are for this user only (fixed when looser).
    const fixedDir = makePrivate([opts.dataDir], 0o700);
    const log = createLogger({ dir: join(opts.dataDir, 'logs'), level: opts.logLevel ?? 'info' });
    const migrationsDir = join(resourcesDir(opts.resourcesDir), 'migrations');
    let store: ReturnType<typeof openStore>;
    try {
      store = openStore(opts.dataDir, {
        migrationsDir,
        nativeBinding: opts.nativeBinding,
        newestBackup: () => backupToRestore(opts.dataDir),
      });
    } catch (e) {
      if (e instanceof CorruptDatabaseError) log.error('database damaged', { file: e.file, detail: e.detail, newestBackup: e.newestBackup, verified: e.backupVerified });
      throw e;
    }
    const { db, orm, file, migrated, fixedModes } = store;
    const secrets = opts.secrets ?? (await createSecretStore({ ...opts.secretOptions, dataDir: opts.dataDir }));
    const core = new Core(opts, opts.dataDir, db, orm, file, secrets, log, migrationsDir);
    const st = statSync(file);
    core.storeId = { dev: st.dev, ino: st.ino };
    const fixed = [...fixedDir, ...fixedModes, ...privateBackups(opts.dataDir)];
    if (fixed.length) log.warn('files other users could read were made private (files 0600, folders 0700)', { files: fixed });
    if (migrated.from !== migrated.to) log.info('database migrated', migrated);
    return core;
  }

  /** Add a domain's operations; an operation implemented twice fails at startup. */
  register<K extends OpName>(map: HandlerMap<K>): void {
    for (const [name, h] of Object.entries(map)) {
      if (this.handlers[name as OpName]) throw new Error(`Operation "${name}" is implemented twice.`);
      this.handlers[name as OpName] = h as Handler<OpName>;
    }
  }

  /** Whether an operation has a handler on this core. */
  implements(name: OpName): boolean {
    return this.handlers[name] !== undefined;
  }

  // ---- ThreadEnv ---------------------------------------------------------

  /** The clock of the core and its engine, ms since epoch (tests inject a fake one). */
  now(): number {
    return this.clockFn();
  }
  get clock(): () => number {
    return this.clockFn;
  }
  set clock(fn: () => number) {
    this.clockFn = fn;
  }

  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    this.bus.emit(name, payload);
  }

  /** Provide a host service (a domain does it in its create()). */
  provide<T>(key: ServiceKey<T>, value: T): void {
    this.services$.provide(key, value);
  }

  get<T>(key: ServiceKey<T>): T {
    return this.services$.get(key, this);
  }

  has(key: ServiceKey<unknown>): boolean {
    return this.services$.has(key);
  }

  /** Rows were appended to the events table in this process: listeners (the engine) dispatch them now. */
  eventsAppended(): void {
    for (const fn of this.appendedListeners) {
      try {
        fn();
      } catch (e) {
        this.log.error('an events-appended listener failed', { error: e as Error });
      }
    }
  }

  onEventsAppended(fn: () => void): () => void {
    this.appendedListeners.add(fn);
    return () => this.appendedListeners.delete(fn);
  }

  /**
   * Mount a public route at /<prefix>/… on the headless server (no bearer token: the
   * handler authenticates). A prefix is one segment ("hooks") or two ("hooks/forms");
   * the two-segment one wins for the paths below it. A prefix mounted twice fails at startup.
   */
  registerPublicRoute(prefix: string, route: PublicRoute): void {
    if (this.publicRoutes.has(prefix)) throw new Error(`The public route /${prefix} is mounted twice.`);
    if (typeof route === 'function') {
      this.publicRoutes.set(prefix, route);
    } else {
      this.publicRoutes.set(prefix, route.handler);
      this.publicRouteLimits.set(prefix, route.limits);
    }
  }

  /** Add a background service; hosts call start() to run them (one-shot CLI commands do not). */
  addService(service: Service): void {
    this.services.push(service);
    if (this.started) void service.start();
  }

  /** Start the background services (worker pool, schedulers). Called by `baton serve` and Electron main. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const s of this.services) await s.start();
    this.storeWatch = setInterval(() => this.storeIsThere(), STORE_WATCH_MS);
    this.storeWatch.unref();
    this.log.info('services started', { services: this.services.map((s) => s.name) });
  }

  /**
   * Whether the data folder and the database file this core opened are still
   * there (same file, not a new one at the same path). Checked every
   * STORE_WATCH_MS while a host serves, and before a crashed worker is
   * restarted. A loss is reported once: logged (to stderr too: the log file may
   * be gone with the folder), pushed as host.stopping, and handed to the
   * host's onLost handlers, which stop the engine and exit non-zero.
   */
  storeIsThere(): boolean {
    if (this.lost) return false;
    if (!this.storeId) return true;
    let reason: StoreLoss['reason'] | null = null;
    if (!existsSync(this.dataDir)) reason = 'data_folder_lost';
    else {
      const st = statSync(this.dbFile, { throwIfNoEntry: false });
      if (!st || st.ino !== this.storeId.ino || st.dev !== this.storeId.dev) reason = 'database_lost';
    }
    if (!reason) return true;
    let message: string;
    if (reason === 'data_folder_lost') {
      message = `The data folder ${this.dataDir} was deleted or moved while Baton was running. Baton stops: nothing it did from now on could be saved. Put the folder back (or restore a backup into a new one) and start Baton again.`;
    } else {
      const b = backupToRestore(this.dataDir);
      message =
        `The database ${this.dbFile} was deleted or replaced while Baton was running. Baton stops: its writes would be lost. ` +
        (b ? `Restore ${b.verified ? 'the newest verified backup' : 'the newest backup'} with: baton restore "${b.file}", then start Baton again.` : 'No backup is left in the data folder.');
    }
    const loss: StoreLoss = { reason, message };
    this.lost = loss;
    this.stopWatch();
    this.log.error('data lost: stopping', { reason, dataDir: this.dataDir, dbFile: this.dbFile });
    this.bus.emit('host.stopping', loss);
    for (const h of this.lostHandlers) {
      try {
        h(loss);
      } catch (e) {
        this.log.error('error in a data-loss handler', { error: e as Error });
      }
    }
    return false;
  }

  /** Called once when the data folder or the database file is lost (see storeIsThere). */
  onLost(fn: (loss: StoreLoss) => void): void {
    if (this.lost) fn(this.lost);
    else this.lostHandlers.push(fn);
  }

  private stopWatch(): void {
    if (this.storeWatch) clearInterval(this.storeWatch);
    this.storeWatch = null;
  }

  /**
   * When `e` says the store is damaged (SQLITE_CORRUPT, SQLITE_NOTADB, stored JSON
   * that does not parse, a backup that failed its check): the CorruptDatabaseError
   * to answer with, naming the newest verified backup. It is logged and pushed as
   * database.damaged (once a minute per kind of damage). Any other error: null.
   */
  damage(e: unknown): CorruptDatabaseError | null {
    let err: CorruptDatabaseError;
    if (e instanceof CorruptDatabaseError) err = e;
    else if (isCorruption(e)) err = new CorruptDatabaseError(this.dbFile, e instanceof StoredDataError ? `${e.where} is not valid JSON` : (e as Error).message, backupToRestore(this.dataDir));
    else return null;
    const now = Date.now();
    const last = this.damageLogged.get(err.detail);
    if (last === undefined || now - last >= 60_000) {
      this.damageLogged.set(err.detail, now);
      this.log.error('database damaged', { file: err.file, detail: err.detail, newestBackup: err.newestBackup, verified: err.backupVerified });
      this.bus.emit('database.damaged', { file: err.file, detail: err.detail, newestBackup: err.newestBackup, message: err.message });
    }
    return err;
  }

  get isStarted(): boolean {
    return this.started;
  }

  /** Run when the core closes (stop workers, timers …), in reverse order. */
  onClose(fn: () => void | Promise<void>): void {
    this.closers.push(fn);
  }

  /** The dispatcher: validate the input, run the operation, validate the output. */
  async call<N extends OpName>(name: N | string, input: unknown): Promise<OpOutput<N>> {
    if (!isOpName(name)) throw new ApiError('not_found', `Unknown operation "${name}".`);
    const def = operations[name];
    const handler = this.handlers[name];
    if (!handler) throw new ApiError('not_found', `Operation "${name}" is not available in this host.`);
    // Free JSON (run inputs, event data, setting values …) nested past the limit is refused here, once for every
    // operation, before zod or a handler recurses into it (JSON.stringify overflows the stack near 10,000 levels).
    const deep = jsonTooDeep(input, MAX_JSON_DEPTH + 1);
    if (deep) {
      const field = deep.path[0] ?? '(root)';
      const message = `${tooDeepMessage({ ...deep, limit: MAX_JSON_DEPTH })} (at ${shortPath(deep.path)})`;
      throw new ApiError('invalid_input', `Invalid input for ${name}: ${field}: ${message}`, [{ path: field, message }]);
    }
    const parsed = parseOrThrow(def.input, input ?? {}, `input for ${name}`);
    let out: unknown;
    try {
      out = await handler(parsed as never);
    } catch (e) {
      // A damaged store is named as such (exit 4, 503 corrupt_database); a busy or full store is the
      // store's state, not a bug: say so (unavailable, 503, CLI exit 5).
      throw this.damage(e) ?? storeUnavailable(e, `${name} stopped; what it had not committed was rolled back, nothing is half-written.`) ?? e;
    }
    return def.output.parse(out) as OpOutput<N>;
  }

  info(): SystemInfo {
    let integrity: string;
    try {
      integrity = String(this.db.pragma('quick_check', { simple: true }));
    } catch (e) {
      integrity = (e as Error).message;
    }
    return {
      version: VERSION,
      dataDir: this.dataDir,
      dbFile: this.dbFile,
      schemaVersion: schemaVersion(this.db),
      latestSchemaVersion: loadMigrations(this.migrationsDir).length,
      secretBackend: this.secrets.backend(),
      integrity,
      startedAt: this.startedAt,
      host: this.opts.host,
      lastVerifiedBackup: lastVerifiedBackup(this.dataDir),
    };
  }

  /** One prepared statement for every setting read (the start reads dozens: building the query each time was a measurable part of it). */
  private settingQuery: ReturnType<Core['prepareSettingQuery']> | null = null;
  private prepareSettingQuery() {
    return this.orm
      .select()
      .from(settings)
      .where(eq(settings.key, sql.placeholder('key')))
      .prepare();
  }

  setting<T>(key: string, fallback: T): T {
    this.settingQuery ??= this.prepareSettingQuery();
    const row = this.settingQuery.get({ key });
    return row ? (row.value as T) : fallback;
  }

  /**
   * A domain's hook on one setting (at most one per key): `write` turns the validated value into
   * what is stored (e.g. moves a token to the secret store) and may return work to do once it is
   * stored; `read` turns the stored value into what `settings.get` returns.
   */
  registerSettingHook(key: string, hook: SettingHook): void {
    if (this.settingHooks.has(key)) throw new Error(`The setting "${key}" has two hooks.`);
    this.settingHooks.set(key, hook);
  }

  settingHook(key: string): SettingHook | undefined {
    return this.settingHooks.get(key);
  }

  setSetting(key: string, value: unknown): void {
    this.orm
      .insert(settings)
      .values({ key, value, updatedAt: new Date().toISOString() })
      .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: new Date().toISOString() } })
      .run();
  }

  async close(): Promise<void> {
    this.stopWatch();
    if (this.started) {
      for (const s of [...this.services].reverse()) {
        try {
          await s.stop();
        } catch (e) {
          this.log.error('error while stopping a service', { service: s.name, error: e as Error });
        }
      }
      this.started = false;
    }
    for (const fn of this.closers.reverse()) {
      try {
        await fn();
      } catch (e) {
        this.log.error('error while closing', { error: e as Error });
      }
    }
    this.closers = [];
    if (this.db.open) this.db.close();
  }
}
