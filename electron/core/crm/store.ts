/**
 * The CRM store: prepared statements over contacts, companies, tags and the
 * events table, and the one write path every entry (API, CSV import, forms,
 * event ingest, merge) goes through. Callers wrap writes in a transaction and
 * emit push events after it commits (see `Pending`).
 */
import type { Statement } from 'better-sqlite3';
import { ApiError, normaliseEmail, stageRank, type CONTACT_VIAS, type Contact, type Stage } from '../../../shared/api';
import type { Sqlite } from '../db/open';
import { threadService, type ThreadEnv } from '../env';
import { emailDomain, isActivity, isFreeMail, nowIso } from './util';
import { parseStored } from '../db/integrity';

/** Contact fields stored in their own column: API name -> column. */
export const FIELD_COLUMN = {
  email: 'email',
  firstName: 'first_name',
  lastName: 'last_name',
  phone: 'phone',
  title: 'title',
  stage: 'stage',
  source: 'source',
  utmSource: 'utm_source',
  utmMedium: 'utm_medium',
  utmCampaign: 'utm_campaign',
  utmTerm: 'utm_term',
  utmContent: 'utm_content',
  timeZone: 'time_zone',
  consent: 'consent',
} as const;
export type ColumnField = keyof typeof FIELD_COLUMN;
export const COLUMN_FIELDS = Object.keys(FIELD_COLUMN) as ColumnField[];

/** Normalised values for a write: undefined = leave alone, null = clear (patch mode only). */
export interface ContactValues {
  fields: Partial<Record<ColumnField, string | null>>;
  companyName?: string | null | undefined;
  companyDomain?: string | null | undefined;
  tags?: string[] | undefined;
  removeTags?: string[] | undefined;
  custom?: Record<string, unknown> | undefined;
}

export interface ContactRow {
  id: number;
  email: string;
  first_name: string | null;
  last_name: string | null;
  phone: string | null;
  title: string | null;
  company_id: number | null;
  stage: string;
  source: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_term: string | null;
  utm_content: string | null;
  time_zone: string | null;
  consent: string;
  consent_at: string | null;
  custom: string;
  score: number;
  scored_at: string | null;
  last_activity_at: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  merged_into: number | null;
  company_name?: string | null;
  company_domain?: string | null;
  tags_json?: string | null;
}

export const CONTACT_SELECT = `SELECT c.*, co.name AS company_name, co.domain AS company_domain,
  (SELECT json_group_array(tag) FROM contact_tags t WHERE t.contact_id = c.id) AS tags_json
  FROM contacts c LEFT JOIN companies co ON co.id = c.company_id`;

export function toContact(r: ContactRow): Contact {
  const tags = r.tags_json ? parseStored<string[]>(r.tags_json, 'contact_tags.tag', r.id).sort() : [];
  return {
    id: r.id,
    email: r.email,
    firstName: r.first_name,
    lastName: r.last_name,
    phone: r.phone,
    title: r.title,
    companyId: r.company_id,
    companyName: r.company_name ?? null,
    companyDomain: r.company_domain ?? null,
    stage: r.stage as Stage,
    source: r.source,
    utmSource: r.utm_source,
    utmMedium: r.utm_medium,
    utmCampaign: r.utm_campaign,
    utmTerm: r.utm_term,
    utmContent: r.utm_content,
    timeZone: r.time_zone,
    consent: r.consent as Contact['consent'],
    consentAt: r.consent_at,
    tags,
    custom: parseStored<Record<string, unknown>>(r.custom || '{}', 'contacts.custom', r.id),
    score: r.score,
    lastActivityAt: r.last_activity_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deletedAt: r.deleted_at,
    mergedInto: r.merged_into,
  };
}

/**
 * What a CRM write did, gathered while its transaction runs: what to finish before it commits
 * (`settle` in segments.ts: the contact in the data of contact.created/updated, segment
 * membership) and what to tell the world once it has committed (`afterCommit`).
 */
