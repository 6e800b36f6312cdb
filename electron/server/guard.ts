import { networkInterfaces } from 'node:os';

/**
 * DNS-rebinding and cross-site defence: a request is only served when its Host
 * header names this server (loopback names or the configured host, with the
 * port) and its Origin, when present, is http://<one of those>.
 */

/** The Host header values this server answers to. */
export function allowedHosts(bindHost: string, port: number, extra: string[] = []): Set<string> {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]', ...extra.map(bracket)]);
  if (bindHost === '0.0.0.0' || bindHost === '::') {
    // Bound to every interface: this machine's own addresses name it too.
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (!a.address.includes('%')) names.add(bracket(a.address));
  } else if (bindHost) {
    names.add(bracket(bindHost));
  }
  const out = new Set<string>();
  for (const n of names) {
    const lower = n.toLowerCase();
    out.add(`${lower}:${port}`);
    if (port === 80) out.add(lower);
  }
  // A reverse proxy or tunnel on 443 sends its own name without a port.
  for (const n of extra) out.add(bracket(n).toLowerCase());
  return out;
}

/**
 * The Host names and the origin of the public address (server.publicUrl), when
 * it is not a loopback address: requests a tunnel or reverse proxy forwards
 * with that Host are this server's too. Empty for no or a loopback address.
 */
export function publicHosts(publicUrl: string | null): { hosts: Set<string>; origin: string | null } {
  if (!publicUrl) return { hosts: new Set(), origin: null };
  let u: URL;
  try {
    u = new URL(publicUrl);
  } catch {
    return { hosts: new Set(), origin: null };
  }
  if (isLoopback(u.hostname)) return { hosts: new Set(), origin: null };
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const name = u.hostname.toLowerCase();
  return { hosts: new Set([name, `${name}:${port}`]), origin: u.origin.toLowerCase() };
}

function bracket(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

export type GuardResult = { ok: true } | { ok: false; message: string };

export function checkHostAndOrigin(
  headers: { host?: string | undefined; origin?: string | undefined },
  allowed: Set<string>,
  opts: { requireOriginMatch: boolean; public?: { hosts: Set<string>; origin: string | null } } = { requireOriginMatch: true },
): GuardResult {
  const host = (headers.host ?? '').toLowerCase();
  if (!allowed.has(host) && !opts.public?.hosts.has(host)) {
    return { ok: false, message: `Host "${headers.host ?? ''}" is not this Baton server; open it as http://127.0.0.1:<port>/ (or start it with --allow-host NAME).` };
  }
  if (opts.requireOriginMatch && headers.origin !== undefined) {
    const origin = headers.origin.toLowerCase();
    const ok = (origin.startsWith('http://') && allowed.has(origin.slice('http://'.length))) || (opts.public?.origin !== null && opts.public?.origin === origin);
    if (!ok) return { ok: false, message: `Origin "${headers.origin}" may not call this Baton server.` };
  }
  return { ok: true };
}
