import { createRequire } from 'node:module';
import { ApiError, type SecretBackend } from '../../../shared/api';
import { EncryptedFileSecretStore, ENV_PREFIX, type KeySource } from './file';
import { registerSecretValue } from './scrub';

export { ENV_PREFIX };
export { createKeyFile, EncryptedFileSecretStore, SECRETS_FILE, type KeySource } from './file';

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
      `Secrets are read from environment variables here (${this.why}). Set ${ENV_PREFIX}${name} in Baton's environment and restart it. To store secrets from Baton, start it with BATON_SECRETS_PASSPHRASE or BATON_SECRETS_KEYFILE (an encrypted file in the data folder), or install and unlock an OS keychain (gnome-keyring).`,
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
  /** 'auto' (default): the OS keychain when it answers, else the encrypted file when a key is given, else environment variables. */
  prefer?: 'auto' | 'keychain' | 'file' | 'env';
  service?: string;
  env?: NodeJS.ProcessEnv;
  /** The data folder (where the encrypted file backend keeps secrets.enc). */
  dataDir?: string;
  /** The passphrase of the encrypted file (else BATON_SECRETS_PASSPHRASE). */
  passphrase?: string;
  /** The key file of the encrypted file (else BATON_SECRETS_KEYFILE). */
  keyFile?: string;
  /** For tests: a keytar implementation, or null to simulate it missing. */
  keytar?: Keytar | null;
}

function loadKeytar(): Keytar {
  const require = createRequire(import.meta.url);
  const mod = require('keytar') as Keytar & { default?: Keytar };
  return mod.default ?? mod;
}

/** The key of the encrypted file backend, when one is given (option, else environment). */
export function fileKeySource(opts: Pick<SecretStoreOptions, 'passphrase' | 'keyFile' | 'env'>): KeySource | null {
  const env = opts.env ?? process.env;
  const keyFile = opts.keyFile ?? (env.BATON_SECRETS_KEYFILE?.trim() || undefined);
  if (keyFile) return { kind: 'keyfile', path: keyFile };
  const passphrase = opts.passphrase ?? (env.BATON_SECRETS_PASSPHRASE || undefined);
  if (passphrase) return { kind: 'passphrase', passphrase };
  return null;
}

const PREFER = ['auto', 'keychain', 'file', 'env'] as const;

/**
 * Choose the backend, keeping the reason for doctor and Settings: the OS
 * keychain when keytar loads and a keychain answers; else the encrypted file
 * (<data>/secrets.enc) when a passphrase or key file is given; else environment
 * variables (read-only). BATON_SECRETS=keychain|file|env forces one.
 */
export async function createSecretStore(opts: SecretStoreOptions = {}): Promise<SecretStore> {
  const env = opts.env ?? process.env;
  const prefer = opts.prefer ?? (env.BATON_SECRETS || 'auto');
  if (!(PREFER as readonly string[]).includes(prefer)) {
    throw new ApiError('invalid_input', `BATON_SECRETS must be auto, keychain, file or env (found "${prefer}"); fix the environment variable or unset it.`, [
      { path: 'BATON_SECRETS', message: 'must be auto, keychain, file or env' },
    ]);
  }
  const service = opts.service ?? env.BATON_KEYCHAIN_SERVICE ?? 'baton';
  const source = fileKeySource({ ...opts, env });
  const openFile = (why: string): SecretStore => {
    if (!opts.dataDir) throw new ApiError('unavailable', 'The encrypted secrets file needs a data folder.');
    return EncryptedFileSecretStore.open({ dataDir: opts.dataDir, source: source!, env, why });
  };
  if (prefer === 'env') return new EnvSecretStore(env);
  if (prefer === 'file') {
    if (!source) throw new ApiError('unavailable', 'BATON_SECRETS=file needs a key: set BATON_SECRETS_PASSPHRASE, or BATON_SECRETS_KEYFILE to a key file (create one with `baton secrets keyfile PATH`).');
    return openFile('chosen with BATON_SECRETS=file');
  }
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
  if (source) return openFile(`${why}; ${source.kind === 'passphrase' ? 'a passphrase' : 'a key file'} was given`);
  return new EnvSecretStore(
    env,
    `${why}; no passphrase or key file for an encrypted file was given (set BATON_SECRETS_PASSPHRASE or BATON_SECRETS_KEYFILE to store secrets from Baton)`,
  );
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
