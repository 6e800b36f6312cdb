/**
 * Sequences (docs/sequences.md): their own due-step table (`enrollments`,
 * next_at in ms) driven by the "sales" service every 30 s and by
 * `sequences.tick`. Each due enrollment is claimed with a conditional UPDATE
 * (a lease), so two processes never run the same step; e-mail steps go
 * through deliver() with the key seq:<enrollment>:<step>, so a step retried
 * after a crash re-sends the same Message-ID, and a step already sent is not
 * sent again.
 */
import { prep } from './prep';
import { ApiError, describeIssues, parseOrThrow, SequenceDef, type SequenceDefInput } from '../../../shared/api';
import { durationMs } from '../../../shared/contract/workflow';
import type { Core } from '../core';
import { engineOf } from '../engine';
import { emitEnrollment, parseDef, type EnrollmentRow } from './enrollments';
import { deliver, loadContact, MailError } from './mail';
import { setting } from './state';
import { validateEmailTemplate } from './template';
import { nextOpenSlot, validTimeZone } from './window';
import { parseStored } from '../db/integrity';

export { enroll, enrollTx, exitEnrollments, exitEnrollmentsTx, getSequence, sequenceIds, sequenceState, toEnrollment, type EnrollmentRow } from './enrollments';

type Def = SequenceDef;
const LEASE_MS = 10 * 60_000;
const MAX_SEND_ATTEMPTS = 8;

export function saveSequence(core: Core, input: SequenceDefInput): Def {
  const def = parseOrThrow(SequenceDef, input, 'sequence');
  const issues: { path: string; message: string }[] = [];
  def.steps.forEach((s, i) => {
    if (s.type !== 'email') return;
    for (const f of ['subject', 'html', 'text'] as const) {
      const src = s[f];
      if (typeof src === 'string') for (const x of validateEmailTemplate(src, f)) issues.push({ path: `steps.${i}.${f}`, message: x.message });
    }
  });
  if (issues.length) throw new ApiError('invalid_input', `Invalid sequence: ${describeIssues(issues)}. Nothing was saved.`, issues);
  core.db
    .prepare(
      `INSERT INTO sequences (id, name, definition, enabled, updated_at) VALUES (?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))
       ON CONFLICT(id) DO UPDATE SET name = excluded.name, definition = excluded.definition, enabled = excluded.enabled, updated_at = excluded.updated_at`,
    )
    .run(def.id, def.name, JSON.stringify(def), def.enabled ? 1 : 0);
  return def;
}

export function listSequences(core: Core) {
  const rows = core.db
    .prepare(
      `SELECT s.id, s.name, s.enabled, s.definition,
        (SELECT COUNT(*) FROM enrollments e WHERE e.sequence_id = s.id AND e.status = 'active') AS active,
        (SELECT COUNT(*) FROM enrollments e WHERE e.sequence_id = s.id AND e.status = 'completed') AS completed,
        (SELECT COUNT(*) FROM enrollments e WHERE e.sequence_id = s.id AND e.status = 'exited') AS exited
       FROM sequences s ORDER BY s.id`,
    )
    .all() as { id: string; name: string; enabled: number; definition: string; active: number; completed: number; exited: number }[];
  return rows.map((r) => ({ id: r.id, name: r.name, enabled: !!r.enabled, steps: parseStored<Def>(r.definition, 'sequences.definition', r.id).steps.length, active: r.active, completed: r.completed, exited: r.exited }));
}

export interface TickResult {
  sent: number;
  deferred: number;
  failed: number;
  completed: number;
  exited: number;
}

function zoneFor(core: Core, contactTz: string | null, def: Def): string {
  if (validTimeZone(contactTz)) return contactTz;
  if (def.window.timeZone) return def.window.timeZone;
  const s = setting<string | null>(core.db, 'email.timeZone', null);
  return validTimeZone(s) ? s : 'UTC';
}

function sentInDay(core: Core, now: number, sequenceId?: string): number[] {
  const sql = sequenceId
    ? `SELECT sent_at FROM email_messages WHERE sequence_id = ? AND status = 'sent' AND sent_at > ? ORDER BY sent_at`
    : `SELECT sent_at FROM email_messages WHERE sequence_id IS NOT NULL AND status = 'sent' AND sent_at > ? ORDER BY sent_at`;
  const args = sequenceId ? [sequenceId, now - 86_400_000] : [now - 86_400_000];
  return (prep(core.db, sql).all(...args) as { sent_at: number }[]).map((r) => r.sent_at);
}

/** Enrollments whose claim and e-mail-free steps commit in one transaction (a tick's write lock is taken once per chunk, not twice per enrollment). */
const CHUNK = 25;

/**
 * Run every due step (by the given clock). The claims of a chunk of due enrollments and their steps
 * that send nothing (a wait, a task, a step deferred to the send window or by a cap, an ending)
 * commit together; a chunk ends at an enrollment with an e-mail to send now, which is sent after
 * that commit, on its own, as before (so the next enrollments' daily caps count it).
 */
