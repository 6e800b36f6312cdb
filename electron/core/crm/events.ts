/**
 * Activity events on contacts (append-only rows of the `events` table), lead
 * capture forms, and the public routes POST /forms/<slug> and POST /events.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ApiError, EventIngest, FormDef, describeIssues, issuesOf, parseOrThrow, type FormDef as FormDefT } from '../../../shared/api';
import { jsonTooDeep, shortPath, tooDeepMessage } from '../../../shared/contract/limits';
import { durationMs } from '../../../shared/contract/workflow';
import type { Core, PublicRequest, PublicResponse } from '../core';
import { storeUnavailable } from '../db/errors';
import { ENGINE, engineOf, RUN_ANSWERS, responseToPublic } from '../engine';
import { rowValues } from './csv';
import { afterCommit } from './publish';
import { rescore } from './scoring';
import { newPending, storeOf, type ContactValues, type Pending } from './store';
import { isoAt, nowIso } from './util';
import { parseStored } from '../db/integrity';

export const INGEST_KEY_SECRET = 'CRM_INGEST_KEY';

type Ingest = z.output<typeof EventIngest>;

/** Record events (all or nothing); an unknown e-mail creates the contact. */
export function ingestEvents(core: Core, items: Ingest[], opts: { reason?: string } = {}): { ids: number[]; contactIds: number[] } {
  const store = storeOf(core);
  const p = newPending();
  const ids: number[] = [];
  const contactIds: number[] = [];
  core.db.transaction(() => {
    items.forEach((e, i) => {
      let cid: number;
      if (e.contactId !== undefined) cid = store.liveRow(e.contactId, `events.${i}.contactId`).id;
      else {
        const found = store.byEmail(e.email!);
        cid = found ? found.id : store.write(p, { fields: { email: e.email!, source: opts.reason ?? 'event' } }, { mode: 'upsert', reason: opts.reason ?? 'event' }).id;
      }
      ids.push(store.recordEvent(p, e.type, cid, isoAt(e.at, `events.${i}.at`), e.data ?? null));
      contactIds.push(cid);
    });
    // The scores commit with the events: a busy store fails the whole call, never half of it.
    rescore(core, { ids: [...p.rescore], pending: p });
  })();
  afterCommit(core, p);
  return { ids, contactIds };
}

/* ---------- forms ---------- */

const FORM_TARGETS = ['email', 'firstName', 'lastName', 'fullName', 'phone', 'title', 'companyName', 'companyDomain', 'timeZone', 'consent', 'tags'];

export function saveForm(core: Core, input: FormDefT): FormDefT {
  const def = parseOrThrow(FormDef, input, 'form');
  const issues = Object.entries(def.fields)
    .filter(([, t]) => !FORM_TARGETS.includes(t) && !/^custom\.[A-Za-z0-9_]{1,64}$/.test(t))
    .map(([k, t]) => ({ path: `fields.${k}`, message: `"${t}" is not a contact field (use one of ${FORM_TARGETS.join(', ')} or custom.<name>)` }));
  if (issues.length) throw new ApiError('invalid_input', `Invalid form: ${describeIssues(issues)}`, issues);
  storeOf(core)
    .stmt(
      `INSERT INTO forms (slug, name, fields, tags, source, redirect, respond, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(slug) DO UPDATE SET name = excluded.name, fields = excluded.fields, tags = excluded.tags, source = excluded.source,
         redirect = excluded.redirect, respond = excluded.respond, updated_at = excluded.updated_at`,
    )
    .run(def.slug, def.name, JSON.stringify(def.fields), JSON.stringify(def.tags), def.source ?? null, def.redirect ?? null, def.respond ? JSON.stringify(def.respond) : null, nowIso());
  return def;
}

/**
 * forms.save: respond.workflow must name a workflow that starts on form.submitted (checked when the
 * engine is composed; at a submission a missing or changed workflow only means the usual answer).
 */
