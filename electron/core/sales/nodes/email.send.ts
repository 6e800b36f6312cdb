import { z } from 'zod';
import { AttachmentError, resolveAttachments } from '../attachments';
import { deliver, MailError } from '../mail';
import { validateEmailTemplate } from '../template';
import { defineNode, NodeError } from '../../engine/registry';
import { ex } from '../../engine/nodes/util';
import { NETWORK_STEP_TIMEOUT_MS } from '../../engine/pool-limits';

/**
 * Send one e-mail over SMTP (docs/email.md), exactly once per run: through the
 * engine outbox (key run + node) and the e-mail ledger, with a Message-ID
 * derived from that key, so a retry after a crash re-sends the same message.
 * Suppressed addresses take the "skipped" branch; the global frequency cap
 * makes the step wait until the contact may get another e-mail. SMTP down or a
 * refused login fail the try (retried by the node's retry policy) and show in
 * email.status; an unknown template token fails the step naming it.
 * `attachments`: files of the data folder's workspace ({ path, filename? },
 * path relative to the data folder such as a rendered report's
 * "=steps.render.path"); any other path fails the step naming the field.
 */
export default defineNode({
  type: 'email.send',
  timeoutMs: NETWORK_STEP_TIMEOUT_MS,
  description: 'Send an e-mail (Liquid template) to a contact over SMTP, once per run.',
  params: z
    .object({
      contactId: ex(z.number().int().positive()).optional(),
      to: z.string().optional(),
      subject: z.string().min(1, 'give a subject'),
      html: z.string().optional(),
      text: z.string().optional(),
      kind: z.enum(['marketing', 'transactional']).default('marketing'),
      vars: z.record(z.string(), z.unknown()).optional(),
      /** Files of the workspace to attach: [{ "path": "=steps.render.path", "filename": "report.pdf" }]. */
      attachments: ex(z.array(z.object({ path: z.string().min(1, 'give the path of a file in the workspace'), filename: z.string().optional() }).strict()).max(10, 'at most 10 files per e-mail')).optional(),
    })
    .strict()
    .refine((p) => p.contactId !== undefined || p.to !== undefined, { error: 'give contactId (e.g. "=input.contactId") or to', path: ['contactId'] })
    .refine((p) => !!(p.html || p.text), { error: 'give html or text', path: ['text'] }),
  paramSpec: { opaque: ['subject', 'html', 'text'] },
  branches: ['sent', 'skipped'],
  validate(params, report) {
    for (const f of ['subject', 'html', 'text'] as const) {
      const src = params[f];
      if (typeof src === 'string') for (const i of validateEmailTemplate(src, f)) report(`params.${f}`, i.message);
    }
  },
  async run(ctx) {
    const p = ctx.params;
    const contactId = p.contactId === undefined ? null : Number(p.contactId);
    if (contactId !== null && (!Number.isInteger(contactId) || contactId <= 0)) throw new NodeError(`email.send: contactId is not a contact id (${String(p.contactId)})`, { retryable: false, code: 'bad_param' });
    let attachments: ReturnType<typeof resolveAttachments>;
    try {
      attachments = resolveAttachments(ctx.env.dataDir, p.attachments);
    } catch (e) {
      if (e instanceof AttachmentError) throw new NodeError(`email.send: ${e.message}`, { retryable: false, code: 'bad_param' });
      throw e;
    }
    let failure: NodeError | undefined;
    const request = { contactId, to: p.to ?? null, subject: p.subject, ...(attachments.length ? { attachments: attachments.map((a) => ({ path: a.path, filename: a.filename, bytes: a.content.length })) } : {}) };
    const r = await ctx.outbox('email.send', request, async (key) => {
      try {
        const out = await deliver(
          { db: ctx.db, secrets: ctx.secrets, now: ctx.now },
          {
            key: `run:${key}`,
            contactId,
            to: p.to ?? null,
            template: { subject: p.subject, html: p.html, text: p.text },
            vars: { ...(p.vars ?? {}), input: ctx.run.input },
            kind: p.kind,
            runId: ctx.run.id,
            ...(attachments.length ? { attachments: attachments.map((a) => ({ filename: a.filename, content: a.content })) } : {}),
          },
        );
        return { ok: out.status !== 'deferred', value: out };
      } catch (e) {
        if (e instanceof MailError) {
          failure = new NodeError(e.message, { retryable: e.retryable, code: e.code });
          throw failure;
        }
        throw e;
      }
    }).catch((e: unknown) => {
      throw failure ?? e;
    });
    const out = r.value;
    if (out.status === 'deferred') return ctx.suspend({ until: out.until, waitingFor: `frequency cap: next e-mail to this contact at ${new Date(out.until).toISOString()}` });
    if (out.status === 'skipped') return { output: { sent: false, reason: out.reason, to: out.to }, branch: 'skipped' };
    return { output: { sent: true, messageId: out.messageId, to: out.to, subject: out.subject, replayed: out.replayed || r.replayed, attachments: attachments.map((a) => ({ path: a.path, filename: a.filename, bytes: a.content.length })) }, branch: 'sent' };
  },
});
