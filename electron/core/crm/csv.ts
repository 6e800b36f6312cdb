/**
 * CSV import (papaparse, streaming) and CSV/JSON export (streaming, keyset pages).
 *
 * Import: the header row names the columns; a mapping (given, or guessed from the
 * header names) says which contact field each column fills. Rows are validated
 * one by one; invalid rows are reported with their line number and reason while
 * valid rows are written in transactions of BATCH rows (a failing batch is rolled
 * back whole and replayed row by row, so a bad row never takes good ones with it
 * and nothing is half-written). Contacts are matched on the normalised e-mail
 * (also within the file), so importing the same file twice creates nothing new.
 *
 * A failure of the store itself (its write lock stayed taken past the busy
 * timeout, the disk is full, a disk error) is never a bad row: the import stops
 * with a StoreUnavailableError naming how many rows earlier batches committed,
 * and importing the file again finishes it without duplicates.
 */
import { lazyRequire } from '../lazy';
import { once } from 'node:events';
import { Readable, type Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { ApiError, CONSENTS, EMAIL_RE, STAGES, isTimeZone, normaliseEmail, type ImportPreview, type ImportReport } from '../../../shared/api';
import type { Core } from '../core';
import { describeStoreFailure, storeFailureKind, StoreUnavailableError } from '../db/errors';
import { importPlan } from './import-plan';
import { rescore } from './scoring';
import { CONTACT_SELECT, newPending, storeOf, syncSearchIndex, toContact, type ColumnField, type ContactRow, type ContactValues } from './store';
import { withBigCacheAsync } from './util';

// Loaded on first use: a CSV import or export, not the start (docs/bench.md, "Memory and start").
const papa = lazyRequire<typeof import('papaparse')>('papaparse');

/**
 * Rows per write transaction. Each commit writes every index page the batch touched (e-mail and
 * company indexes take rows at random places) and may checkpoint the WAL: 1,000-row batches
 * wrote ~100× more pages than 100,000 rows need. A batch holds the write lock for well under a second.
 */
export const BATCH = 10_000;
/**
 * Rows per write transaction once another process was seen holding the write lock
 * (`baton serve`'s engine, another import). Such a transaction holds the lock about a
 * tenth of a second, so the others' waits stay far below the busy timeout; a lone
 * import keeps the big batches.
 */
export const CONTENDED_BATCH = 1_000;
/**
 * The pause after each contended transaction. SQLite gives the lock to whoever asks
 * first after a commit, and a waiter sleeps up to 100 ms between tries: an import
 * that began its next transaction at once would keep the lock from the others
 * (`baton serve`'s engine got 2 runs/s next to 4 importers). A pause longer than a
 * waiter's sleep lets each of them in.
 */
export const CONTENDED_PAUSE_MS = 150;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether no other connection holds the write lock this instant (a probe: take it without waiting, give it back). */
function lockIsFree(db: Core['db']): boolean {
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
    return true;
  } catch (e) {
    if (storeFailureKind(e) === 'busy') return false;
    throw e;
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
}
const MAX_ROW_CHARS = 1024 * 1024;
const MAX_REPORTED = 1000;

/** Fields a column can fill. */
export const IMPORT_TARGETS = [
  'email', 'firstName', 'lastName', 'fullName', 'phone', 'title', 'companyName', 'companyDomain', 'stage', 'source',
  'utmSource', 'utmMedium', 'utmCampaign', 'utmTerm', 'utmContent', 'timeZone', 'consent', 'tags', 'custom',
] as const;
const isTarget = (t: string): boolean => (IMPORT_TARGETS as readonly string[]).includes(t) || /^custom\.[A-Za-z0-9_]{1,64}$/.test(t) || t === '';

/** Header name (lower-case, letters and digits only) -> field, for the automatic mapping. */
const AUTO: Record<string, string> = {
  email: 'email', emailaddress: 'email', mail: 'email', email1: 'email', workemail: 'email',
  firstname: 'firstName', first: 'firstName', givenname: 'firstName', fname: 'firstName', forename: 'firstName',
  lastname: 'lastName', last: 'lastName', surname: 'lastName', familyname: 'lastName', lname: 'lastName',
  name: 'fullName', fullname: 'fullName', contactname: 'fullName',
  phone: 'phone', phonenumber: 'phone', telephone: 'phone', mobile: 'phone', tel: 'phone',
  title: 'title', jobtitle: 'title', position: 'title', role: 'title',
  company: 'companyName', companyname: 'companyName', organization: 'companyName', organisation: 'companyName', account: 'companyName',
  domain: 'companyDomain', companydomain: 'companyDomain', website: 'companyDomain', companywebsite: 'companyDomain', url: 'companyDomain',
  stage: 'stage', lifecyclestage: 'stage', lifecycle: 'stage',
  source: 'source', leadsource: 'source',
  utmsource: 'utmSource', utmmedium: 'utmMedium', utmcampaign: 'utmCampaign', utmterm: 'utmTerm', utmcontent: 'utmContent',
  timezone: 'timeZone', tz: 'timeZone', timezoneiana: 'timeZone',
  consent: 'consent', marketingconsent: 'consent', optin: 'consent', emailconsent: 'consent',
  tags: 'tags', tag: 'tags', labels: 'tags',
  custom: 'custom', customfields: 'custom',
};

export function autoMap(header: string[]): Record<string, string> {
  const map: Record<string, string> = {};
  const used = new Set<string>();
  for (const h of header) {
    const key = h.toLowerCase().replace(/[^a-z0-9]/g, '');
    const target = AUTO[key];
    if (target && !used.has(target)) {
      map[h] = target;
      used.add(target);
    }
  }
  return map;
}

const CONSENT_WORDS: Record<string, (typeof CONSENTS)[number]> = {
  yes: 'granted', y: 'granted', true: 'granted', '1': 'granted', granted: 'granted', 'opt-in': 'granted', optin: 'granted', subscribed: 'granted',
  no: 'denied', n: 'denied', false: 'denied', '0': 'denied', denied: 'denied', 'opt-out': 'denied', optout: 'denied', unsubscribed: 'denied',
  unknown: 'unknown',
};

const tzCache = new Map<string, boolean>();
const validTz = (tz: string): boolean => {
  let ok = tzCache.get(tz);
  if (ok === undefined) {
    ok = isTimeZone(tz);
    tzCache.set(tz, ok);
  }
  return ok;
};

function normDomain(s: string): string | null {
  const d = s.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/^www\./, '').replace(/[/?#].*$/, '');
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(d) ? d : null;
}

/** One CSV row -> contact values, or the reason it cannot be imported. */
export function rowValues(cells: string[], columns: { index: number; target: string }[]): ContactValues | string {
  const v: ContactValues = { fields: {} };
  let fullName: string | undefined;
  for (const { index, target } of columns) {
    const raw = (cells[index] ?? '').trim();
    if (raw === '') continue;
    if (raw.length > 500 && target !== 'custom' && target !== 'tags') return `${target}: longer than 500 characters`;
    switch (target) {
      case 'email': {
        const e = normaliseEmail(raw);
        if (!EMAIL_RE.test(e) || e.length > 254) return `email: "${raw.slice(0, 80)}" is not a valid e-mail address`;
        v.fields.email = e;
        break;
      }
      case 'fullName':
        fullName = raw;
        break;
      case 'companyName':
        v.companyName = raw;
        break;
      case 'companyDomain': {
        const d = normDomain(raw);
        if (!d) return `companyDomain: "${raw.slice(0, 80)}" is not a domain (use example.com)`;
        v.companyDomain = d;
        break;
      }
      case 'stage': {
        const s = raw.toLowerCase();
        if (!(STAGES as readonly string[]).includes(s)) return `stage: "${raw.slice(0, 40)}" is not a stage (use one of ${STAGES.join(', ')})`;
        v.fields.stage = s;
        break;
      }
      case 'timeZone':
        if (!validTz(raw)) return `timeZone: "${raw.slice(0, 60)}" is not an IANA time zone (use e.g. Europe/Berlin)`;
        v.fields.timeZone = raw;
        break;
      case 'consent': {
        const c = CONSENT_WORDS[raw.toLowerCase()];
        if (!c) return `consent: "${raw.slice(0, 40)}" is not understood (use yes/no, granted/denied or unknown)`;
        v.fields.consent = c;
        break;
      }
      case 'tags': {
        const tags = [...new Set(raw.split(/[,;|]/).map((t) => t.trim()).filter(Boolean))];
        if (tags.some((t) => t.length > 64)) return 'tags: a tag is longer than 64 characters';
        v.tags = tags;
        break;
      }
      case 'custom': {
        let obj: unknown;
        try {
          obj = JSON.parse(raw);
        } catch {
          return 'custom: not a JSON object';
        }
        if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return 'custom: not a JSON object';
        v.custom = { ...(v.custom ?? {}), ...(obj as Record<string, unknown>) };
        break;
      }
      default:
        if (target.startsWith('custom.')) v.custom = { ...(v.custom ?? {}), [target.slice(7)]: raw };
        else v.fields[target as ColumnField] = raw;
    }
  }
  if (!v.fields.email) return 'email: missing';
  if (fullName && v.fields.firstName === undefined && v.fields.lastName === undefined) {
    const i = fullName.lastIndexOf(' ');
    if (i > 0) {
      v.fields.firstName = fullName.slice(0, i).trim();
      v.fields.lastName = fullName.slice(i + 1).trim();
    } else v.fields.firstName = fullName;
  }
  return v;
}

function resolveMapping(header: string[], map: Record<string, string> | undefined): Record<string, string> {
  const mapping = map ? { ...map } : autoMap(header);
  const issues: { path: string; message: string }[] = [];
  if (map) {
    for (const [col, target] of Object.entries(map)) {
      if (!header.includes(col)) issues.push({ path: `map.${col}`, message: `column "${col}" is not in the header (columns: ${header.join(', ')})` });
      if (!isTarget(target)) issues.push({ path: `map.${col}`, message: `"${target}" is not a contact field (use one of ${IMPORT_TARGETS.join(', ')} or custom.<name>, or "" to skip)` });
    }
  }
  const targets = Object.values(mapping).filter(Boolean);
  const dup = targets.find((t, i) => targets.indexOf(t) !== i && !t.startsWith('custom'));
  if (dup) issues.push({ path: 'map', message: `two columns map to ${dup}; map each field once` });
  if (!targets.includes('email'))
    issues.push({ path: 'map', message: `no column maps to email (columns: ${header.join(', ')}); name the e-mail column, e.g. --map '{"E-Mail Address":"email"}'` });
  if (issues.length) throw new ApiError('invalid_input', `Cannot import: ${issues.map((i) => i.message).join('; ')}. Nothing was imported.`, issues);
  return mapping;
}

/**
 * papaparse's stream pauses its parser whenever 16 parsed rows wait to be read, and every
 * resume starts over on the rest of the chunk (for a file without quotes it splits all of
 * it into lines again): O(chunk² / 16 rows) per chunk, a minute for 30,000 plain rows.
 * Let the readable side hold more rows, so a chunk costs a few pauses; the memory stays
 * bounded (at most PARSED_ROWS rows wait).
 */
const PARSED_ROWS = 65_536;
function unthrottle(parser: unknown): void {
  const state = (parser as { _readableState?: { highWaterMark: number } })._readableState;
  if (state) state.highWaterMark = PARSED_ROWS;
}

const CHUNK = 4 * 1024 * 1024;

/** CSV text (contacts.import) in CHUNK-sized pieces: a 200 MB string is parsed piece by piece too. */
function* pieces(s: string): Generator<string> {
  for (let i = 0; i < s.length; i += CHUNK) yield s.slice(i, i + CHUNK);
}
async function* rechunk(src: AsyncIterable<string>): AsyncGenerator<string> {
  let buf: string[] = [];
  let size = 0;
  for await (const c of src) {
    buf.push(c);
    size += c.length;
    if (size >= CHUNK) {
      yield buf.join('');
      buf = [];
      size = 0;
    }
  }
  if (size > 0) yield buf.join('');
}

export interface ImportOptions {
  map?: Record<string, string> | undefined;
  /** The file's name, recorded in the contacts.imported event. */
  file?: string | undefined;
  /** The lead source given to new contacts whose row has none (also recorded in contacts.imported). */
  source?: string | undefined;
}

/** Where the parser is: the next line's number, the data rows read, the header and its mapping. */
interface ParseState {
  line: number;
  rows: number;
  header: string[] | null;
  mapping: Record<string, string>;
}

/** The CSV's rows as cells (papaparse, streaming), from a stream (a file) or a string, in arrays of the rows parsed so far. */
function openCsv(input: Readable | string): { cells: AsyncIterable<string[][]>; destroy: () => void } {
  const source = typeof input === 'string' ? Readable.from(pieces(input)) : input;
  if (typeof input !== 'string') source.setEncoding('utf8');
  const parser = papa().parse(papa().NODE_STREAM_INPUT, { header: false, skipEmptyLines: false }) as unknown as NodeJS.ReadWriteStream;
  unthrottle(parser);
  // papaparse re-reads an unfinished row from its start on every chunk: big chunks keep a long row from costing O(n²).
  const chunks = Readable.from(rechunk(source as AsyncIterable<string>));
  chunks.on('error', (e) => parser.emit('error', e));
  chunks.pipe(parser as unknown as Writable);
  return { cells: rowBatches(parser as unknown as Readable), destroy: () => source.destroy() };
}

/** Rows handed on at once, at most. */
const ROWS_AT_ONCE = 4096;

/**
 * The rows of an object-mode stream in arrays: all it holds (up to ROWS_AT_ONCE) read at once, one wait
 * when it holds none. Iterating it row by row (`for await` on the stream) cost a promise and a
 * microtask hop per row, and the garbage of each: ~40% of parsing a 100,000-row file.
 */
async function* rowBatches(stream: Readable): AsyncGenerator<string[][]> {
  let ended = false;
  let failed: { error: unknown } | null = null;
  let wake: (() => void) | null = null;
  const onReadable = () => wake?.();
  const onEnd = () => {
    ended = true;
    wake?.();
  };
  const onError = (error: unknown) => {
    failed = { error };
    wake?.();
  };
  stream.on('readable', onReadable);
  stream.on('end', onEnd);
  stream.on('error', onError);
  try {
    for (;;) {
      if (failed) throw (failed as { error: unknown }).error;
      const rows: string[][] = [];
      let row: string[] | null;
      while (rows.length < ROWS_AT_ONCE && (row = stream.read() as string[] | null) !== null) rows.push(row);
      if (rows.length) {
        yield rows;
        continue;
      }
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
  } finally {
    stream.off('readable', onReadable);
    stream.off('end', onEnd);
    stream.off('error', onError);
  }
}

/** The valid rows as contact values with their line, in arrays; invalid rows go to `invalid` with their line and why. */
async function* validRows(
  cellBatches: AsyncIterable<string[][]>,
  map: Record<string, string> | undefined,
  st: ParseState,
  invalid: (line: number, reason: string) => void,
): AsyncGenerator<{ line: number; v: ContactValues }[]> {
  let columns: { index: number; target: string }[] = [];
  for await (const batch of cellBatches) {
    const valid: { line: number; v: ContactValues }[] = [];
    for (const cells of batch) {
      const rowLine = st.line;
      let nl = 0;
      let size = 0;
      for (const c of cells) {
        size += c.length;
        for (let i = c.indexOf('\n'); i !== -1; i = c.indexOf('\n', i + 1)) nl++;
      }
      st.line += 1 + nl;
      if (cells.length === 1 && cells[0]!.trim() === '') continue; // blank line
      if (!st.header) {
        const header = cells.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h).trim());
        const mapping = resolveMapping(header, map);
        st.header = header;
        st.mapping = Object.fromEntries(header.map((h) => [h, mapping[h] ?? '']));
        columns = header.map((h, index) => ({ index, target: mapping[h] ?? '' })).filter((c) => c.target !== '');
        continue;
      }
      st.rows++;
      if (size > MAX_ROW_CHARS) {
        invalid(rowLine, `the row is ${(size / 1024 / 1024).toFixed(1)} MB long; rows may be at most 1 MB`);
        continue;
      }
      if (cells.length !== st.header.length) {
        invalid(rowLine, `the row has ${cells.length} columns but the header has ${st.header.length}${cells.length > st.header.length ? ' (an unquoted comma?)' : ''}`);
        continue;
      }
      if (cells.some((c) => c.includes('\uFFFD'))) {
        invalid(rowLine, 'the row contains bytes that are not valid UTF-8 (save the file as UTF-8 and import it again)');
        continue;
      }
      const v = rowValues(cells, columns);
      if (typeof v === 'string') {
        invalid(rowLine, v);
        continue;
      }
      valid.push({ line: rowLine, v });
    }
    if (valid.length) yield valid;
  }
}

/**
 * The rows in runs where no e-mail comes twice (a new run starts at a repeat), each written in its own
 * transaction: a contact created in bulk has its contact.created event written at the end of its
 * transaction, so a later row updating it must come in a later one. Never empty (the final flush of an
 * empty batch still records the import).
 */
function distinctEmailRuns<T extends { v: ContactValues }>(rows: T[]): T[][] {
  const runs: T[][] = [[]];
  let seen = new Set<string>();
  for (const r of rows) {
    const email = r.v.fields.email!;
    if (seen.has(email)) {
      runs.push([]);
      seen = new Set();
    }
    seen.add(email);
    runs[runs.length - 1]!.push(r);
  }
  return runs;
}

const EMPTY_FILE = 'The file is empty: it needs a header row naming the columns (e.g. email,firstName,lastName). Nothing was imported.';

/** A new import's id (in the data of every event it records). */
export const newImportId = (): string => `imp_${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;

/**
 * Import CSV from a stream (a file) or a string.
 *
 * Each batch is one transaction: its rows, their scores, the contact.created / contact.updated
 * events with the contact as of that commit (score included) and the segment membership they
 * move; every event carries the import's id (`importId`), so event triggers skip them unless
 * they opt in (`includeImported`). The last transaction also records the one contacts.imported
 * event of the import and computes which workflows it starts (`workflows`).
 */
export async function importCsv(core: Core, input: Readable | string, opts: ImportOptions = {}): Promise<ImportReport> {
  const t0 = performance.now();
  const store = storeOf(core);
  const importId = newImportId();
  const csv = openCsv(input);
  const report: ImportReport = {
    importId,
    rows: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    companiesCreated: 0,
    invalidCount: 0,
    invalid: [],
    mapping: {},
    durationMs: 0,
    workflows: { summary: '', start: [], notStarted: [] },
  };
  const invalid = (line: number, reason: string) => {
    report.invalidCount++;
    if (report.invalid.length < MAX_REPORTED) report.invalid.push({ line, reason });
  };
  const st: ParseState = { line: 1, rows: 0, header: null, mapping: {} };
  let batch: { line: number; v: ContactValues }[] = [];
  const stats = { companiesCreated: 0 };
  const freshPending = () => Object.assign(newPending(), { importId });
  let pending = freshPending();
  /** The batch's contacts that were created or changed (scored and compared with the segments before it commits). */
  let changedIds: number[] = [];
  /** What earlier batches committed: the import's progress when it must stop. */
  const committed = { rows: 0, created: 0, updated: 0, unchanged: 0, lastLine: 0 };
  const progress = (): string =>
    committed.rows === 0
      ? 'Nothing was imported.'
      : `${committed.rows} rows up to line ${committed.lastLine} were imported and committed (${committed.created} created, ${committed.updated} updated, ${committed.unchanged} unchanged); nothing after them was written.`;
  const again = 'Importing the file again finishes it: contacts already stored are matched by e-mail, never duplicated.';
  /** The store failed (not a row): stop the whole import, saying what is committed. */
  const stopped = (e: unknown, atLine: number): StoreUnavailableError => {
    const kind = storeFailureKind(e)!;
    return new StoreUnavailableError(kind, `The import stopped at line ${atLine}: ${describeStoreFailure(kind, e)}. ${progress()} ${again}`);
  };

  /** e-mail -> its live contact (null: none) as it was when the batch began; dropped once a row wrote it. */
  let known: Map<string, ContactRow | null> | null = null;
  const writeRow = (r: { line: number; v: ContactValues }, at: string) => {
    const email = r.v.fields.email!;
    const existing = known?.get(email);
    let v = r.v;
    // The import's source goes to new contacts only (an upsert would overwrite a stored one).
    if (opts.source && v.fields.source === undefined && (existing === undefined ? !store.byEmail(email) : existing === null)) v = { ...v, fields: { ...v.fields, source: opts.source } };
    const res = store.write(pending, v, { mode: 'upsert', reason: 'import', stats, at, ...(existing !== undefined ? { existing } : {}) });
    known?.delete(email);
    if (res.created) report.created++;
    else if (res.changed) report.updated++;
    else report.unchanged++;
    if (res.changed) changedIds.push(res.id);
  };
  /**
   * The end of a batch's transaction: search index, scores, contact events, segments; the last one records the import.
   * The contact.created events of the batch's new contacts are written once scored, before any promotion.
   */
  const finishBatch = (final: boolean, at: string, created: { id: number; stage: string }[] = []) => {
    syncSearchIndex(core.db);
    rescore(core, { ids: changedIds, pending, beforePromote: (promoting) => store.recordCreated(pending, created, at, 'import', promoting) });
    if (!final) return;
    report.companiesCreated = stats.companiesCreated;
    // `id`, not `importId`: this event is the import itself, not one of its rows (which event triggers skip unless they opt in).
    const summary = {
      id: importId,
      file: opts.file ?? null,
      source: opts.source ?? null,
      rows: report.rows,
      created: report.created,
      updated: report.updated,
      unchanged: report.unchanged,
      invalid: report.invalidCount,
    };
    store.stmt(`INSERT INTO events (at, type, subject_type, subject_id, data) VALUES (?, 'contacts.imported', 'import', ?, ?)`).run(at, importId, JSON.stringify(summary));
    report.workflows = importPlan(core, { created: report.created, updated: report.updated });
  };
  /** Another writer was seen (the lock was taken when a batch was ready): write shorter transactions from then on. */
  let contended = false;
  const flush = async (final = false) => {
    if (batch.length === 0 && !final) return;
    const rows = batch;
    batch = [];
    if (!contended && rows.length > CONTENDED_BATCH && !lockIsFree(core.db)) contended = true;
    // One transaction per part (the whole batch when alone, split where an e-mail comes again); the final flush's last part records the import.
    const runs = distinctEmailRuns(rows);
    for (let k = 0; k < runs.length; k++) {
      const run = runs[k]!;
      let i = 0;
      do {
        const size = contended ? CONTENDED_BATCH : run.length;
        const part = run.slice(i, i + size);
        i += size;
        const last = final && k === runs.length - 1 && i >= run.length;
        writeBatch(part, last);
        if (contended && !last) await pause(CONTENDED_PAUSE_MS);
      } while (i < run.length);
    }
  };
  const writeBatch = (rows: { line: number; v: ContactValues }[], final: boolean) => {
    const before = { ...report, s: stats.companiesCreated };
    const at = new Date().toISOString();
    const firstLine = rows[0]?.line ?? st.line;
    pending = freshPending();
    changedIds = [];
    try {
      // Immediate (as every transaction of the store): the lock is waited for before the batch reads.
      core.db.transaction(() => {
        // Dedupe set-based: the batch's existing contacts in one statement, not one lookup per row.
        const found = store.liveByEmails([...new Set(rows.map((r) => r.v.fields.email!))]);
        known = new Map(rows.map((r) => [r.v.fields.email!, found.get(r.v.fields.email!) ?? null]));
        // New e-mails (each once in the part: flush splits at a repeat) are created in bulk; the others go row by row.
        const fresh: ContactValues[] = [];
        for (const r of rows) {
          const email = r.v.fields.email!;
          if (known.get(email) !== null) {
            writeRow(r, at);
            continue;
          }
          known.delete(email);
          fresh.push(opts.source && r.v.fields.source === undefined ? { ...r.v, fields: { ...r.v.fields, source: opts.source } } : r.v);
        }
        const created = store.insertNew(pending, fresh, at, stats);
        report.created += created.length;
        for (const c of created) changedIds.push(c.id);
        finishBatch(final, at, created);
      })();
    } catch (batchError) {
      if (storeFailureKind(batchError)) throw stopped(batchError, firstLine);
      // Roll back the whole batch, then replay it row by row (each in a savepoint) to find the bad row(s).
      known = null;
      store.resetCompanyCache();
      Object.assign(report, { created: before.created, updated: before.updated, unchanged: before.unchanged });
      stats.companiesCreated = before.s;
      pending = freshPending();
      changedIds = [];
      try {
        core.db.transaction(() => {
          for (const r of rows) {
            const companies = stats.companiesCreated;
            try {
              core.db.transaction(() => writeRow(r, at))();
            } catch (e) {
              // The store failing is not the row's fault: give the whole replay up.
              if (storeFailureKind(e)) throw e;
              stats.companiesCreated = companies;
              store.resetCompanyCache();
              invalid(r.line, (e as Error).message);
            }
          }
          finishBatch(final, at);
        })();
      } catch (e) {
        if (storeFailureKind(e)) throw stopped(e, firstLine);
        throw e;
      }
    } finally {
      known = null;
    }
    committed.rows = report.created + report.updated + report.unchanged;
    Object.assign(committed, { created: report.created, updated: report.updated, unchanged: report.unchanged, lastLine: rows[rows.length - 1]?.line ?? committed.lastLine });
    pending = freshPending();
  };

  try {
    // A bigger page cache: each batch's random index inserts stay in memory until its commit.
    await withBigCacheAsync(core.db, () =>
      store.withCompanyCacheAsync(async () => {
        for await (const rows of validRows(csv.cells, opts.map, st, invalid)) {
          for (const r of rows) {
            batch.push(r);
            if (batch.length >= BATCH) await flush();
          }
        }
        report.rows = st.rows;
        report.mapping = st.mapping;
        if (!st.header) throw new ApiError('invalid_input', EMPTY_FILE, [{ path: 'csv', message: 'empty' }]);
        await flush(true);
      }),
    );
  } catch (e) {
    csv.destroy();
    if (e instanceof ApiError) throw e;
    if (storeFailureKind(e)) throw stopped(e, st.line);
    throw new ApiError('internal', `The import stopped near line ${st.line}: ${(e as Error).message}. ${progress()} ${again}`);
  }
  report.durationMs = Math.round(performance.now() - t0);
  // The engine dispatches the import's events now (a running host) or at its next heartbeat.
  core.eventsAppended();
  core.bus.emit('crm.contacts.imported', { created: report.created, updated: report.updated, invalidCount: report.invalidCount });
  core.log.info('contacts imported', { importId, rows: report.rows, created: report.created, updated: report.updated, invalid: report.invalidCount, ms: report.durationMs });
  return report;
}

/**
 * Check a CSV without writing anything: how many rows are valid, which e-mails are new, and
 * which enabled workflows importing it would start (the same plan the import answers with).
 */
export async function previewCsv(core: Core, input: Readable | string, opts: ImportOptions = {}): Promise<ImportPreview> {
  const store = storeOf(core);
  const csv = openCsv(input);
  const out: ImportPreview = { rows: 0, create: 0, update: 0, invalidCount: 0, invalid: [], mapping: {}, workflows: { summary: '', start: [], notStarted: [] } };
  const invalid = (line: number, reason: string) => {
    out.invalidCount++;
    if (out.invalid.length < MAX_REPORTED) out.invalid.push({ line, reason });
  };
  const st: ParseState = { line: 1, rows: 0, header: null, mapping: {} };
  const seen = new Set<string>();
  let emails: string[] = [];
  const lookUp = () => {
    // Read-only: the stored e-mails of this chunk in one statement.
    const found = store.liveByEmails(emails);
    for (const e of emails) {
      if (seen.has(e) || found.has(e)) out.update++;
      else out.create++;
      seen.add(e);
    }
    emails = [];
  };
  try {
    for await (const rows of validRows(csv.cells, opts.map, st, invalid)) {
      for (const r of rows) {
        emails.push(r.v.fields.email!);
        if (emails.length >= BATCH) lookUp();
      }
    }
    lookUp();
  } catch (e) {
    csv.destroy();
    throw e;
  }
  if (!st.header) throw new ApiError('invalid_input', EMPTY_FILE.replace('Nothing was imported.', 'Nothing to import.'), [{ path: 'csv', message: 'empty' }]);
  out.rows = st.rows;
  out.mapping = st.mapping;
  out.workflows = importPlan(core, { created: out.create, updated: out.update });
  return out;
}

export const EXPORT_COLUMNS = [
  'id', 'email', 'firstName', 'lastName', 'phone', 'title', 'companyName', 'companyDomain', 'stage', 'source',
  'utmSource', 'utmMedium', 'utmCampaign', 'utmTerm', 'utmContent', 'timeZone', 'consent', 'tags', 'custom', 'score',
  'lastActivityAt', 'createdAt', 'updatedAt',
] as const;

/** Stream every live contact as CSV (importable again) or a JSON array, 1,000 rows per page. */
export async function exportContacts(core: Core, out: Writable, format: 'csv' | 'json'): Promise<number> {
  const store = storeOf(core);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  let last = 0;
  let n = 0;
  if (format === 'csv') await write(papa().unparse([EXPORT_COLUMNS as unknown as string[]]) + '\r\n');
  else await write('[');
  for (;;) {
    const rows = store.stmt(`${CONTACT_SELECT} WHERE c.deleted_at IS NULL AND c.id > ? ORDER BY c.id LIMIT 1000`).all(last) as ContactRow[];
    if (rows.length === 0) break;
    last = rows[rows.length - 1]!.id;
    const contacts = rows.map(toContact);
    if (format === 'csv') {
      const data = contacts.map((c) =>
        EXPORT_COLUMNS.map((k) => {
          const val = c[k];
          if (k === 'tags') return (val as string[]).join(';');
          if (k === 'custom') return Object.keys(val as object).length ? JSON.stringify(val) : '';
          return val ?? '';
        }),
      );
      await write(papa().unparse(data, { header: false }) + '\r\n');
    } else {
      await write(contacts.map((c, i) => (n + i === 0 ? '\n' : ',\n') + JSON.stringify(c)).join(''));
    }
    n += rows.length;
  }
  if (format === 'json') await write(n ? '\n]\n' : ']\n');
  return n;
}
