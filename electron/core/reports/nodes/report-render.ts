import { z } from 'zod';
import { ApiError } from '../../../../shared/api';
import { defineNode, NodeError } from '../../engine/registry';
import { ex } from '../../engine/nodes/util';
import { lastMonth, renderReport } from '../render';

const TYPE = 'report.render';
const Day = z.iso.date({ error: 'use a date such as 2025-03-01' });
/** Where the node puts the PDFs: among the workspace's deliverables, the one folder email.send attaches from. */
export const REPORT_DELIVERABLES = 'workspace/deliverables/reports';

/**
 * Render a client's report (its report definition, docs/reports.md) to PDF
 * through the reports renderer, for last month (default) or `from`/`to`. The
 * file goes to workspace/deliverables/reports/YYYY-MM/… in the data folder and
 * is recorded in report_renders (reports.renders.list, reports.file). Output:
 * `path` (relative to the data folder: what email.send's `attachments` take),
 * `filename`, `pages`, `bytes`, `client`, `clientName`, `title`, `period`,
 * `renderId`, `sendsTo` (the definition's recipient, else the client's
 * e-mail). Through the engine outbox (key run + node): a retry renders once.
 */
export default defineNode({
  type: TYPE,
  description: "Render a client's report to PDF (last month, or from/to) into the workspace's deliverables, once per run.",
  params: z
    .object({
      /** The report definition's client key, such as "company:12" (or "=input.item.client"). */
      client: z.string().min(1, 'give the client key of a report definition, such as company:12 or "=input.item.client"'),
      period: z.enum(['lastMonth'], { error: 'use period "lastMonth", or from and to' }).optional(),
      from: ex(Day).optional(),
      to: ex(Day).optional(),
    })
    .strict()
    .refine((p) => (p.from === undefined) === (p.to === undefined), { error: 'give both from and to, or a period', path: ['to'] })
    .refine((p) => !(p.period && p.from !== undefined), { error: 'give a period or from/to, not both', path: ['period'] }),
  async run(ctx) {
    const p = ctx.params;
    const client = String(p.client);
    if (!/^(company|contact):\d+$/.test(client)) throw new NodeError(`${TYPE}: client is not a client key such as company:12 (got ${JSON.stringify(p.client)})`, { retryable: false, code: 'bad_param' });
    const from = p.from === undefined ? undefined : String(p.from);
    const to = p.to === undefined ? undefined : String(p.to);
    for (const [k, v] of [['from', from], ['to', to]] as const) {
      if (v !== undefined && !Day.safeParse(v).success) throw new NodeError(`${TYPE}: ${k} is not a day such as 2025-03-01 (got ${JSON.stringify(v)})`, { retryable: false, code: 'bad_param' });
    }
    if (from && to && from > to) throw new NodeError(`${TYPE}: from (${from}) is after to (${to})`, { retryable: false, code: 'bad_param' });
    const period = from && to ? { from, to } : lastMonth(ctx.now());
    const r = await ctx.outbox(TYPE, { client, period }, async () => {
      try {
        const out = await renderReport(ctx.env, { client, from: period.from, to: period.to, runId: ctx.run.id, under: REPORT_DELIVERABLES });
        return { ok: true, value: out };
      } catch (e) {
        if (e instanceof ApiError) throw new NodeError(`${TYPE}: ${e.message}`, { retryable: false, code: e.code === 'not_found' ? 'not_found' : 'bad_param' });
        throw e;
      }
    });
    const v = r.value;
    return {
      output: {
        path: v.path,
        filename: v.filename,
        pages: v.pages,
        bytes: v.bytes,
        client: v.client,
        clientName: v.clientName,
        title: v.title,
        period: v.period,
        renderId: v.renderId,
        missing: v.missing,
        sendsTo: v.recipient,
        replayed: r.replayed,
      },
    };
  },
});
