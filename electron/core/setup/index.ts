/**
 * First run: list and install the example workflows of resources/templates,
 * and seed demo data. A template declares what it needs (requirements, met or
 * not from the settings, secrets, sequences and forms) and what it brings
 * (sequences, forms, segments); it is installed enabled only when every
 * requirement is met. Installing is all or nothing: what the templates bring
 * and the workflows are written in one transaction, after every template was
 * validated.
 */
import { ApiError, setupOps, type TemplateInfo } from '../../../shared/api';
import type { HandlerMap } from '../api/types';
import type { Core } from '../core';
import { defineDomain } from '../domain';
import { seedDemo } from '../crm/demo';
import { getForm, saveForm } from '../crm/events';
import { saveSegment } from '../crm/segments';
import { importWorkflow } from '../engine/workflows';
import { validateWorkflow } from '../engine/validate';
import { saveSequence } from '../sales/sequences';
import { describeTrigger, installable, overlapsOf, probeOf, readTemplates, requirementsOf, shippedSequence, type TemplateFile } from './templates';

export { readTemplates, requirementsOf, type TemplateFile } from './templates';

export async function listTemplates(core: Core): Promise<TemplateInfo[]> {
  const installed = new Set((core.db.prepare('SELECT id FROM workflows').all() as { id: string }[]).map((r) => r.id));
  const probe = await probeOf(core);
  const out: TemplateInfo[] = [];
  for (const t of readTemplates(core)) {
    const requirements = await requirementsOf(core, t, probe);
    out.push({
      id: t.id,
      name: typeof t.workflow.name === 'string' ? t.workflow.name : t.id,
      description: typeof t.workflow.description === 'string' ? t.workflow.description : null,
      trigger: describeTrigger(t.workflow.trigger),
      when: t.meta.when,
      then: t.meta.then,
      installed: installed.has(t.id),
      requirements,
      ready: requirements.every((r) => r.met),
      overlaps: overlapsOf(core, t.id, t.workflow.trigger),
    });
  }
  return out;
}

/** What the templates bring that is not there yet (sequences, forms, segments), saved in the caller's transaction. */
function bring(core: Core, templates: TemplateFile[]) {
  const brought = { sequences: [] as string[], forms: [] as string[], segments: [] as string[] };
  for (const t of templates) {
    for (const id of t.meta.sequences) {
      if (brought.sequences.includes(id) || core.db.prepare('SELECT 1 FROM sequences WHERE id = ?').get(id)) continue;
      saveSequence(core, shippedSequence(core, id));
      brought.sequences.push(id);
    }
    for (const f of t.meta.forms) {
      if (brought.forms.includes(f.slug) || getForm(core, f.slug)) continue;
      saveForm(core, f);
      brought.forms.push(f.slug);
    }
    for (const seg of t.meta.segments) {
      if (brought.segments.includes(seg.name) || core.db.prepare('SELECT 1 FROM segments WHERE name = ?').get(seg.name)) continue;
      saveSegment(core, seg);
      brought.segments.push(seg.name);
    }
  }
  return brought;
}

export async function installTemplates(core: Core, ids: string[], enable: boolean) {
  const all = new Map(readTemplates(core).map((t) => [t.id, t]));
  const unknown = ids.filter((id) => !all.has(id));
  if (unknown.length) throw new ApiError('not_found', `No template ${unknown.map((u) => `"${u}"`).join(', ')}; templates.list names the ones shipped.`, unknown.map((u) => ({ path: 'ids', message: `unknown template ${u}` })));
  const picked = [...new Set(ids)].map((id) => all.get(id) as TemplateFile);
  if (enable) {
    // Enabled only when it can do its job: each unmet requirement is named with where to set it up.
    const probe = await probeOf(core);
    const issues: { path: string; message: string }[] = [];
    for (const t of picked) {
      for (const r of await requirementsOf(core, t, probe)) if (!r.met) issues.push({ path: `ids.${ids.indexOf(t.id)}`, message: `${t.id} needs ${r.label}: ${r.fix}` });
    }
    if (issues.length) {
      throw new ApiError(
        'conflict',
        `Not installed: ${issues.map((i) => i.message).join('; ')}. Nothing was installed; install ${picked.length > 1 ? 'them' : 'it'} disabled (enable: false, or without --enable) and enable ${picked.length > 1 ? 'each' : 'it'} once this is set up.`,
        issues,
      );
    }
  }
  const result = core.db.transaction(() => {
    const brought = bring(core, picked);
    const defs = picked.map((t) => ({ t, def: installable(core, t) }));
    for (const { t, def } of defs) {
      const v = validateWorkflow(def, { nodes: core.nodes, env: core });
      if (!v.ok) throw new ApiError('invalid_input', `Template ${t.id} is not valid (nothing was installed): ${v.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    }
    const exists = core.db.prepare('SELECT 1 FROM workflows WHERE id = ?');
    const installed = defs.map(({ t, def }) => {
      // Installed again without enable: an enabled workflow stays enabled.
      const on = enable ? true : exists.get(t.id) ? undefined : false;
      const r = importWorkflow(core.db, def, { nodes: core.nodes, env: core, ...(on !== undefined ? { enable: on } : {}) });
      const enabled = (core.db.prepare('SELECT enabled FROM workflows WHERE id = ?').get(r.id) as { enabled: number }).enabled === 1;
      return { id: r.id, version: r.version, enabled };
    });
    return { installed, brought };
  })();
  for (const r of result.installed) core.bus.emit('workflows.changed', { id: r.id });
  return result;
}

/** A template's workflow definition, without its installer block (to duplicate and edit before importing). */
export function templateDefinition(core: Core, id: string): Record<string, unknown> {
  const t = readTemplates(core).find((x) => x.id === id);
  if (!t) throw new ApiError('not_found', `No template "${id}"; templates.list names the ones shipped.`, [{ path: 'id', message: `unknown template ${id}` }]);
  return installable(core, t);
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
  description: 'First run: the example workflow templates (with the sequences, forms and segments they bring) and demo data.',
  ops: setupOps,
  requires: ['engine', 'crm', 'sales'],
  settings: ['setup.completed'],
  create: (core) => ({ handlers: setupHandlers(core) }),
});
