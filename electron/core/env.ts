/**
 * What code of the core can reach in whichever thread it runs: the host's main
 * thread (the Core) or a Bree worker (the engine's executor). Domain code that
 * runs inside workflow nodes takes a `ThreadEnv`, never the Core, so the same
 * function serves an API call on the main thread and a node in a worker.
 *
 * Services are found through typed keys, not module-level locators:
 * - `threadService(name, make)`: made on first use from the env and cached in
 *   that env (one per thread/connection), e.g. a domain's repository of
 *   prepared statements;
 * - `hostService(name)`: provided once by a domain when the core is composed
 *   (the engine, the scheduler), main thread only.
 */
import type { EventName, EventPayload } from '../../shared/api';
import { dirname } from 'node:path';
import type { Orm, Sqlite } from './db/open';

export interface EnvLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface ServiceKey<T> {
  readonly name: string;
  /** Made from the env on first use (thread services); absent for host services. */
  readonly make?: (env: ThreadEnv) => T;
}

/** A service made per thread (per connection) on first use, e.g. a domain repository. */
export function threadService<T>(name: string, make: (env: ThreadEnv) => T): ServiceKey<T> {
  return { name, make };
}

/** A service a domain provides when the core is composed (main thread only). */
export function hostService<T>(name: string): ServiceKey<T> {
  return { name };
}

export interface ThreadEnv {
  readonly db: Sqlite;
  readonly orm: Orm;
  /** The data folder (the store is <dataDir>/baton.db). */
  readonly dataDir: string;
  /** The engine clock, ms since epoch (tests inject a fake one). */
  now(): number;
  setting<T>(key: string, fallback: T): T;
  readonly secrets: { get(name: string): Promise<string | null> };
  readonly log: EnvLog;
  /** A push event to the hosts (UI). In a worker it is forwarded to the main thread. */
  emit<E extends EventName>(name: E, payload: EventPayload<E>): void;
  /** Rows were appended to the events table: the engine dispatches them now (or at its next heartbeat). */
  eventsAppended(): void;
  /** A service by key: a thread service is made on first use; a host service must have been provided. */
  get<T>(key: ServiceKey<T>): T;
}

/** The cache behind ThreadEnv.get. */
export class Services {
  private readonly values = new Map<string, unknown>();
  constructor(private readonly where: string) {}

  provide<T>(key: ServiceKey<T>, value: T): void {
    if (this.values.has(key.name)) throw new Error(`The service "${key.name}" is provided twice (${this.where}).`);
    this.values.set(key.name, value);
  }

  has(key: ServiceKey<unknown>): boolean {
    return this.values.has(key.name);
  }

  get<T>(key: ServiceKey<T>, env: ThreadEnv): T {
    if (this.values.has(key.name)) return this.values.get(key.name) as T;
    if (!key.make) throw new Error(`The service "${key.name}" is not available ${this.where} (its domain is not registered, or it runs on the host's main thread only).`);
    const v = key.make(env);
    this.values.set(key.name, v);
    return v;
  }
}

/** The parts a thread without a Core (a Bree worker) provides; `setting` reads the settings table. */
export interface ThreadEnvParts {
  db: Sqlite;
  orm: Orm;
  now(): number;
  secrets: ThreadEnv['secrets'];
  log: EnvLog;
  emit(name: EventName, payload: unknown): void;
  eventsAppended(): void;
}

/** A ThreadEnv for a thread without a Core (the engine's workers, tests of domain code). */
export function threadEnv(p: ThreadEnvParts): ThreadEnv {
  const services = new Services('in this worker thread');
  const readSetting = p.db.prepare('SELECT value FROM settings WHERE key = ?').pluck();
  const env: ThreadEnv = {
    db: p.db,
    orm: p.orm,
    // The store is <dataDir>/baton.db in every thread.
    dataDir: dirname(p.db.name),
    now: () => p.now(),
    setting<T>(key: string, fallback: T): T {
      const v = readSetting.get(key) as string | undefined;
      return v === undefined ? fallback : (JSON.parse(v) as T);
    },
    secrets: p.secrets,
    log: p.log,
    emit: (name, payload) => p.emit(name, payload),
    eventsAppended: () => p.eventsAppended(),
    get: (key) => services.get(key, env),
  };
  return env;
}
