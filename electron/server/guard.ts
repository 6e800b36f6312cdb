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
  return out;
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
  opts: { requireOriginMatch: boolean } = { requireOriginMatch: true },
): GuardResult {
  const host = (headers.host ?? '').toLowerCase();
  if (!allowed.has(host)) {
    return { ok: false, message: `Host "${headers.host ?? ''}" is not this Baton server; open it as http://127.0.0.1:<port>/ (or start it with --allow-host NAME).` };
  }
  if (opts.requireOriginMatch && headers.origin !== undefined) {
    const origin = headers.origin.toLowerCase();
    const ok = origin.startsWith('http://') && allowed.has(origin.slice('http://'.length));
    if (!ok) return { ok: false, message: `Origin "${headers.origin}" may not call this Baton server.` };
  }
  return { ok: true };
}
