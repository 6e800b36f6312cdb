/**
 * Sales: e-mail (SMTP out, IMAP in, suppressions), sequences, the pipeline
 * (stages, tasks, stale deals) and escalation rules. docs/email.md,
 * docs/sequences.md.
 */
import { z } from 'zod';
import { Empty, eventType, op } from './base';
import { Duration } from './workflow';
import { Money, TimeZone } from './crm';

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use HH:MM on a 24-hour clock, e.g. 09:00');
const Slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'use lower-case letters, digits and - (at most 64)');

export const SendWindow = z
  .object({
    start: HHMM.default('09:00'),
    end: HHMM.default('17:00'),
    weekdaysOnly: z.boolean().default(true),
    /** Used when the contact has no time zone (else the setting email.timeZone, else UTC). */
    timeZone: TimeZone.optional(),
  })
  .strict()
  .refine((w) => w.start < w.end, { error: 'end must be after start (windows cannot cross midnight)', path: ['end'] });
export type SendWindow = z.output<typeof SendWindow>;

export const EmailStep = z
  .object({
    type: z.literal('email'),
    subject: z.string().min(1, 'give a subject'),
    /** Liquid; HTML-escaped output. */
    html: z.string().optional(),
    /** Liquid; the plain-text part (derived from html when missing). */
    text: z.string().optional(),
  })
  .strict()
  .refine((s) => !!(s.html || s.text), { error: 'give html or text (or both)', path: ['text'] });
export const WaitStep = z.object({ type: z.literal('wait'), duration: Duration }).strict();
export const TaskStep = z.object({ type: z.literal('task'), title: z.string().min(1, 'give a task title') }).strict();
export const SequenceStep = z.discriminatedUnion('type', [EmailStep, WaitStep, TaskStep], { error: 'type: use email, wait or task' });

export const EXIT_EVENTS = ['email.replied', 'meeting.booked', 'email.unsubscribed', 'email.bounced', 'email.complained'] as const;

export const SequenceDef = z
  .object({
    id: Slug,
    name: z.string().min(1, 'give a name'),
    steps: z.array(SequenceStep).min(1, 'a sequence needs at least one step').max(50),
    window: SendWindow.default({ start: '09:00', end: '17:00', weekdaysOnly: true }),
    /** E-mails this sequence sends per day at most (rolling 24 h); more wait (throttling). */
    dailyCap: z.number().int().min(1).max(100_000).default(200),
    /** Events on the contact that end the enrollment (defaults: reply, meeting, unsubscribe, bounce, complaint). */
    exitOn: z.array(z.string().min(1)).default([...EXIT_EVENTS]),
    /** Goal reached: an event on the contact (e.g. purchase) ends the enrollment as "goal". */
    goal: z.object({ event: z.string().min(1) }).strict().nullable().default(null),
    /** never: a contact goes through once; after_exit: may enroll again once the last enrollment ended (and afterDays passed). */
    reenroll: z
      .object({ policy: z.enum(['never', 'after_exit']).default('never'), afterDays: z.number().int().min(0).max(3650).default(0) })
      .strict()
      .default({ policy: 'never', afterDays: 0 }),
    enabled: z.boolean().default(true),
  })
  .strict();
export type SequenceDefInput = z.input<typeof SequenceDef>;
export type SequenceDef = z.output<typeof SequenceDef>;

export const Enrollment = z.object({
  id: z.number().int(),
  sequenceId: z.string(),
  contactId: z.number().int(),
  status: z.enum(['active', 'completed', 'exited']),
  stepIndex: z.number().int(),
  nextAt: z.string(),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  exitReason: z.string().nullable(),
  enrolledAt: z.string(),
  finishedAt: z.string().nullable(),
});

export const SUPPRESSION_REASONS = ['unsubscribed', 'bounced', 'complained', 'manual'] as const;
export const Suppression = z.object({ email: z.string(), reason: z.enum(SUPPRESSION_REASONS), source: z.string().nullable(), createdAt: z.string() });

export const EmailMessage = z.object({
  id: z.number().int(),
  messageId: z.string(),
  contactId: z.number().int().nullable(),
  to: z.string(),
  subject: z.string(),
  status: z.string(),
  skipReason: z.string().nullable(),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  sequenceId: z.string().nullable(),
  runId: z.string().nullable(),
  sentAt: z.string().nullable(),
});

