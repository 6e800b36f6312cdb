/**
 * The sales reactor: reads the events table past its own cursor (so events
 * recorded by any process — API, CLI, IMAP poller, workflows — are seen once)
 * and applies: sequence exits (reply, meeting, unsubscribe, bounce, complaint,
 * goal), suppressions, pipeline (deal at SQL / demo request, stage moves) and
 * the escalation rules.
 */
import { prep } from './prep';
import type { Core } from '../core';
import { ensureDeal, moveOnEvent } from './pipeline';
import { addTask, getRules, raise } from './rules';
import { exitEnrollments } from './sequences';
import { getState, setState } from './state';
import { getPipeline } from './pipeline';
import { parseStored } from '../db/integrity';

interface Ev {
  id: number;
  type: string;
  subject_id: string;
  data: string | null;
}

export function initCursor(core: Core): void {
  if (getState<number | null>(core.db, 'events.cursor', null) !== null) return;
  const max = (prep(core.db, 'SELECT COALESCE(MAX(id), 0) AS m FROM events').get() as { m: number }).m;
  setState(core.db, 'events.cursor', max);
}

/** The name an event goes by: custom events may carry data.name ("proposal.sent"). */
function nameOf(type: string, data: Record<string, unknown>): string {
  if (type === 'custom' && typeof (data.name ?? data.event) === 'string') return String(data.name ?? data.event);
  return type;
}

const DEMO = /\bdemo\b/i;
const PRICING = /\b(pricing|price|quote)\b/i;

function requestKind(name: string, data: Record<string, unknown>): { demo: boolean; pricing: boolean } {
  if (name === 'demo.requested') return { demo: true, pricing: false };
  if (name === 'pricing.requested') return { demo: false, pricing: true };
  if (name !== 'form.submitted') return { demo: false, pricing: false };
  const form = String(data.form ?? '');
  const fields = Object.values((data.fields as Record<string, unknown> | undefined) ?? {}).map(String).join(' ');
  const hay = `${form.replace(/-/g, ' ')} ${fields}`;
  return { demo: DEMO.test(hay), pricing: PRICING.test(hay) };
}

interface ContactInfo {
  id: number;
  email: string;
  first_name: string | null;
  last_name: string | null;
  score: number;
  stage: string;
  custom: string | null;
  company_name: string | null;
  company_custom: string | null;
}

function employees(c: ContactInfo): number | null {
  for (const src of [c.company_custom, c.custom]) {
    if (!src) continue;
    const o = parseStored<Record<string, unknown>>(src, src === c.custom ? 'contacts.custom' : 'companies.custom', c.id);
    for (const k of ['employees', 'companySize', 'company_size', 'size']) {
      const v = Number(o[k]);
      if (Number.isFinite(v) && v > 0) return v;
    }
  }
  return null;
}

