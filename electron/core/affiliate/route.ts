/**
 * The public redirect GET /go/<slug> (docs/affiliate.md, "The redirect"): a
 * 302 to the link's destination (with the sub-id appended when the program
 * names its parameter), and one row in affiliate_clicks. Bots, link checkers,
 * mail-privacy proxies and browser prefetches are recorded with `machine = 1`
 * and the reason (tracking's classifier, docs/tracking.md "Machine opens and
 * clicks"), so EPC counts people only. A HEAD is answered, not recorded. The
 * target is read from the stored link, never from the request: no open redirect.
 */
import type { Core, PublicRequest, PublicResponse } from '../core';
import { classifyVisitor } from '../tracking/proxies';
import { NOT_FOUND } from '../tracking/routes';
import { targetOf } from './links';
import { affiliateStoreOf } from './store';

const SLUG_RE = /^[a-z0-9][a-z0-9_-]{0,79}$/;

/** A browser's speculative load (link prefetch, prerender, a preview pane), not a person's click. */
export function isPrefetch(h: Record<string, string | undefined>): boolean {
  const v = `${h['sec-purpose'] ?? ''} ${h.purpose ?? ''} ${h['x-purpose'] ?? ''} ${h['x-moz'] ?? ''}`.toLowerCase();
  return /prefetch|prerender|preview/.test(v);
}

function refHost(referer: string | undefined): string | null {
  if (!referer) return null;
  try {
    return new URL(referer).host.slice(0, 200) || null;
  } catch {
    return null;
  }
}

/** Followed links are pushed to the window at most this often (the tab and the dashboard tile reload). */
const CLICKS_PUSH_MS = 5_000;

export function goRoute(core: Core) {
  const st = () => affiliateStoreOf(core);
  let pushTimer: NodeJS.Timeout | null = null;
  const pushLater = () => {
    pushTimer ??= setTimeout(() => {
      pushTimer = null;
      core.bus.emit('affiliate.changed', { source: 'clicks' });
    }, CLICKS_PUSH_MS);
    pushTimer.unref();
  };
  return (req: PublicRequest): PublicResponse => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return { ...NOT_FOUND, status: 405, headers: { allow: 'GET, HEAD' } };
    const slug = req.path.replace(/^\/+|\/+$/g, '').toLowerCase();
    if (!SLUG_RE.test(slug)) return NOT_FOUND;
    const link = st().linkBySlug(slug);
    if (!link) return NOT_FOUND;
    if (req.method === 'GET') {
      const who = classifyVisitor(req.ip, req.headers['user-agent']);
      const reason = who.machineReason ?? (isPrefetch(req.headers) ? 'prefetch' : null);
      const now = core.now();
      const at = new Date(now).toISOString();
      try {
        st().insertClick({ linkId: link.id, day: at.slice(0, 10), at, machine: reason !== null, reason, userAgent: who.userAgent, referrer: refHost(req.headers.referer) });
        if (reason === null) pushLater();
      } catch (e) {
        core.log.error('affiliate: a click could not be recorded (the visitor was still sent on)', { error: e as Error });
      }
    }
    // Never cached: each visit is a click.
    return { status: 302, redirect: targetOf(link.destination, link.sub_id_param, link.slug), headers: { 'X-Robots-Tag': 'noindex, nofollow' } };
  };
}
