import { z } from 'zod';
import { SendWindow } from '../../../../shared/contract/sales';
import { defineNode, NodeError } from '../../engine/registry';
import { ex } from '../../engine/nodes/util';
import { nextOpenSlot, validTimeZone } from '../../sales/window';
import { amountText, toMajor } from '../money';
import type { InvoiceRow } from '../store';

/**
 * Where a dunning run stands, read from the billing mirror right before the
 * next e-mail: "paid" (recovered, whatever brought the payment), "closed"
 * (voided: nothing is owed) or "unpaid". With a `window`, an unpaid invoice
 * waits for the next open slot of the send window in the client's time zone
 * (as sequences do: the contact's zone, else the window's, else the setting
 * email.timeZone, else UTC), then is read again: a payment made meanwhile ends
 * the run as paid.
 */
export default defineNode({
  type: 'billing.invoice.check',
  description: 'Read a Stripe invoice from the billing mirror (paid, unpaid or closed), waiting for the send window when unpaid.',
  params: z
    .object({
      invoiceId: ex(z.string().regex(/^in_[A-Za-z0-9]+$/, 'use a Stripe invoice id such as in_1Nx… (e.g. "=input.invoiceId")')),
      /** The client (for the time zone); default: the run's subject. */
      contactId: ex(z.number().int().positive()).optional(),
      window: SendWindow.optional(),
    })
    .strict(),
  branches: ['unpaid', 'paid', 'closed'],
  run(ctx) {
    const p = ctx.params;
    const id = String(p.invoiceId ?? '');
    const inv = ctx.db.prepare('SELECT * FROM billing_invoices WHERE id = ?').get(id) as InvoiceRow | undefined;
    if (!inv) throw new NodeError(`billing.invoice.check: there is no invoice ${JSON.stringify(id)} in the billing mirror (reconcile with Stripe: baton billing reconcile)`, { retryable: false, code: 'no_invoice' });
    const minor = inv.status === 'paid' ? inv.amount_paid : inv.amount_remaining;
    const output = {
      invoiceId: inv.id,
      status: inv.status,
      amount: toMajor(minor, inv.currency),
      amountText: amountText(minor, inv.currency),
      currency: inv.currency,
      hostedInvoiceUrl: inv.hosted_invoice_url,
      attemptCount: inv.attempt_count,
    };
    if (inv.status === 'paid') return { output, branch: 'paid' };
    if (inv.status === 'void') return { output, branch: 'closed' };
    if (p.window) {
      const w = p.window;
      const contactId = p.contactId !== undefined ? Number(p.contactId) : Number(ctx.run.subject);
      const tzRow = Number.isInteger(contactId) && contactId > 0 ? (ctx.db.prepare('SELECT time_zone FROM contacts WHERE id = ?').get(contactId) as { time_zone: string | null } | undefined) : undefined;
      const fallback = ctx.env.setting<string | null>('email.timeZone', null);
      const tz = validTimeZone(tzRow?.time_zone) ? tzRow!.time_zone! : w.timeZone ?? (validTimeZone(fallback) ? fallback! : 'UTC');
      const now = ctx.now();
      const slot = nextOpenSlot(now, w, tz);
      if (slot > now) return ctx.suspend({ until: slot, waitingFor: `send window ${w.start}–${w.end}${w.weekdaysOnly ? ' weekdays' : ''} (${tz}): ${new Date(slot).toISOString()}` });
    }
    return { output, branch: 'unpaid' };
  },
});
