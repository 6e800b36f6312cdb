/** How the trigger reads on the canvas and in the panel ("When a form is submitted", "every weekday at 09:00"). */
import type { EventTypeInfo, Trigger } from '../../../../../shared/api';
import { describeCron } from '../../../../../shared/cron';

export function triggerLabel(t: Trigger | { type?: string }, events: readonly EventTypeInfo[] = []): { title: string; detail: string } {
  const x = t as Partial<Record<string, unknown>> & { type?: string };
  switch (x.type) {
    case 'schedule': {
      const cron = typeof x.cron === 'string' ? x.cron : '';
      return { title: 'On a schedule', detail: `${describeCron(cron) ?? (cron || 'no schedule yet')}${typeof x.timezone === 'string' && x.timezone ? ` (${x.timezone})` : ''}` };
    }
    case 'event': {
      const ev = typeof x.event === 'string' ? x.event : '';
      const info = events.find((e) => e.type === ev);
      return { title: `On event ${ev || '…'}`, detail: info?.description ?? (ev ? 'an event type no domain declares' : 'choose an event type') };
    }
    case 'webhook':
      return { title: 'On a webhook call', detail: `POST /hooks/${typeof x.slug === 'string' && x.slug ? x.slug : '…'}` };
    default:
      return { title: 'Started by hand', detail: 'Run now, the API or the command line' };
  }
}