/** Process new events (up to `limit`); returns how many were read. */
export function processEvents(core: Core, now: number, limit = 1000): number {
  const from = getState<number>(core.db, 'events.cursor', 0);
  const events = prep(core.db, `SELECT id, type, subject_type, subject_id, data FROM events WHERE id > ? ORDER BY id LIMIT ?`).all(from, limit) as (Ev & { subject_type: string | null })[];
  if (!events.length) return 0;
  const last = events[events.length - 1]!.id;
  const rules = getRules(core).filter((r) => r.enabled);
  const pipeline = getPipeline(core);
  const contactStmt = prep(
    core.db,
    `SELECT c.id, c.email, c.first_name, c.last_name, c.score, c.stage, c.custom, co.name AS company_name, co.custom AS company_custom
     FROM contacts c LEFT JOIN companies co ON co.id = c.company_id WHERE c.id = ? AND c.deleted_at IS NULL`,
  );
  // The contacts of these events that are in a sequence now: only their events can end an enrollment
  // (one statement per batch instead of two per event; most events are of contacts in none).
  const contactIds = [...new Set(events.filter((e) => e.subject_type === 'contact').map((e) => Number(e.subject_id)))];
  const inSequence = new Set(
    prep(core.db, `SELECT DISTINCT contact_id FROM enrollments WHERE contact_id IN (SELECT value FROM json_each(?)) AND status = 'active'`)
      .pluck()
      .all(JSON.stringify(contactIds)) as number[],
  );
  for (const ev of events) {
    if (ev.subject_type !== 'contact') continue;
    const contactId = Number(ev.subject_id);
    const data = (ev.data ? parseStored(ev.data, 'events.data', ev.id) : {}) as Record<string, unknown>;
    const name = nameOf(ev.type, data);
    try {
      const c = contactStmt.get(contactId) as ContactInfo | undefined;
      if (!c) continue;
      const who = [c.first_name, c.last_name].filter(Boolean).join(' ') || c.email;
      // Suppressions from events recorded elsewhere (POST /events, CLI).
      if (name === 'email.unsubscribed' || name === 'email.complained' || (name === 'email.bounced' && data.hard !== false)) {
        const reason = name === 'email.unsubscribed' ? 'unsubscribed' : name === 'email.complained' ? 'complained' : 'bounced';
        prep(core.db, `INSERT OR IGNORE INTO suppressions (email, reason, source) VALUES (?, ?, ?)`).run(c.email, reason, `event:${ev.id}`);
      }
      // Sequences: exit on the sequence's exit events, complete on its goal.
      if (inSequence.has(contactId)) {
        exitEnrollments(core, contactId, name, now, (_, def) => def.exitOn.includes(name) && !(name === 'email.replied' && data.autoReply === true));
        exitEnrollments(core, contactId, 'goal', now, (_, def) => def.goal?.event === name);
      }
      // Pipeline.
      const req = requestKind(name, data);
      if (pipeline.autoCreate.onDemoRequest && req.demo) ensureDeal(core, contactId, 'demo request', now);
      if (pipeline.autoCreate.onSql && ((name === 'lifecycle.changed' && data.to === 'sql') || (name === 'score.crossed' && data.threshold === 'sql'))) ensureDeal(core, contactId, 'reached SQL', now);
      moveOnEvent(core, contactId, name, now, pipeline);
      // Escalation rules.
      for (const r of rules) {
        if (r.when === 'score_above' && c.score > (r.threshold ?? 80)) {
          raise(core, r, `contact:${contactId}`, `${who} <${c.email}> has a score of ${c.score} (above ${r.threshold}); stage ${c.stage}${c.company_name ? `, ${c.company_name}` : ''}.`, who);
        } else if ((r.when === 'demo_request' && req.demo) || (r.when === 'pricing_request' && req.pricing)) {
          const what = r.when === 'demo_request' ? 'a demo' : 'pricing';
          raise(core, r, `event:${ev.id}`, `${who} <${c.email}> asked for ${what} (${name}${data.form ? ` ${String(data.form)}` : ''}).`, who);
          if (r.task) addTask(core, { title: `Reply to ${who} about ${what}`, contactId, source: `rule:${r.id}`, key: `rule:${r.id}:${ev.id}` });
        } else if (r.when === 'complaint' && name === 'email.complained') {
          const n = exitEnrollments(core, contactId, 'complaint', now);
          raise(core, r, `contact:${contactId}`, `${who} <${c.email}> marked an e-mail as spam; removed from ${n} sequence(s) and suppressed.`, who);
        } else if (r.when === 'enterprise_company' && (employees(c) ?? 0) >= (r.threshold ?? 1000)) {
          raise(core, r, `contact:${contactId}`, `${who} <${c.email}> works at ${c.company_name ?? 'a company'} with ${employees(c)} employees.`, who);
        } else if (r.when === 'event' && r.event === name) {
          raise(core, r, `event:${ev.id}`, `${who} <${c.email}>: ${name}.`, who);
          if (r.task) addTask(core, { title: `${r.title}: ${who}`, contactId, source: `rule:${r.id}`, key: `rule:${r.id}:${ev.id}` });
        }
        if (r.exitSequences && r.when === 'event' && r.event === name) exitEnrollments(core, contactId, r.id, now);
      }
    } catch (e) {
      core.log.error('sales: processing an event failed', { eventId: ev.id, type: ev.type, error: e as Error });
    }
  }
  setState(core.db, 'events.cursor', last);
  return events.length;
}
