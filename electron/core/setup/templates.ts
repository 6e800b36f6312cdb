/**
 * The template files of resources/templates: a workflow definition plus a
 * `template` block that only the installer reads — what the template needs
 * (requirements), what it does in plain words, and what it brings with it
 * (sequences from resources/templates/sequences/, forms, segments). The block
 * is taken off before the workflow is validated and imported, so workflow
 * import stays strict: a template file given to `workflows.import` is refused,
 * naming `templates.install`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { Filter, FormDef, knownSetting, SequenceDef, STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, type TemplateRequirement } from '../../../shared/api';
import type { Core } from '../core';
import { ANTHROPIC_KEY } from '../ai/env';
import { hookSecretName } from '../engine/triggers/webhook';
import { resourcesDir } from '../resources';
import { IMAP_PASSWORD } from '../sales/imap';
import { SMTP_PASSWORD } from '../sales/mail';
import { WP_PASSWORD_SECRET } from '../wordpress/client';

const Slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'use lower-case letters, digits and -');

/** smtp, imap, anthropic, wordpress, stripe, setting:<key>, sequence:<id>, form:<slug>, hook-secret:<slug>. */
export const RequirementId = z
  .string()
  .regex(
    /^(smtp|imap|anthropic|wordpress|stripe|setting:[A-Za-z][A-Za-z0-9.]*|sequence:[a-z0-9][a-z0-9-]{0,63}|form:[a-z0-9][a-z0-9-]{0,63}|hook-secret:[a-z0-9][a-z0-9-]{0,62})$/,
    'use smtp, imap, anthropic, wordpress, stripe, setting:<key>, sequence:<id>, form:<slug> or hook-secret:<slug>',
  )
  .refine((id) => !id.startsWith('setting:') || knownSetting(id.slice('setting:'.length)) !== undefined, 'setting:<key> must name a setting Baton knows');

export const TemplateMeta = z
  .object({
    /** "When a visitor submits one of your forms" */
    when: z.string().trim().min(1),
    /** "Then score the lead; …" */
    then: z.string().trim().min(1),
    requires: z.array(RequirementId).default([]),
    /** Sequence ids shipped in resources/templates/sequences/<id>.json, saved when absent. */
    sequences: z.array(Slug).default([]),
    /** Forms saved when no form has their slug. */
    forms: z.array(FormDef).default([]),
    /** Segments saved when none has their name (filled silently, as any new segment). */
    segments: z.array(z.object({ name: z.string().trim().min(1).max(200), description: z.string().max(1000).nullish(), filter: Filter }).strict()).default([]),
    /** "operator": a schedule trigger takes the operator's time zone (email.timeZone, else this machine's) at install. */
    timeZone: z.literal('operator').optional(),
  })
  .strict();
export type TemplateMeta = z.output<typeof TemplateMeta>;

export interface TemplateFile {
  id: string;
  file: string;
  meta: TemplateMeta;
  /** The workflow definition, without the template block (not yet validated). */
  workflow: Record<string, unknown>;
}

export function templatesDir(core: Core): string {
  return join(resourcesDir(core.opts.resourcesDir), 'templates');
}

/** Every template file (sorted by file name); a malformed one throws, naming the file and the field. */
export function readTemplates(core: Core): TemplateFile[] {
  const dir = templatesDir(core);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => parseTemplate(file, JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown));
}

