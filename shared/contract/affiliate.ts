/**
 * Affiliate (docs/affiliate.md): programs, tracked links (`/go/<slug>`, a 302 to
 * the destination with the sub-id appended, each click recorded, bots and
 * prefetches counted apart), commissions imported from network CSV exports
 * (the column mapping remembered per source, duplicates found, per-row errors),
 * costs, and EPC and ROI per link, per program and per content piece.
 */
import { z } from 'zod';
import { Empty, eventType, op } from './base';
import { DATE_FORMATS } from './finance';
import { CurrencyCode } from './settings';

export const COMMISSION_STATUSES = ['pending', 'approved', 'paid', 'reversed'] as const;
export const CommissionStatus = z.enum(COMMISSION_STATUSES);
export type CommissionStatus = z.infer<typeof CommissionStatus>;

const Column = z.string().trim().min(1, 'name a column of the CSV header').max(200);

/** Which CSV column of a network's export holds what. Only the date and the commission are required. */
export const AffiliateMapping = z
  .object({
    date: Column,
    /** The commission earned (not the sale amount). */
    commission: Column,
    /** Pending / approved (locked, confirmed) / paid / reversed (declined, rejected, void). Absent: approved. */
    status: Column.optional(),
    /** The sub-id the link passed on (subid, clickref, ascsubtag …): matches a link by its slug. */
    subId: Column.optional(),
    /** The network's own transaction or order id: a re-import with a new status updates the commission. */
    transactionId: Column.optional(),
    /** The program or advertiser name (matched to a program by name). */
    program: Column.optional(),
    /** The clicked or landing URL: matches a link by its tracked address or its destination. */
    url: Column.optional(),
    /** The sale (order) amount. */
    sale: Column.optional(),
    currency: Column.optional(),
    dateFormat: z.enum(DATE_FORMATS).default('auto'),
    decimal: z.enum(['auto', '.', ',']).default('auto'),
  })
  .strict();
export type AffiliateMapping = z.output<typeof AffiliateMapping>;

const Name = z.string().trim().min(1, 'give the program a name').max(120, 'at most 120 characters');
const Slug = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9_-]{0,79}$/, 'use 1-80 lower-case letters, digits, "-" or "_" (starting with a letter or digit), e.g. best-mic-review');
const Destination = z.url({ protocol: /^https?$/, error: 'use the full http(s) address of the product or offer page, e.g. https://www.example.com/product?ref=you' }).max(2000);
/** A content piece: the URL of the post or page the link appears in, or a name. */
const ContentKey = z.string().trim().min(1).max(500, 'at most 500 characters');
const Day = z.iso.date({ error: 'use a date such as 2026-03-01' });

export const AffiliateProgram = z.object({
  id: z.number().int(),
  name: z.string(),
  network: z.string().nullable(),
  commission: z.string().nullable(),
  cookieDays: z.number().int().nullable(),
  subIdParam: z.string().nullable(),
  payoutMatch: z.string().nullable(),
  notes: z.string().nullable(),
  links: z.number().int(),
});
export type AffiliateProgram = z.infer<typeof AffiliateProgram>;

export const AffiliateLink = z.object({
  id: z.number().int(),
  programId: z.number().int(),
  program: z.string(),
  slug: z.string(),
  destination: z.string(),
  /** What /go/<slug> redirects to: the destination with the sub-id appended when the program names its parameter. */
  target: z.string(),
  /** The address to put in the content: <affiliate.linkBase or the public address>/go/<slug>. */
  trackedUrl: z.string(),
  content: z.string().nullable(),
  note: z.string().nullable(),
  archived: z.boolean(),
  /** All time: people's clicks, and bots / prefetches apart. */
  clicks: z.number().int(),
  machineClicks: z.number().int(),
  createdAt: z.string(),
});
export type AffiliateLink = z.infer<typeof AffiliateLink>;

const RowError = z.object({ line: z.number().int(), reason: z.string() });

