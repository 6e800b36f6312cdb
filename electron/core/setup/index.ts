/**
 * First run: list and install the example workflows of resources/templates,
 * and seed demo data. Installing is all or nothing: every template is
 * validated before any is stored.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, setupOps, type TemplateInfo } from '../../../shared/api';
import type { HandlerMap } from '../api/types';
import type { Core } from '../core';
import { defineDomain } from '../domain';
import { seedDemo } from '../crm/demo';
import { importWorkflow, summaries } from '../engine/workflows';
import { validateWorkflow } from '../engine/validate';
import { resourcesDir } from '../resources';

interface RawTemplate {
  id?: unknown;
  name?: unknown;
  description?: unknown;
  trigger?: { type?: unknown; event?: unknown; cron?: unknown; path?: unknown };
  nodes?: { type?: unknown; name?: unknown }[];
}

/**
 * A minimal requirement model (node types -> settings and secrets, checked now), enough for the
 * template gallery: the templates' own declared requirements replace it.
 */
interface Need {
  id: string;
  label: string;
  nodes: RegExp;
  fix: string;
  met(s: (k: string) => unknown, secrets: Set<string>): boolean;
}
const REQUIREMENTS: Need[] = [
  { id: 'smtp', label: 'SMTP set (server, sender and password)', nodes: /^email\.send$/, fix: '#/settings?section=email', met: (s, sec) => !!s('email.smtp.host') && !!s('email.from') && sec.has('SMTP_PASSWORD') },
  { id: 'anthropic', label: 'Anthropic key set', nodes: /^ai\./, fix: '#/settings?section=ai', met: (_s, sec) => sec.has('ANTHROPIC_API_KEY') },
  { id: 'wordpress', label: 'WordPress connected', nodes: /^wordpress\./, fix: '#/settings?section=wordpress', met: (s, sec) => !!s('wordpress.siteUrl') && !!s('wordpress.user') && sec.has('WORDPRESS_APP_PASSWORD') },
  { id: 'stripe', label: 'Stripe key set', nodes: /^billing\./, fix: '#/billing', met: (_s, sec) => sec.has('STRIPE_SECRET_KEY') },
];

/** A trigger as a comparable key (two workflows with the same key start on the same thing). */
function triggerKey(t: { type?: unknown; event?: unknown; cron?: unknown; path?: unknown } | undefined): string {
  if (!t || typeof t.type !== 'string') return 'manual';
  if (t.type === 'event') return `event:${String(t.event)}`;
  if (t.type === 'schedule') return `schedule:${String(t.cron)}`;
  if (t.type === 'webhook') return `webhook:${String(t.path)}`;
  return t.type;
}

function whenText(t: RawTemplate['trigger']): string {
  if (!t || typeof t.type !== 'string' || t.type === 'manual') return 'you start it';
  if (t.type === 'event') return `${String(t.event)} happens`;
  if (t.type === 'schedule') return `on the schedule ${String(t.cron)}`;
  if (t.type === 'webhook') return 'its webhook is called';
  return t.type;
}

const NEEDS: [RegExp, string][] = [
  [/^email\.send$/, 'SMTP settings and the SMTP_PASSWORD secret (Settings > E-mail)'],
  [/^ai\./, 'the ANTHROPIC_API_KEY secret (Settings > AI)'],
  [/^wordpress\./, 'wordpress.siteUrl, wordpress.user and the WORDPRESS_APP_PASSWORD secret'],
  [/^billing\./, 'the STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET secrets (Billing page)'],
];

function templatesDir(core: Core): string {
  return join(resourcesDir(core.opts.resourcesDir), 'templates');
}

function readTemplates(core: Core): { file: string; raw: RawTemplate }[] {
  const dir = templatesDir(core);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: f, raw: JSON.parse(readFileSync(join(dir, f), 'utf8')) as RawTemplate }));
}

function describeTrigger(t: RawTemplate['trigger']): string {
  if (!t || typeof t.type !== 'string') return 'manual';
  if (t.type === 'event') return `on ${String(t.event)}`;
  if (t.type === 'schedule') return `on a schedule (${String(t.cron)})`;
  return t.type;
}