export async function tickSequences(core: Core, now: number, limit = 500): Promise<TickResult> {
  const res: TickResult = { sent: 0, deferred: 0, failed: 0, completed: 0, exited: 0 };
  const due = prep(
    core.db,
    `SELECT e.*, s.definition FROM enrollments e JOIN sequences s ON s.id = e.sequence_id
     WHERE e.status = 'active' AND e.next_at <= ? AND s.enabled = 1 ORDER BY e.next_at LIMIT ?`,
  ).all(now, limit) as (EnrollmentRow & { definition: string })[];
  const globalCap = Number(setting(core.db, 'sequences.dailyCap', 1000)) || 1000;
  const claim = prep(core.db, `UPDATE enrollments SET next_at = ? WHERE id = ? AND status = 'active' AND next_at = ?`);
  let i = 0;
  while (i < due.length) {
    const steps: { id: number; send: (() => Promise<void>) | null }[] = [];
    core.db.transaction(() => {
      for (let n = 0; n < CHUNK && i < due.length; n++) {
        const row = due[i++]!;
        // Claim: only one process runs this step.
        if (!claim.run(now + LEASE_MS, row.id, row.next_at).changes) continue;
        const def = parseDef(row.definition, row.sequence_id);
        const send = advance(core, def, row, now, globalCap, res, row.step_index, 60);
        steps.push({ id: row.id, send });
        // The enrollments after an e-mail are planned after it is sent: the daily caps count it.
        if (send) break;
      }
    })();
    for (const s of steps) {
      if (s.send) await s.send();
      emitEnrollment(core, s.id);
    }
  }
  return res;
}

/**
 * The steps of an enrollment from `from` on, synchronously, until one waits, is deferred, ends, or
 * is an e-mail to send now: then the send (and the steps after it), to run after the caller's commit.
 */
function advance(core: Core, def: Def, row: EnrollmentRow, now: number, globalCap: number, res: TickResult, from: number, guard: number): (() => Promise<void>) | null {
  const db = core.db;
  const set = (fields: Record<string, unknown>) => {
    const keys = Object.keys(fields);
    prep(db, `UPDATE enrollments SET ${keys.map((k) => `${k} = ?`).join(', ')} WHERE id = ? AND status = 'active'`).run(...keys.map((k) => fields[k] as never), row.id);
  };
  const finish = (status: 'completed' | 'exited', reason: string | null) => {
    set({ status, exit_reason: reason, finished_at: new Date(now).toISOString(), next_at: now });
    if (status === 'completed') res.completed++;
    else res.exited++;
  };
  let idx = from;
  for (; guard > 0; guard--) {
    const step = def.steps[idx];
    if (!step) {
      finish('completed', null);
      return null;
    }
    if (step.type === 'wait') {
      set({ step_index: idx + 1, next_at: now + durationMs(step.duration), attempts: 0 });
      return null;
    }
    if (step.type === 'task') {
      const c = loadContact(db, row.contact_id);
      const who = c ? [c.first_name, c.last_name].filter(Boolean).join(' ') || c.email : `contact ${row.contact_id}`;
      prep(db, `INSERT OR IGNORE INTO tasks (title, contact_id, source, key) VALUES (?, ?, ?, ?)`).run(step.title.replace(/\{\{\s*name\s*\}\}/g, who), row.contact_id, `sequence:${def.id}`, `seq:${row.id}:${idx}`);
      idx++;
      set({ step_index: idx, attempts: 0 });
      continue;
    }
    const contact = loadContact(db, row.contact_id);
    if (!contact || contact.deleted_at) {
      finish('exited', 'contact deleted');
      return null;
    }
    const tz = zoneFor(core, contact.time_zone, def);
    const slot = nextOpenSlot(now, def.window, tz);
    if (slot > now) {
      set({ next_at: slot });
      res.deferred++;
      return null;
    }
    const seqSends = sentInDay(core, now, def.id);
    const allSends = sentInDay(core, now);
    const capped = seqSends.length >= def.dailyCap ? seqSends[seqSends.length - def.dailyCap] : allSends.length >= globalCap ? allSends[allSends.length - globalCap] : undefined;
    if (capped !== undefined) {
      set({ next_at: nextOpenSlot(capped + 86_400_000 + 1000, def.window, tz) });
      res.deferred++;
      return null;
    }
    const at = idx;
    const left = guard - 1;
    return async () => {
      try {
        const out = await deliver(
          { db, secrets: core.secrets, now: () => now },
          { key: `seq:${row.id}:${at}`, contactId: row.contact_id, template: { subject: step.subject, html: step.html, text: step.text }, kind: 'marketing', sequenceId: def.id, enrollmentId: row.id },
        );
        if (out.status === 'skipped') return finish('exited', out.reason);
        if (out.status === 'deferred') {
          set({ next_at: nextOpenSlot(out.until, def.window, tz) });
          res.deferred++;
          return;
        }
        if (!out.replayed) {
          res.sent++;
          core.bus.emit('sales.email.sent', { messageId: out.messageId, contactId: row.contact_id, subject: out.subject });
        }
        set({ step_index: at + 1, attempts: 0, last_error: null, next_at: now });
      } catch (e) {
        const err = e instanceof MailError ? e : new MailError((e as Error).message, true, 'error');
        const attempts = row.attempts + 1;
        res.failed++;
        if (!err.retryable || attempts >= MAX_SEND_ATTEMPTS) {
          finish('exited', `failed: ${err.message}`.slice(0, 500));
          engineOf(core).raiseEscalation({
            severity: 'warning',
            title: `Sequence "${def.name}" stopped for ${contact.email}`,
            detail: err.message,
            key: `seqfail:${row.id}:${at}`,
          });
          return;
        }
        const backoff = Math.min(6 * 3_600_000, 60_000 * 2 ** (attempts - 1));
        set({ attempts, last_error: err.message.slice(0, 1000), next_at: now + backoff });
        return;
      }
      const next = advance(core, def, row, now, globalCap, res, at + 1, left);
      if (next) await next();
    };
  }
  return null;
}
