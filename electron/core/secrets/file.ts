/**
 * The encrypted file backend, for machines where no OS keychain answers
 * (a headless server): `<data>/secrets.enc`, AES-256-GCM from node:crypto.
 *
 * - The key comes from a passphrase given at start (scrypt, N=2^15, r=8, p=1,
 *   a random 16-byte salt kept in the file) or from a key file: at least 32
 *   bytes, mode 0600, outside the data folder (HKDF-SHA256 with the salt).
 * - The whole name -> value map is one ciphertext (names are secret too), with
 *   a fresh 12-byte IV at every write; the file's header (format, version, key
 *   derivation) is authenticated as additional data, so it cannot be swapped.
 * - Writes go to a temp file (mode 0600, fsync) renamed over the old one, under
 *   a lock file: the host and a CLI command may both write; a crash leaves the
 *   old file or the new one, never half of one.
 * - Every read goes to the file (a value the CLI stored is seen by a running
 *   host at once); the derived key is kept in memory for the process.
 * - Environment variables BATON_SECRET_<NAME> override a stored value.
 * - A wrong passphrase or key file, or a changed file, is an `unavailable`
 *   error that says so; nothing is read or written then.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, scryptSync } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ApiError, type SecretBackend } from '../../../shared/api';
import type { SecretStore } from './index';
import { registerSecretValue } from './scrub';

export const SECRETS_FILE = 'secrets.enc';
/** Environment variables BATON_SECRET_<NAME> (the env backend; they override the file backend). */
export const ENV_PREFIX = 'BATON_SECRET_';
const FORMAT = 'baton-secrets';
const VERSION = 1;
const SCRYPT = { N: 1 << 15, r: 8, p: 1 } as const;
const MIN_KEYFILE_BYTES = 32;
const MIN_PASSPHRASE = 8;

export type KeySource = { kind: 'passphrase'; passphrase: string } | { kind: 'keyfile'; path: string };

type Kdf = { name: 'scrypt'; salt: string; N: number; r: number; p: number } | { name: 'hkdf-sha256'; salt: string };
interface FileV1 {
  format: typeof FORMAT;
  version: 1;
  kdf: Kdf;
  cipher: 'aes-256-gcm';
  iv: string;
  tag: string;
  data: string;
}

const unavailable = (message: string) => new ApiError('unavailable', message);

/** The key file's bytes, after checking where it is and who may read it. */
export function readKeyFile(path: string, dataDir: string): Buffer {
  const file = resolve(path);
  const rel = relative(resolve(dataDir), file);
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
    throw unavailable(`The secrets key file ${file} is inside the data folder ${dataDir}: a backup or copy of the folder would carry the key with the secrets. Move it outside (e.g. ~/.config/baton-secrets.key) and point BATON_SECRETS_KEYFILE at it.`);
  }
  let st;
  try {
    st = statSync(file);
  } catch {
    throw unavailable(`The secrets key file ${file} does not exist. Create one with: baton secrets keyfile "${file}"`);
  }
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw unavailable(`The secrets key file ${file} has mode ${(st.mode & 0o777).toString(8)}: other users can read it. Run: chmod 600 "${file}"`);
  }
  const bytes = readFileSync(file);
  const key = Buffer.from(bytes.toString('utf8').trim(), 'utf8');
  if (key.length < MIN_KEYFILE_BYTES) throw unavailable(`The secrets key file ${file} holds ${key.length} bytes; it needs at least ${MIN_KEYFILE_BYTES} random bytes. Create one with: baton secrets keyfile "${file}"`);
  return key;
}

function deriveKey(kdf: Kdf, source: KeySource, dataDir: string): Buffer {
  const salt = Buffer.from(kdf.salt, 'base64');
  if (kdf.name === 'scrypt') {
    if (source.kind !== 'passphrase') throw unavailable('The secrets file was locked with a passphrase, but Baton was started with a key file. Start it with BATON_SECRETS_PASSPHRASE (or --ask-passphrase) instead.');
    return scryptSync(source.passphrase.normalize('NFC'), salt, 32, { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.N * kdf.r });
  }
  if (source.kind !== 'keyfile') throw unavailable('The secrets file was locked with a key file, but Baton was started with a passphrase. Point BATON_SECRETS_KEYFILE (or --secrets-keyfile) at that key file instead.');
  return Buffer.from(hkdfSync('sha256', readKeyFile(source.path, dataDir), salt, 'baton secrets v1', 32));
}

