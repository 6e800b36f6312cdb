/**
 * The tracking domain (docs/tracking.md): click tracking through signed
 * redirect links, the open pixel, and the site snippet for page visits and
 * form views of known contacts. E-mails get their tracked links when they are
 * rendered (./links.ts, called by sales/mail.ts); the public routes record
 * the events (./routes.ts) through one group-committing recorder
 * (./recorder.ts). It declares the event types email.clicked, email.opened,
 * page.visited and form.viewed.
 */
import { randomBytes } from 'node:crypto';
import { ApiError, trackingEventTypes, trackingOps } from '../../../shared/api';
import type { HandlerMap } from '../api/types';
import type { Core, RouteLimits, Service } from '../core';
import { defineDomain } from '../domain';
import { allowedOrigins, keyOf, machineOpenSeconds, publicBase, setting, siteStorage, switchState, TRACKING_KEY } from './config';
import { isLoopbackUrl } from '../../../shared/contract/settings';
import { Recorder } from './recorder';
import { clickRoute, eventRoute, openRoute, otherRoute, snippetRoute, type TrackingRuntime } from './routes';
import { snippetTag } from './snippet';

export { trackEmail } from './links';

/**
 * Clicks and opens come from every recipient's mail client: many per address
 * behind a company's NAT, bursts after a send. The route-wide buckets protect
 * the store; recording one costs one INSERT (docs/tracking.md, "Recording").
 */
const CLICK_LIMITS: RouteLimits = { bodyLimit: 1024, perIp: { perMinute: 600, burst: 120 }, global: { perMinute: 180_000, burst: 20_000 } };
const OPEN_LIMITS: RouteLimits = { bodyLimit: 1024, perIp: { perMinute: 600, burst: 120 }, global: { perMinute: 180_000, burst: 20_000 } };
/** The snippet's script is cached by browsers for 5 minutes. */
const SCRIPT_LIMITS: RouteLimits = { bodyLimit: 1024, perIp: { perMinute: 120, burst: 60 }, global: { perMinute: 30_000, burst: 3_000 } };
/** One page view and a few form views per page load. */
const EVENT_LIMITS: RouteLimits = {
  bodyLimit: 4 * 1024,
  contentTypes: ['text/plain', 'application/json'],
  perIp: { perMinute: 120, burst: 60 },
  global: { perMinute: 12_000, burst: 1_200 },
};

function runtime(core: Core): TrackingRuntime {
  let cached: Promise<Buffer | null> | null = null;
  core.bus.on('secrets.changed', () => {
    cached = null;
  });
  return {
    core,
    recorder: new Recorder(core),
    key() {
      const p = (cached ??= core.secrets.get(TRACKING_KEY).then(keyOf, () => null));
      // A missing key is asked again next time (it may be stored meanwhile).
      void p.then((k) => {
        if (k === null && cached === p) cached = null;
      });
      return p;
    },
  };
}

/** Make the signing key once, where secrets can be stored. Returns whether there is one now. */
export async function ensureTrackingKey(core: Core): Promise<boolean> {
  if (keyOf(await core.secrets.get(TRACKING_KEY))) return true;
  if (!core.secrets.backend().writable) return false;
  await core.secrets.set(TRACKING_KEY, randomBytes(32).toString('base64url'));
  core.bus.emit('secrets.changed', { names: await core.secrets.list() });
  core.log.info('tracking: made the signing key (secret TRACKING_KEY)');
  return true;
}

function newSiteKey(): string {
  return `pk_${randomBytes(18).toString('base64url')}`;
}