export const AffiliateImportResult = z.object({
  importId: z.string().nullable(),
  source: z.string(),
  mapping: AffiliateMapping,
  mappingFrom: z.enum(['input', 'source', 'header']),
  rows: z.number().int(),
  /** New commissions. */
  imported: z.number().int(),
  /** Known commissions whose status or amount changed (a later export of the same network). */
  updated: z.number().int(),
  /** Rows already imported as they are. */
  duplicates: z.number().int(),
  invalidCount: z.number().int(),
  invalid: z.array(RowError),
  /** Of the new and updated rows: matched to a link (by sub-id or URL), to a program only, or to nothing. */
  matchedLinks: z.number().int(),
  matchedPrograms: z.number().int(),
  unmatched: z.number().int(),
  firstDate: z.string().nullable(),
  lastDate: z.string().nullable(),
  dryRun: z.boolean(),
});
export type AffiliateImportResult = z.infer<typeof AffiliateImportResult>;

export const AffiliateCommission = z.object({
  id: z.number().int(),
  date: z.string(),
  amount: z.number(),
  currency: z.string(),
  status: CommissionStatus,
  sale: z.number().nullable(),
  subId: z.string().nullable(),
  transactionId: z.string().nullable(),
  programId: z.number().int().nullable(),
  program: z.string().nullable(),
  linkId: z.number().int().nullable(),
  slug: z.string().nullable(),
  matchedBy: z.enum(['subid', 'url']).nullable(),
  source: z.string(),
  line: z.number().int(),
});
export type AffiliateCommission = z.infer<typeof AffiliateCommission>;

/** One line of the EPC / ROI table. Money in the stats' currency (major units). */
export const AffiliateStatLine = z.object({
  /** The link id, the program id, or the content piece. */
  key: z.string(),
  label: z.string(),
  /** People's clicks in the range (bots and prefetches left out). */
  clicks: z.number().int(),
  machineClicks: z.number().int(),
  /** Commissions dated in the range, not reversed. */
  commissions: z.number().int(),
  revenue: z.number(),
  /** Of the revenue: still pending at the network. */
  pending: z.number(),
  /** Costs tagged to it (for a program and a content piece: with the costs of their links), AI spend included. */
  cost: z.number(),
  /** Of the cost: the AI spend of the runs that made its links (docs/affiliate.md, "AI spend"); in USD, so only when the stats are in USD (else under otherCurrencies). */
  aiCost: z.number(),
  /** revenue / clicks; null without clicks. */
  epc: z.number().nullable(),
  /** revenue - cost. */
  profit: z.number(),
  /** (revenue - cost) / cost × 100 (%); null without costs. */
  roi: z.number().nullable(),
  /** commissions / clicks × 100 (%); null without clicks. */
  conversion: z.number().nullable(),
});
export type AffiliateStatLine = z.infer<typeof AffiliateStatLine>;

export const AffiliateStats = z.object({
  range: z.object({ from: z.string(), to: z.string() }),
  currency: z.string(),
  totals: AffiliateStatLine,
  links: z.array(AffiliateStatLine.extend({ linkId: z.number().int(), slug: z.string(), programId: z.number().int(), program: z.string(), content: z.string().nullable(), trackedUrl: z.string() })),
  programs: z.array(AffiliateStatLine.extend({ programId: z.number().int(), network: z.string().nullable() })),
  content: z.array(AffiliateStatLine.extend({ links: z.number().int() })),
  /** Commissions in the range matched to no link (in the program's line when matched to a program). */
  unmatched: z.object({ commissions: z.number().int(), revenue: z.number() }),
  /** Commissions and costs in other currencies: counted apart, not converted. */
  otherCurrencies: z.array(z.object({ currency: z.string(), commissions: z.number().int(), revenue: z.number(), cost: z.number() })),
});
export type AffiliateStats = z.infer<typeof AffiliateStats>;

export const AffiliateCost = z.object({
  id: z.number().int(),
  date: z.string(),
  amount: z.number(),
  currency: z.string(),
  linkId: z.number().int().nullable(),
  slug: z.string().nullable(),
  programId: z.number().int().nullable(),
  program: z.string().nullable(),
  content: z.string().nullable(),
  note: z.string().nullable(),
});
export type AffiliateCost = z.infer<typeof AffiliateCost>;

