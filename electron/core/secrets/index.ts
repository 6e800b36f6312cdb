import { createRequire } from 'node:module';
import { ApiError, type SecretBackend } from '../../../shared/api';
import { registerSecretValue } from './scrub';

/**
 * The port every secret goes through. Values never reach SQLite, logs, backups or the renderer:
 * every value a store reads, lists or stores is registered with the scrubber (./scrub.ts) under its
 * name, which replaces it by `[secret NAME]` in logs and in everything persisted or pushed.
 */
export interface SecretStore {
  backend(): SecretBackend;
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<boolean>;
  list(): Promise<string[]>;
}

export const ENV_PREFIX = 'BATON_SECRET_';

/** Reads BATON_SECRET_<NAME> from the environment: for headless machines without a keychain. */
export class EnvSecretStore implements SecretStore {
  constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly why = 'chosen with BATON_SECRETS=env',
  ) {
    // Every secret of the environment is known from the start: a value one step used and another
    // step's remote echoes is scrubbed even if this process never read it itself.
    for (const [k, v] of Object.entries(env)) if (k.startsWith(ENV_PREFIX) && v) registerSecretValue(v, k.slice(ENV_PREFIX.length));
  }
  backend(): SecretBackend {
    return {
      kind: 'env',
      writable: false,
      detail: `Environment variables ${ENV_PREFIX}<NAME> (${this.why}). Set them before starting Baton; they cannot be changed from here.`,
    };
  }
  async get(name: string): Promise<string | null> {
    const v = this.env[ENV_PREFIX + name];
    if (!v || v.length === 0) return null;
    registerSecretValue(v, name);
    return v;
  }
  async set(name: string): Promise<void> {
    throw new ApiError(
      'unavailable',
      `Secrets are read from environment variables here (${this.why}). Set ${ENV_PREFIX}${name} in Baton's environment and restart it, or install and unlock an OS keychain (gnome-keyring) to store secrets from Baton.`,
    );
  }
  async delete(name: string): Promise<boolean> {
    if (this.env[ENV_PREFIX + name] === undefined) return false;
    throw new ApiError('unavailable', `${name} comes from the environment variable ${ENV_PREFIX}${name}: unset it where Baton is started.`);
  }
  async list(): Promise<string[]> {
    return Object.keys(this.env)
      .filter((k) => k.startsWith(ENV_PREFIX) && (this.env[k] ?? '').length > 0)
      .map((k) => k.slice(ENV_PREFIX.length))
      .sort();
  }
}

interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<{ account: string; password: string }[]>;
}

/** The OS keychain through keytar (macOS Keychain, Windows Credential Vault, Secret Service on Linux). */
export class KeychainSecretStore implements SecretStore {
  constructor(
    private readonly keytar: Keytar,
    readonly service: string,
  ) {}
  backend(): SecretBackend {
    return { kind: 'keychain', writable: true, detail: `OS keychain (service "${this.service}")` };
  }
  async get(name: string): Promise<string | null> {
    const v = await this.guard('read', name, () => this.keytar.getPassword(this.service, name));
    registerSecretValue(v, name);
    return v;
  }
  async set(name: string, value: string): Promise<void> {
    registerSecretValue(value, name);
    await this.guard('store', name, () => this.keytar.setPassword(this.service, name, value));
  }
  delete(name: string): Promise<boolean> {
    return this.guard('delete', name, () => this.keytar.deletePassword(this.service, name));
  }
  async list(): Promise<string[]> {
    const creds = await this.guard('list', null, () => this.keytar.findCredentials(this.service));
    for (const c of creds) registerSecretValue(c.password, c.account);
    return creds.map((c) => c.account).sort();
  }
  /** keytar's raw failures (locked keyring, daemon gone) become an `unavailable` ApiError a person can act on. */
  private async guard<T>(what: string, name: string | null, fn: () => Promise<T>): Promise<T> {
    try {
      return await withTimeout(fn(), 10_000, 'the keychain did not answer within 10 s');
    } catch (e) {
      throw new ApiError(
        'unavailable',
        `Could not ${what} ${name ? `the secret ${name}` : 'the secrets'} in the OS keychain: ${explainKeychainError((e as Error).message)}.` +
          (what === 'store' || what === 'delete' ? ' Nothing was changed.' : ''),
      );
    }
  }
}

/** Turn keytar's low-level failures into a sentence a person can act on. */
export function explainKeychainError(message: string): string {
  if (/Cannot autolaunch D-Bus/i.test(message)) return 'no D-Bus session (headless machine without a desktop session)';
  if (/Could not connect/i.test(message)) return 'the D-Bus session bus is not reachable';
  if (/org\.freedesktop\.secrets was not provided/i.test(message)) return 'no Secret Service is running (install gnome-keyring or KeePassXC)';
  if (/collection\/login|Object does not exist/i.test(message)) return 'the login keyring is locked or missing (unlock it)';
  if (/libsecret.*cannot open shared object/i.test(message)) return 'the libsecret library is missing (install libsecret-1-0)';
  if (/Cannot find module|keytar/i.test(message)) return 'the keytar module is not installed (it needs libsecret-1-dev to build)';
  return message.split('\n')[0] ?? message;
}

export interface SecretStoreOptions {
  /** 'auto' (default): keychain when it answers, else environment. */
  prefer?: 'auto' | 'keychain' | 'env';
  service?: string;
  env?: NodeJS.ProcessEnv;
  /** For tests: a keytar implementation, or null to simulate it missing. */
  keytar?: Keytar | null;
}

function loadKeytar(): Keytar {
  const require = createRequire(import.meta.url);
  const mod = require('keytar') as Keytar & { default?: Keytar };
  return mod.default ?? mod;
}

/**
 * Choose the backend: the OS keychain when keytar loads and a keychain answers,
 * else environment variables, with the reason kept for doctor and Settings.
 */
export async function createSecretStore(opts: SecretStoreOptions = {}): Promise<SecretStore> {
  const env = opts.env ?? process.env;
  const prefer = opts.prefer ?? (env.BATON_SECRETS || 'auto');
  if (prefer !== 'auto' && prefer !== 'keychain' && prefer !== 'env') {
    throw new ApiError('invalid_input', `BATON_SECRETS must be auto, keychain or env (found "${prefer}"); fix the environment variable or unset it.`, [
      { path: 'BATON_SECRETS', message: 'must be auto, keychain or env' },
    ]);
  }
  const service = opts.service ?? env.BATON_KEYCHAIN_SERVICE ?? 'baton';
  if (prefer === 'env') return new EnvSecretStore(env);
  let why: string;
  try {
    const keytar = opts.keytar === undefined ? loadKeytar() : opts.keytar;
    if (!keytar) throw new Error('Cannot find module keytar');
    const creds = await withTimeout(keytar.findCredentials(service), 5000, 'the keychain did not answer within 5 s');
    for (const c of creds) registerSecretValue(c.password, c.account);
    return new KeychainSecretStore(keytar, service);
  } catch (e) {
    why = `OS keychain unavailable: ${explainKeychainError((e as Error).message)}`;
  }
  if (prefer === 'keychain') throw new ApiError('unavailable', why);
  return new EnvSecretStore(env, why);
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
      timer.unref();
    }),
  ]);
}