function trackingHandlers(core: Core): HandlerMap<keyof typeof trackingOps> {
  const snippetWarnings = (): string[] => {
    const w: string[] = [];
    const base = publicBase(core.db);
    if (isLoopbackUrl(base)) w.push(`The public address (${base}) only reaches this computer: visitors' browsers cannot send to it. Set server.publicUrl.`);
    if (!allowedOrigins(core.db).length) w.push('No site may send yet: add your website\'s origin (e.g. https://www.example.com) to tracking.allowedOrigins.');
    return w;
  };
  const setSiteKey = (key: string) => core.setSetting('tracking.siteKey', key);
  return {
    'tracking.status': async () => {
      const keyPresent = keyOf(await core.secrets.get(TRACKING_KEY)) !== null;
      const base = publicBase(core.db);
      const siteKey = setting<string | null>(core.db, 'tracking.siteKey', null);
      return {
        publicUrl: base,
        loopback: isLoopbackUrl(base),
        keyPresent,
        clicks: switchState(core.db, 'clicks', keyPresent),
        opens: switchState(core.db, 'opens', keyPresent),
        machineOpenSeconds: machineOpenSeconds(core.db),
        site: { siteKey, allowedOrigins: allowedOrigins(core.db), storage: siteStorage(core.db), snippet: siteKey ? snippetTag(base, siteKey) : null },
      };
    },
    'tracking.snippet': () => {
      let siteKey = setting<string | null>(core.db, 'tracking.siteKey', null);
      if (!siteKey) setSiteKey((siteKey = newSiteKey()));
      return { siteKey, snippet: snippetTag(publicBase(core.db), siteKey), allowedOrigins: allowedOrigins(core.db), warnings: snippetWarnings() };
    },
    'tracking.siteKey.rotate': () => {
      const siteKey = newSiteKey();
      setSiteKey(siteKey);
      return { siteKey, snippet: snippetTag(publicBase(core.db), siteKey) };
    },
    'tracking.links': (i) => {
      const sent = core.db.prepare('SELECT 1 FROM email_messages WHERE message_id = ?').get(i.messageId);
      if (!sent) throw new ApiError('not_found', `No e-mail with the Message-ID ${i.messageId} (see email.messages).`);
      const rows = core.db
        .prepare(
          `SELECT l.idx, l.url,
             (SELECT COUNT(*) FROM events e WHERE e.type = 'email.clicked' AND e.subject_type = 'contact' AND e.subject_id = CAST(l.contact_id AS TEXT)
                AND json_extract(e.data, '$.messageId') = l.message_id AND json_extract(e.data, '$.linkId') = l.idx) AS clicks
           FROM email_links l WHERE l.message_id = ? AND l.idx > 0 ORDER BY l.idx`,
        )
        .all(i.messageId) as { idx: number; url: string; clicks: number }[];
      const opens = core.db
        .prepare(
          `SELECT COUNT(*) AS n, COALESCE(SUM(json_extract(e.data, '$.machine') = 1), 0) AS machine FROM events e
           WHERE e.type = 'email.opened' AND e.subject_type = 'contact'
             AND e.subject_id = (SELECT CAST(contact_id AS TEXT) FROM email_messages WHERE message_id = ?) AND json_extract(e.data, '$.messageId') = ?`,
        )
        .get(i.messageId, i.messageId) as { n: number; machine: number };
      return { links: rows.map((r) => ({ linkId: r.idx, url: r.url, clicks: r.clicks })), opens: opens.n, machineOpens: opens.machine };
    },
  };
}

/** On a serving host: make the signing key when it is missing and secrets can be stored. */
function keyService(core: Core): Service {
  return {
    name: 'tracking-key',
    async start() {
      try {
        if (!(await ensureTrackingKey(core))) core.log.info(`tracking: no signing key and secrets are read-only here; e-mails go out without tracked links until ${TRACKING_KEY} is set`);
      } catch (e) {
        core.log.warn('tracking: could not make the signing key', { error: e as Error });
      }
    },
    stop() {},
  };
}

export const trackingDomain = defineDomain({
  id: 'tracking',
  description: 'Engagement tracking: signed click links and the open pixel in e-mails, the site snippet for page visits and form views of known contacts (/t/…).',
  ops: trackingOps,
  events: trackingEventTypes,
  requires: ['crm'],
  settings: ['tracking.clicks', 'tracking.opens', 'tracking.machineOpenSeconds', 'tracking.allowedOrigins', 'tracking.siteStorage', 'tracking.siteKey'],
  create(core) {
    const rt = runtime(core);
    return {
      handlers: trackingHandlers(core),
      routes: {
        't/c': { handler: clickRoute(rt), limits: CLICK_LIMITS },
        't/o': { handler: openRoute(rt), limits: OPEN_LIMITS },
        't/s.js': { handler: snippetRoute(rt), limits: SCRIPT_LIMITS },
        't/e': { handler: eventRoute(rt), limits: EVENT_LIMITS },
        t: otherRoute(),
      },
      services: [keyService(core)],
    };
  },
});
