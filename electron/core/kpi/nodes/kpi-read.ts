import { z } from 'zod';
import { KpiIdSchema, PERIODS } from '../../../../shared/api';
import { defineNode, NodeError } from '../../engine/registry';
import { ex } from '../../engine/nodes/util';
import { isValidTimeZone } from '../../engine/triggers/schedule';
import { readKpis } from '../read';

const Day = z.iso.date({ error: 'use a date such as 2025-03-01' });

/**
 * Read dashboard KPIs for a range and the previous period of the same length:
 * a named `period` counted in the operator's time zone (default: last week,
 * Monday to Sunday), or `from`/`to` (UTC days, as the dashboard). Output: each
 * KPI with its value, the previous one, the change and e-mail-ready texts;
 * `changedMost`, `failures` (failed runs of the range), `approvals` (waiting
 * now) and `operator.email` (where a summary to you goes).
 */
export default defineNode({
  type: 'kpi.read',
  description: 'Read dashboard KPIs for a range with the previous period, what changed most, what failed and what waits for approval.',
  params: z
    .object({
      /** Default: the dashboard's tiles (new leads, rates, pipeline, revenue, automation, approvals, escalations). */
      kpis: z.array(KpiIdSchema).min(1).max(40).optional(),
      period: z.enum(PERIODS, { error: `use a period: ${PERIODS.join(', ')}` }).optional(),
      from: ex(Day).optional(),
      to: ex(Day).optional(),
      /** For a named period (default: the setting email.timeZone, else this computer's). */
      timeZone: z.string().refine(isValidTimeZone, 'use an IANA time zone such as Europe/Paris').optional(),
    })
    .strict()
    .refine((p) => (p.from === undefined) === (p.to === undefined), { error: 'give both from and to, or a period', path: ['to'] })
    .refine((p) => !(p.period && p.from !== undefined), { error: 'give a period or from/to, not both', path: ['period'] }),
  run(ctx) {
    const p = ctx.params;
    const from = p.from === undefined ? undefined : String(p.from);
    const to = p.to === undefined ? undefined : String(p.to);
    for (const [k, v] of [['from', from], ['to', to]] as const) {
      if (v !== undefined && !Day.safeParse(v).success) throw new NodeError(`kpi.read: ${k} is not a day such as 2025-03-01 (got ${JSON.stringify(v)})`, { retryable: false, code: 'bad_param' });
    }
    if (from && to && from > to) throw new NodeError(`kpi.read: from (${from}) is after to (${to})`, { retryable: false, code: 'bad_param' });
    return { output: readKpis(ctx.env, { kpis: p.kpis, period: p.period, from, to, timeZone: p.timeZone }) };
  },
});
