import { z } from 'zod';
import { KpiIdSchema, PERIODS } from '../../../../shared/api';
import { defineNode, NodeError } from '../../engine/registry';
import { ex } from '../../engine/nodes/util';
import { readKpis } from '../../kpi/read';

/**
 * Whether a KPI dropped (docs/monitoring.md): its value for a period (the
 * same numbers as kpi.read and the dashboard) is below `below`, or at least
 * `dropPercent` % below its previous period. Output: failing, value,
 * previous, changePercent, reason and `key` ("kpi:<id>", for monitor.alert).
 * A KPI with no value (no data) is not failing.
 */
export default defineNode({
  type: 'monitor.kpi',
  description: 'Check a KPI against a threshold or a drop of N % from its previous period (for a KPI-drop alert).',
  params: z
    .object({
      kpi: KpiIdSchema,
      period: z.enum(PERIODS, { error: `use a period: ${PERIODS.join(', ')}` }).default('last7Days'),
      below: ex(z.number().min(-1e12, 'at least -1000000000000').max(1e12, 'at most 1000000000000')).optional(),
      dropPercent: ex(z.number().gt(0, 'use a percentage above 0').max(100, 'at most 100 (%)')).optional(),
    })
    .strict()
    .refine((p) => p.below !== undefined || p.dropPercent !== undefined, { error: 'give below (a threshold) or dropPercent (a drop from the previous period), or both', path: ['below'] }),
  run(ctx) {
    const p = ctx.params;
    const below = p.below === undefined ? undefined : Number(p.below);
    const drop = p.dropPercent === undefined ? undefined : Number(p.dropPercent);
    if (below !== undefined && !Number.isFinite(below)) throw new NodeError(`monitor.kpi: below must be a number (got ${JSON.stringify(p.below)})`, { retryable: false, code: 'bad_param' });
    if (drop !== undefined && !(drop > 0 && drop <= 100)) throw new NodeError(`monitor.kpi: dropPercent must be a percentage above 0 and at most 100 (got ${JSON.stringify(p.dropPercent)})`, { retryable: false, code: 'bad_param' });
    const read = readKpis(ctx.env, { kpis: [p.kpi], period: p.period });
    const k = read.kpis[0]!;
    const value = k.value;
    const previous = k.previous;
    const changePercent = value !== null && previous !== null && previous !== 0 ? Math.round(((value - previous) / Math.abs(previous)) * 1000) / 10 : null;
    const reasons: string[] = [];
    if (value !== null && below !== undefined && value < below) reasons.push(`${k.label} is ${value}, below ${below}`);
    if (changePercent !== null && drop !== undefined && changePercent <= -drop) reasons.push(`${k.label} fell ${-changePercent} % (${previous} to ${value}), ${drop} % or more`);
    return {
      output: { key: `kpi:${p.kpi}`, kpi: p.kpi, label: k.label, range: read.range, value, previous, changePercent, failing: reasons.length > 0, reason: reasons.length ? reasons.join('; ') : null },
    };
  },
});
