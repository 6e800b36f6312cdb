/**
 * Client reports: a report definition per client (sections with KPIs from
 * Baton's own data, metrics imported from CSV for tools Baton does not reach),
 * rendered to PDF with charts in the brand's name and colours. docs/reports.md.
 */
import { z } from 'zod';
import { Empty, op } from './base';
import { Email } from './crm';
import { ClientKey } from './finance';

const Title = z.string().trim().min(1, 'give a title').max(120, 'at most 120 characters');
const MetricName = z.string().trim().min(1, 'name the metric').max(80);

/** One section of a client report. Baton's own data is scoped to the client's contacts (a company's, or the one contact). */
export const ReportSection = z.discriminatedUnion(
  'kind',
  [
    /** The headline numbers of every other section, against the previous period. */
    z.object({ kind: z.literal('summary'), title: Title.optional() }).strict(),
    /** New contacts of the client in the period, per week (bar chart). */
    z.object({ kind: z.literal('leads'), title: Title.optional() }).strict(),
    /** The client's deals: open by stage (bar chart), won and lost in the period. */
    z.object({ kind: z.literal('pipeline'), title: Title.optional() }).strict(),
    /** E-mails to the client's contacts: sent, replies, bounces, unsubscribes, per week (bar chart). */
    z.object({ kind: z.literal('email'), title: Title.optional() }).strict(),
    /** Workflow runs for the client (runs whose subject is one of its contacts): succeeded, failed, by workflow. */
    z.object({ kind: z.literal('runs'), title: Title.optional() }).strict(),
    /** Content delivered: documents saved and posts published by the client's runs. */
    z.object({ kind: z.literal('content'), title: Title.optional() }).strict(),
    /** Payments from the client (billing), net of refunds. */
    z.object({ kind: z.literal('billing'), title: Title.optional() }).strict(),
    /** Metrics imported from CSV (reports.metrics.import), one chart per metric. */
    z
      .object({
        kind: z.literal('metrics'),
        title: Title.optional(),
        metrics: z.array(MetricName).min(1, 'name at least one metric').max(8, 'at most 8 metrics per section'),
        /** Only values imported from this tool. */
        source: z.string().trim().min(1).max(100).optional(),
        chart: z.enum(['line', 'bar']).default('line'),
      })
      .strict(),
    /** A paragraph of your own. */
    z.object({ kind: z.literal('text'), title: Title.optional(), text: z.string().trim().min(1, 'write the text').max(5000) }).strict(),
  ],
  { error: 'use a section kind: summary, leads, pipeline, email, runs, content, billing, metrics or text' },
);
export type ReportSection = z.output<typeof ReportSection>;
export type ReportSectionInput = z.input<typeof ReportSection>;

export const DEFAULT_SECTIONS: ReportSectionInput[] = [{ kind: 'summary' }, { kind: 'leads' }, { kind: 'email' }, { kind: 'pipeline' }, { kind: 'runs' }, { kind: 'content' }];

export const ReportDefinition = z.object({
  id: z.number().int(),
  client: z.string(),
  clientName: z.string().nullable(),
  title: z.string(),
  recipient: z.string().nullable(),
  /** Who gets it when sent: the recipient, else the contact's (or the company's first contact's) address; null: nobody known. */
  sendsTo: z.string().nullable(),
  sections: z.array(ReportSection),
  enabled: z.boolean(),
  lastRender: z.object({ id: z.string(), at: z.string(), periodFrom: z.string(), periodTo: z.string() }).nullable(),
});
export type ReportDefinition = z.infer<typeof ReportDefinition>;

export const ReportRender = z.object({
  renderId: z.string(),
  client: z.string(),
  clientName: z.string().nullable(),
  title: z.string(),
  period: z.object({ from: z.string(), to: z.string() }),
  /** Relative to the data folder (what email.send's attachments take). */
  path: z.string(),
  filename: z.string(),
  pages: z.number().int(),
  bytes: z.number().int(),
  /** Section titles that had no data (the PDF says so in each). */
  missing: z.array(z.string()),
  recipient: z.string().nullable(),
  renderMs: z.number(),
  createdAt: z.string(),
});
export type ReportRender = z.infer<typeof ReportRender>;

const Day = z.iso.date({ error: 'use a date such as 2025-03-01' });
const Period = z
  .object({ client: ClientKey, from: Day.optional(), to: Day.optional() })
  .strict()
  .refine((p) => (p.from === undefined) === (p.to === undefined), { error: 'give both from and to, or neither (last month)', path: ['to'] })
  .refine((p) => !p.from || !p.to || p.from <= p.to, { error: 'from must be on or before to', path: ['to'] });

export const reportsOps = {
  'reports.definitions.list': op('The report definition of every client that has one.', Empty, z.object({ definitions: z.array(ReportDefinition) })),
  'reports.definitions.set': op(
    'Create or replace the report definition of a client (one per client): title, recipient, sections (default: summary, leads, e-mail, pipeline, runs, content).',
    z
      .object({
        client: ClientKey,
        title: Title.optional(),
        recipient: Email.nullable().optional(),
        sections: z.array(ReportSection).min(1, 'a report needs at least one section').max(20).optional(),
        enabled: z.boolean().default(true),
      })
      .strict(),
    ReportDefinition,
  ),
  'reports.definitions.delete': op('Delete the report definition of a client.', z.object({ client: ClientKey }).strict(), z.object({ deleted: z.boolean() })),
  'reports.metrics.import': op(
    'Import metrics of a tool Baton does not reach (analytics, social) from CSV: a date column and one column per metric; a value imported again for the same day replaces the old one. Bad rows are reported with their line.',
    z
      .object({
        client: ClientKey,
        source: z.string().trim().min(1, 'name the tool, e.g. "Google Analytics"').max(100),
        csv: z.string().min(1, 'the CSV is empty').max(16 * 1024 * 1024, 'at most 16 MB at once'),
        /** The date column (default: the first column named date/day/week/month). */
        dateColumn: z.string().max(200).optional(),
        /** The metric columns (default: every other column). */
        metrics: z.array(MetricName).max(50).optional(),
      })
      .strict(),
    z.object({ rows: z.number().int(), values: z.number().int(), metrics: z.array(z.string()), invalidCount: z.number().int(), invalid: z.array(z.object({ line: z.number().int(), reason: z.string() })) }),
  ),
  'reports.metrics.list': op(
    'Imported metric names of a client, with their tools, days and values count.',
    z.object({ client: ClientKey }).strict(),
    z.object({ metrics: z.array(z.object({ metric: z.string(), source: z.string(), first: z.string(), last: z.string(), values: z.number().int() })) }),
  ),
  'reports.render': op('Render the client\'s report to PDF for a period (default: last month) into the data folder (reports/…).', Period, ReportRender),
  'reports.renders.list': op(
    'Rendered reports, newest first.',
    z.object({ client: ClientKey.optional(), limit: z.number().int().min(1).max(500).default(50) }).strict(),
    z.object({ renders: z.array(ReportRender) }),
  ),
  'reports.file': op(
    'A rendered report\'s PDF (base64), for the approvals preview and downloads.',
    z.object({ renderId: z.string().regex(/^rr_[A-Za-z0-9_-]{6,64}$/, 'use a render id such as rr_…') }).strict(),
    z.object({ renderId: z.string(), filename: z.string(), pages: z.number().int(), bytes: z.number().int(), base64: z.string() }),
  ),
} as const;

export const reportsEvents = {
  'reports.changed': z.object({ client: z.string(), what: z.enum(['definition', 'metrics', 'render']) }),
} as const;