export interface Pending {
  changed: { contactId: number; change: 'created' | 'updated' | 'deleted' | 'restored' | 'merged' }[];
  events: { id: number; type: string; contactId: number; at: string; data: unknown }[];
  /** Contacts whose score may have changed. */
  rescore: Set<number>;
  /** Pushes that must wait for the commit (a score crossing found inside the caller's transaction). */
  after: (() => void)[];
  /**
   * Contacts whose segment membership may have changed, with what changed (keys of
   * `filterDeps`: `field:score`, `tag:vip`, `event:email.clicked` …; '*' = anything: created, merged).
   */
  touched: Map<number, Set<string> | '*'>;
  /** What changed for many contacts at once (a re-score of everyone): the segments reading it are compared whole. */
  reconcile: Set<string>;
  /** contact.created / contact.updated events of this transaction: `settle` puts the contact as of commit in their data. */
  snapshots: number[];
  /** Set by a CSV import: every event recorded through this pending carries it (`data.importId`). */
  importId?: string;
}
export const newPending = (): Pending => ({ changed: [], events: [], rescore: new Set(), after: [], touched: new Map(), reconcile: new Set(), snapshots: [] });

/** Note that `key` (a `filterDeps` key, or '*') of a contact changed in this transaction. */
export function touch(p: Pending, contactId: number, key: string): void {
  const cur = p.touched.get(contactId);
  if (cur === '*') return;
  if (key === '*') p.touched.set(contactId, '*');
  else if (cur) cur.add(key);
  else p.touched.set(contactId, new Set([key]));
}

export type Via = (typeof CONTACT_VIAS)[number];

/** The `via` of contact.created / contact.updated from a write's reason ('manual', 'form:<slug>', 'import', 'api', 'workflow:<id>' …). */
export function viaOf(reason: string): Via {
  if (reason === 'import' || reason === 'workflow' || reason === 'demo') return reason;
  if (reason.startsWith('workflow:')) return 'workflow';
  if (reason === 'manual' || reason === 'api') return reason === 'manual' ? 'api' : 'ingest';
  if (reason.startsWith('form:')) return 'form';
  return 'ingest';
}

/**
 * SQL: the contact of row `c` (LEFT JOIN companies `co`) as event data gives it (EventContact in
 * shared/contract/crm.ts), built by SQLite in the statement that records or completes the event.
 */
export const EVENT_CONTACT_SQL = `json_object(
  'id', c.id, 'email', c.email, 'firstName', c.first_name, 'lastName', c.last_name,
  'name', NULLIF(TRIM(COALESCE(c.first_name, '') || ' ' || COALESCE(c.last_name, '')), ''),
  'phone', c.phone, 'title', c.title,
  'company', CASE WHEN co.id IS NULL THEN NULL ELSE json_object('id', co.id, 'name', co.name, 'domain', co.domain) END,
  'stage', c.stage, 'score', c.score,
  'tags', (SELECT json_group_array(tag) FROM (SELECT tag FROM contact_tags WHERE contact_id = c.id ORDER BY tag)),
  'source', c.source,
  'utm', json_object('source', c.utm_source, 'medium', c.utm_medium, 'campaign', c.utm_campaign, 'term', c.utm_term, 'content', c.utm_content),
  'timeZone', c.time_zone, 'consent', c.consent, 'custom', json(COALESCE(c.custom, '{}')))`;

const INSERT_COLUMNS =
  'email, first_name, last_name, phone, title, company_id, stage, source, utm_source, utm_medium, utm_campaign, utm_term, utm_content, time_zone, consent, consent_at, custom, created_at, updated_at';
const INSERT_ROW = `(${Array.from({ length: 19 }, () => '?').join(', ')})`;

export interface WriteResult {
  id: number;
  created: boolean;
  changed: boolean;
}

/** Prepared statements, one set per connection. */
export class CrmStore {
  private cache = new Map<string, Statement>();
  private companyCache: Map<string, number> | null = null;

  constructor(readonly db: Sqlite) {}

  stmt(sql: string): Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  /**
   * Change the kept contact counts (crm_counts, migration 0022) by what the caller's write did:
   * `live` contacts (deleted_at IS NULL) and the trash (deleted, not merged away). Every write
   * that adds, removes, soft-deletes, restores or merges a contact calls it in its transaction.
   */
  countContacts(live: number, deleted = 0): void {
    if (live) this.stmt(`UPDATE crm_counts SET n = n + ? WHERE key = 'contacts.live'`).run(live);
    if (deleted) this.stmt(`UPDATE crm_counts SET n = n + ? WHERE key = 'contacts.deleted'`).run(deleted);
  }

