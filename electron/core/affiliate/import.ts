/**
 * affiliate.import (docs/affiliate.md, "Commissions"): a network's CSV export
 * into affiliate_commissions in ONE transaction. The CSV is read with the
 * finance import's reader (papaparse, lines counted as the file has them) and
 * its date and amount parsers; the column mapping is remembered per source.
 *
 * A commission's key within its source is the network's transaction id when
 * mapped, else a hash of the row's date, amount, currency, sub-id, program, URL
 * and sale (not the status): importing the same file again adds nothing, and a
 * later export where a commission moved from pending to approved updates it.
 * New commissions are matched to a link (sub-id = the link's slug, else the URL
 * is the link's tracked address, target or destination) and to a program (the
 * link's, else the program column by name, else the source's program), and
 * each one appends an `affiliate.commission` event in the same transaction.
 */
import { createHash, randomUUID } from 'node:crypto';
import { AffiliateMapping, ApiError, type AffiliateImportResult, type AffiliateMapping as Mapping, type CommissionStatus, type OpInput } from '../../../shared/api';
import { toMajor } from '../billing/money';
import type { StoredAffiliateMapping } from '../db/schema/affiliate';
import type { ThreadEnv } from '../env';
import { parseAmount, parseDate, readCsv, resolveDateFormat } from '../finance/csv';
import { financeCurrency } from '../finance/import';
import { parseStored } from '../db/integrity';
import { linkBase, requireProgram, targetOf, trackedUrl } from './links';
import { affiliateStoreOf } from './store';

const MAX_REPORTED = 1000;

const norm = (h: string) => h.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Header name (normalised) -> field, for the guessed mapping (Awin, Impact, CJ, ShareASale, PartnerStack, Amazon …). */
const GUESS: Record<string, keyof Mapping> = {
  date: 'date', transactiondate: 'date', clickdate: 'date', eventdate: 'date', actiondate: 'date', orderdate: 'date', dateshipped: 'date', created: 'date', createdat: 'date', day: 'date', lockingdate: 'date',
  commission: 'commission', commissionamount: 'commission', payout: 'commission', earnings: 'commission', adfees: 'commission', actionearnings: 'commission', publishercommission: 'commission', yourcommission: 'commission', amountearned: 'commission', advertisingfees: 'commission',
  status: 'status', commissionstatus: 'status', actionstatus: 'status', state: 'status', transactionstatus: 'status',
  subid: 'subId', sid: 'subId', clickref: 'subId', subid1: 'subId', trackingid: 'subId', ascsubtag: 'subId', afftrack: 'subId', subtag: 'subId', u1: 'subId',
  transactionid: 'transactionId', orderid: 'transactionId', actionid: 'transactionId', id: 'transactionId', commissionid: 'transactionId', ordernumber: 'transactionId', reference: 'transactionId',
  program: 'program', programme: 'program', advertiser: 'program', advertisername: 'program', merchant: 'program', brand: 'program', campaign: 'program', programname: 'program', partner: 'program',
  url: 'url', clickurl: 'url', landingpage: 'url', landingpageurl: 'url', referringurl: 'url', linkurl: 'url', clickedurl: 'url',
  sale: 'sale', saleamount: 'sale', ordervalue: 'sale', orderamount: 'sale', revenue: 'sale', salesamount: 'sale', amount: 'sale', itemsprice: 'sale', price: 'sale',
  currency: 'currency', currencycode: 'currency', ccy: 'currency',
};

export function guessAffiliateMapping(header: string[]): { mapping: Mapping | null; missing: string[] } {
  const found: Partial<Record<keyof Mapping, string>> = {};
  for (const h of header) {
    const k = GUESS[norm(h)];
    if (k && !found[k]) found[k] = h;
  }
  const missing = (['date', 'commission'] as const).filter((k) => !found[k]);
  if (missing.length) return { mapping: null, missing };
  return { mapping: AffiliateMapping.parse(found), missing: [] };
}