export function parseTemplate(file: string, raw: unknown): TemplateFile {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`template ${file}: not a JSON object`);
  const { template, ...workflow } = raw as Record<string, unknown>;
  const m = TemplateMeta.safeParse(template ?? {});
  if (!m.success) throw new Error(`template ${file}: ${m.error.issues.map((i) => `template.${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const id = typeof workflow.id === 'string' ? workflow.id : file.replace(/\.json$/, '');
  return { id, file, meta: m.data, workflow };
}

/** A sequence a template ships (resources/templates/sequences/<id>.json). */
export function shippedSequence(core: Core, id: string): SequenceDef {
  const file = join(templatesDir(core), 'sequences', `${id}.json`);
  if (!existsSync(file)) throw new Error(`template sequence ${id}: ${file} is missing`);
  return SequenceDef.parse(JSON.parse(readFileSync(file, 'utf8')));
}

/** The template's workflow as it is installed: the operator's time zone on a schedule that asks for it. */
export function installable(core: Core, t: TemplateFile): Record<string, unknown> {
  const trigger = t.workflow.trigger as Record<string, unknown> | undefined;
  if (t.meta.timeZone !== 'operator' || trigger?.type !== 'schedule') return t.workflow;
  const zone = core.setting<string | null>('email.timeZone', null) ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
  return { ...t.workflow, trigger: { ...trigger, timezone: zone } };
}

/* ---------- requirements ---------- */

export interface Probe {
  setting(key: string): unknown;
  secret(name: string): Promise<boolean>;
  sequence(id: string): { enabled: boolean } | null;
  form(slug: string): boolean;
}

const given = (v: unknown) => v !== null && v !== undefined && v !== '';
const listOf = (xs: string[]) => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);

async function check(id: string, p: Probe, t: TemplateFile): Promise<TemplateRequirement> {
  if (id === 'smtp') {
    const missing = ['email.smtp.host', 'email.from'].filter((k) => !given(p.setting(k)));
    if (given(p.setting('email.smtp.user')) && !(await p.secret(SMTP_PASSWORD))) missing.push('the SMTP_PASSWORD secret');
    return {
      id,
      label: 'SMTP settings and the SMTP password',
      met: missing.length === 0,
      fix: `Settings > E-mail${missing.length ? ` (missing: ${listOf(missing)})` : ''}, or npx baton settings set email.smtp.host smtp.example.com (and email.smtp.user, email.from), then printf %s "$PASSWORD" | npx baton secrets set SMTP_PASSWORD`,
    };
  }
  if (id === 'imap') {
    const missing = ['email.imap.host', 'email.imap.user'].filter((k) => !given(p.setting(k)));
    if (!(await p.secret(IMAP_PASSWORD))) missing.push('the IMAP_PASSWORD secret');
    return {
      id,
      label: 'The reply mailbox: IMAP settings and the IMAP password (replies are read from it)',
      met: missing.length === 0,
      fix: `Settings > E-mail, Replies mailbox${missing.length ? ` (missing: ${listOf(missing)})` : ''}, or npx baton settings set email.imap.host imap.example.com (and email.imap.user), then printf %s "$PASSWORD" | npx baton secrets set IMAP_PASSWORD`,
    };
  }
  if (id === 'anthropic') {
    return {
      id,
      label: 'An Anthropic API key (Claude writes and reviews)',
      met: await p.secret(ANTHROPIC_KEY),
      fix: 'Settings > AI, or printf %s "$KEY" | npx baton secrets set ANTHROPIC_API_KEY',
    };
  }
  if (id === 'wordpress') {
    const missing = ['wordpress.siteUrl', 'wordpress.user'].filter((k) => !given(p.setting(k)));
    if (!(await p.secret(WP_PASSWORD_SECRET))) missing.push('the WORDPRESS_APP_PASSWORD secret');
    return {
      id,
      label: 'Your WordPress site: its address, a user and an application password',
      met: missing.length === 0,
      fix: `Settings > WordPress${missing.length ? ` (missing: ${listOf(missing)})` : ''}, or npx baton settings set wordpress.siteUrl https://blog.example.com (and wordpress.user), then printf %s "$APP_PASSWORD" | npx baton secrets set WORDPRESS_APP_PASSWORD`,
    };
  }
  if (id === 'stripe') {
    const missing = (await Promise.all([STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET].map(async (n) => ((await p.secret(n)) ? null : n)))).filter((n): n is string => n !== null);
    return {
      id,
      label: 'Stripe: the secret API key and the webhook signing secret',
      met: missing.length === 0,
      fix: `The Billing page${missing.length ? ` (missing: ${listOf(missing)})` : ''}, or printf %s "$KEY" | npx baton secrets set STRIPE_SECRET_KEY (and STRIPE_WEBHOOK_SECRET, the endpoint's whsec_… secret)`,
    };
  }
  const [kind, name] = [id.slice(0, id.indexOf(':')), id.slice(id.indexOf(':') + 1)];
  if (kind === 'setting') {
    const label = knownSetting(name)?.label ?? name;
    return { id, label: `The setting ${name} (${label})`, met: given(p.setting(name)), fix: `Settings, or npx baton settings set ${name} <value>` };
  }
  if (kind === 'sequence') {
    const s = p.sequence(name);
    const shipped = t.meta.sequences.includes(name);
    const met = s ? s.enabled : shipped;
    return {
      id,
      label: `The sequence "${name}"${shipped ? ' (installed with the template)' : ''}`,
      met,
      fix: s && !s.enabled ? `The sequence "${name}" is paused: enable it on the Sequences page` : `Create a sequence with the id ${name} on the Sequences page, or npx baton sequences save FILE`,
    };
  }
  if (kind === 'form') {
    const shipped = t.meta.forms.some((f) => f.slug === name);
    return { id, label: `The form "${name}"${shipped ? ' (installed with the template)' : ''}`, met: p.form(name) || shipped, fix: `Settings > Forms: create the form ${name}, then put its HTML snippet on your site` };
  }
  // hook-secret
  return {
    id,
    label: `The secret callers of /hooks/${name} sign their requests with`,
    met: await p.secret(hookSecretName(name)),
    fix: `Install the template (disabled), then Settings > Webhooks > ${name}: New secret (or npx baton hooks secret ${name}), give it to the caller, and enable the workflow`,
  };
}

