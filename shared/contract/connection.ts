/**
 * Attaching the window to a remote `baton serve` (an always-on server): the
 * operations and the event, and the pure rules behind them — which addresses
 * are accepted, which failure means what (unreachable, bad certificate, bad
 * token, a server that refuses this host name), and the reconnect backoff.
 * Pure TypeScript: the host's link (electron/core/remote) and the renderer use it.
 */
import { z } from 'zod';
import { Ok, op } from './base';

/** Why the remote cannot be used right now (null while connected). */
export const RemoteProblem = z.enum(['unreachable', 'bad_certificate', 'bad_token', 'forbidden', 'not_baton']);
export type RemoteProblem = z.infer<typeof RemoteProblem>;

export const WindowConnection = z.object({
  /** local: the window uses this computer's core. remote: it uses the server at `url`. */
  mode: z.enum(['local', 'remote']),
  /** The pinned origin of the remote server (kept after switching back to local, for the form). */
  url: z.string().nullable(),
  /** While remote: connected (events flow), connecting, or down (see problem). Always connected while local. */
  state: z.enum(['connected', 'connecting', 'down']),
  problem: RemoteProblem.nullable(),
  /** One sentence for the window: what is wrong and what to do. */
  message: z.string().nullable(),
  /** When the next attempt is due (ISO), while down. */
  retryAt: z.string().nullable(),
  /** Where the token is kept: the secret store, or only in memory until Baton stops (no writable store). */
  tokenStorage: z.enum(['secrets', 'memory']).nullable(),
  /**
   * Which state this is: `boot` is new each time the host starts, `seq` counts
   * the host's changes. An answer and an event travel on different channels, so
   * the window keeps the newest (see isNewerConnection), not the last to arrive.
   */
  revision: z.object({ boot: z.string(), seq: z.number().int().nonnegative() }),
});
export type WindowConnection = z.infer<typeof WindowConnection>;

export const REMOTE_TOKEN_SECRET = 'BATON_REMOTE_TOKEN';

export const connectionOps = {
  'connection.get': op('Whether the window uses this computer or a remote Baton server, and how that connection is.', z.object({}).strict(), WindowConnection),
  'connection.attach': op(
    'Use a remote `baton serve` instead of this computer: its https address and token (checked before switching; the token goes to the secret store).',
    z
      .object({
        url: z.string().max(2000),
        /** Omit to reuse the stored token of the same address. */
        token: z.string().max(500).optional(),
      })
      .strict(),
    WindowConnection,
  ),
  'connection.detach': op("Use this computer's data again (the remote keeps its data; its address stays for next time).", z.object({}).strict(), WindowConnection),
  'connection.forget': op('Switch to local and delete the stored address and token of the remote.', z.object({}).strict(), Ok),
} as const;

export const connectionEvents = {
  /** The window's connection changed (attached, detached, the remote went down or came back). */
  'connection.changed': WindowConnection,
} as const;

// ---------------------------------------------------------------------------------------------
// Pure rules

/** A remote address: https (http only for a loopback address, e.g. an SSH tunnel), no user name, query or fragment. */
export function parseRemoteUrl(input: string): { ok: true; origin: string; base: string } | { ok: false; message: string } {
  const raw = input.trim();
  if (!raw) return { ok: false, message: 'url: enter the address of the Baton server, e.g. https://baton.example.com' };
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return { ok: false, message: `url: "${raw}" is not an address; use the full address such as https://baton.example.com` };
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return { ok: false, message: `url: use an https:// address (not ${u.protocol})` };
  if (u.protocol === 'http:' && !isLoopbackHost(u.hostname)) {
    return { ok: false, message: 'url: use https:// for a server on another machine (plain http would send the token in clear); http:// is accepted only for 127.0.0.1/localhost (an SSH tunnel)' };
  }
  if (u.username || u.password) return { ok: false, message: 'url: leave the user name and password out of the address; paste the token in the token field' };
  if (u.search || u.hash) return { ok: false, message: 'url: use the address only, without ?query or #fragment (paste the token in the token field)' };
  const path = u.pathname.replace(/\/+$/, '');
  return { ok: true, origin: u.origin, base: u.origin + path };
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** The token as pasted: trimmed, and it must be one HTTP token word (it travels as a WebSocket subprotocol). */
export function remoteTokenProblem(token: string): string | null {
  if (!token) return 'token: paste the token of the remote server (on the server: `baton token`)';
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(token)) return 'token: that does not look like a Baton token: one word of letters and digits, without spaces';
  return null;
}

const CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

/**
 * Which problem a failed request means, from what Node reports: the error code
 * of the failure (its cause's for fetch) or the HTTP status of the answer.
 */
export function classifyRemoteFailure(f: { code?: string | null; status?: number | null }): RemoteProblem {
  if (f.status !== undefined && f.status !== null) {
    if (f.status === 401) return 'bad_token';
    if (f.status === 403) return 'forbidden';
    if (f.status === 502 || f.status === 503 || f.status === 504) return 'unreachable';
    return 'not_baton';
  }
  const code = f.code ?? '';
  if (CERT_CODES.has(code) || /CERT|SSL|TLS/i.test(code)) return 'bad_certificate';
  return 'unreachable';
}

/** The sentence the window and the CLI show for a problem. */
export function remoteProblemMessage(problem: RemoteProblem, origin: string, detail?: string | null): string {
  const why = detail ? ` (${detail})` : '';
  switch (problem) {
    case 'unreachable':
      return `Cannot reach the Baton server at ${origin}${why}: check the address, that \`baton serve\` and its reverse proxy run, and this computer's network. Baton retries by itself.`;
    case 'bad_certificate':
      return `The TLS certificate of ${origin} is not valid for it${why}: Baton does not connect to a server it cannot verify. Give the server a certificate a public authority signed (Caddy gets one by itself), or check that the address is right.`;
    case 'bad_token':
      return `The Baton server at ${origin} did not accept the token: copy the current one on the server with \`baton token\` and paste it again.`;
    case 'forbidden':
      return `The Baton server at ${origin} refused this address as its host name${why}: start it with \`--allow-host ${hostOf(origin)}\` (or set its server.publicUrl to ${origin}).`;
    case 'not_baton':
      return `The address ${origin} answered, but not as a Baton server${why}: check the address (and the reverse proxy's upstream).`;
  }
}

function hostOf(origin: string): string {
  try {
    return new URL(origin).hostname;
  } catch {
    return origin;
  }
}

/** Reconnect delays: exponential with jitter, 0.5 s, 1 s, 2 s … capped at 30 s. `rand` in [0, 1). */
export function remoteBackoffMs(failures: number, rand: number = Math.random()): number {
  const base = Math.min(30_000, 500 * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (0.8 + 0.4 * rand));
}

// No zod in it: the renderer's first bundle uses it without the contract.
export { isNewerConnection } from './revision';

/** Operations the host answers itself even while attached (they choose the connection). */
export function isLocalOnlyOp(name: string): boolean {
  return name.startsWith('connection.');
}
