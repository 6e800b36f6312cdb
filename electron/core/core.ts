import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import {
  ApiError,
  isOpName,
  operations,
  parseOrThrow,
  type OpName,
  type OpOutput,
  type SystemInfo,
} from '../../shared/api';
import { systemHandlers } from './api/system';
import type { Handler, HandlerMap } from './api/types';
import { newestBackup } from './backup';
import { EventBus } from './bus';
import { loadMigrations, schemaVersion } from './db/migrate';
import { openStore, type Orm, type Sqlite } from './db/open';
import { settings } from './db/schema';
import { createLogger, type Logger } from './log';
import { resourcesDir } from './resources';
import { createSecretStore, type SecretStore } from './secrets';
import { VERSION } from './version';

export interface CoreOptions {
  dataDir: string;
  host: SystemInfo['host'];
  secrets?: SecretStore;
  /** better-sqlite3 addon built for Electron's ABI (the desktop app). */
  nativeBinding?: string;
  resourcesDir?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/**
 * The engine room: one SQLite store, the secret store, the log, the event bus,
 * and the dispatcher that serves every operation of shared/api.ts. Hosts
 * (Electron main, the HTTP server, the CLI) only translate to `call`.
 */
export class Core {
  readonly bus = new EventBus();
  readonly startedAt = new Date().toISOString();
  private handlers: Partial<Record<OpName, Handler<OpName>>> = {};
  private closers: (() => void | Promise<void>)[] = [];

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
    const log = createLogger({ dir: join(opts.dataDir, 'logs'), level: opts.logLevel ?? 'info' });
    const migrationsDir = join(resourcesDir(opts.resourcesDir), 'migrations');
    const { db, orm, file, migrated } = openStore(opts.dataDir, {
      migrationsDir,
      nativeBinding: opts.nativeBinding,
      newestBackup: () => newestBackup(opts.dataDir),
    });
    const secrets = opts.secrets ?? (await createSecretStore());
    const core = new Core(opts, opts.dataDir, db, orm, file, secrets, log, migrationsDir);
    if (migrated.from !== migrated.to) log.info('database migrated', migrated);
    core.register(systemHandlers(core));
    return core;
  }

  /** Add a domain's operations (engine, CRM, AI …). */
  register<K extends OpName>(map: HandlerMap<K>): void {
    for (const [name, h] of Object.entries(map)) this.handlers[name as OpName] = h as Handler<OpName>;
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
    const parsed = parseOrThrow(def.input, input ?? {}, `input for ${name}`);
    const out = await handler(parsed as never);
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
    };
  }

  setting<T>(key: string, fallback: T): T {
    const row = this.orm.select().from(settings).where(eq(settings.key, key)).get();
    return row ? (row.value as T) : fallback;
  }

  setSetting(key: string, value: unknown): void {
    this.orm
      .insert(settings)
      .values({ key, value, updatedAt: new Date().toISOString() })
      .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: new Date().toISOString() } })
      .run();
  }

  async close(): Promise<void> {
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