export async function listTemplates(core: Core): Promise<TemplateInfo[]> {
  const installed = new Set((core.db.prepare('SELECT id FROM workflows').all() as { id: string }[]).map((r) => r.id));
  const secrets = new Set(await core.secrets.list().catch(() => [] as string[]));
  const setting = (k: string) => core.setting<unknown>(k, null);
  const enabled = summaries(core.db, Date.now()).filter((w) => w.enabled);
  return readTemplates(core).map(({ file, raw }) => {
    const id = typeof raw.id === 'string' ? raw.id : file.replace(/\.json$/, '');
    const types = new Set((raw.nodes ?? []).map((n) => String(n.type)));
    const needs = NEEDS.filter(([re]) => [...types].some((t) => re.test(t))).map(([, what]) => what);
    const requirements = REQUIREMENTS.filter((r) => [...types].some((t) => r.nodes.test(t))).map((r) => ({ id: r.id, label: r.label, met: r.met(setting, secrets), fix: r.fix }));
    const key = triggerKey(raw.trigger);
    const steps = (raw.nodes ?? []).map((n) => (typeof n.name === 'string' ? n.name : String(n.type)));
    return {
      id,
      name: typeof raw.name === 'string' ? raw.name : id,
      description: typeof raw.description === 'string' ? raw.description : null,
      trigger: describeTrigger(raw.trigger),
      installed: installed.has(id),
      needs,
      requirements,
      ready: requirements.every((r) => r.met),
      when: whenText(raw.trigger),
      then: steps.length > 4 ? `${steps.slice(0, 4).join(', ')} and ${steps.length - 4} more steps` : steps.join(', '),
      overlaps: key === 'manual' ? [] : enabled.filter((w) => w.id !== id && triggerKey(w.trigger as RawTemplate['trigger']) === key).map((w) => w.name),
    };
  });
}

export function templateDefinition(core: Core, id: string): unknown {
  const t = readTemplates(core).find(({ file, raw }) => (typeof raw.id === 'string' ? raw.id : file.replace(/\.json$/, '')) === id);
  if (!t) throw new ApiError('not_found', `No template "${id}"; templates.list names the ones shipped.`, [{ path: 'id', message: `unknown template ${id}` }]);
  return t.raw;
}

export function installTemplates(core: Core, ids: string[], enable: boolean) {
  const all = new Map(readTemplates(core).map(({ raw }) => [raw.id, raw]));
  const unknown = ids.filter((id) => !all.has(id));
  if (unknown.length) throw new ApiError('not_found', `No template ${unknown.map((u) => `"${u}"`).join(', ')}; templates.list names the ones shipped.`, unknown.map((u) => ({ path: 'ids', message: `unknown template ${u}` })));
  for (const id of ids) {
    const v = validateWorkflow(all.get(id), { nodes: core.nodes, env: core });
    if (!v.ok) throw new ApiError('invalid_input', `Template ${id} is not valid (nothing was installed): ${v.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
  const installed = core.db.transaction(() => ids.map((id) => importWorkflow(core.db, all.get(id), { nodes: core.nodes, env: core, enable })))();
  for (const r of installed) core.bus.emit('workflows.changed', { id: r.id });
  return { installed: installed.map((r) => ({ id: r.id, version: r.version, enabled: enable })) };
}

export function setupHandlers(core: Core): HandlerMap<keyof typeof setupOps> {
  return {
    'templates.list': async () => ({ templates: await listTemplates(core) }),
    'templates.get': ({ id }) => ({ definition: templateDefinition(core, id) }),
    'templates.install': ({ ids, enable }) => installTemplates(core, ids, enable),
    'demo.seed': ({ contacts, seed }) => {
      const r = seedDemo(core, { contacts, seed });
      core.bus.emit('crm.kpi.changed', { events: r.events });
      return { companies: r.companies, contacts: r.contacts, events: r.events, deals: r.deals, durationMs: r.durationMs };
    },
  };
}

/** The first-run domain: example workflow templates and demo data. */
export const setupDomain = defineDomain({
  id: 'setup',
  description: 'First run: the example workflow templates and demo data.',
  ops: setupOps,
  requires: ['engine', 'crm'],
  settings: ['setup.completed'],
  create: (core) => ({ handlers: setupHandlers(core) }),
});