export async function saveFormChecked(core: Core, input: FormDefT): Promise<FormDefT> {
  const def = parseOrThrow(FormDef, input, 'form');
  const wf = def.respond?.workflow;
  if (wf && core.implements('workflows.get')) {
    const path = 'respond.workflow';
    let trigger: { type: string; event?: string } | null = null;
    try {
      trigger = (await core.call('workflows.get', { id: wf })).workflow.trigger;
    } catch (e) {
      if (!(e instanceof ApiError) || e.code !== 'not_found') throw e;
    }
    if (!trigger) throw new ApiError('invalid_input', `Invalid form: ${path}: there is no workflow "${wf}" (import it first; its trigger must be the event form.submitted).`, [{ path, message: `no workflow "${wf}"` }]);
    if (trigger.type !== 'event' || trigger.event !== 'form.submitted') {
      const message = `workflow "${wf}" starts on ${trigger.type === 'event' ? `the event ${trigger.event}` : `a ${trigger.type} trigger`}; a form waits only for a workflow whose trigger is the event form.submitted`;
      throw new ApiError('invalid_input', `Invalid form: ${path}: ${message}.`, [{ path, message }]);
    }
  }
  return saveForm(core, def);
}

interface FormRow {
  slug: string;
  name: string;
  fields: string;
  tags: string;
  source: string | null;
  redirect: string | null;
  respond: string | null;
}
const formOf = (r: FormRow): FormDefT => ({
  slug: r.slug,
  name: r.name,
  fields: parseStored(r.fields, 'forms.fields', r.slug),
  tags: parseStored(r.tags, 'forms.tags', r.slug),
  source: r.source,
  ...(r.redirect !== null ? { redirect: r.redirect } : {}),
  ...(r.respond !== null ? { respond: parseStored(r.respond, 'forms.respond', r.slug) as FormDefT['respond'] } : {}),
});

export function listForms(core: Core): FormDefT[] {
  return (storeOf(core).stmt(`SELECT * FROM forms ORDER BY slug`).all() as FormRow[]).map(formOf);
}

export function getForm(core: Core, slug: string): FormDefT | null {
  const r = storeOf(core).stmt(`SELECT * FROM forms WHERE slug = ?`).get(slug) as FormRow | undefined;
  return r ? formOf(r) : null;
}

interface Submission {
  slug: string;
  form: FormDefT;
  v: ContactValues;
  submitted: Record<string, string>;
}

/** A submission checked against its form (the field mapping, the contact fields' rules); nothing is written. */
function checkSubmission(form: FormDefT, slug: string, body: Record<string, unknown>): Submission {
  const names = Object.keys(form.fields);
  const cells = names.map((k) => (body[k] === undefined || body[k] === null ? '' : String(body[k])));
  const v = rowValues(cells, names.map((k, index) => ({ index, target: form.fields[k]! })));
  if (typeof v === 'string') {
    const target = v.slice(0, v.indexOf(':'));
    const field = names.find((k) => form.fields[k] === target) ?? target;
    throw new ApiError('invalid_input', `${field}: ${v.slice(v.indexOf(':') + 1).trim()}. Nothing was stored.`, [{ path: field, message: v }]);
  }
  v.tags = [...new Set([...(v.tags ?? []), ...form.tags])];
  const submitted: Record<string, string> = {};
  for (const [k, val] of Object.entries(body)) if (val !== null && val !== undefined) submitted[k] = String(val).slice(0, 2000);
  return { slug, form, v, submitted };
}

/** The writes of one submission, inside the caller's transaction. */
function writeSubmission(core: Core, p: Pending, s: Submission): { contactId: number; created: boolean; eventId: number } {
  const store = storeOf(core);
  const v: ContactValues = { ...s.v, fields: { ...s.v.fields } };
  const existing = store.byEmail(v.fields.email!);
  if (!existing) v.fields.source = s.form.source ?? `form:${s.slug}`;
  const w = store.write(p, v, { mode: 'upsert', reason: `form:${s.slug}`, existing: existing ?? null });
  const eventId = store.recordEvent(p, 'form.submitted', w.id, nowIso(), { form: s.slug, email: v.fields.email, fields: s.submitted });
  rescore(core, { ids: [...p.rescore], pending: p });
  return { contactId: w.id, created: w.created, eventId };
}

function afterSubmission(core: Core, p: Pending, s: Submission, r: { contactId: number; created: boolean }): void {
  afterCommit(core, p);
  core.bus.emit('crm.form.submitted', { form: s.slug, contactId: r.contactId, created: r.created });
}

