/**
 * The reports domain (docs/reports.md): a report definition per client,
 * metrics of other tools imported from CSV, reports rendered to PDF with
 * charts in the brand's colours, and the rendered files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, DEFAULT_SECTIONS, ReportSection, reportsOps, type OpInput, type OpOutput, type ReportDefinition } from '../../../shared/api';
import type { HandlerMap } from '../api/types';
import type { Core } from '../core';
import { clientEmail, clientName, requireClient } from '../crm/clients';
import { defineDomain } from '../domain';
import { parseDate, readCsv } from '../finance/csv';
import { REPORTS_NODES } from './nodes';
import { renderOut, renderReport } from './render';
import { reportsStoreOf, type DefinitionRow } from './store';

function definitionOut(core: Core, d: DefinitionRow): ReportDefinition {
  const st = reportsStoreOf(core);
  const last = st.lastRender(d.client);
  return {
    id: d.id,
    client: d.client,
    clientName: clientName(core, d.client),
    title: d.title,
    recipient: d.recipient,
    sendsTo: d.recipient ?? clientEmail(core, d.client),
    sections: st.sectionsOf(d).map((s) => ReportSection.parse(s)),
    enabled: d.enabled === 1,
    lastRender: last ? { id: last.id, at: last.created_at, periodFrom: last.period_from, periodTo: last.period_to } : null,
  };
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** reports.metrics.import: a date column and metric columns; every bad cell named with its line; good rows stored in one transaction. */
function importMetrics(core: Core, i: OpInput<'reports.metrics.import'>): OpOutput<'reports.metrics.import'> {
  requireClient(core, i.client);
  const { header, rows } = readCsv(i.csv);
  const lower = header.map((h) => h.toLowerCase());
  const dateIdx = i.dateColumn ? lower.indexOf(i.dateColumn.trim().toLowerCase()) : lower.findIndex((h) => ['date', 'day', 'week', 'month'].includes(h));
  if (dateIdx < 0) {
    const msg = i.dateColumn ? `dateColumn: there is no column "${i.dateColumn}" (the columns are ${header.join(', ')})` : `dateColumn: no column is named date, day, week or month; name the date column (the columns are ${header.join(', ')})`;
    throw new ApiError('invalid_input', msg, [{ path: 'dateColumn', message: 'no date column' }]);
  }
  const metricIdx = (i.metrics ?? header.filter((_, k) => k !== dateIdx)).map((m) => {
    const k = lower.indexOf(m.trim().toLowerCase());
    if (k < 0 || k === dateIdx) throw new ApiError('invalid_input', `metrics: there is no metric column "${m}" (the columns are ${header.join(', ')})`, [{ path: 'metrics', message: `no column ${m}` }]);
    return k;
  });
  if (!metricIdx.length) throw new ApiError('invalid_input', 'csv: there is no metric column besides the date', [{ path: 'csv', message: 'no metric column' }]);
  const invalid: { line: number; reason: string }[] = [];
  const good: { day: string; metric: string; value: number }[] = [];
  for (const r of rows) {
    const day = parseDate(r.cells[dateIdx] ?? '', 'auto');
    if (typeof day !== 'string') {
      invalid.push({ line: r.line, reason: `${header[dateIdx]}: ${day.error}` });
      continue;
    }
    const vals: typeof good = [];
    let bad: string | null = null;
    for (const k of metricIdx) {
      const raw = (r.cells[k] ?? '').trim().replace(/[,\s%]/g, '');
      if (raw === '') continue;
      if (!NUMBER.test(raw)) {
        bad = `${header[k]}: "${(r.cells[k] ?? '').slice(0, 40)}" is not a number`;
        break;
      }
      vals.push({ day, metric: header[k]!, value: Number(raw) });
    }
    if (bad) invalid.push({ line: r.line, reason: bad });
    else good.push(...vals);
  }
  const st = reportsStoreOf(core);
  core.db.transaction(() => {
    for (const g of good) st.putMetric(i.client, i.source.trim(), g.metric, g.day, g.value);
  })();
  if (good.length) core.bus.emit('reports.changed', { client: i.client, what: 'metrics' });
  return { rows: rows.length, values: good.length, metrics: metricIdx.map((k) => header[k]!), invalidCount: invalid.length, invalid: invalid.slice(0, 100) };
}

export function reportsHandlers(core: Core): HandlerMap<keyof typeof reportsOps> {
  const st = () => reportsStoreOf(core);
  return {
    'reports.definitions.list': () => ({ definitions: st().definitions().map((d) => definitionOut(core, d)) }),
    'reports.definitions.set': (i) => {
      const name = requireClient(core, i.client);
      const old = st().definition(i.client);
      st().setDefinition({
        client: i.client,
        title: i.title ?? old?.title ?? `${name}: monthly report`,
        recipient: i.recipient !== undefined ? i.recipient : (old?.recipient ?? null),
        sections: i.sections ?? (old ? st().sectionsOf(old) : DEFAULT_SECTIONS.map((s) => ReportSection.parse(s))),
        enabled: i.enabled,
      });
      core.bus.emit('reports.changed', { client: i.client, what: 'definition' });
      return definitionOut(core, st().definition(i.client)!);
    },
    'reports.definitions.delete': ({ client }) => {
      const deleted = st().deleteDefinition(client);
      if (deleted) core.bus.emit('reports.changed', { client, what: 'definition' });
      return { deleted };
    },
    'reports.metrics.import': (i) => importMetrics(core, i),
    'reports.metrics.list': ({ client }) => ({ metrics: st().metricsOf(client) }),
    'reports.render': (i) => renderReport(core, i),
    'reports.renders.list': ({ client, limit }) => ({
      renders: st()
        .renders(client, limit)
        .map((r) => {
          const d = st().definition(r.client);
          return renderOut(core, r, clientName(core, r.client), d?.recipient ?? clientEmail(core, r.client));
        }),
    }),
    'reports.file': ({ renderId }) => {
      const r = st().render(renderId);
      if (!r) throw new ApiError('not_found', `renderId: there is no rendered report ${renderId} (reports.renders.list gives the ids)`, [{ path: 'renderId', message: 'no such render' }]);
      let pdf: Buffer;
      try {
        pdf = readFileSync(join(core.dataDir, ...r.path.split('/')));
      } catch {
        throw new ApiError('not_found', `renderId: the file of ${renderId} (${r.path}) is gone from the data folder; render the report again`, [{ path: 'renderId', message: 'file missing' }]);
      }
      return { renderId, filename: r.path.split('/').pop()!, pages: r.pages, bytes: pdf.length, base64: pdf.toString('base64') };
    },
  };
}

export const reportsDomain = defineDomain({
  id: 'reports',
  description: 'Client reports: a definition per client, metrics of other tools from CSV, PDFs with charts in your brand\'s colours.',
  ops: reportsOps,
  requires: ['crm', 'billing'],
  settings: ['brand.name', 'brand.color', 'brand.accentColor'],
  nodes: REPORTS_NODES,
  create(core) {
    return { handlers: reportsHandlers(core) };
  },
});