function header(f: Pick<FileV1, 'format' | 'version' | 'kdf' | 'cipher'>): Buffer {
  return Buffer.from(JSON.stringify({ format: f.format, version: f.version, kdf: f.kdf, cipher: f.cipher }));
}

export interface FileStoreOptions {
  dataDir: string;
  source: KeySource;
  env?: NodeJS.ProcessEnv;
  /** Why this backend was chosen (shown by doctor and Settings). */
  why?: string;
}

export class EncryptedFileSecretStore implements SecretStore {
  readonly file: string;
  private readonly env: NodeJS.ProcessEnv;
  private key: { kdf: Kdf; key: Buffer } | null = null;

  private constructor(private readonly opts: FileStoreOptions) {
    this.file = join(opts.dataDir, SECRETS_FILE);
    this.env = opts.env ?? process.env;
  }

  /**
   * Open the store: an existing file must decrypt with the given key (else an
   * `unavailable` error says why); a missing one is created by the first write.
   */
  static open(opts: FileStoreOptions): EncryptedFileSecretStore {
    if (opts.source.kind === 'passphrase' && opts.source.passphrase.length < MIN_PASSPHRASE) {
      throw unavailable(`The secrets passphrase is shorter than ${MIN_PASSPHRASE} characters; use a longer one (a sentence is good).`);
    }
    // A key file is checked now (where it is, who may read it, its length), not at the first write.
    if (opts.source.kind === 'keyfile') readKeyFile(opts.source.path, opts.dataDir);
    const store = new EncryptedFileSecretStore(opts);
    const values = store.readAll();
    for (const [k, v] of Object.entries(values)) registerSecretValue(v, k);
    for (const [k, v] of Object.entries(store.env)) if (k.startsWith(ENV_PREFIX) && v) registerSecretValue(v, k.slice(ENV_PREFIX.length));
    return store;
  }

  backend(): SecretBackend {
    const how = this.opts.source.kind === 'passphrase' ? 'a passphrase given at start' : `the key file ${resolve(this.opts.source.path)}`;
    return {
      kind: 'file',
      writable: true,
      detail: `Encrypted file ${this.file} (AES-256-GCM, key from ${how})${this.opts.why ? `; ${this.opts.why}` : ''}. Environment variables ${ENV_PREFIX}<NAME> override stored values.`,
    };
  }

  async get(name: string): Promise<string | null> {
    const fromEnv = this.env[ENV_PREFIX + name];
    if (fromEnv) {
      registerSecretValue(fromEnv, name);
      return fromEnv;
    }
    const v = this.readAll()[name] ?? null;
    registerSecretValue(v, name);
    return v;
  }

  async set(name: string, value: string): Promise<void> {
    registerSecretValue(value, name);
    this.update((all) => ({ ...all, [name]: value }));
  }

  async delete(name: string): Promise<boolean> {
    let had = false;
    this.update((all) => {
      had = Object.prototype.hasOwnProperty.call(all, name);
      const { [name]: _gone, ...rest } = all;
      return rest;
    });
    if (!had && this.env[ENV_PREFIX + name] !== undefined) {
      throw new ApiError('unavailable', `${name} comes from the environment variable ${ENV_PREFIX}${name}: unset it where Baton is started.`);
    }
    return had;
  }

  async list(): Promise<string[]> {
    const all = this.readAll();
    for (const [k, v] of Object.entries(all)) registerSecretValue(v, k);
    const names = new Set(Object.keys(all));
    for (const [k, v] of Object.entries(this.env)) if (k.startsWith(ENV_PREFIX) && v) names.add(k.slice(ENV_PREFIX.length));
    return [...names].sort();
  }

  // ---- file -------------------------------------------------------------

  private keyFor(kdf: Kdf): Buffer {
    if (this.key && JSON.stringify(this.key.kdf) === JSON.stringify(kdf)) return this.key.key;
    const key = deriveKey(kdf, this.opts.source, this.opts.dataDir);
    this.key = { kdf, key };
    return key;
  }