  /** Keep company lookups in memory for the duration of a bulk job (import, seed). */
  withCompanyCache<T>(fn: () => T): T {
    this.companyCache = new Map();
    try {
      return fn();
    } finally {
      this.companyCache = null;
    }
  }

  async withCompanyCacheAsync<T>(fn: () => Promise<T>): Promise<T> {
    this.companyCache = new Map();
    try {
      return await fn();
    } finally {
      this.companyCache = null;
    }
  }

  /** After a rollback: cached ids may name companies that no longer exist. */
  resetCompanyCache(): void {
    if (this.companyCache) this.companyCache = new Map();
  }

  row(id: number): ContactRow | undefined {
    return this.stmt(`${CONTACT_SELECT} WHERE c.id = ?`).get(id) as ContactRow | undefined;
  }

  liveRow(id: number, field = 'id'): ContactRow {
    const r = this.row(id);
    if (!r || r.deleted_at) throw new ApiError('not_found', `${field}: no contact with id ${id}${r?.merged_into ? ` (it was merged into ${r.merged_into})` : r ? ' (it is deleted)' : ''}.`, [{ path: field, message: 'no such contact' }]);
    return r;
  }

  contact(id: number): Contact {
    const r = this.row(id);
    if (!r) throw new ApiError('not_found', `id: no contact with id ${id}.`, [{ path: 'id', message: 'no such contact' }]);
    return toContact(r);
  }

  /** The live contacts with these (normalised) e-mails, in one statement (bulk imports). */
  liveByEmails(emails: string[]): Map<string, ContactRow> {
    const rows = this.stmt(`SELECT * FROM contacts WHERE deleted_at IS NULL AND email IN (SELECT value FROM json_each(?))`).all(JSON.stringify(emails)) as ContactRow[];
    return new Map(rows.map((r) => [r.email, r]));
  }

  byEmail(email: string): ContactRow | undefined {
    return this.stmt(`SELECT * FROM contacts WHERE email = ? AND deleted_at IS NULL`).get(normaliseEmail(email)) as ContactRow | undefined;
  }

  /** The company for a name and/or domain: found by domain (or name when no domain is known), else created. */
  resolveCompany(name: string | null | undefined, domain: string | null | undefined, email: string): { id: number | null; created: boolean } {
    let d = domain ?? null;
    const n = name?.trim() || null;
    if (!d && n) {
      const ed = emailDomain(email);
      if (!isFreeMail(ed)) d = ed;
    }
    if (!d && !n) return { id: null, created: false };
    const key = d ? `d:${d}` : `n:${n!.toLowerCase()}`;
    const cached = this.companyCache?.get(key);
    if (cached !== undefined) return { id: cached, created: false };
    const found = (
      d
        ? this.stmt(`SELECT id, name FROM companies WHERE domain = ?`).get(d)
        : this.stmt(`SELECT id, name FROM companies WHERE domain IS NULL AND lower(name) = lower(?) LIMIT 1`).get(n)
    ) as { id: number; name: string | null } | undefined;
    let id: number;
    let created = false;
    if (found) {
      id = found.id;
      if (!found.name && n) this.stmt(`UPDATE companies SET name = ?, updated_at = ? WHERE id = ?`).run(n, nowIso(), id);
    } else {
      id = Number(this.stmt(`INSERT INTO companies (name, domain) VALUES (?, ?)`).run(n, d).lastInsertRowid);
      created = true;
    }
    this.companyCache?.set(key, id);
    return { id, created };
  }

  recordEvent(p: Pending, type: string, contactId: number, at: string, data: unknown): number {
    if (p.importId && data !== null && typeof data === 'object' && !Array.isArray(data)) data = { ...data, importId: p.importId };
    const id = Number(
      this.stmt(`INSERT INTO events (at, type, subject_type, subject_id, data) VALUES (?, ?, 'contact', ?, ?)`).run(
        at,
        type,
        String(contactId),
        data === undefined || data === null ? null : JSON.stringify(data),
      ).lastInsertRowid,
    );
    if (isActivity(type, data)) {
      this.stmt(`UPDATE contacts SET last_activity_at = ? WHERE id = ? AND (last_activity_at IS NULL OR last_activity_at < ?)`).run(at, contactId, at);
    }
    p.events.push({ id, type, contactId, at, data });
    p.rescore.add(contactId);
    // Segment membership: the event's type; activity moves last_activity_at; a merge moves everything.
    touch(p, contactId, `event:${type}`);
    if (isActivity(type, data)) touch(p, contactId, 'field:lastActivityAt');
    if (type === 'contact.merged') {
      touch(p, contactId, '*');
      const source = (data as { sourceId?: unknown } | null)?.sourceId;
      if (typeof source === 'number') touch(p, source, '*');
    }
    return id;
  }