const Problem = z.object({ message: z.string(), at: z.string(), hint: z.string() }).nullable();
export const EmailStatus = z.object({
  smtp: z.object({
    configured: z.boolean(),
    host: z.string().nullable(),
    port: z.number().nullable(),
    secure: z.boolean(),
    user: z.string().nullable(),
    from: z.string().nullable(),
    passwordSet: z.boolean(),
    lastError: Problem,
    lastSentAt: z.string().nullable(),
  }),
  imap: z.object({ configured: z.boolean(), host: z.string().nullable(), lastError: Problem, lastPollAt: z.string().nullable(), seen: z.number() }),
  /** The per-contact cap: `max` automated e-mails per contact in any `days` rolling days (email.frequencyCap, email.frequencyCapDays, email.frequencyCapAction). */
  frequencyCap: z.object({ max: z.number().int(), days: z.number().int(), action: z.enum(['wait', 'drop']) }),
});

/** The period of the per-contact cap in words: "24 hours" for 1 day, else "7 days" (rolling). */
export const capPeriod = (days: number): string => (days === 1 ? '24 hours' : `${days} days`);

export const PipelineStage = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    /** Events on the contact that move its open deal into this stage (forward only). */
    enterOn: z.array(z.string().min(1)).default([]),
    /** Days a deal may sit in this stage before a stale-deal alert (null: no limit). */
    limitDays: z.number().min(0).max(3650).nullable().default(null),
    /** Task created when a deal enters the stage ({{name}} is the contact's name or e-mail). */
    task: z.string().nullable().default(null),
  })
  .strict();
export const PipelineConfig = z
  .object({
    stages: z.array(PipelineStage).min(1).max(20),
    /** Open a deal when a contact reaches SQL or requests a demo. */
    autoCreate: z.object({ onSql: z.boolean().default(true), onDemoRequest: z.boolean().default(true), value: Money.default(0), currency: z.string().length(3).default('USD') }).strict(),
  })
  .strict();
export type PipelineConfig = z.output<typeof PipelineConfig>;

export const RULE_WHEN = ['score_above', 'demo_request', 'pricing_request', 'complaint', 'enterprise_company', 'stale_deal', 'event'] as const;
export const EscalationRule = z
  .object({
    id: Slug,
    enabled: z.boolean().default(true),
    when: z.enum(RULE_WHEN, { error: `use one of ${RULE_WHEN.join(', ')}` }),
    /** score_above: the score; enterprise_company: the minimum employees. */
    threshold: z.number().min(-1_000_000_000).max(1_000_000_000).optional(),
    /** when = event: the event type. */
    event: z.string().optional(),
    severity: z.enum(['info', 'warning', 'critical']).default('warning'),
    title: z.string().min(1),
    /** Also create a task for the operator. */
    task: z.boolean().default(false),
    /** Also end every active sequence enrollment of the contact. */
    exitSequences: z.boolean().default(false),
  })
  .strict()
  .refine((r) => !(['score_above', 'enterprise_company'] as string[]).includes(r.when) || typeof r.threshold === 'number', { error: 'give a threshold for this rule', path: ['threshold'] })
  .refine((r) => r.when !== 'event' || !!r.event, { error: 'give the event type', path: ['event'] });
export type EscalationRule = z.output<typeof EscalationRule>;

export const Task = z.object({
  id: z.number().int(),
  title: z.string(),
  contactId: z.number().int().nullable(),
  /** The contact's name (else e-mail), when the task is for a contact. */
  contactName: z.string().nullable(),
  dealId: z.number().int().nullable(),
  dealTitle: z.string().nullable(),
  source: z.string(),
  status: z.enum(['open', 'done']),
  /** When it is due (crm.task.create `due`), or null. */
  dueAt: z.string().nullable(),
  createdAt: z.string(),
  doneAt: z.string().nullable(),
});

