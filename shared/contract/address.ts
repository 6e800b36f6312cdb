/**
 * The public address Baton is reached at, and the dashboard's warning when it only reaches this
 * machine. No zod: the renderer's first bundle (the dashboard) imports it without the settings
 * schemas. Re-exported by ./settings.ts.
 */

/** The public address as stored (server.publicUrl, else the earlier email.publicUrl), without a trailing slash, or null. */
export function storedPublicUrl(settings: Record<string, unknown>): string | null {
  for (const key of ['server.publicUrl', 'email.publicUrl']) {
    const v = settings[key];
    if (typeof v === 'string' && v.trim()) return v.trim().replace(/\/+$/, '');
  }
  return null;
}

/** True when an address only reaches this machine (localhost, 127.x, ::1): mail links and forms from outside cannot use it. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  } catch {
    return true;
  }
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || host === '0.0.0.0' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The address links and forms use: the stored public address, else this
 * machine's own (`localUrl` when known, e.g. the page's origin in a browser,
 * else http://127.0.0.1:<server.port>).
 */
export function publicAddress(settings: Record<string, unknown>, localUrl?: string): { url: string; configured: boolean; loopback: boolean } {
  const stored = storedPublicUrl(settings);
  const port = typeof settings['server.port'] === 'number' ? settings['server.port'] : 4717;
  const url = stored ?? (localUrl ? localUrl.replace(/\/+$/, '') : `http://127.0.0.1:${port}`);
  return { url, configured: stored !== null, loopback: isLoopbackUrl(url) };
}

/**
 * The dashboard's warning: the public address only reaches this machine while
 * something needs the internet to reach Baton (an enabled sequence's mail links,
 * a form, an enabled webhook). Null when all is well.
 */
export function reachabilityWarning(input: { settings: Record<string, unknown>; localUrl?: string; activeSequences: number; forms: number; enabledHooks: number }): { title: string; detail: string; fix: string } | null {
  const addr = publicAddress(input.settings, input.localUrl);
  if (!addr.loopback) return null;
  const n = (k: number, one: string, many: string) => `${k} ${k === 1 ? one : many}`;
  const things = [
    input.activeSequences > 0 ? n(input.activeSequences, 'active sequence', 'active sequences') : null,
    input.forms > 0 ? n(input.forms, 'form', 'forms') : null,
    input.enabledHooks > 0 ? n(input.enabledHooks, 'webhook', 'webhooks') : null,
  ].filter((x): x is string => x !== null);
  if (things.length === 0) return null;
  const port = new URL(addr.url).port || '4717';
  return {
    title: 'Mail links and forms will not reach Baton',
    detail: `The public address is ${addr.url}${addr.configured ? '' : ' (not set)'}, which only this computer can open, and you have ${things.join(', ')}. Unsubscribe and tracking links in e-mails, posts from your web forms and webhooks from other services need an address the internet can reach.`,
    fix: `Run a tunnel to this machine (for example cloudflared tunnel --url http://127.0.0.1:${port}) or a TLS reverse proxy, then enter its https:// address as the public address in Settings > Server.`,
  };
}