  /** Add tags; returns those the contact did not have. */
  addTags(id: number, tags: string[]): string[] {
    const added: string[] = [];
    for (const t of tags) if (this.stmt(`INSERT OR IGNORE INTO contact_tags (contact_id, tag) VALUES (?, ?)`).run(id, t).changes) added.push(t);
    return added;
  }

  /** Remove tags; returns those the contact had. */
  removeTags(id: number, tags: string[]): string[] {
    const removed: string[] = [];
    for (const t of tags) if (this.stmt(`DELETE FROM contact_tags WHERE contact_id = ? AND tag = ?`).run(id, t).changes) removed.push(t);
    return removed;
  }

  private company(id: number | null): { id: number; name: string | null; domain: string | null } | null {
    if (id === null) return null;
    return (this.stmt(`SELECT id, name, domain FROM companies WHERE id = ?`).get(id) as { id: number; name: string | null; domain: string | null } | undefined) ?? null;
  }

  /**
   * The one write path. mode 'create' fails on a live duplicate e-mail;
   * 'upsert' creates or fills/overwrites with the given (non-empty) values;
   * 'patch' changes an existing contact (null clears a field).
   */
  write(
    p: Pending,
    v: ContactValues,
    opts: {
      mode: 'create' | 'upsert' | 'patch';
      id?: number;
      reason: string;
      at?: string;
      stats?: { companiesCreated: number };
      /** create/upsert: the live contact with this e-mail when the caller already looked it up (null: none). */
      existing?: ContactRow | null;
      /** contact.created/updated `via` (default: from the reason). */
      via?: Via;
    },
  ): WriteResult {
    const at = opts.at ?? nowIso();
    const via = opts.via ?? viaOf(opts.reason);
    // The data of contact.created/updated: how, and the form; `settle` adds the contact as of commit.
    const how: Record<string, unknown> = {
      via,
      ...(opts.reason.startsWith('form:') ? { form: opts.reason.slice(5) } : {}),
      ...(opts.reason.startsWith('workflow:') ? { workflowId: opts.reason.slice(9) } : {}),
    };
    let existing: ContactRow | undefined;
    if (opts.mode === 'patch') existing = this.liveRow(opts.id!);
    else {
      const email = v.fields.email;
      if (!email) throw new ApiError('invalid_input', 'email: required', [{ path: 'email', message: 'required' }]);
      existing = opts.existing !== undefined ? (opts.existing ?? undefined) : this.byEmail(email);
      if (existing && opts.mode === 'create')
        throw new ApiError('conflict', `email: ${email} already belongs to contact ${existing.id}; update that contact or merge the two.`, [
          { path: 'email', message: 'already used by a live contact' },
        ]);
    }

    if (!existing) {
      const f = v.fields;
      const email = f.email!;
      const company = this.resolveCompany(v.companyName, v.companyDomain, email);
      if (company.created && opts.stats) opts.stats.companiesCreated++;
      const stage = (f.stage ?? 'lead') as Stage;
      const consent = f.consent ?? 'unknown';
      const id = Number(
        this.stmt(
          `INSERT INTO contacts (email, first_name, last_name, phone, title, company_id, stage, source, utm_source, utm_medium, utm_campaign, utm_term, utm_content, time_zone, consent, consent_at, custom, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          email,
          f.firstName ?? null,
          f.lastName ?? null,
          f.phone ?? null,
          f.title ?? null,
          company.id,
          stage,
          f.source ?? null,
          f.utmSource ?? null,
          f.utmMedium ?? null,
          f.utmCampaign ?? null,
          f.utmTerm ?? null,
          f.utmContent ?? null,
          f.timeZone ?? null,
          consent,
          consent === 'unknown' ? null : at,
          JSON.stringify(v.custom ?? {}),
          at,
          at,
        ).lastInsertRowid,
      );
      this.countContacts(1);
      if (v.tags?.length) this.addTags(id, v.tags);
      // `stage` becomes the stage as of commit (scoring may promote it in the same write); initialStage stays.
      p.snapshots.push(this.recordEvent(p, 'contact.created', id, at, { ...how, initialStage: stage }));
      touch(p, id, '*');
      p.changed.push({ contactId: id, change: 'created' });
      return { id, created: true, changed: true };
    }

    // Update: only what differs. `changes` (field -> { from, to }) goes into contact.updated.
    const id = existing.id;
    const sets: string[] = [];
    const params: unknown[] = [];
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const field of COLUMN_FIELDS) {
      const val = v.fields[field];
      if (val === undefined) continue;
      if (val === null && opts.mode !== 'patch') continue;
      if (field === 'email' && opts.mode !== 'patch') continue;
      const col = FIELD_COLUMN[field];
      const cur = (existing as unknown as Record<string, unknown>)[col];
      if (field === 'stage' && val === null) continue;
      const to = val ?? (field === 'consent' ? 'unknown' : null);
      if (cur === to) continue;
      if (field === 'consent') {
        sets.push('consent_at = ?');
        params.push(to === 'unknown' ? null : at);
      }
      if (field === 'email') {
        const other = this.byEmail(val!);
        if (other && other.id !== id)
          throw new ApiError('conflict', `email: ${val} already belongs to contact ${other.id}; merge the two contacts instead.`, [{ path: 'email', message: 'already used by a live contact' }]);
      }
      sets.push(`${col} = ?`);
      params.push(to);
      changes[field] = { from: cur ?? null, to };
    }
    if (v.companyName !== undefined || v.companyDomain !== undefined) {
      const clear = opts.mode === 'patch' && (v.companyName === null || v.companyDomain === null) && !v.companyName && !v.companyDomain;
      const company = clear ? { id: null, created: false } : this.resolveCompany(v.companyName, v.companyDomain, v.fields.email ?? existing.email);
      if (company.created && opts.stats) opts.stats.companiesCreated++;
      if ((company.id !== null || clear) && company.id !== existing.company_id) {
        sets.push('company_id = ?');
        params.push(company.id);
        changes.company = { from: this.company(existing.company_id), to: this.company(company.id) };
      }
    }
    if (v.custom && Object.keys(v.custom).length > 0) {
      const cur = parseStored<Record<string, unknown>>(existing.custom || '{}', 'contacts.custom', existing.id);
      const next = { ...cur };
      for (const [k, val] of Object.entries(v.custom)) {
        if (val === null && opts.mode === 'patch') delete next[k];
        else if (val !== null && val !== '') next[k] = val;
      }
      if (JSON.stringify(next) !== JSON.stringify(cur)) {
        sets.push('custom = ?');
        params.push(JSON.stringify(next));
        for (const k of new Set([...Object.keys(cur), ...Object.keys(next)]))
          if (JSON.stringify(cur[k]) !== JSON.stringify(next[k])) changes[`custom.${k}`] = { from: cur[k] ?? null, to: next[k] ?? null };
      }
    }
    const tagsOf = () => (this.stmt(`SELECT tag FROM contact_tags WHERE contact_id = ? ORDER BY tag`).all(id) as { tag: string }[]).map((r) => r.tag);
    const tagsBefore = v.tags?.length || v.removeTags?.length ? tagsOf() : [];
    const added = v.tags?.length ? this.addTags(id, v.tags) : [];
    const removed = v.removeTags?.length ? this.removeTags(id, v.removeTags) : [];
    if (sets.length === 0 && added.length === 0 && removed.length === 0) return { id, created: false, changed: false };
    if (added.length || removed.length) {
      const tagsAfter = tagsOf();
      if (tagsAfter.join('\n') !== tagsBefore.join('\n')) changes.tags = { from: tagsBefore, to: tagsAfter };
      for (const t of new Set([...added, ...removed])) touch(p, id, `tag:${t}`);
    }
    sets.push('updated_at = ?');
    params.push(at);
    this.stmt(`UPDATE contacts SET ${sets.join(', ')} WHERE id = ?`).run(...params, id);
    for (const k of Object.keys(changes)) {
      if (k === 'company') {
        touch(p, id, 'field:companyName');
        touch(p, id, 'field:companyDomain');
      } else if (k !== 'tags') touch(p, id, `field:${k}`);
    }
    if (Object.keys(changes).length) p.snapshots.push(this.recordEvent(p, 'contact.updated', id, at, { ...how, changes }));
    const newStage = v.fields.stage;
    if (newStage && newStage !== existing.stage) {
      this.recordEvent(p, 'lifecycle.changed', id, at, { from: existing.stage, to: newStage, reason: opts.reason });
    }
    p.changed.push({ contactId: id, change: 'updated' });
    p.rescore.add(id);
    return { id, created: false, changed: true };
  }

  /**
   * Bulk create (a CSV import's new rows): what `write` does for a contact that does not exist yet,
   * for many rows at once — companies resolved, the rows inserted (one prepared statement),
   * the live count changed once, tags added — except the contact.created events, which the caller
   * records afterwards with `recordCreated` (once the batch is scored, so each event is written once
   * with the contact as of commit instead of written and then rewritten by `settle`).
   * Every e-mail must be new: not a live contact, and not twice in `rows`.
   */
  insertNew(p: Pending, rows: ContactValues[], at: string, stats?: { companiesCreated: number }): { id: number; stage: string }[] {
    const out: { id: number; stage: string }[] = [];
    const insert = this.stmt(`INSERT INTO contacts (${INSERT_COLUMNS}) VALUES ${INSERT_ROW}`);
    for (const v of rows) {
      const f = v.fields;
      const company = this.resolveCompany(v.companyName, v.companyDomain, f.email!);
      if (company.created && stats) stats.companiesCreated++;
      const stage = f.stage ?? 'lead';
      const consent = f.consent ?? 'unknown';
      const id = Number(
        insert.run(
          f.email!, f.firstName ?? null, f.lastName ?? null, f.phone ?? null, f.title ?? null, company.id, stage, f.source ?? null,
          f.utmSource ?? null, f.utmMedium ?? null, f.utmCampaign ?? null, f.utmTerm ?? null, f.utmContent ?? null, f.timeZone ?? null,
          consent, consent === 'unknown' ? null : at, JSON.stringify(v.custom ?? {}), at, at,
        ).lastInsertRowid,
      );
      if (v.tags?.length) this.addTags(id, v.tags);
      touch(p, id, '*');
      p.changed.push({ contactId: id, change: 'created' });
      out.push({ id, stage });
    }
    this.countContacts(out.length);
    return out;
  }

  /**
   * The contact.created events of contacts made by `insertNew`, in one statement, in id order, each with
   * the contact as of now (`settle`'s form: the contact, then `via`, `initialStage`, `importId`). The
   * contacts in `unsettled` (scoring is about to promote them) get the short form and go to `settle`.
   */
  recordCreated(p: Pending, created: { id: number; stage: string }[], at: string, via: Via, unsettled: ReadonlySet<number>): void {
    if (created.length === 0) return;
    const pairs = `'via', ?, 'initialStage', c.stage${p.importId ? `, 'importId', ?` : ''}`;
    // The contact's object with these keys after its own: the text json_patch(contact, {via, …}) gives, without parsing both again.
    const snapshot = `${EVENT_CONTACT_SQL.slice(0, EVENT_CONTACT_SQL.lastIndexOf(')'))}, ${pairs})`;
    const rows = this.stmt(
      `INSERT INTO events (at, type, subject_type, subject_id, data)
       SELECT ?, 'contact.created', 'contact', CAST(c.id AS TEXT), CASE WHEN u.value IS NULL THEN ${snapshot} ELSE json_object(${pairs}) END
       FROM contacts c LEFT JOIN companies co ON co.id = c.company_id LEFT JOIN json_each(?) u ON u.value = c.id
       WHERE c.id IN (SELECT value FROM json_each(?)) ORDER BY c.id
       RETURNING id, subject_id`,
    )
      .raw()
      .all(at, via, ...(p.importId ? [p.importId] : []), via, ...(p.importId ? [p.importId] : []), JSON.stringify([...unsettled]), JSON.stringify(created.map((c) => c.id))) as [number, string][];
    const stageOf = new Map(created.map((c) => [c.id, c.stage]));
    for (const [id, sid] of rows) {
      const contactId = Number(sid);
      const initialStage = stageOf.get(contactId)!;
      p.events.push({ id, type: 'contact.created', contactId, at, data: { via, initialStage, ...(p.importId ? { importId: p.importId } : {}) } });
      p.rescore.add(contactId);
      if (unsettled.has(contactId)) p.snapshots.push(id);
    }
  }

  /** Move a contact to a later stage (scoring); records lifecycle.changed. */
  promote(p: Pending, id: number, from: Stage, to: Stage, reason: string, at: string, extra: Record<string, unknown> = {}): void {
    if (stageRank(to) <= stageRank(from)) return;
    touch(p, id, 'field:stage');
    this.stmt(`UPDATE contacts SET stage = ?, updated_at = ? WHERE id = ?`).run(to, at, id);
    if (reason === 'score') this.recordEvent(p, 'score.crossed', id, at, { threshold: to, score: extra.score, minScore: extra.threshold, from, to });
    this.recordEvent(p, 'lifecycle.changed', id, at, { from, to, reason, ...extra });
  }
}

/** SQL: the highest contact id the search index has seen (crm_state 'search.indexed', migration 0011). */
export const SEARCH_INDEXED_SQL = `(SELECT COALESCE(CAST(value AS INTEGER), 0) FROM crm_state WHERE key = 'search.indexed')`;

/**
 * Bring the trigram search index up to date in bulk (migration 0011): index the contacts created
 * since it last ran (id above 'search.indexed') and re-index the ones the triggers queued (e-mail
 * or name changed, deleted), one statement each. Searches read the queue and the new contacts too,
 * so this is about speed, never correctness. Joins the caller's transaction when there is one.
 * Returns how many contacts were (re-)indexed.
 */
export function syncSearchIndex(db: Sqlite): number {
  return db.transaction(() => {
    const w = (db.prepare(`SELECT ${SEARCH_INDEXED_SQL} AS w`).get() as { w: number | null }).w ?? 0;
    const top = (db.prepare(`SELECT COALESCE(MAX(id), 0) AS m FROM contacts`).get() as { m: number }).m;
    if (top <= w && !db.prepare(`SELECT 1 FROM contacts_search_pending LIMIT 1`).get()) return 0; // up to date
    // Contacts above the mark were never indexed; queued ones at or below it were: drop their old entry.
    db.prepare(`DELETE FROM contacts_search WHERE rowid IN (SELECT id FROM contacts_search_pending WHERE id <= ?)`).run(w);
    const name = `COALESCE(c.first_name, '') || ' ' || COALESCE(c.last_name, '')`;
    const n = db
      .prepare(
        `INSERT INTO contacts_search (rowid, email, name)
         SELECT c.id, c.email, ${name} FROM contacts c WHERE c.id > ?
         UNION ALL SELECT c.id, c.email, ${name} FROM contacts_search_pending p JOIN contacts c ON c.id = p.id WHERE p.id <= ?`,
      )
      .run(w, w).changes;
    db.prepare(`DELETE FROM contacts_search_pending`).run();
    if (top > w)
      db.prepare(`INSERT INTO crm_state (key, value) VALUES ('search.indexed', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')`).run(
        String(top),
      );
    return n;
  })();
}

/** The CRM store of a thread (its prepared statements live as long as the thread's connection). */
export const CRM_STORE = threadService('crm.store', (env) => new CrmStore(env.db));

export function storeOf(env: Pick<ThreadEnv, 'get'>): CrmStore {
  return env.get(CRM_STORE);
}

/** API input (parsed ContactFields, full or partial) -> values for `write`. */
export function valuesOf(input: Partial<Record<string, unknown>>): ContactValues {
  const fields: ContactValues['fields'] = {};
  for (const f of COLUMN_FIELDS) if (input[f] !== undefined) fields[f] = input[f] as string | null;
  return {
    fields,
    companyName: input.companyName as string | null | undefined,
    companyDomain: input.companyDomain as string | null | undefined,
    tags: input.tags as string[] | undefined,
    custom: input.custom as Record<string, unknown> | undefined,
  };
}
