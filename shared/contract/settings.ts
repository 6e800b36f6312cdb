/**
 * The settings a person edits (Settings page, `baton settings set`, the API):
 * one zod rule per key, so the form validates as the person types with the same
 * rule the core applies before it stores anything. INTERNAL_SETTINGS are the
 * keys Baton reads or writes itself (tuning knobs, state kept by a page, config
 * saved by its own operation) that the Settings page does not show. A key in
 * neither list is refused with the known keys closest to it, so a typo never
 * silently does nothing; a known key with a bad value is refused, naming the key
 * and the rule. `null` clears a setting back to its default where the key allows it.
 */
import { z } from 'zod';
import { PriceTable } from './ai';
import { Email, TimeZone } from './crm';
import { CampaignSettings, ContentSettings, GrowthBudgetSettings, LinkSettings, SeoSettings } from './growth';
import { EscalationRule, PipelineConfig } from './sales';
import { AlertWebhooks, QuietHours } from './monitoring';
import { SiteOrigin, SiteStorage, TrackingMode } from './tracking';
import { Duration } from './workflow';

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use HH:MM on a 24-hour clock, e.g. 22:00');
const Host = z
  .string()
  .trim()
  .min(1, 'give a host name such as smtp.example.com')
  .max(253)
  .regex(/^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/, 'use a host name or IP address without scheme or port, e.g. smtp.example.com');
