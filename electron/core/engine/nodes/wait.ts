import { z } from 'zod';
import { Duration, durationMs } from '../../../../shared/contract/workflow';
import { NodeError, defineNode } from '../registry';
import { ex } from './util';

/**
 * Wait for a duration, until a time, or until an event (with an optional
 * timeout). Event waits take branch "event" (output: the event) or "timeout".
 * `event.match` values (expressions allowed) must equal the event's fields at
 * those dotted paths (e.g. { "data.contactId": "=input.contactId" });
 * `event.filter` is an expression over { event } evaluated when the event comes.
 */
export default defineNode({
  type: 'wait',
  description: 'Wait for a duration, until a time, or for an event (with timeout).',
  params: z
    .object({
      duration: ex(Duration).optional(),
      until: z.string().optional(),
      event: z
        .object({
          type: z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/, 'use a dotted lower-case event type such as email.replied'),
          match: z.record(z.string(), z.unknown()).optional(),
          filter: z.string().optional(),
          timeout: ex(Duration).optional(),
        })
        .strict()
        .optional(),
    })
    .strict()
    .superRefine((p, c) => {
      const n = [p.duration, p.until, p.event].filter((x) => x !== undefined).length;
      if (n !== 1) c.addIssue({ code: 'custom', path: [], message: 'give exactly one of "duration", "until" or "event"' });
    }),
  paramSpec: { deferred: ['event.filter'] },
  branches: ['event', 'timeout'],
  run(ctx) {
    const p = ctx.params;
    const r = ctx.resume;
    if (r?.kind === 'event') return { output: r.event, branch: 'event' };
    if (r?.kind === 'timer') return p.event ? { output: ctx.input, branch: 'timeout' } : { output: ctx.input };
    const ms = (v: unknown, field: string): number => {
      try {
        return durationMs(Duration.parse(v));
      } catch {
        throw new NodeError(`parameter "${field}" is not a duration: ${JSON.stringify(v)} (use e.g. "48h" or milliseconds)`, { retryable: false, code: 'bad_param' });
      }
    };
    if (p.duration !== undefined) {
      const until = ctx.now() + ms(p.duration, 'duration');
      return ctx.suspend({ until, waitingFor: `until ${new Date(until).toISOString()}` });
    }
    if (p.until !== undefined) {
      const until = Date.parse(String(p.until));
      if (Number.isNaN(until)) throw new NodeError(`parameter "until" is not a date: ${JSON.stringify(p.until)} (use ISO 8601, e.g. 2025-01-31T08:00:00Z)`, { retryable: false, code: 'bad_param' });
      if (until <= ctx.now()) return { output: ctx.input };
      return ctx.suspend({ until, waitingFor: `until ${new Date(until).toISOString()}` });
    }
    const ev = p.event as NonNullable<typeof p.event>;
    const until = ev.timeout !== undefined ? ctx.now() + ms(ev.timeout, 'event.timeout') : undefined;
    return ctx.suspend({
      event: { type: ev.type, ...(ev.match ? { match: ev.match } : {}), ...(ev.filter ? { filter: ev.filter } : {}) },
      ...(until !== undefined ? { until } : {}),
      waitingFor: `event ${ev.type}${until !== undefined ? ` until ${new Date(until).toISOString()}` : ''}`,
    });
  },
});
