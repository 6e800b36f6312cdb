/**
 * The parts of a template (resources/templates) shown both by the first-run Setup and by the
 * template gallery of the Workflows page: what it does in plain words ("When … Then …"), what
 * it needs (each requirement met or not, with the fix and a link to the page where it is set),
 * and what an install brought along.
 */
import type { TemplateInfo, TemplateRequirement } from '../../../../shared/api';
import { hashWith, type PageId } from '../../api/nav';
import './templates.css';

/** Where a requirement is set up in the window. */
export function fixPlace(r: Pick<TemplateRequirement, 'id'>): { page: PageId; label: string } {
  if (r.id === 'stripe') return { page: 'billing', label: 'Open Billing' };
  if (r.id.startsWith('sequence:')) return { page: 'sequences', label: 'Open Sequences' };
  return { page: 'settings', label: 'Open Settings' };
}

/** "When a visitor submits one of your forms. Then score the lead …." (the texts start with When / Then / Every). */
export function TemplateSummary({ t }: { t: Pick<TemplateInfo, 'when' | 'then'> }) {
  return (
    <span className="tpl-summary">
      {t.when}. {t.then}.
    </span>
  );
}

/**
 * A template's requirements, each met (✓) or not (✗, with the fix and a link to where it is set).
 * `unmetOnly` lists only what it still waits for.
 */
export function TemplateNeeds({ t, unmetOnly = false, label }: { t: Pick<TemplateInfo, 'name' | 'requirements'>; unmetOnly?: boolean; label?: string }) {
  const shown = unmetOnly ? t.requirements.filter((r) => !r.met) : t.requirements;
  if (shown.length === 0) return <p className="tpl-needs-none">Needs nothing else: it works with what Baton has.</p>;
  return (
    <ul className="tpl-needs" aria-label={label ?? `What ${t.name} needs`}>
      {shown.map((r) => {
        const place = fixPlace(r);
        return (
          <li key={r.id} className={r.met ? 'tpl-met' : 'tpl-unmet'} data-met={String(r.met)}>
            <span className="tpl-mark" aria-hidden="true">
              {r.met ? '✓' : '✗'}
            </span>
            <span>
              {r.met ? <span className="sr-only">Set up: </span> : null}
              {r.met ? r.label : <>Needs {r.label}</>}
              {r.met ? null : (
                <>
                  : <span className="hint">{r.fix}</span>{' '}
                  <a href={hashWith(place.page)} className="tpl-fix-link">
                    {place.label}
                  </a>
                </>
              )}
            </span>
          </li>
        );
      })}
    </ul>
  );
}

/** "the sequence nurture, the form guide" from what templates.install brought. */
export function broughtText(b: { sequences: string[]; forms: string[]; segments: string[] }): string[] {
  return [...b.sequences.map((x) => `the sequence ${x}`), ...b.forms.map((x) => `the form ${x}`), ...b.segments.map((x) => `the segment "${x}"`)];
}
