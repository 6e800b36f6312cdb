/**
 * The configuration editors' logic, DOM-free: pipeline stages, escalation rules and
 * lead-capture forms as the person types them (strings), turned into what the
 * contract expects and checked with the contract's own zod schemas, so every
 * problem names its field (stages.1.limitDays, rules.0.threshold, fields).
 */
import { EscalationRule, FormDef, HookAuth, PipelineConfig, RULE_WHEN, type ApiIssue } from '../../../../shared/api';

export type Issue = ApiIssue;
export type Checked<T> = { ok: true; value: T } | { ok: false; issues: Issue[] };

const issuesOf = (e: { issues: { path: PropertyKey[]; message: string }[] }, prefix = ''): Issue[] => e.issues.map((i) => ({ path: [prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(root)', message: i.message }));

export { issuesAt } from '../../api/issues';

/** The first message for exactly this field, as "path: message", or null. */
export function messageAt(issues: Issue[], path: string): string | null {
  const i = issues.find((x) => x.path === path);
  return i ? `${i.path}: ${i.message}` : null;
}

/** A typed number: '' -> empty, a number, or NaN for letters. */
function num(s: string): number | null {
  const t = s.trim();
  if (t === '') return null;
  const n = Number(t.replace(',', '.'));
  return Number.isFinite(n) ? n : NaN;
}

/** "a, b ,c" -> ['a', 'b', 'c'] (blanks dropped). */
export function splitList(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

/** A readable id from a name, at most `max` characters: "Demo booked!" -> "demo-booked". */
export function slugify(name: string, max = 64): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max);
}

/** Move item i one place up (-1) or down (+1); out of range changes nothing. */
export function moveItem<T>(list: T[], i: number, dir: -1 | 1): T[] {
  const j = i + dir;
  if (i < 0 || i >= list.length || j < 0 || j >= list.length) return list;
  const out = [...list];
  [out[i], out[j]] = [out[j]!, out[i]!];
  return out;
}

/* ---------- pipeline stages ---------- */

export interface StageDraft {
  /** Stable key for React while the id is typed. */
  key: string;
  id: string;
  name: string;
  /** Comma-separated event types. */
  enterOn: string;
  /** Days; '' for no limit. */
  limitDays: string;
  task: string;
  /** Added in this edit (its id may still change); saved stages keep their id. */
  isNew: boolean;
}
export interface PipelineDraft {
  stages: StageDraft[];
  autoCreate: { onSql: boolean; onDemoRequest: boolean; value: string; currency: string };
}

let seq = 0;
const nextKey = () => `k${++seq}`;

export function pipelineDraft(cfg: PipelineConfig): PipelineDraft {
  return {
    stages: cfg.stages.map((s) => ({ key: nextKey(), id: s.id, name: s.name, enterOn: s.enterOn.join(', '), limitDays: s.limitDays === null ? '' : String(s.limitDays), task: s.task ?? '', isNew: false })),
    autoCreate: { onSql: cfg.autoCreate.onSql, onDemoRequest: cfg.autoCreate.onDemoRequest, value: String(cfg.autoCreate.value), currency: cfg.autoCreate.currency },
  };
}

export function newStage(existing: StageDraft[]): StageDraft {
  let n = existing.length + 1;
  while (existing.some((s) => s.id === `stage-${n}`)) n++;
  return { key: nextKey(), id: `stage-${n}`, name: '', enterOn: '', limitDays: '', task: '', isNew: true };
}

/** The draft as the contract's PipelineConfig, checked: numbers, the schema, ids unique and well-formed. */
export function checkPipeline(d: PipelineDraft): Checked<PipelineConfig> {
  const issues: Issue[] = [];
  const stages = d.stages.map((s, i) => {
    const limit = num(s.limitDays);
    if (Number.isNaN(limit)) issues.push({ path: `stages.${i}.limitDays`, message: 'use a number of days, or leave it empty for no limit' });
    if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(s.id)) issues.push({ path: `stages.${i}.id`, message: 'use lower-case letters, digits and - (e.g. demo-booked)' });
    return { id: s.id, name: s.name.trim(), enterOn: splitList(s.enterOn), limitDays: Number.isNaN(limit) ? null : limit, task: s.task.trim() === '' ? null : s.task.trim() };
  });
  d.stages.forEach((s, i) => {
    if (d.stages.findIndex((x) => x.id === s.id) < i) issues.push({ path: `stages.${i}.id`, message: `"${s.id}" is already the id of another stage` });
  });
  const value = num(d.autoCreate.value);
  if (Number.isNaN(value)) issues.push({ path: 'autoCreate.value', message: 'use a number (0 or more)' });
  const cfg = { stages, autoCreate: { onSql: d.autoCreate.onSql, onDemoRequest: d.autoCreate.onDemoRequest, value: Number.isNaN(value) ? 0 : (value ?? 0), currency: d.autoCreate.currency.trim().toUpperCase() } };
  const r = PipelineConfig.safeParse(cfg);
  if (!r.success) issues.push(...issuesOf(r.error).filter((i) => !issues.some((x) => x.path === i.path)));
  if (issues.length || !r.success) return { ok: false, issues };
  return { ok: true, value: r.data };
}

/* ---------- escalation rules ---------- */

export type RuleWhen = (typeof RULE_WHEN)[number];
export const WHEN_LABELS: Record<RuleWhen, string> = {
  score_above: 'Lead score above a threshold',
  demo_request: 'A demo request',
  pricing_request: 'A pricing request',
  complaint: 'A spam complaint',
  enterprise_company: 'A company with at least N employees',
  stale_deal: 'A deal past its stage time limit',
  event: 'An event of a given type',
};
export const needsThreshold = (w: RuleWhen) => w === 'score_above' || w === 'enterprise_company';

export interface RuleDraft {
  key: string;
  id: string;
  enabled: boolean;
  when: RuleWhen;
  threshold: string;
  event: string;
  severity: 'info' | 'warning' | 'critical';
  title: string;
  task: boolean;
  exitSequences: boolean;
  isNew: boolean;
}

export function ruleDrafts(rules: EscalationRule[]): RuleDraft[] {
  return rules.map((r) => ({
    key: nextKey(),
    id: r.id,
    enabled: r.enabled,
    when: r.when,
    threshold: r.threshold === undefined ? '' : String(r.threshold),
    event: r.event ?? '',
    severity: r.severity,
    title: r.title,
    task: r.task,
    exitSequences: r.exitSequences,
    isNew: false,
  }));
}

export function newRule(existing: RuleDraft[]): RuleDraft {
  let n = existing.length + 1;
  while (existing.some((r) => r.id === `rule-${n}`)) n++;
  return { key: nextKey(), id: `rule-${n}`, enabled: true, when: 'event', threshold: '', event: '', severity: 'warning', title: '', task: false, exitSequences: false, isNew: true };
}

/** One line in words: "Lead score above 80 → warning “Hot lead”". */
export function describeRule(r: RuleDraft): string {
  const cond =
    r.when === 'score_above'
      ? `score above ${r.threshold || '?'}`
      : r.when === 'enterprise_company'
        ? `company with ${r.threshold || '?'}+ employees`
        : r.when === 'event'
          ? `event ${r.event || '?'}`
          : WHEN_LABELS[r.when].replace(/^An? /, '').toLowerCase();
  const extra = [r.task ? 'task' : '', r.exitSequences ? 'exits sequences' : ''].filter(Boolean).join(', ');
  return `${cond} → ${r.severity}${extra ? ` + ${extra}` : ''}`;
}

/** The drafts as escalationRules.set's input, checked like the core does (paths rules.N.field). */
export function checkRules(drafts: RuleDraft[]): Checked<EscalationRule[]> {
  const issues: Issue[] = [];
  const rules = drafts.map((d, i) => {
    const t = num(d.threshold);
    if (needsThreshold(d.when) && Number.isNaN(t)) issues.push({ path: `rules.${i}.threshold`, message: 'use a number' });
    return {
      id: d.id,
      enabled: d.enabled,
      when: d.when,
      ...(needsThreshold(d.when) && t !== null && !Number.isNaN(t) ? { threshold: t } : {}),
      ...(d.when === 'event' && d.event.trim() ? { event: d.event.trim() } : {}),
      severity: d.severity,
      title: d.title.trim(),
      task: d.task,
      exitSequences: d.exitSequences,
    };
  });
  drafts.forEach((d, i) => {
    if (drafts.findIndex((x) => x.id === d.id) < i) issues.push({ path: `rules.${i}.id`, message: `"${d.id}" is already the id of another rule` });
  });
  const r = EscalationRule.array().max(100).safeParse(rules);
  if (!r.success) issues.push(...issuesOf(r.error, 'rules').filter((i) => !issues.some((x) => x.path === i.path)));
  if (issues.length || !r.success) return { ok: false, issues };
  return { ok: true, value: r.data };
}

/* ---------- lead-capture forms ---------- */

/** What a form field may fill (the core's list; custom.<name> for custom fields). */
export const FORM_TARGETS = ['email', 'firstName', 'lastName', 'fullName', 'phone', 'title', 'companyName', 'companyDomain', 'timeZone', 'consent', 'tags'] as const;

export interface FormDraft {
  slug: string;
  name: string;
  fields: { key: string; field: string; target: string }[];
  /** Comma-separated. */
  tags: string;
  source: string;
  /** The thank-you page (an http(s) URL; empty: none). */
  redirect: string;
  /** The workflow (trigger form.submitted) whose respond node answers the submission; empty: none. */
  respondWorkflow: string;
  /** How long the form waits for it (a duration; empty: 10s). */
  respondTimeout: string;
  isNew: boolean;
}

/** A duration typed in a form: "30s" as is, a bare number as milliseconds, empty: the default 10s. */
function durationInput(s: string): string | number {
  const t = s.trim();
  if (!t) return '10s';
  return /^\d+$/.test(t) ? Number(t) : t;
}

export function formDraft(f: FormDef): FormDraft {
  return {
    slug: f.slug,
    name: f.name,
    fields: Object.entries(f.fields).map(([field, target]) => ({ key: nextKey(), field, target })),
    tags: f.tags.join(', '),
    source: f.source ?? '',
    redirect: f.redirect ?? '',
    respondWorkflow: f.respond?.workflow ?? '',
    respondTimeout: f.respond ? String(f.respond.timeout) : '',
    isNew: false,
  };
}

export function newForm(): FormDraft {
  return {
    slug: '',
    name: '',
    fields: [
      { key: nextKey(), field: 'email', target: 'email' },
      { key: nextKey(), field: 'name', target: 'fullName' },
    ],
    tags: '',
    source: '',
    redirect: '',
    respondWorkflow: '',
    respondTimeout: '',
    isNew: true,
  };
}

export function newMapping(): FormDraft['fields'][number] {
  return { key: nextKey(), field: '', target: 'firstName' };
}

/** The draft as forms.save's input, checked: the schema, each mapping row, no field twice. */
export function checkForm(d: FormDraft): Checked<FormDef> {
  const issues: Issue[] = [];
  d.fields.forEach((f, i) => {
    const name = f.field.trim();
    if (!name) issues.push({ path: `fields.${i}.field`, message: 'give the form field name (the input\'s name="…")' });
    else if (d.fields.findIndex((x) => x.field.trim() === name) < i) issues.push({ path: `fields.${i}.field`, message: `"${name}" is mapped twice` });
    if (!(FORM_TARGETS as readonly string[]).includes(f.target) && !/^custom\.[A-Za-z0-9_]{1,64}$/.test(f.target))
      issues.push({ path: `fields.${i}.target`, message: `use one of ${FORM_TARGETS.join(', ')} or custom.<name>` });
  });
  const def = {
    slug: d.slug.trim(),
    name: d.name,
    // The first row of a field name counts (a repeat is reported above).
    fields: Object.fromEntries(d.fields.filter((f, i) => f.field.trim() && d.fields.findIndex((x) => x.field.trim() === f.field.trim()) === i).map((f) => [f.field.trim(), f.target])),
    tags: splitList(d.tags),
    source: d.source.trim() === '' ? null : d.source.trim(),
    ...(d.redirect.trim() ? { redirect: d.redirect.trim() } : {}),
    ...(d.respondWorkflow.trim() ? { respond: { workflow: d.respondWorkflow.trim(), timeout: durationInput(d.respondTimeout) } } : {}),
  };
  const r = FormDef.safeParse(def);
  if (!r.success) issues.push(...issuesOf(r.error));
  if (issues.length || !r.success) return { ok: false, issues };
  return { ok: true, value: r.data };
}

/** Where a form posts: the server's origin + /hooks/forms/<slug>. */
export function webhookUrl(origin: string, slug: string): string {
  return `${origin.replace(/\/+$/, '')}/hooks/forms/${slug}`;
}

/** Example values for a target, for the copyable examples. */
function sample(target: string): string {
  switch (target) {
    case 'email':
      return 'ada@example.com';
    case 'firstName':
      return 'Ada';
    case 'lastName':
      return 'Lovelace';
    case 'fullName':
      return 'Ada Lovelace';
    case 'phone':
      return '+44 20 7946 0000';
    case 'title':
      return 'Founder';
    case 'companyName':
      return 'Analytical Engines Ltd';
    case 'companyDomain':
      return 'example.com';
    case 'timeZone':
      return 'Europe/London';
    case 'consent':
      return 'true';
    case 'tags':
      return 'webinar';
    default:
      return 'value';
  }
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A curl command that submits the form with example values (JSON). */
export function curlExample(url: string, form: FormDef): string {
  const body = Object.fromEntries(Object.entries(form.fields).map(([k, t]) => [k, sample(t)]));
  return `curl -X POST ${shellQuote(url)} \\\n  -H 'Content-Type: application/json' \\\n  -d ${shellQuote(JSON.stringify(body))}`;
}

const htmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function inputType(target: string): string {
  return target === 'email' ? 'email' : target === 'phone' ? 'tel' : target === 'consent' ? 'checkbox' : 'text';
}

/** A minimal HTML form for a landing page (urlencoded POST). */
export function htmlExample(url: string, form: FormDef): string {
  const rows = Object.entries(form.fields).map(([k, t]) => {
    const type = inputType(t);
    const attrs = type === 'checkbox' ? ` value="true"` : t === 'email' ? ' required' : '';
    return `  <label>${htmlEscape(labelOf(k))} <input type="${type}" name="${htmlEscape(k)}"${attrs}></label>`;
  });
  return [`<form method="post" action="${htmlEscape(url)}">`, ...rows, `  <button type="submit">Send</button>`, `</form>`].join('\n');
}

function labelOf(field: string): string {
  const words = field.replace(/[_-]+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/* ---------- webhooks ---------- */

/** Where a provider posts: the public address + /hooks/<slug>. */
export function hookUrl(origin: string, slug: string): string {
  return `${origin.replace(/\/+$/, '')}/hooks/${slug}`;
}

export type HookKind = HookAuth['type'];
export const HOOK_KINDS: { value: HookKind; label: string }[] = [
  { value: 'baton', label: "Baton's secret (X-Baton-Signature or bearer)" },
  { value: 'stripe', label: 'Stripe (Stripe-Signature)' },
  { value: 'meta', label: 'Facebook / Instagram / WhatsApp (Meta)' },
  { value: 'hmac', label: 'Another service signing with an HMAC' },
];

/** The generic-HMAC fields as typed (strings; empty = unset). */
export interface HmacDraft {
  header: string;
  algorithm: string;
  encoding: string;
  prefix: string;
  signatureKey: string;
  timestampKey: string;
  timestampHeader: string;
  signedPayload: string;
  tolerance: string;
  eventIdHeader: string;
}

export interface AuthDraft {
  type: HookKind;
  /** Stripe's tolerance, seconds. */
  tolerance: string;
  hmac: HmacDraft;
}

const EMPTY_HMAC: HmacDraft = { header: '', algorithm: 'sha256', encoding: 'hex', prefix: '', signatureKey: '', timestampKey: '', timestampHeader: '', signedPayload: '{body}', tolerance: '300', eventIdHeader: '' };

/** Known providers' documented signing, to fill the generic HMAC fields in one click. */
export const HMAC_PRESETS: { id: string; label: string; draft: Partial<HmacDraft> }[] = [
  { id: 'github', label: 'GitHub', draft: { header: 'X-Hub-Signature-256', algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=', eventIdHeader: 'X-GitHub-Delivery' } },
  { id: 'shopify', label: 'Shopify', draft: { header: 'X-Shopify-Hmac-Sha256', algorithm: 'sha256', encoding: 'base64', eventIdHeader: 'X-Shopify-Webhook-Id' } },
  { id: 'calendly', label: 'Calendly', draft: { header: 'Calendly-Webhook-Signature', algorithm: 'sha256', encoding: 'hex', signatureKey: 'v1', timestampKey: 't', signedPayload: '{timestamp}.{body}', tolerance: '180' } },
  { id: 'slack', label: 'Slack', draft: { header: 'X-Slack-Signature', algorithm: 'sha256', encoding: 'hex', prefix: 'v0=', timestampHeader: 'X-Slack-Request-Timestamp', signedPayload: 'v0:{timestamp}:{body}' } },
];

export function applyPreset(d: HmacDraft, id: string): HmacDraft {
  const p = HMAC_PRESETS.find((x) => x.id === id);
  return p ? { ...EMPTY_HMAC, ...p.draft } : d;
}

export function authDraft(a: HookAuth): AuthDraft {
  if (a.type === 'hmac') {
    return {
      type: 'hmac',
      tolerance: '300',
      hmac: {
        header: a.header,
        algorithm: a.algorithm,
        encoding: a.encoding,
        prefix: a.prefix,
        signatureKey: a.signatureKey ?? '',
        timestampKey: a.timestampKey ?? '',
        timestampHeader: a.timestampHeader ?? '',
        signedPayload: a.signedPayload,
        tolerance: String(a.tolerance),
        eventIdHeader: a.eventIdHeader ?? '',
      },
    };
  }
  return { type: a.type, tolerance: a.type === 'stripe' ? String(a.tolerance) : '300', hmac: { ...EMPTY_HMAC } };
}

const seconds = (s: string): number | string => (s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : s.trim());

/** The draft as the contract's HookAuth, checked with its schema: every problem names its field (auth.header …). */
export function checkAuth(d: AuthDraft): Checked<HookAuth> {
  let raw: Record<string, unknown>;
  if (d.type === 'stripe') raw = { type: 'stripe', tolerance: seconds(d.tolerance) };
  else if (d.type === 'hmac') {
    const h = d.hmac;
    raw = { type: 'hmac', header: h.header.trim(), algorithm: h.algorithm, encoding: h.encoding, prefix: h.prefix, signedPayload: h.signedPayload, tolerance: seconds(h.tolerance) };
    for (const k of ['signatureKey', 'timestampKey', 'timestampHeader', 'eventIdHeader'] as const) if (h[k].trim()) raw[k] = h[k].trim();
  } else raw = { type: d.type };
  const r = HookAuth.safeParse(raw);
  return r.success ? { ok: true, value: r.data } : { ok: false, issues: issuesOf(r.error, 'auth') };
}

/** One line on how a hook authenticates, for the list. */
export function describeAuth(a: HookAuth): string {
  switch (a.type) {
    case 'baton':
      return "Baton's secret (signed body or bearer)";
    case 'stripe':
      return `Stripe signature, events older than ${a.tolerance} s refused`;
    case 'meta':
      return 'Meta: verify token + X-Hub-Signature-256';
    case 'hmac':
      return `${a.algorithm.toUpperCase()} HMAC in ${a.header}${a.timestampHeader || a.timestampKey ? `, timestamp within ${a.tolerance} s` : ''}${a.eventIdHeader ? `, delivery id ${a.eventIdHeader}` : ''}`;
  }
}