/** The network's word for a status -> Baton's. */
export function statusOf(raw: string): CommissionStatus | null {
  const s = raw.trim().toLowerCase();
  if (!s) return 'approved';
  if (/revers|declin|reject|void|cancel|refund|return|invalid|denied|fraud/.test(s)) return 'reversed';
  if (/unpaid|not paid|to be paid/.test(s)) return 'approved';
  if (/paid|closed|settled|payout/.test(s)) return 'paid';
  if (/approv|lock|confirm|accept|valid|complete|cleared|final|earned|ship/.test(s)) return 'approved';
  if (/pend|open|new|extend|hold|process|wait|review|unconfirm|tentative/.test(s)) return 'pending';
  return null;
}

function checkColumns(m: Mapping, header: string[]): void {
  const issues = (Object.keys(m) as (keyof Mapping)[])
    .filter((k) => k !== 'dateFormat' && k !== 'decimal')
    .filter((k) => !header.includes(m[k] as string))
    .map((k) => ({ path: `mapping.${k}`, message: `column "${String(m[k])}" is not in the header (columns: ${header.join(', ')})` }));
  if (issues.length) throw new ApiError('invalid_input', `Cannot import: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}. Nothing was imported.`, issues);
}

/** A URL as compared for matching: no scheme, no "www.", no trailing slash, no fragment, lower-case host. */
function urlKey(u: string): string | null {
  try {
    const x = new URL(u.trim());
    return `${x.hostname.replace(/^www\./, '').toLowerCase()}${x.pathname.replace(/\/+$/, '')}${x.search}`;
  } catch {
    return null;
  }
}

interface Row {
  line: number;
  key: string;
  date: string;
  amount: number;
  currency: string;
  status: CommissionStatus;
  sale: number | null;
  subId: string | null;
  transactionId: string | null;
  program: string | null;
  url: string | null;
}

