/** The first-run setup's view-model (no DOM): its steps, the template lists, the import and demo texts. */
import type { ImportPreview, ImportReport, OpOutput } from '../../../../shared/api';

export const STEPS = ['Where your data lives', 'Your time zone', 'E-mail (optional)', 'Claude (optional)', 'Public address (optional)', 'Something to look at', 'Example workflows'] as const;

type Template = OpOutput<'templates.list'>['templates'][number];

/** Templates offered to install (ready, or installed already) and those waiting for a requirement. */
export function splitTemplates(templates: Template[]): { ready: Template[]; waiting: Template[] } {
  return { ready: templates.filter((t) => t.ready || t.installed), waiting: templates.filter((t) => !t.ready && !t.installed) };
}

/** The picked template ids with one ticked or unticked (a new set). */
export function togglePick(picked: ReadonlySet<string>, id: string, on: boolean): Set<string> {
  const next = new Set(picked);
  if (on) next.add(id);
  else next.delete(id);
  return next;
}

/** What a checked CSV would do: `contacts.csv: 3 new, 1 existing, 2 rows with problems.` */
export function previewText(name: string, p: Pick<ImportPreview, 'create' | 'update' | 'invalidCount'>): string {
  return `${name}: ${p.create} new, ${p.update} existing${p.invalidCount ? `, ${p.invalidCount} rows with problems` : ''}.`;
}

/** Rows an import of the checked file would write (nothing to import: 0). */
export const importable = (p: Pick<ImportPreview, 'create' | 'update'>): number => p.create + p.update;

/** What an import did. */
export function reportText(r: Pick<ImportReport, 'created' | 'updated' | 'unchanged' | 'invalidCount'>): string {
  return `${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged${r.invalidCount ? `, ${r.invalidCount} rows skipped` : ''}.`;
}

/** What the demo data loaded. */
export function seededText(r: { contacts: number; companies: number; events: number; deals: number }): string {
  return `Loaded ${r.contacts.toLocaleString()} contacts, ${r.companies.toLocaleString()} companies, ${r.events.toLocaleString()} events and ${r.deals} deals.`;
}