export const salesOps = {
  'email.status': op('SMTP/IMAP settings (never the password), whether the password is set, and the last error with a hint.', Empty, EmailStatus),
  'email.verify': op('Connect and log in to the SMTP server now (nothing is sent): ok, or what is wrong and how to fix it.', Empty,
    z.object({ ok: z.boolean(), message: z.string(), hint: z.string().nullable() })),
  'email.messages': op('Recent automated e-mails (newest first).',
    z.object({ contactId: z.number().int().positive().optional(), limit: z.number().int().min(1).max(500).default(50) }).strict(),
    z.object({ messages: z.array(EmailMessage) })),
  'email.suppressions.list': op('The suppression list.', z.object({ limit: z.number().int().min(1).max(5000).default(200) }).strict(), z.object({ suppressions: z.array(Suppression) })),
  'email.suppressions.add': op('Suppress an address (manual).', z.object({ email: z.string().email('give an e-mail address'), reason: z.enum(SUPPRESSION_REASONS).default('manual') }).strict(), Suppression),
  'email.suppressions.remove': op('Remove an address from the suppression list.', z.object({ email: z.string().min(3) }).strict(), z.object({ removed: z.boolean() })),
  'email.poll': op('Poll the IMAP mailbox now for replies, bounces, complaints and mailto: unsubscribes.', Empty, z.object({ seen: z.number(), unsubscribes: z.number(), replies: z.number(), autoReplies: z.number(), bounces: z.number(), complaints: z.number(), unmatched: z.number() })),
  'sequences.list': op('Sequences with their active enrollment counts.', Empty,
    z.object({ sequences: z.array(z.object({ id: z.string(), name: z.string(), enabled: z.boolean(), steps: z.number(), active: z.number(), completed: z.number(), exited: z.number() })) })),
  'sequences.get': op('One sequence definition.', z.object({ id: z.string() }).strict(), z.object({ definition: SequenceDef })),
  'sequences.save': op('Create or replace a sequence (templates are checked: unknown tokens are refused).', SequenceDef, z.object({ definition: SequenceDef })),
  'sequences.delete': op('Delete a sequence and its enrollments.', z.object({ id: z.string() }).strict(), z.object({ deleted: z.boolean() })),
  'sequences.enroll': op('Enroll contacts (ids) in a sequence; refused per contact by the re-enrollment policy or an active enrollment.',
    z.object({ sequenceId: z.string(), contactIds: z.array(z.number().int().positive()).min(1).max(10_000) }).strict(),
    z.object({ enrolled: z.array(z.number().int()), skipped: z.array(z.object({ contactId: z.number().int(), reason: z.string() })) })),
  'sequences.enrollSegment': op('Enroll every contact a segment matches now in a sequence (dryRun: only say who would be enrolled and who skipped, and why). Nothing is sent at once: the sequence runs them on its schedule.',
    z.object({ sequenceId: z.string().min(1, 'pick a sequence'), segmentId: z.number().int().positive('pick a segment'), dryRun: z.boolean().default(false) }).strict(),
    z.object({
      sequence: z.object({ id: z.string(), name: z.string(), enabled: z.boolean(), firstStep: z.enum(['email', 'wait', 'task']), dailyCap: z.number().int() }),
      segment: z.object({ id: z.number().int(), name: z.string() }),
      dryRun: z.boolean(),
      matched: z.number().int(),
      enrolled: z.number().int(),
      capped: z.number().int(),
      perContactCap: z.number().int(),
      /** The cap's period in rolling days (email.frequencyCapDays). */
      perContactCapDays: z.number().int(),
      skipped: z.array(z.object({ reason: z.string(), count: z.number().int(), contactIds: z.array(z.number().int()) })),
    })),
  'sequences.unenroll': op('End a contact\'s active enrollment(s) (one sequence or all).',
    z.object({ contactId: z.number().int().positive(), sequenceId: z.string().optional(), reason: z.string().default('manual') }).strict(),
    z.object({ exited: z.number() })),
  'sequences.enrollments': op('Enrollments of a sequence or a contact.',
    z.object({ sequenceId: z.string().optional(), contactId: z.number().int().positive().optional(), status: z.enum(['active', 'completed', 'exited']).optional(), limit: z.number().int().min(1).max(1000).default(100) }).strict(),
    z.object({ enrollments: z.array(Enrollment) })),
  'sequences.tick': op('Process sales events and run due sequence steps now (the service does it every 30 s).', Empty,
    z.object({ events: z.number(), sent: z.number(), deferred: z.number(), failed: z.number(), completed: z.number(), exited: z.number() })),
  'pipeline.get': op('Pipeline stages and auto-create settings.', Empty, PipelineConfig),
  'pipeline.set': op('Replace the pipeline configuration.', PipelineConfig, PipelineConfig),
  'pipeline.scan': op('Look for deals past their stage time limit and raise stale-deal escalations.', Empty, z.object({ stale: z.number() })),
  'tasks.list': op('Operator tasks: open ones by due date (undated last), others newest first; of one contact or one deal; dueBefore: only those due before that time.',
    z.object({
      status: z.enum(['open', 'done']).optional(),
      contactId: z.number().int().positive().optional(),
      dealId: z.number().int().positive().optional(),
      dueBefore: z.iso.datetime({ offset: true, error: 'use an ISO 8601 time such as 2026-03-01T00:00:00Z' }).optional(),
      limit: z.number().int().min(1).max(1000).default(100),
    }).strict(),
    z.object({ tasks: z.array(Task) })),
  'tasks.create': op('Add a task by hand (for a contact and/or a deal, optionally due at a time).',
    z.object({
      title: z.string().trim().min(1, 'say what is to be done').max(500, 'at most 500 characters'),
      contactId: z.number().int().positive().optional(),
      dealId: z.number().int().positive().optional(),
      dueAt: z.iso.datetime({ offset: true, error: 'use an ISO 8601 time such as 2026-03-01T09:00:00Z' }).optional(),
    }).strict(),
    Task),
  'tasks.done': op('Mark a task done.', z.object({ id: z.number().int().positive() }).strict(), Task),
  'escalationRules.get': op('The escalation rules.', Empty, z.object({ rules: z.array(EscalationRule) })),
  'escalationRules.defaults': op('The default escalation rules (the operator\'s playbook), to restore them with escalationRules.set.', Empty, z.object({ rules: z.array(EscalationRule) })),
  'escalationRules.set': op('Replace the escalation rules.', z.object({ rules: z.array(EscalationRule).max(100) }).strict(), z.object({ rules: z.array(EscalationRule) })),
} as const;