export function importCommissions(env: ThreadEnv, input: OpInput<'affiliate.import'>): AffiliateImportResult {
  const st = affiliateStoreOf(env);
  const { header, rows } = readCsv(input.csv);
  const known = st.stmt('SELECT * FROM affiliate_sources WHERE name_key = ?').get(input.source.trim().toLowerCase()) as
    | { id: number; name: string; mapping: string | null; program_id: number | null; currency: string | null }
    | undefined;
  let mapping: Mapping;
  let mappingFrom: AffiliateImportResult['mappingFrom'];
  if (input.mapping) {
    mapping = AffiliateMapping.parse(input.mapping);
    mappingFrom = 'input';
  } else if (known?.mapping) {
    mapping = AffiliateMapping.parse(parseStored<StoredAffiliateMapping>(known.mapping, 'affiliate_sources.mapping', known.id));
    mappingFrom = 'source';
  } else {
    const g = guessAffiliateMapping(header);
    if (!g.mapping)
      throw new ApiError(
        'invalid_input',
        `mapping: the source "${input.source}" has no remembered column mapping and the header does not say which column holds the ${g.missing.join(' and ')} (columns: ${header.join(', ')}). Give the mapping once, e.g. {"date":"…","commission":"…","subId":"…"}; it is remembered for the source. Nothing was imported.`,
        g.missing.map((m) => ({ path: `mapping.${m}`, message: 'no column found' })),
      );
    mapping = g.mapping;
    mappingFrom = 'header';
  }
  checkColumns(mapping, header);
  const sourceProgram = input.program !== undefined ? requireProgram(env, input.program) : known?.program_id ? (st.program(known.program_id) ?? null) : null;
  const col = (name: string | undefined) => (name === undefined ? -1 : header.indexOf(name));
  const i = {
    date: col(mapping.date),
    commission: col(mapping.commission),
    status: col(mapping.status),
    subId: col(mapping.subId),
    transactionId: col(mapping.transactionId),
    program: col(mapping.program),
    url: col(mapping.url),
    sale: col(mapping.sale),
    currency: col(mapping.currency),
  };
  const dateFormat = resolveDateFormat(
    rows.map((r) => r.cells[i.date] ?? ''),
    mapping.dateFormat,
  );
  const currencyDefault = (input.currency ?? known?.currency ?? financeCurrency(env)).toUpperCase();

  const invalid: { line: number; reason: string }[] = [];
  let invalidCount = 0;
  const bad = (line: number, reason: string) => {
    invalidCount++;
    if (invalid.length < MAX_REPORTED) invalid.push({ line, reason });
  };
  const cell = (cells: string[], idx: number) => (idx < 0 ? null : (cells[idx] ?? '').trim() || null);
  const occurrences = new Map<string, number>();
  const good: Row[] = [];
  for (const { line, cells } of rows) {
    if (cells.length !== header.length) {
      bad(line, `the row has ${cells.length} columns but the header has ${header.length}${cells.length > header.length ? ' (an unquoted separator in a field?)' : ''}`);
      continue;
    }
    const problems: string[] = [];
    const date = parseDate(cells[i.date] ?? '', dateFormat);
    if (typeof date !== 'string') problems.push(`date (column "${mapping.date}"): ${date.error}`);
    let currency = currencyDefault;
    const c = cell(cells, i.currency)?.toUpperCase();
    if (c && !/^[A-Z]{3}$/.test(c)) problems.push(`currency (column "${mapping.currency}"): "${c.slice(0, 20)}" is not a 3-letter currency code`);
    else if (c) currency = c;
    const amount = parseAmount(cells[i.commission] ?? '', mapping.decimal, currency);
    if (amount === null) problems.push(`commission (column "${mapping.commission}"): the amount is empty`);
    else if (typeof amount === 'object') problems.push(`commission (column "${mapping.commission}"): ${amount.error}`);
    let sale: number | null = null;
    if (i.sale >= 0) {
      const s = parseAmount(cells[i.sale] ?? '', mapping.decimal, currency);
      if (s !== null && typeof s === 'object') problems.push(`sale (column "${mapping.sale}"): ${s.error}`);
      else sale = s;
    }
    const rawStatus = i.status >= 0 ? (cells[i.status] ?? '') : '';
    const status = statusOf(rawStatus);
    if (!status) problems.push(`status (column "${mapping.status}"): "${rawStatus.trim().slice(0, 40)}" is not a status Baton knows (pending, approved, paid, reversed, or the network's words for them: locked, declined …)`);
    if (problems.length || typeof date !== 'string' || typeof amount !== 'number' || !status) {
      bad(line, problems.join('; '));
      continue;
    }
    const subId = cell(cells, i.subId)?.slice(0, 200) ?? null;
    const transactionId = cell(cells, i.transactionId)?.slice(0, 200) ?? null;
    const program = cell(cells, i.program)?.slice(0, 200) ?? null;
    const url = cell(cells, i.url)?.slice(0, 2000) ?? null;
    let key: string;
    if (transactionId) key = `t:${transactionId}`;
    else {
      const tuple = [date, amount, currency, subId ?? '', program ?? '', url ?? '', sale ?? ''].join('|').toLowerCase();
      const n = (occurrences.get(tuple) ?? 0) + 1;
      occurrences.set(tuple, n);
      key = `h:${createHash('sha256').update(`${tuple}|#${n}`).digest('hex').slice(0, 40)}`;
    }
    good.push({ line, key, date, amount, currency, status, sale, subId, transactionId, program, url });
  }

  // Matching: links by slug and by URL, programs by name.
  const base = linkBase(env);
  const links = st.links();
  const bySlug = new Map(links.map((l) => [l.slug, l]));
  const byUrl = new Map<string, (typeof links)[number]>();
  for (const l of links) {
    for (const u of [trackedUrl(base, l.slug), targetOf(l.destination, l.sub_id_param, l.slug), l.destination]) {
      const k = urlKey(u);
      if (k && !byUrl.has(k)) byUrl.set(k, l);
    }
  }
  const matchLink = (r: Row): { link: (typeof links)[number]; by: 'subid' | 'url' } | null => {
    if (r.subId) {
      const l = bySlug.get(r.subId.toLowerCase());
      if (l) return { link: l, by: 'subid' };
    }
    if (r.url) {
      const k = urlKey(r.url);
      const l = k ? byUrl.get(k) : undefined;
      if (l) return { link: l, by: 'url' };
      const go = /\/go\/([a-z0-9][a-z0-9_-]{0,79})\/?(?:[?#].*)?$/i.exec(r.url);
      const g = go ? bySlug.get(go[1]!.toLowerCase()) : undefined;
      if (g) return { link: g, by: 'url' };
    }
    return null;
  };
  const programByName = new Map(st.programs().map((p) => [p.name_key, p]));

  const stored: StoredAffiliateMapping = { ...mapping };
  const at = new Date(env.now()).toISOString();
  const importId = input.dryRun ? null : `ai_${randomUUID()}`;
  let imported = 0;
  let updated = 0;
  let duplicates = 0;
  let matchedLinks = 0;
  let matchedPrograms = 0;
  let unmatched = 0;
  const fresh: number[] = [];
  const dates = good.map((g) => g.date).sort();
  const run = () => {
    let sourceId = known?.id ?? 0;
    if (!input.dryRun) {
      st.stmt(
        `INSERT INTO affiliate_sources (name, name_key, mapping, program_id, currency, last_import_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(name_key) DO UPDATE SET mapping = excluded.mapping, program_id = COALESCE(excluded.program_id, program_id), currency = COALESCE(excluded.currency, currency),
           last_import_at = excluded.last_import_at, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')`,
      ).run(input.source.trim(), input.source.trim().toLowerCase(), JSON.stringify(stored), sourceProgram?.id ?? null, input.currency ?? null, at);
      sourceId = (st.stmt('SELECT id FROM affiliate_sources WHERE name_key = ?').get(input.source.trim().toLowerCase()) as { id: number }).id;
    }
    const find = st.stmt('SELECT id, status, amount, sale FROM affiliate_commissions WHERE source_id = ? AND key = ?');
    for (const r of good) {
      const had = find.get(sourceId, r.key) as { id: number; status: string; amount: number; sale: number | null } | undefined;
      if (had && had.status === r.status && had.amount === r.amount && had.sale === r.sale) {
        duplicates++;
        continue;
      }
      const m = matchLink(r);
      const program = m ? st.program(m.link.program_id)! : r.program ? (programByName.get(r.program.toLowerCase()) ?? sourceProgram) : sourceProgram;
      if (m) matchedLinks++;
      else if (program) matchedPrograms++;
      else unmatched++;
      if (had) {
        updated++;
        if (!input.dryRun)
          st.stmt(`UPDATE affiliate_commissions SET status = ?, amount = ?, sale = ?, import_id = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?`).run(r.status, r.amount, r.sale, importId, had.id);
        continue;
      }
      imported++;
      if (input.dryRun) continue;
      const id = Number(
        st
          .stmt(
            `INSERT INTO affiliate_commissions (source_id, import_id, key, program_id, link_id, matched_by, date, amount, currency, status, sale, sub_id, transaction_id, line)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(sourceId, importId, r.key, program?.id ?? null, m?.link.id ?? null, m?.by ?? null, r.date, r.amount, r.currency, r.status, r.sale, r.subId, r.transactionId, r.line).lastInsertRowid,
      );
      fresh.push(id);
      st.stmt(`INSERT INTO events (at, type, subject_type, subject_id, data) VALUES (?, 'affiliate.commission', 'affiliate_commission', ?, ?)`).run(
        at,
        String(id),
        JSON.stringify({
          commissionId: id,
          date: r.date,
          amount: toMajor(r.amount, r.currency),
          currency: r.currency,
          status: r.status,
          sale: r.sale === null ? null : toMajor(r.sale, r.currency),
          programId: program?.id ?? null,
          program: program?.name ?? null,
          linkId: m?.link.id ?? null,
          slug: m?.link.slug ?? null,
          content: m?.link.content ?? null,
          subId: r.subId,
          transactionId: r.transactionId,
          source: input.source.trim(),
        }),
      );
    }
    if (!input.dryRun)
      st.stmt('INSERT INTO affiliate_imports (id, source_id, file, rows, imported, updated, duplicates, invalid, errors) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
        importId,
        sourceId,
        input.file ?? null,
        rows.length,
        imported,
        updated,
        duplicates,
        invalidCount,
        JSON.stringify(invalid),
      );
  };
  if (input.dryRun) run();
  else env.db.transaction(run)();
  if (fresh.length) env.eventsAppended();
  return {
    importId,
    source: known?.name ?? input.source.trim(),
    mapping,
    mappingFrom,
    rows: rows.length,
    imported,
    updated,
    duplicates,
    invalidCount,
    invalid,
    matchedLinks,
    matchedPrograms,
    unmatched,
    firstDate: dates[0] ?? null,
    lastDate: dates[dates.length - 1] ?? null,
    dryRun: input.dryRun ?? false,
  };
}
