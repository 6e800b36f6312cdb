/**
 * Bulk imports and event triggers. A domain that loads many records at once (a CSV import of
 * contacts) records one event per row, and marks each with `importId` in its data. An event
 * trigger starts on such an event only when it opts in with `includeImported: true`: a
 * workflow installed for new leads never mails an imported list by surprise. The one summary
 * event of an import (contacts.imported) is not a row and starts workflows normally.
 */
import type { Trigger } from '../../../../shared/api';

type EventTriggerDef = Extract<Trigger, { type: 'event' }>;

/** The import an event belongs to (data.importId), or null when it is not a row of a bulk import. */
export function importOf(data: unknown): string | null {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return null;
  const id = (data as { importId?: unknown }).importId;
  return typeof id === 'string' && id !== '' ? id : null;
}

/** Whether an event trigger starts on an event with this data (rows of an import need includeImported). */
export function triggerTakesImported(trigger: Pick<EventTriggerDef, 'includeImported'>, data: unknown): boolean {
  return trigger.includeImported === true || importOf(data) === null;
}
