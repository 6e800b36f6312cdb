/**
 * `baton doctor`'s line about secrets: which backend Baton would use on this
 * data folder and why (the keychain answered; no keychain, so the encrypted
 * file with a passphrase or key file; or environment variables only, read-only).
 */
import { createSecretStore, EnvSecretStore, type SecretStore, type SecretStoreOptions } from '../core/secrets';

export interface SecretsCheck {
  check: { name: string; level: 'ok' | 'warn' | 'fail'; detail: string };
  /** The store that answered (doctor opens the database with it), or null. */
  store: SecretStore | null;
}

export async function secretBackendCheck(dataDir: string, opts: SecretStoreOptions = {}): Promise<SecretsCheck> {
  try {
    const store = await createSecretStore({ ...opts, dataDir });
    const b = store.backend();
    const why =
      b.kind === 'keychain'
        ? `${b.detail}: the OS keychain answered, so secrets are stored there`
        : b.kind === 'file'
          ? b.detail
          : `${b.detail} Read-only: Settings and \`baton secrets set\` cannot store secrets.`;
    return { check: { name: 'secrets', level: b.kind === 'env' ? 'warn' : 'ok', detail: `${b.kind}: ${why}` }, store };
  } catch (e) {
    return { check: { name: 'secrets', level: 'fail', detail: (e as Error).message }, store: null };
  }
}

/** A store for reading the database when the configured one fails (doctor still checks the rest). */
export function fallbackStore(): SecretStore {
  return new EnvSecretStore(process.env, 'doctor');
}