/** A form submission: create or update the contact, tag it, record form.submitted (eventId: that row). */
export function submitForm(core: Core, slug: string, body: Record<string, unknown>): { contactId: number; created: boolean; eventId: number } {
  const form = getForm(core, slug);
  if (!form) throw new ApiError('not_found', `There is no form "${slug}".`);
  const s = checkSubmission(form, slug, body);
  const p = newPending();
  const r = core.db.transaction(() => writeSubmission(core, p, s))();
  afterSubmission(core, p, s, r);
  return r;
}

/**
 * A form post joins the engine's group commit (engine.ts, "Group commit"): the posts (and webhook
 * starts) of one turn of the event loop are written in ONE transaction, each in its own savepoint,
 * and the wait for a worker's write lock does not block the event loop. The promise settles only
 * after that commit, so a visitor answered "thank you" has the submission stored, as with
 * submitForm; their form.submitted events are then dispatched together. Without an engine (a
 * host that has none): submitForm's own transaction.
 */
async function submitGrouped(core: Core, s: Submission): Promise<{ contactId: number; created: boolean; eventId: number }> {
  if (!core.has(ENGINE)) {
    const p = newPending();
    const r = core.db.transaction(() => writeSubmission(core, p, s))();
    afterSubmission(core, p, s, r);
    return r;
  }
  const p = newPending();
  const r = await engineOf(core).writeGrouped(() => writeSubmission(core, p, s));
  afterSubmission(core, p, s, r);
  return r;
}

const MAX_BODY = 64 * 1024;

function errorResponse(core: Core, e: unknown): PublicResponse {
  // A damaged store: 503 corrupt_database naming the backup (logged, escalated); a busy or full
  // store: 503 saying so (the sender may retry). Neither is an internal error.
  const damaged = core.damage(e);
  if (damaged) return { status: damaged.status, json: { error: damaged.toBody() } };
  const unavailable = storeUnavailable(e, 'Nothing was stored.');
  if (unavailable) return { status: unavailable.status, json: { error: unavailable.toBody() } };
  if (e instanceof ApiError) return { status: e.status, json: { error: e.toBody() } };
  return { status: 500, json: { error: { code: 'internal', message: 'Internal error.' } } };
}

function parseBody(req: PublicRequest): Record<string, unknown> {
  if (req.body.length > MAX_BODY) throw new ApiError('invalid_input', `The body is larger than ${MAX_BODY / 1024} KB.`);
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const text = req.body.toString('utf8');
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(text));
  if (type === 'application/json' || type === '') {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw new ApiError('invalid_input', 'The body is not valid JSON (send a JSON object or a urlencoded form).');
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ApiError('invalid_input', 'The body must be a JSON object.');
    const deep = jsonTooDeep(v);
    if (deep) throw new ApiError('invalid_input', `The body is ${tooDeepMessage(deep)} (at ${shortPath(deep.path)}).`, [{ path: shortPath(deep.path), message: tooDeepMessage(deep) }]);
    return v as Record<string, unknown>;
  }
  throw new ApiError('invalid_input', `Unsupported content type ${type}; send application/json or application/x-www-form-urlencoded.`);
}

/** A post from an HTML form in a browser (it follows a 303 to the thank-you page); JSON callers get JSON. */
function isBrowserForm(req: PublicRequest): boolean {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data';
}

/**
 * With respond.workflow: the answer of that workflow's run started by this submission (its respond
 * node), or null (no run started, no respond node ran, the run failed or was too slow: the caller
 * gets the form's usual answer, and the run's failure is escalated as usual).
 */
async function workflowAnswer(core: Core, form: FormDefT, eventId: number): Promise<PublicResponse | null> {
  if (!form.respond || !core.has(RUN_ANSWERS)) return null;
  const answers = core.get(RUN_ANSWERS);
  const deadline = Date.now() + durationMs(form.respond.timeout);
  const runId = await answers.runForEvent(eventId, form.respond.workflow, deadline);
  if (!runId) {
    core.log.info('form: no run of its respond workflow started for this submission', { form: form.slug, workflow: form.respond.workflow });
    return null;
  }
  const a = await answers.wait(runId, 'respondNode', Math.max(0, deadline - Date.now()));
  if (a.kind === 'response') return responseToPublic(a.response);
  core.log.info('form: its respond workflow did not answer; the usual answer was sent', { form: form.slug, runId, outcome: a.kind });
  return null;
}