const Port = z.number({ error: 'use a port number' }).int('use a whole number').min(1, 'use a port from 1 to 65535').max(65535, 'use a port from 1 to 65535');
const HttpUrl = z.url({ protocol: /^https?$/, error: 'use an http(s) address such as https://example.com' });
/** The address the outside world reaches Baton at: http(s), no user name, query or fragment (a path prefix is fine). */
/** A colour as #RRGGBB (client report headings and charts). */
export const HexColor = z.string().trim().regex(/^#[0-9A-Fa-f]{6}$/, 'use a colour as #RRGGBB, e.g. #1d4ed8');
/** An ISO 4217 currency code, upper case (USD, EUR …). */
export const CurrencyCode = z.string().trim().regex(/^[A-Za-z]{3}$/, 'use a 3-letter currency code such as USD or EUR').transform((s) => s.toUpperCase());
export const PublicUrl = HttpUrl.refine((v) => {
  const u = new URL(v);
  return !u.username && !u.password && !u.search && !u.hash;
}, 'use the address only, e.g. https://baton.example.com (no user name, ?query or #fragment)');

export interface SettingDef {
  schema: z.ZodType;
  label: string;
  help?: string;
  /** The value used while the setting is unset (shown as the placeholder). */
  defaultValue?: unknown;
  /** A setting of a few named values: each value and its words, in the order a form lists them (every form's select uses these). */
  options?: readonly SettingOption[];
}
export interface SettingOption {
  value: string;
  label: string;
}

const def = (schema: z.ZodType, label: string, help?: string, defaultValue?: unknown, options?: readonly SettingOption[]): SettingDef => ({ schema, label, help, defaultValue, ...(options ? { options } : {}) });

/** tracking.clicks and tracking.opens take the same modes. */
const TRACKING_MODE_OPTIONS: readonly SettingOption[] = [
  { value: 'auto', label: 'auto: only when the public address reaches the internet' },
  { value: 'on', label: 'on' },
  { value: 'off', label: 'off' },
];

export const SETTINGS = {
  // General
  'email.timeZone': def(TimeZone.nullable(), 'Default time zone', 'Send windows and daily caps use it when a contact has no time zone of its own.', 'UTC'),
  'setup.completed': def(z.boolean(), 'First-run setup finished'),
  // Outgoing e-mail
  'email.smtp.host': def(Host.nullable(), 'SMTP server'),
  'email.smtp.port': def(Port.nullable(), 'SMTP port', '587 with STARTTLS, 465 with TLS from the start.', 587),
  'email.smtp.secure': def(z.boolean(), 'TLS from the start (port 465)', undefined, false),
  'email.smtp.user': def(z.string().trim().max(320).nullable(), 'SMTP user name'),
  'email.smtp.rejectUnauthorized': def(z.boolean(), 'Check the SMTP server certificate', undefined, true),
  'email.from': def(Email.nullable(), 'Sender address'),
  'email.fromName': def(z.string().trim().max(200).nullable(), 'Sender name'),
  'email.frequencyCap': def(z.number().int('use a whole number').min(1, 'at least 1').max(100, 'at most 100').nullable(), 'Automated e-mails per contact per period, at most', 'Counted across every workflow, sequence and growth engine that e-mails the contact (marketing e-mails; transactional ones are not capped).', 3),
  'email.frequencyCapDays': def(z.number().int('use a whole number').min(1, 'at least 1 day').max(90, 'at most 90 days').nullable(), 'Frequency cap period (rolling days)', 'The cap counts the e-mails sent to a contact over this many rolling days.', 1),
  'email.frequencyCapAction': def(z.enum(['wait', 'drop'], { error: 'use wait or drop' }).nullable(), 'Over the cap', 'wait: the later e-mail waits until the contact is under the cap again; drop: it is not sent (the run says why).', 'wait', [
    { value: 'wait', label: 'wait until under the cap' },
    { value: 'drop', label: 'drop the e-mail (the run says why)' },
  ]),
  'email.bookingUrl': def(HttpUrl.nullable(), 'Booking link', 'Used by templates as {{ booking_url }}.'),
  'email.leadMagnetUrl': def(HttpUrl.nullable(), 'Lead magnet link', 'The download your lead-magnet form promises (a guide, a checklist); used by templates as {{ lead_magnet_url }}.'),
  // Incoming e-mail
  'email.imap.host': def(Host.nullable(), 'IMAP server'),
  'email.imap.port': def(Port.nullable(), 'IMAP port', undefined, 993),
  'email.imap.secure': def(z.boolean(), 'TLS from the start (port 993)', undefined, true),
  'email.imap.user': def(z.string().trim().max(320).nullable(), 'IMAP user name'),
  'email.imap.mailbox': def(z.string().trim().min(1, 'name a mailbox such as INBOX').max(200).nullable(), 'Mailbox', undefined, 'INBOX'),
  'email.imap.rejectUnauthorized': def(z.boolean(), 'Check the IMAP server certificate', undefined, true),
  // AI
  'ai.model': def(z.string().trim().min(1, 'name a Claude model such as claude-sonnet-4-6').max(100).nullable(), 'Default model', undefined, 'claude-sonnet-4-6'),
  'ai.maxTokens': def(z.number().int('use a whole number').min(1, 'at least 1').max(128_000, 'at most 128000').nullable(), 'Max output tokens per call', undefined, 1024),
  'ai.confidenceThreshold': def(z.number().min(0, 'use a number from 0 to 1').max(1, 'use a number from 0 to 1').nullable(), 'Ask me below this confidence', 'An AI draft whose review is less sure than this goes to your approvals.', 0.7),
  'ai.dailyCapUsd': def(z.number().positive('use a positive amount, or clear it for no cap').max(1_000_000, 'at most 1000000 USD').nullable(), 'Daily spend cap (USD)', 'A warning at 80 %; at the cap AI steps stop until tomorrow (a call starts only if its largest possible cost fits) and a pinned alert stays until you acknowledge it.', 10),
  'ai.prices': def(PriceTable.nullable(), 'Price table (USD per million tokens)'),
  'ai.baseUrl': def(HttpUrl.nullable(), 'API base URL', 'Leave empty for Anthropic\'s API.'),
  // Notifications
  'notifications.enabled': def(z.boolean(), 'Notify me of escalations', undefined, true),
  'notifications.minSeverity': def(z.enum(['info', 'warning', 'critical'], { error: 'use info, warning or critical' }), 'Lowest severity that notifies', undefined, 'warning', [
    { value: 'info', label: 'Everything (info and up)' },
    { value: 'warning', label: 'Warnings and critical' },
    { value: 'critical', label: 'Critical only' },
  ]),
  'notifications.sound': def(z.boolean(), 'Play a sound', undefined, true),
  'notifications.quietHours': def(z.object({ start: HHMM, end: HHMM }).strict().nullable(), 'Quiet hours (only critical alerts notify)'),
  'notifications.approvals': def(z.boolean(), 'Notify me of new approvals', undefined, true),
  // Workflow engine (docs/engine.md, "Limits")
  'engine.subworkflowDepth': def(z.number().int('use a whole number').min(1, 'at least 1').max(1000, 'at most 1000').nullable(), 'Sub-workflow levels, at most', 'A run may start sub-workflows this many levels deep; a deeper start fails its step, naming the chain of workflows.', 10),
  'engine.maxStepOutputBytes': def(
    z.number().int('use a whole number of bytes').min(1024, 'at least 1024 bytes').max(256 * 1024 * 1024, 'at most 268435456 bytes (256 MB)').nullable(),
    'Largest step output (bytes)',
    'A step whose output (or event data it publishes) is larger fails, naming the size.',
    1024 * 1024,
  ),
  // Workflow engine (read when the engine starts)
  'engine.stepTimeout': def(
    Duration.nullable(),
    'Step timeout when a node sets none',
    'Also the limit for evaluating a step\'s expressions. A step past it fails; a worker stuck in it is ended. A duration such as "60s" or "5m".',
    '60s',
  ),
  'engine.workerHeapMb': def(
    z.number({ error: 'use a number of megabytes' }).int('use a whole number').min(64, 'at least 64 MB').max(16_384, 'at most 16384 MB').nullable(),
    'Memory limit per engine worker (MB)',
    'A worker that reaches it is ended; a step whose worker dies twice fails.',
    512,
  ),
  // Server and public address (docs/server.md)
  'server.publicUrl': def(
    PublicUrl.nullable(),
    'Public address',
    'Where mail links, tracking links, forms and webhooks reach this Baton from the internet (a tunnel or reverse proxy to this machine), e.g. https://baton.example.com.',
    'http://127.0.0.1:4717',
  ),
  'server.port': def(Port.nullable(), 'Port of the local HTTP surface', 'The desktop app serves the API, web UI, forms and webhooks on 127.0.0.1 at this port (restart to apply).', 4717),
  'server.trustProxy': def(z.boolean(), 'Behind a tunnel or reverse proxy on this machine', 'Rate limits then count requests by the last X-Forwarded-For address instead of 127.0.0.1 (restart to apply).', false),
  'forms.perMinute': def(
    z.number().int('use a whole number').min(10, 'at least 10').max(100_000, 'at most 100000').nullable(),
    'Form posts a minute, all visitors together',
    'Lead-capture posts accepted per minute on /hooks/forms (bursts up to a fifth of it, at least 60); more get 429 with Retry-After. Each visitor stays limited to 10 a minute. Restart to apply.',
    300,
  ),
  'hooks.perMinute': def(
    z.number().int('use a whole number').min(60, 'at least 60').max(6_000_000, 'at most 6000000').nullable(),
    'Webhook requests a minute, all callers together',
    'Requests accepted per minute on /hooks/<slug> (bursts up to a twelfth of it); more get 429 with Retry-After. Each caller address stays limited to 6000 a minute. Restart to apply.',
    60_000,
  ),
  // WordPress (docs/ai.md: the wordpress.publish node)
  'wordpress.siteUrl': def(HttpUrl.nullable(), 'WordPress site address', 'The site\'s address, e.g. https://blog.example.com (its REST API is under /wp-json).'),
  'wordpress.user': def(z.string().trim().min(1, 'give the WordPress user name').max(200).nullable(), 'WordPress user name', 'The user the application password belongs to.'),
  'wordpress.timeoutMs': def(z.number().int('use a whole number').min(1_000, 'at least 1000 ms').max(600_000, 'at most 600000 ms').nullable(), 'WordPress request time limit (ms)', undefined, 30_000),
  // Engagement tracking (docs/tracking.md)
  'tracking.clicks': def(
    TrackingMode.nullable(),
    'Track clicks in e-mails',
    'Links in marketing e-mails go through a signed redirect at the public address. auto: only when the public address reaches the internet; on; off.',
    'auto',
    TRACKING_MODE_OPTIONS,
  ),
  'tracking.opens': def(TrackingMode.nullable(), 'Track opens (pixel)', 'A 1x1 image in marketing e-mails. Opens by mail-privacy proxies are recorded as machine opens and not scored. auto, on or off.', 'auto', TRACKING_MODE_OPTIONS),
  'tracking.machineOpenSeconds': def(
    z.number().int('use a whole number of seconds').min(0, 'at least 0').max(3600, 'at most 3600').nullable(),
    'Opens this soon after the send are machine opens (seconds)',
    'Security scanners and prefetching load images within seconds of delivery.',
    10,
  ),
  'tracking.allowedOrigins': def(
    z.array(SiteOrigin).max(50, 'at most 50 origins').nullable(),
    'Websites the site snippet may record from',
    'Origins such as https://www.example.com; the snippet\'s events from any other site are refused.',
    [],
  ),
  'tracking.siteStorage': def(
    SiteStorage.nullable(),
    'Site snippet: remember a contact beyond the tab',
    'off: no cookies or storage beyond the tab (sessionStorage); after-consent: after your page calls baton.consent(true); on: always (your consent banner must cover it).',
    'off',
    [
      { value: 'off', label: 'off: never beyond the tab' },
      { value: 'after-consent', label: 'after consent (baton.consent(true))' },
      { value: 'on', label: 'on' },
    ],
  ),
  // You and your brand (summaries to you; client reports)
  'operator.email': def(Email.nullable(), 'Your e-mail address', 'Summaries for you (the weekly summary) go here. Empty: the sender address (email.from).'),
  'brand.name': def(z.string().trim().min(1, 'give a name, or clear it').max(120, 'at most 120 characters').nullable(), 'Brand name', 'On client reports. Empty: the sender name.'),
  'brand.color': def(HexColor.nullable(), 'Brand colour', 'Headings and charts of client reports, as #RRGGBB.', '#1d4ed8'),
  'brand.accentColor': def(HexColor.nullable(), 'Accent colour', 'The second series of report charts, as #RRGGBB.', '#f59e0b'),
  // Finance (docs/finance.md)
  'finance.currency': def(CurrencyCode.nullable(), 'Currency of the P&L', 'Money in other currencies is listed apart, not converted.', 'USD'),
  'finance.taxRate': def(z.number({ error: 'use a percentage such as 25' }).min(0, 'use 0 to 100 (%)').max(100, 'use 0 to 100 (%)').nullable(), 'Tax set-aside (%)', 'The share of each month\'s profit to put aside for taxes.', 0),
  // Affiliate (docs/affiliate.md)
  'affiliate.linkBase': def(
    HttpUrl.nullable(),
    'Address of tracked affiliate links',
    'The base of the /go/<slug> links you put in your content, such as https://go.example.com (a proxy that forwards /go/ to Baton). Empty: the public address (server.publicUrl).',
  ),
  // Monitoring (docs/monitoring.md): where alerts go beyond the tray
  'monitoring.siteUrl': def(HttpUrl.nullable(), 'Your website', 'What the uptime template checks and monitor.check / monitor.links read when they name no URL.'),
  'monitoring.email.enabled': def(z.boolean(), 'E-mail alerts', 'Alerts and recoveries by e-mail (through the SMTP settings).', false),
  'monitoring.email.to': def(Email.nullable(), 'Send alerts to', 'Empty: your address (operator.email), else the sender address (email.from).'),
  'monitoring.email.quietHours': def(
    QuietHours.nullable(),
    'E-mail alerts: quiet hours',
    'As { "start": "22:00", "end": "07:00" } in your time zone (email.timeZone). Inside them critical alerts still go out at once (as the tray), warnings are held and sent when they end, info alerts are dropped; a recovery follows its alert. Empty: none.',
  ),
  'monitoring.webhooks': def(
    AlertWebhooks.nullable(),
    'Alert webhooks',
    'A list of { "url", "format": slack, discord, ntfy or json, "name"?, "quietHours"?: { "start", "end" } }. The url holds a token: it is kept in the secret store (MONITORING_WEBHOOK_<ID>) and never shown again; an entry given with its "id" and no url keeps its address. Quiet hours as for e-mail.',
    [],
  ),
  // Data
  'backup.keep': def(z.number().int('use a whole number').min(1, 'keep at least 1').max(1000, 'at most 1000').nullable(), 'Backups to keep', undefined, 10),
} satisfies Record<string, SettingDef>;

const Seconds = (min: number, max: number) => z.number().int('use a whole number of seconds').min(min, `at least ${min}`).max(max, `at most ${max}`).nullable();
const Cron = z.string().trim().min(1, 'give a cron expression such as "30 3 * * *"').max(200);

/**
 * Keys Baton itself reads or writes that the Settings page does not show (every
 * key the code uses is here or in SETTINGS: tests/settings-keys.test.ts checks it).
 */
export const INTERNAL_SETTINGS = {
  // Engine
  'engine.paused': def(z.boolean(), 'Engine paused (Runs page: pause all)', undefined, false),
  'engine.workers': def(z.number().int('use a whole number').min(1, 'at least 1').max(64, 'at most 64').nullable(), 'Engine worker threads', 'Default: one per CPU core.'),
  'engine.pruneDays': def(z.number().min(0, 'use 0 or more days').max(3650, 'at most 3650 days').nullable(), 'Delete finished runs after this many days', undefined, 30),
  'maintenance.enabled': def(z.boolean(), 'Nightly maintenance (backup, pruning, re-scoring)', undefined, true),
  'maintenance.cron': def(Cron.nullable(), 'When the nightly maintenance runs (cron)', undefined, '30 3 * * *'),
  'maintenance.timezone': def(TimeZone.nullable(), 'Time zone of the maintenance schedule', 'Default: this machine\'s time zone.'),
  // CRM and sales
  'crm.undoWindowDays': def(z.number().int('use a whole number').min(1, 'at least 1 day').max(3650, 'at most 3650 days').nullable(), 'Days a deleted contact can be restored', undefined, 30),
  'email.publicUrl': def(HttpUrl.nullable(), 'Public address of this Baton (unsubscribe links)', undefined, 'http://127.0.0.1:4717'),
  'email.imap.pollSeconds': def(Seconds(5, 86_400), 'Check the IMAP mailbox every (seconds)', undefined, 60),
  'sales.tickSeconds': def(Seconds(1, 3600), 'Sequence scheduler tick (seconds)', undefined, 30),
  'sequences.dailyCap': def(z.number().int('use a whole number').min(1, 'at least 1').max(1_000_000, 'at most 1000000').nullable(), 'Sequence e-mails per day, all sequences together', undefined, 1000),
  'escalation.rules': def(z.array(EscalationRule).max(100), 'Escalation rules (escalationRules.set)'),
  'pipeline.config': def(PipelineConfig, 'Pipeline stages (pipeline.set)'),
  // AI limits
  'ai.timeoutMs': def(z.number().int().min(1_000, 'at least 1000 ms').max(3_600_000, 'at most 3600000 ms').nullable(), 'Claude call time limit (ms)', undefined, 120_000),
  'ai.keyWaitHours': def(z.number().min(0.01, 'at least 0.01 hours').max(24 * 365, 'at most 8760 hours').nullable(), 'Hours an AI step waits for the key and your go-ahead before it fails', undefined, 24),
  'ai.maxRetries': def(z.number().int().min(0, 'at least 0').max(10, 'at most 10').nullable(), 'Claude call retries', undefined, 2),
  'ai.maxFieldChars': def(z.number().int().min(50, 'at least 50').max(200_000, 'at most 200000').nullable(), 'Untrusted text: characters kept per field', undefined, 4_000),
  'ai.maxDataChars': def(z.number().int().min(500, 'at least 500').max(1_000_000, 'at most 1000000').nullable(), 'Untrusted text: characters kept in all', undefined, 40_000),
  // Tracking: the publishable key of the site snippet (not a secret: it is in the site's HTML; tracking.snippet makes it)
  'tracking.siteKey': def(z.string().regex(/^pk_[A-Za-z0-9_-]{16,64}$/, 'a site key looks like pk_… (make one with tracking.snippet)').nullable(), 'Site snippet key'),
  // Hosts
  'host.dataMoved': def(z.object({ from: z.string(), to: z.string(), at: z.string() }).passthrough().nullable(), 'The one-time move of an earlier data folder (shown on the dashboard until dismissed)'),
  // Billing (Stripe; docs/billing.md)
  'billing.apiUrl': def(HttpUrl.nullable(), 'Stripe API address', 'Leave empty for Stripe (https://api.stripe.com); set for a Stripe-compatible test server or a proxy.'),
  'billing.reconcileMinutes': def(z.number().int('use a whole number of minutes').min(5, 'at least 5 minutes').max(1440, 'at most 1440 minutes (a day)').nullable(), 'Reconcile with Stripe every (minutes)', undefined, 60),
  // Connection of the window (electron/core/remote): the remote server's address and whether it is in use; its token is in the secret store
  'connection.remote': def(z.object({ url: z.string(), attached: z.boolean() }).strict().nullable(), 'Remote Baton server the window uses (Settings > Connections)'),
  // Desktop window
  // Growth engines (docs/growth.md): each an object; fields left out take their defaults.
  'growth.seo': def(SeoSettings.partial().strict(), 'SEO engine: quick-win thresholds, plan size, sitemap, schedule'),
  'growth.content': def(ContentSettings.partial().strict(), 'Trend content engine: channels, relevance, ideas and briefs per cycle, schedule'),
  'growth.links': def(LinkSettings.partial().strict(), 'Link-building engine: our domain, outreach sequence, per-cycle limits, link value, schedule'),
  'growth.campaigns': def(CampaignSettings.partial().strict(), 'Campaign engine: total budget, floors and caps, success share, schedule'),
  'growth.budget': def(GrowthBudgetSettings.partial().strict(), 'One monthly cap across growth engines (Claude + ad budget) and the reserve kept for higher priorities'),
  'growth.priorities': def(z.array(z.enum(['seo', 'content', 'links', 'campaigns'])).length(4), 'Growth engines in priority order (growth.priorities.set)'),
  'window.bounds': def(z.object({ x: z.number().int(), y: z.number().int(), width: z.number().int().min(1).max(100_000), height: z.number().int().min(1).max(100_000) }).strict(), 'Window position and size'),
} satisfies Record<string, SettingDef>;

export type SettingKey = keyof typeof SETTINGS;
export type KnownSettingKey = SettingKey | keyof typeof INTERNAL_SETTINGS;
const KNOWN: Record<string, SettingDef> = { ...SETTINGS, ...INTERNAL_SETTINGS };

export function isSettingKey(key: string): key is SettingKey {
  return Object.prototype.hasOwnProperty.call(SETTINGS, key);
}

/** A key Baton knows (shown on the Settings page or used internally). */
export function isKnownSetting(key: string): key is KnownSettingKey {
  return Object.prototype.hasOwnProperty.call(KNOWN, key);
}

export function knownSetting(key: string): SettingDef | undefined {
  return isKnownSetting(key) ? KNOWN[key] : undefined;
}

export const KNOWN_SETTING_KEYS: readonly string[] = Object.keys(KNOWN).sort();

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The known keys closest to a mistyped one (same group first, then by edit distance). */
export function closeSettingKeys(key: string, n = 5): string[] {
  const k = key.toLowerCase();
  const group = k.split('.')[0];
  const leaf = k.split('.').pop()!;
  return KNOWN_SETTING_KEYS.map((known) => {
    const l = known.toLowerCase();
    let d = editDistance(k, l);
    if (l.split('.')[0] === group) d -= 3;
    if (l.split('.').pop() === leaf || l.includes(leaf) || k.includes(l.split('.').pop()!)) d -= 3;
    return { known, d };
  })
    .sort((a, b) => a.d - b.d || a.known.localeCompare(b.known))
    .slice(0, n)
    .map((x) => x.known);
}

/** The message for a key Baton does not know. */
export function unknownSettingMessage(key: string): string {
  return `"${key}" is not a setting Baton knows; did you mean ${closeSettingKeys(key).join(', ')}? (every key: npx baton settings keys)`;
}

// Pure address helpers (no zod): the dashboard's first bundle uses them without the settings schemas.
export { isLoopbackUrl, publicAddress, reachabilityWarning, storedPublicUrl } from './address';

/** The problem with a value for a key, or null when it may be stored. */
export function settingProblem(key: string, value: unknown): string | null {
  const def = knownSetting(key);
  if (!def) return unknownSettingMessage(key);
  const r = def.schema.safeParse(value);
  return r.success ? null : r.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ` : '') + i.message).join('; ');
}