/** What requirements are checked against: settings, the secret store (listed once), sequences and forms. */
export async function probeOf(core: Core): Promise<Probe> {
  const secrets = new Set(await core.secrets.list().catch(() => [] as string[]));
  return {
    setting: (key) => core.setting<unknown>(key, null),
    // A backend that cannot list (the environment) is asked by name.
    secret: async (name) => secrets.has(name) || (await core.secrets.get(name).catch(() => null)) !== null,
    sequence: (id) => {
      const r = core.db.prepare('SELECT enabled FROM sequences WHERE id = ?').get(id) as { enabled: number } | undefined;
      return r ? { enabled: r.enabled === 1 } : null;
    },
    form: (slug) => core.db.prepare('SELECT 1 FROM forms WHERE slug = ?').get(slug) !== undefined,
  };
}

/** Each requirement of a template, checked. */
export async function requirementsOf(core: Core, t: TemplateFile, probe?: Probe): Promise<TemplateRequirement[]> {
  const p = probe ?? (await probeOf(core));
  const out: TemplateRequirement[] = [];
  // A sequence the template brings is needed too: a paused one would fail its enroll step.
  const ids = [...t.meta.requires, ...t.meta.sequences.map((s) => `sequence:${s}`).filter((s) => !t.meta.requires.includes(s))];
  for (const id of ids) out.push(await check(id, p, t));
  return out;
}

/** The trigger in short: "on form.submitted", "on a schedule (0 8 * * 1-5, Europe/Paris)", "webhook /hooks/intake", "manual". */
export function describeTrigger(trigger: unknown): string {
  const t = (trigger ?? {}) as { type?: unknown; event?: unknown; cron?: unknown; timezone?: unknown; slug?: unknown };
  if (t.type === 'event') return `on ${String(t.event)}`;
  if (t.type === 'schedule') return `on a schedule (${String(t.cron)})`;
  if (t.type === 'webhook') return `webhook /hooks/${String(t.slug)}`;
  return 'manual';
}

/** Enabled workflows other than `self` that start on the same event type or webhook slug. */
export function overlapsOf(core: Core, self: string, trigger: unknown): string[] {
  const t = (trigger ?? {}) as { type?: unknown; event?: unknown; slug?: unknown };
  const key = t.type === 'event' ? t.event : t.type === 'webhook' ? t.slug : null;
  if (typeof key !== 'string') return [];
  return (core.db.prepare('SELECT id FROM workflows WHERE enabled = 1 AND trigger_type = ? AND trigger_key = ? AND id <> ? ORDER BY id').all(t.type, key, self) as { id: string }[]).map((r) => r.id);
}