const DayRange = z
  .object({ from: Day, to: Day, currency: CurrencyCode.optional() })
  .strict()
  .refine((r) => r.from <= r.to, { error: 'from must be on or before to', path: ['to'] });

const Page = { limit: z.number().int().min(1).max(1000).default(100), offset: z.number().int().min(0).default(0) };
const Id = z.number().int().positive();
/** A program by its id or its name. */
const ProgramRef = z.union([z.number().int().positive().max(2 ** 31 - 1), Name]);

export const affiliateOps = {
  'affiliate.programs.list': op('Affiliate programs with their number of links.', Empty, z.object({ programs: z.array(AffiliateProgram) })),
  'affiliate.programs.save': op(
    'Create a program, or change one (by id). A bank payout text adds a finance rule that leaves the network\'s payouts out of the P&L (the commissions are counted there already).',
    z
      .object({
        id: Id.optional(),
        name: Name,
        network: z.string().trim().max(120).nullable().optional(),
        commission: z.string().trim().max(200).nullable().optional().describe('informational, e.g. "8% of the sale"'),
        cookieDays: z.number().int().min(0).max(3650).nullable().optional(),
        subIdParam: z
          .string()
          .trim()
          .regex(/^[A-Za-z0-9_.\-[\]]{1,40}$/, 'use the query parameter name the network reads, e.g. subid, clickref, ascsubtag')
          .nullable()
          .optional(),
        payoutMatch: z.string().trim().min(2, 'give at least 2 characters of the bank statement text').max(200).nullable().optional(),
        notes: z.string().trim().max(2000).nullable().optional(),
      })
      .strict(),
    z.object({ program: AffiliateProgram, payoutRule: z.boolean() }),
  ),
  'affiliate.links.list': op(
    'Tracked links (newest first) with their tracked address and all-time clicks.',
    z.object({ programId: Id.optional(), content: z.string().max(500).optional(), search: z.string().max(200).optional(), archived: z.boolean().default(false), ...Page }).strict(),
    z.object({ total: z.number().int(), links: z.array(AffiliateLink) }),
  ),
  'affiliate.links.create': op(
    'Create a tracked link /go/<slug> to a destination, for a program (by id or name), optionally naming the content piece it appears in. The same slug and destination again returns the existing link.',
    z
      .object({
        program: ProgramRef.describe('the program id, or its name'),
        destination: Destination,
        slug: Slug.optional().describe('default: made from the program and the destination'),
        content: ContentKey.optional().describe('the post URL or name of the content piece the link appears in'),
        note: z.string().trim().max(500).optional(),
      })
      .strict(),
    z.object({ link: AffiliateLink, created: z.boolean() }),
  ),
  'affiliate.links.update': op(
    'Change a link\'s destination, content piece or note, or archive it (an archived link still redirects; it leaves the lists).',
    z
      .object({ id: Id, destination: Destination.optional(), content: ContentKey.nullable().optional(), note: z.string().trim().max(500).nullable().optional(), archived: z.boolean().optional() })
      .strict(),
    z.object({ link: AffiliateLink }),
  ),
  'affiliate.import': op(
    'Import commissions from a network\'s CSV export: the column mapping is remembered per source (given, remembered, or guessed from the header); rows already imported are skipped, a changed status updates the commission; bad rows are reported with their line. Each commission is matched to a link by sub-id, then by URL, and to a program.',
    z
      .object({
        source: z.string().trim().min(1, 'name the source, e.g. "Awin" or "Amazon Associates"').max(100),
        csv: z.string().min(1, 'the CSV is empty').max(64 * 1024 * 1024, 'at most 64 MB at once'),
        file: z.string().max(500).optional(),
        mapping: AffiliateMapping.optional(),
        program: ProgramRef.optional().describe('the program of rows the file does not name one for (remembered for the source)'),
        currency: CurrencyCode.optional().describe('the currency of amounts when the CSV has no currency column (remembered for the source)'),
        dryRun: z.boolean().default(false),
      })
      .strict(),
    AffiliateImportResult,
  ),
  'affiliate.sources.list': op(
    'The commission sources imported so far, with their remembered column mapping.',
    Empty,
    z.object({ sources: z.array(z.object({ id: z.number().int(), name: z.string(), mapping: AffiliateMapping.nullable(), program: z.string().nullable(), currency: z.string().nullable(), lastImportAt: z.string().nullable(), commissions: z.number().int() })) }),
  ),
  'affiliate.commissions.list': op(
    'Imported commissions, newest first (filter by day range, link, program, status, or unmatched).',
    z.object({ from: Day.optional(), to: Day.optional(), linkId: Id.optional(), programId: Id.optional(), status: CommissionStatus.optional(), unmatched: z.boolean().optional(), ...Page }).strict(),
    z.object({ total: z.number().int(), rows: z.array(AffiliateCommission) }),
  ),
  'affiliate.costs.add': op(
    'Record a cost (content production, ads, tools) tagged to a link, a program or a content piece: ROI counts it.',
    z
      .object({
        date: Day,
        amount: z.number().positive('give the cost as a positive amount').max(1e9),
        currency: CurrencyCode.optional().describe('default: finance.currency'),
        linkId: Id.optional(),
        programId: Id.optional(),
        content: ContentKey.optional(),
        note: z.string().trim().max(500).optional(),
      })
      .strict()
      .refine((c) => [c.linkId, c.programId, c.content].filter((x) => x !== undefined).length === 1, { error: 'tag the cost to exactly one of linkId, programId or content', path: ['linkId'] }),
    z.object({ cost: AffiliateCost }),
  ),
  'affiliate.costs.list': op('Costs tagged to links, programs and content pieces, newest first.', z.object({ from: Day.optional(), to: Day.optional(), ...Page }).strict(), z.object({ total: z.number().int(), rows: z.array(AffiliateCost) })),
  'affiliate.costs.delete': op('Delete a cost.', z.object({ id: Id }).strict(), z.object({ deleted: z.boolean() })),
  'affiliate.stats': op('Clicks, commissions, EPC and ROI per link, per program and per content piece for a range of days (UTC), in one currency.', DayRange, AffiliateStats),
  'affiliate.export': op(
    'The EPC / ROI table (links, programs or content pieces) or the commissions of a range of days as CSV text.',
    z
      .object({ from: Day, to: Day, currency: CurrencyCode.optional(), what: z.enum(['links', 'programs', 'content', 'commissions']).default('links') })
      .strict()
      .refine((r) => r.from <= r.to, { error: 'from must be on or before to', path: ['to'] }),
    z.object({ filename: z.string(), csv: z.string(), rows: z.number().int() }),
  ),
} as const;

/** Data of affiliate.commission. */
export const CommissionEventData = z.object({
  commissionId: z.number().int(),
  date: z.string(),
  /** Major units. */
  amount: z.number(),
  currency: z.string(),
  status: CommissionStatus,
  sale: z.number().nullable(),
  programId: z.number().int().nullable(),
  program: z.string().nullable(),
  linkId: z.number().int().nullable(),
  slug: z.string().nullable(),
  content: z.string().nullable(),
  subId: z.string().nullable(),
  transactionId: z.string().nullable(),
  source: z.string(),
});

/** The event types the affiliate domain records. */
export const affiliateEventTypes = {
  'affiliate.commission': eventType('A new commission was imported from a network\'s export (once per commission; a later status change does not fire it again).', CommissionEventData, 'affiliate_commission'),
} as const;

export const affiliateEvents = {
  /** Programs, links, commissions or costs changed, or links were followed (at most every 5 s): the Affiliate tab and the dashboard tile reload. */
  'affiliate.changed': z.object({ source: z.enum(['programs', 'links', 'import', 'costs', 'clicks']) }),
} as const;