  private newKdf(): Kdf {
    const salt = randomBytes(16).toString('base64');
    return this.opts.source.kind === 'passphrase' ? { name: 'scrypt', salt, ...SCRYPT } : { name: 'hkdf-sha256', salt };
  }

  private readAll(): Record<string, string> {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw unavailable(`Could not read the secrets file ${this.file}: ${(e as Error).message}`);
    }
    let f: FileV1;
    try {
      f = JSON.parse(text) as FileV1;
    } catch {
      throw unavailable(`The secrets file ${this.file} is damaged (not JSON). Restore it from a copy, or move it aside and store the secrets again.`);
    }
    if (f.format !== FORMAT || f.version !== VERSION || f.cipher !== 'aes-256-gcm' || !f.kdf || !f.iv || !f.tag || typeof f.data !== 'string') {
      throw unavailable(`The secrets file ${this.file} is not a Baton secrets file of version ${VERSION}; it was left untouched.`);
    }
    if (f.kdf.name === 'scrypt' && (f.kdf.N > 1 << 20 || f.kdf.r > 32 || f.kdf.p > 16)) throw unavailable(`The secrets file ${this.file} asks for scrypt parameters beyond Baton's limits; it was left untouched.`);
    const key = this.keyFor(f.kdf);
    try {
      const d = createDecipheriv('aes-256-gcm', key, Buffer.from(f.iv, 'base64'));
      d.setAAD(header(f));
      d.setAuthTag(Buffer.from(f.tag, 'base64'));
      const plain = Buffer.concat([d.update(Buffer.from(f.data, 'base64')), d.final()]).toString('utf8');
      const values = JSON.parse(plain) as Record<string, string>;
      return values && typeof values === 'object' ? values : {};
    } catch {
      throw unavailable(
        `Could not decrypt the secrets file ${this.file}: the ${this.opts.source.kind === 'passphrase' ? 'passphrase' : 'key file'} is not the one it was locked with, or the file was changed. Nothing was read or written.`,
      );
    }
  }

  private currentKdf(): Kdf | null {
    try {
      return (JSON.parse(readFileSync(this.file, 'utf8')) as FileV1).kdf ?? null;
    } catch {
      return null;
    }
  }

  private writeAll(values: Record<string, string>): void {
    const kdf = this.currentKdf() ?? this.key?.kdf ?? this.newKdf();
    const key = this.keyFor(kdf);
    const iv = randomBytes(12);
    const head = { format: FORMAT, version: VERSION, kdf, cipher: 'aes-256-gcm' } as const;
    const c = createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(header(head));
    const data = Buffer.concat([c.update(Buffer.from(JSON.stringify(values), 'utf8')), c.final()]);
    const out: FileV1 = { ...head, iv: iv.toString('base64'), tag: c.getAuthTag().toString('base64'), data: data.toString('base64') };
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, JSON.stringify(out, null, 2) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      renameSync(tmp, this.file);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  }

  /** Read, change and write under the lock file (the host and a CLI command may write at once). */
  private update(fn: (all: Record<string, string>) => Record<string, string>): void {
    const release = lockFile(`${this.file}.lock`);
    try {
      this.writeAll(fn(this.readAll()));
    } catch (e) {
      if (e instanceof ApiError) throw e;
      throw unavailable(`Could not write the secrets file ${this.file}: ${(e as Error).message}. Nothing was changed.`);
    } finally {
      release();
    }
  }
}

/** A lock file taken with O_EXCL; a lock older than 10 s (a killed process) is taken over. */
function lockFile(path: string): () => void {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - statSync(path).mtimeMs > 10_000) rmSync(path, { force: true });
      } catch {
        /* gone meanwhile */
      }
      if (Date.now() > deadline) throw new Error(`another process holds ${path}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

/** A new key file: 32 random bytes (base64), mode 0600, refused inside the data folder or over an existing file. */
export function createKeyFile(path: string, dataDir: string): string {
  const file = resolve(path);
  const rel = relative(resolve(dataDir), file);
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) throw new ApiError('invalid_input', `The key file must be outside the data folder ${dataDir}; choose another path.`, [{ path: 'path', message: 'inside the data folder' }]);
  if (existsSync(file)) throw new ApiError('conflict', `${file} already exists; Baton never overwrites a key file (the secrets locked with it would be lost).`);
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, randomBytes(32).toString('base64') + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return file;
}
