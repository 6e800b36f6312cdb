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
import { importWorkflow } from '../engine/workflows';
import { validateWorkflow } from '../engine/validate';
import { resourcesDir } from '../resources';

interface RawTemplate {
  id?: unknown;
  name?: unknown;
  description?: unknown;
  trigger?: { type?: unknown; event?: unknown; cron?: unknown; timezone?: unknown };
  nodes?: { type?: unknown }[];
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

/**
 * A template file's `template` block (what it needs and does, in plain words)
 * is for the installer only: it is taken off before the workflow is validated
 * and imported. With `timeZone: "operator"` a schedule trigger takes the
 * operator's time zone at install (email.timeZone, else this computer's).
 */
function readTemplates(core: Core): { file: string; raw: RawTemplate }[] {
  const dir = templatesDir(core);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const { template, ...workflow } = JSON.parse(readFileSync(join(dir, f), 'utf8')) as RawTemplate & { template?: { timeZone?: unknown } };
      const trigger = workflow.trigger;
      if (template?.timeZone !== 'operator' || trigger?.type !== 'schedule') return { file: f, raw: workflow };
      const zone = core.setting<string | null>('email.timeZone', null) ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
      return { file: f, raw: { ...workflow, trigger: { ...trigger, timezone: zone } } };
    });
}

function describeTrigger(t: RawTemplate['trigger']): string {
  if (!t || typeof t.type !== 'string') return 'manual';
  if (t.type === 'event') return `on ${String(t.event)}`;
  if (t.type === 'schedule') return `on a schedule (${String(t.cron)})`;
  return t.type;
}

export function listTemplates(core: Core): TemplateInfo[] {
  const installed = new Set((core.db.prepare('SELECT id FROM workflows').all() as { id: string }[]).map((r) => r.id));
  return readTemplates(core).map(({ file, raw }) => {
    const id = typeof raw.id === 'string' ? raw.id : file.replace(/\.json$/, '');
    const types = new Set((raw.nodes ?? []).map((n) => String(n.type)));
    const needs = NEEDS.filter(([re]) => [...types].some((t) => re.test(t))).map(([, what]) => what);
    return {
      id,
      name: typeof raw.name === 'string' ? raw.name : id,
      description: typeof raw.description === 'string' ? raw.description : null,
      trigger: describeTrigger(raw.trigger),
      installed: installed.has(id),
      needs,
    };
  });
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
    'templates.list': () => ({ templates: listTemplates(core) }),
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
