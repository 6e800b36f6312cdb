/**
 * Engagement tracking (docs/tracking.md): clicks on links in Baton's e-mails
 * (signed redirect links), the open pixel, and the site snippet that records
 * page visits and form views of known contacts. Each becomes an event on the
 * contact's timeline (the event types below) that scoring, segments and
 * workflow triggers read like any other.
 */
import { z } from 'zod';
import { Empty, eventType, op } from './base';

/** How a request's User-Agent (and address) is classed: a person's mail client or browser, a mail provider's image proxy, or a program. */
export const USER_AGENT_CLASSES = ['desktop', 'mobile', 'mail-proxy', 'bot', 'unknown'] as const;
export const UserAgentClass = z.enum(USER_AGENT_CLASSES);
export type UserAgentClass = z.infer<typeof UserAgentClass>;

/** Why an open or click was counted as a machine's (docs/tracking.md, "Machine opens"). */
export const MACHINE_REASONS = ['apple-mpp', 'google-proxy', 'yahoo-proxy', 'microsoft', 'bot', 'no-user-agent', 'soon-after-send'] as const;

/** auto: on when the public address reaches the internet (not a loopback address); on: always; off: never. */
export const TRACKING_MODES = ['auto', 'on', 'off'] as const;
export const TrackingMode = z.enum(TRACKING_MODES, { error: `use one of ${TRACKING_MODES.join(', ')}` });
export type TrackingMode = z.infer<typeof TrackingMode>;
/** Whether the site snippet may remember a contact beyond the browser tab: never, after the page calls baton.consent(true), or always. */
export const SITE_STORAGE = ['off', 'after-consent', 'on'] as const;
export const SiteStorage = z.enum(SITE_STORAGE, { error: `use one of ${SITE_STORAGE.join(', ')}` });
export type SiteStorage = z.infer<typeof SiteStorage>;

/** A web origin the site snippet may post from: scheme, host and port only. */
export const SiteOrigin = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === v.replace(/\/$/, '');
    } catch {
      return false;
    }
  }, 'use an origin such as https://www.example.com (scheme and host, no path)')
  .transform((v) => v.replace(/\/$/, ''));

const Opt = <T extends z.ZodType>(t: T) => t.optional();

/** Data of email.clicked: set by Baton's redirect; ingested clicks may carry any of it (or other keys). */
const ClickData = z
  .object({
    messageId: Opt(z.string()),
    url: Opt(z.string()),
    /** Which link of the e-mail (1, 2 … in the order they first appear). */
    linkId: Opt(z.number().int()),
    machine: Opt(z.boolean()),
    machineReason: Opt(z.enum(MACHINE_REASONS).nullable()),
    userAgent: Opt(UserAgentClass),
  })
  .passthrough()
  .nullable();
const OpenData = z
  .object({
    messageId: Opt(z.string()),
    machine: Opt(z.boolean()),
    machineReason: Opt(z.enum(MACHINE_REASONS).nullable()),
    userAgent: Opt(UserAgentClass),
    /** Seconds between the send and this open. */
    secondsAfterSend: Opt(z.number().nullable()),
  })
  .passthrough()
  .nullable();
const PageData = z
  .object({ url: Opt(z.string()), path: Opt(z.string()), title: Opt(z.string()), referrer: Opt(z.string()), via: Opt(z.string()) })
  .passthrough()
  .nullable();
const FormViewData = z
  .object({ url: Opt(z.string()), path: Opt(z.string()), form: Opt(z.string()), via: Opt(z.string()) })
  .passthrough()
  .nullable();

/** The event types the tracking domain records (each is also accepted by events.ingest from other tools). */
export const trackingEventTypes = {
  'email.clicked': eventType('The contact clicked a link in an e-mail (Baton\'s signed redirect link, or ingested); machine is true for a known scanner or program.', ClickData, 'contact'),
  'email.opened': eventType(
    'An e-mail to the contact was opened (the open pixel, or ingested); machine is true for a mail-privacy proxy or an open within seconds of the send (not scored by default).',
    OpenData,
    'contact',
  ),
  'page.visited': eventType('The contact visited a page of the website (the site snippet, or ingested).', PageData, 'contact'),
  'form.viewed': eventType('A form on the website came into view for the contact (the site snippet, or ingested).', FormViewData, 'contact'),
} as const;

const Switch = z.object({
  mode: TrackingMode,
  /** Whether new e-mails get it now. */
  active: z.boolean(),
  /** Why not, when not active. */
  reason: z.string().nullable(),
});

export const TrackingStatus = z.object({
  publicUrl: z.string(),
  loopback: z.boolean(),
  /** The signing key (secret TRACKING_KEY) is there. */
  keyPresent: z.boolean(),
  clicks: Switch,
  opens: Switch,
  machineOpenSeconds: z.number(),
  site: z.object({
    siteKey: z.string().nullable(),
    allowedOrigins: z.array(z.string()),
    storage: SiteStorage,
    /** The tag to paste into the site's pages (null until a site key exists: tracking.snippet makes one). */
    snippet: z.string().nullable(),
  }),
});

export const TrackedLink = z.object({ linkId: z.number().int(), url: z.string(), clicks: z.number().int() });

export const trackingOps = {
  'tracking.status': op('Whether clicks and opens are tracked in new e-mails (and why not), the signing key, and the site snippet settings.', Empty, TrackingStatus),
  'tracking.snippet': op(
    'The site snippet to paste into your website\'s pages (creates the publishable site key on first use).',
    Empty,
    z.object({ siteKey: z.string(), snippet: z.string(), allowedOrigins: z.array(z.string()), warnings: z.array(z.string()) }),
  ),
  'tracking.siteKey.rotate': op('Replace the publishable site key (the old snippet stops recording).', Empty, z.object({ siteKey: z.string(), snippet: z.string() })),
  'tracking.links': op(
    'The tracked links of one sent e-mail (by Message-ID) with their recorded clicks.',
    z.object({ messageId: z.string().min(3, 'give the Message-ID, e.g. <baton.…@example.com>') }).strict(),
    z.object({ links: z.array(TrackedLink), opens: z.number().int(), machineOpens: z.number().int() }),
  ),
} as const;

export const trackingEvents = {} as const;