/**
 * POST /forms/<slug>: public lead capture. Answer: the respond node of the form's respond.workflow
 * when it answers in time; else 303 to the form's redirect for a browser form post, else 200 JSON
 * { ok: true } (with redirect when the form has one).
 */
export function formsRoute(core: Core) {
  return async (req: PublicRequest): Promise<PublicResponse> => {
    try {
      if (req.method !== 'POST') return { status: 405, json: { error: { code: 'invalid_input', message: 'Use POST.' } }, headers: { allow: 'POST' } };
      const slug = req.path.replace(/^\/+|\/+$/g, '');
      if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(slug)) throw new ApiError('not_found', `There is no form "${slug}".`);
      const form = getForm(core, slug);
      if (!form) throw new ApiError('not_found', `There is no form "${slug}".`);
      const { eventId } = await submitGrouped(core, checkSubmission(form, slug, parseBody(req)));
      const answer = await workflowAnswer(core, form, eventId).catch((e: unknown) => {
        core.log.error('form: waiting for its respond workflow failed', { form: slug, error: e as Error });
        return null;
      });
      if (answer) return answer;
      if (form.redirect && isBrowserForm(req)) return { status: 303, redirect: form.redirect };
      return { status: 200, json: { ok: true, ...(form.redirect ? { redirect: form.redirect } : {}) } };
    } catch (e) {
      if (!(e instanceof ApiError)) core.log.error('form submission failed', { error: e as Error });
      return errorResponse(core, e);
    }
  };
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export async function rotateIngestKey(core: Core): Promise<{ key: string; header: string }> {
  const key = 'bik_' + randomBytes(24).toString('base64url');
  core.log.redactValue(key);
  await core.secrets.set(INGEST_KEY_SECRET, key);
  core.bus.emit('secrets.changed', { names: await core.secrets.list() });
  return { key, header: 'Authorization: Bearer <key> (or X-Baton-Key: <key>)' };
}

const EventsBatch = z.object({ events: z.array(EventIngest).min(1).max(1000) }).strict();
const EventsOne = EventIngest.transform((e) => ({ events: [e] }));

/** POST /events: activity from a website or another tool, authenticated with the workspace ingest key. */
export function eventsRoute(core: Core) {
  return async (req: PublicRequest): Promise<PublicResponse> => {
    try {
      if (req.method !== 'POST') return { status: 405, json: { error: { code: 'invalid_input', message: 'Use POST.' } }, headers: { allow: 'POST' } };
      if (req.path.replace(/^\/+|\/+$/g, '') !== '') throw new ApiError('not_found', 'Not found.');
      const expected = await core.secrets.get(INGEST_KEY_SECRET);
      if (!expected) throw new ApiError('unavailable', 'Event ingest is not set up: create a key with events.ingestKey.rotate (or set BATON_SECRET_CRM_INGEST_KEY).');
      core.log.redactValue(expected);
      const auth = req.headers['authorization'] ?? '';
      const given = auth.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : (req.headers['x-baton-key'] ?? '');
      if (!given || !timingSafeEqual(digest(given), digest(expected))) throw new ApiError('unauthorized', 'Missing or wrong ingest key (Authorization: Bearer <key>).');
      const body = parseBody(req);
      const r = ('events' in body ? EventsBatch : EventsOne).safeParse(body);
      if (!r.success) {
        const issues = issuesOf(r.error);
        throw new ApiError('invalid_input', `Invalid events: ${describeIssues(issues)}. Nothing was stored.`, issues);
      }
      const out = ingestEvents(core, r.data.events, { reason: 'api' });
      return { status: 200, json: { ok: true, ids: out.ids } };
    } catch (e) {
      if (!(e instanceof ApiError)) core.log.error('event ingest failed', { error: e as Error });
      return errorResponse(core, e);
    }
  };
}