export const salesEvents = {
  'sales.email.sent': z.object({ messageId: z.string(), contactId: z.number().nullable(), subject: z.string() }),
  'sales.enrollment.changed': z.object({ id: z.number(), sequenceId: z.string(), contactId: z.number(), status: z.string(), reason: z.string().nullable() }),
  'sales.task.changed': z.object({ id: z.number(), status: z.enum(['open', 'done']), contactId: z.number().nullable() }),
} as const;

const InboundData = z.object({ messageId: z.string(), inboundMessageId: z.string(), subject: z.string() }).passthrough().nullable();

/** Event types the sales domain records on a contact's timeline (e-mail out and in, the pipeline). */
export const salesEventTypes = {
  'email.sent': eventType(
    'An e-mail to the contact was accepted by the SMTP server.',
    z.object({ messageId: z.string(), subject: z.string(), sequenceId: z.string().nullable(), runId: z.string().nullable() }).passthrough(),
    'contact',
  ),
  'email.replied': eventType('The contact replied to an e-mail Baton sent (found by IMAP).', InboundData, 'contact'),
  'email.auto_replied': eventType('An automatic reply (out of office …) to an e-mail Baton sent; it does not end sequences.', InboundData, 'contact'),
  'email.bounced': eventType('An e-mail to the contact bounced (the address is suppressed when the bounce is hard).', InboundData, 'contact'),
  'email.complained': eventType('The contact marked an e-mail as spam (the address is suppressed).', InboundData, 'contact'),
  'email.unsubscribed': eventType('The contact unsubscribed: via link (the page button), one-click (RFC 8058 POST by the mail client) or mailto (a reply found by the IMAP poll); or by hand.', z.object({ via: z.string() }).passthrough().nullable(), 'contact'),
  'deal.stage_changed': eventType(
    'A deal of the contact moved to another pipeline stage.',
    z.object({ dealId: z.number().int(), from: z.string(), to: z.string(), on: z.string().optional() }).passthrough(),
    'contact',
  ),
} as const;
