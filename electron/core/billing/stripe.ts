/**
 * The official `stripe` client, configured from the secret store
 * (STRIPE_SECRET_KEY) and the setting billing.apiUrl (empty: Stripe itself;
 * a local Stripe-compatible server in tests). Its errors become one
 * BillingError whose message names the secret or setting to fix.
 */
import type Stripe from 'stripe';
import { ApiError, STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET } from '../../../shared/api';
import type { ThreadEnv } from '../env';

export type { Stripe };

export class BillingError extends Error {
  constructor(
    message: string,
    /** config | auth | permission | network | rate_limit | stripe */
    readonly kind: 'config' | 'auth' | 'permission' | 'network' | 'rate_limit' | 'stripe',
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'BillingError';
  }

  /** As an API error: bad configuration is the person's to fix (unavailable), the rest is Stripe's state. */
  toApiError(): ApiError {
    return new ApiError('unavailable', this.message);
  }
}

const HOW_TO_STORE = `Stripe Dashboard → Developers → API keys: copy the secret key (sk_live_… or sk_test_…, or a restricted key rk_… with read access to customers, products, prices, subscriptions, invoices, charges, Checkout Sessions and events), then store it on the Billing page or with: baton secrets set ${STRIPE_SECRET_KEY}`;

/** What kind of key it is, from its prefix (never the key itself). */
export function keyMode(key: string | null): string | null {
  if (!key) return null;
  const m = /^(sk|rk)_(live|test)_/.exec(key);
  if (!m) return 'unknown';
  return `${m[1] === 'rk' ? 'restricted-' : ''}${m[2]}`;
}

/** Why a stored key cannot be a Stripe secret key (before any call), or null. */
export function keyProblem(key: string): string | null {
  if (/^pk_(live|test)_/.test(key)) return `${STRIPE_SECRET_KEY} holds a publishable key (pk_…); Baton needs the secret key. ${HOW_TO_STORE}.`;
  if (/^whsec_/.test(key)) return `${STRIPE_SECRET_KEY} holds a webhook signing secret (whsec_…); that one belongs in ${STRIPE_WEBHOOK_SECRET}. ${HOW_TO_STORE}.`;
  if (!/^(sk|rk)_(live|test)_[A-Za-z0-9]{8,}$/.test(key.trim())) return `${STRIPE_SECRET_KEY} does not look like a Stripe secret key (they start with sk_live_, sk_test_ or rk_). ${HOW_TO_STORE}.`;
  return null;
}

/** The stored key, or a BillingError naming the secret and how to store it. */
export async function requireKey(env: Pick<ThreadEnv, 'secrets'>): Promise<string> {
  const key = await env.secrets.get(STRIPE_SECRET_KEY);
  if (!key) throw new BillingError(`Stripe is not connected: no secret ${STRIPE_SECRET_KEY}. ${HOW_TO_STORE}. Nothing was read or stored.`, 'config', false);
  const problem = keyProblem(key);
  if (problem) throw new BillingError(`${problem} Nothing was read or stored.`, 'config', false);
  return key.trim();
}

/** host/port/protocol of billing.apiUrl, or {} for Stripe itself. */
export function apiTarget(env: Pick<ThreadEnv, 'setting'>): { host?: string; port?: number; protocol?: 'http' | 'https' } {
  const url = env.setting<string | null>('billing.apiUrl', null);
  if (!url) return {};
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new BillingError(`The setting billing.apiUrl is not a URL (${JSON.stringify(url)}); clear it to use Stripe, or give http(s)://host:port.`, 'config', false);
  }
  const protocol = u.protocol === 'http:' ? 'http' : 'https';
  return { host: u.hostname, port: u.port ? Number(u.port) : protocol === 'http' ? 80 : 443, protocol };
}

let ctor: (typeof import('stripe'))['default'] | null = null;

/** A client for `key` (the package is loaded on first use: idle hosts and workers do not carry it). */
export async function stripeClient(env: Pick<ThreadEnv, 'setting'>, key: string, opts: { timeoutMs?: number; retries?: number } = {}): Promise<Stripe> {
  ctor ??= (await import('stripe')).default;
  return new ctor(key, {
    ...apiTarget(env),
    maxNetworkRetries: opts.retries ?? 2,
    timeout: opts.timeoutMs ?? 30_000,
    telemetry: false,
    appInfo: { name: 'Baton' },
  });
}

/** The Stripe package's webhook helpers (verification needs no key and no network). */
export async function stripeWebhooks(): Promise<Stripe['webhooks']> {
  ctor ??= (await import('stripe')).default;
  return ctor.webhooks;
}

/** A Stripe (or network) error as a BillingError whose message says what to fix. `what`: the call, e.g. "listing invoices". */
export function explain(e: unknown, what: string): BillingError {
  if (e instanceof BillingError) return e;
  const err = e as { type?: string; message?: string; statusCode?: number; code?: string; headers?: Record<string, string> };
  const said = (err.message ?? String(e)).replace(/(sk|rk)_(live|test)_[A-Za-z0-9]+/g, '$1_$2_****');
  switch (err.type) {
    case 'StripeAuthenticationError':
      return new BillingError(`Stripe refused the key in ${STRIPE_SECRET_KEY} while ${what} (${said}). ${HOW_TO_STORE}. Nothing was stored.`, 'auth', false);
    case 'StripePermissionError':
      return new BillingError(
        `The key in ${STRIPE_SECRET_KEY} may not read this (${what}: ${said}). Give the restricted key read access to customers, products, prices, subscriptions, invoices, charges, Checkout Sessions and events in Stripe Dashboard → Developers → API keys, or use the secret key. Nothing was stored.`,
        'permission',
        false,
      );
    case 'StripeRateLimitError':
      return new BillingError(`Stripe is rate limiting this account while ${what} (${said}); it is tried again later.`, 'rate_limit', true);
    case 'StripeConnectionError':
      return new BillingError(`Stripe did not answer while ${what} (${said}); check the internet connection (and the setting billing.apiUrl when it is set). It is tried again later.`, 'network', true);
    case 'StripeAPIError':
      return new BillingError(`Stripe had an error while ${what} (${said}); it is tried again later.`, 'stripe', true);
    default:
      return new BillingError(`Stripe answered an error while ${what}: ${said}`, 'stripe', (err.statusCode ?? 0) >= 500);
  }
}
