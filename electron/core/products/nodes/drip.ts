import { z } from 'zod';
import { PRODUCT_LINK_KEY } from '../../../../shared/api';
import { SendWindow } from '../../../../shared/contract/sales';
import { defineNode, NodeError } from '../../engine/registry';
import { ex } from '../../engine/nodes/util';
import { NETWORK_STEP_TIMEOUT_MS } from '../../engine/pool-limits';
import { deliver, MailError } from '../../sales/mail';
import { validateEmailTemplate } from '../../sales/template';
import { nextOpenSlot, validTimeZone } from '../../sales/window';
import { accessUrl, keyBytes, LinkKeyMissing } from '../links';
import { grantEventData, grantRow, productRow, type GrantRow } from '../store';

const DAY = 86_400_000;

const MODULE_SUBJECT = '{{ vars.product }}: {{ vars.module }}';
const MODULE_HTML =
  '<p>Hi {{ contact.first_name | default: "there" }},</p><p>{{ vars.module }} of {{ vars.product }} is ready for you.</p>{% if vars.note != "" %}<p>{{ vars.note }}</p>{% endif %}<p><a href="{{ vars.module_url }}">Open {{ vars.module }}</a></p><p>All your modules: {{ vars.access_url }}</p>{% if vars.license_key != "" %}<p>Your license key: {{ vars.license_key }}</p>{% endif %}<p>{{ sender.name | default: sender.email }}</p>';

/**
 * Release a product's modules by e-mail over days (docs/products.md, "Drip"):
 * module i goes out `afterDays` after the grant, each e-mail with a fresh
 * signed link to it; then, when the product has an upsell, its offer
 * `upsell.afterDays` after the last module (not to buyers who already have the
 * offered product). Between releases the step waits on a durable timer and
 * wakes at once on access.revoked for this grant: a revoked grant gets
 * nothing more (branch "revoked"). Each e-mail is sent once (the e-mail
 * ledger's key is the grant and module), honours suppression, the send
 * `window` in the buyer's time zone and, for kind "marketing" (the upsell
 * always is), the per-contact frequency cap.
 */
export default defineNode({
  type: 'product.drip',
  timeoutMs: NETWORK_STEP_TIMEOUT_MS,
  description: 'Release a product\'s modules by e-mail over days (signed links), then its upsell; stops when access is revoked.',
  params: z
    .object({
      grantId: ex(z.number().int().positive()),
      window: SendWindow.optional(),
      kind: z.enum(['transactional', 'marketing']).default('transactional'),
      subject: z.string().min(1).max(300).default(MODULE_SUBJECT),
      html: z.string().min(1).max(20_000).default(MODULE_HTML),
      upsell: z.boolean().default(true),
    })
    .strict(),
  paramSpec: { opaque: ['subject', 'html'] },
  branches: ['completed', 'revoked'],
  validate(params, report) {
    for (const f of ['subject', 'html'] as const) for (const i of validateEmailTemplate(params[f], f)) report(`params.${f}`, i.message);
  },
  async run(ctx) {
    const p = ctx.params;
    const id = Number(p.grantId);
    let g = grantRow(ctx.db, id);
    if (!g) throw new NodeError(`product.drip: there is no grant ${String(p.grantId)} (e.g. "=steps.grant.grantId")`, { retryable: false, code: 'no_grant' });
    const product = productRow(ctx.db, g.product_id);
    if (!product) throw new NodeError(`product.drip: the product ${g.product_id} was deleted`, { retryable: false, code: 'no_product' });
    const summary = (row: GrantRow) => ({ grantId: row.id, productId: row.product_id, released: row.released, modules: product.modules.length, status: row.status, upsellSent: row.upsell_sent_at !== null });
    if (g.status === 'revoked' || ctx.resume?.kind === 'event') return { output: { ...summary(grantRow(ctx.db, id) as GrantRow), revoked: true }, branch: 'revoked' };
    const key = keyBytes(await ctx.secrets.get(PRODUCT_LINK_KEY));
    if (!key) throw new NodeError(`product.drip: ${new LinkKeyMissing().message}`, { retryable: false, code: 'no_link_key' });
    const onRevoke = { type: 'access.revoked', match: { 'data.grantId': id } };
    const now = ctx.now();
    const contactId = g.contact_id;
    const windowWait = (): number => {
      if (!p.window) return now;
      const tzRow = contactId ? (ctx.db.prepare('SELECT time_zone FROM contacts WHERE id = ?').get(contactId) as { time_zone: string | null } | undefined) : undefined;
      const fallback = ctx.env.setting<string | null>('email.timeZone', null);
      const tz = validTimeZone(tzRow?.time_zone) ? tzRow!.time_zone! : p.window.timeZone ?? (validTimeZone(fallback) ? fallback! : 'UTC');
      return nextOpenSlot(now, p.window, tz);
    };
    const send = async (mailKey: string, template: { subject: string; html: string }, vars: Record<string, unknown>, kind: 'transactional' | 'marketing') => {
      try {
        return await deliver({ db: ctx.db, secrets: ctx.secrets, now: ctx.now }, { key: mailKey, contactId, to: g!.email, template, vars, kind, runId: ctx.run.id });
      } catch (e) {
        if (e instanceof MailError) throw new NodeError(`product.drip: ${e.message}`, { retryable: e.retryable, code: e.code });
        throw e;
      }
    };
    const subject = contactId ? { type: 'contact', id: String(contactId) } : undefined;

    while (g.released < product.modules.length) {
      const i = g.released;
      const m = product.modules[i]!;
      const due = g.granted_at + Math.round(m.afterDays * DAY);
      if (due > now) return ctx.suspend({ until: due, event: onRevoke, waitingFor: `module ${i + 1} of ${product.modules.length} (${m.title}) at ${new Date(due).toISOString()}` });
      const slot = windowWait();
      if (slot > now) return ctx.suspend({ until: slot, event: onRevoke, waitingFor: `send window for module ${i + 1}: ${new Date(slot).toISOString()}` });
      const link = accessUrl(ctx.db, key, id, now, product.linkDays);
      const out = await send(
        `product:${id}:m${i}`,
        { subject: String(p.subject), html: String(p.html) },
        { product: product.name, module: m.title, note: m.note ?? '', module_url: `${link.url}/${i + 1}`, access_url: link.url, license_key: g.license_key ?? '', number: i + 1, modules: product.modules.length },
        p.kind,
      );
      if (out.status === 'deferred') return ctx.suspend({ until: out.until, event: onRevoke, waitingFor: `frequency cap: module ${i + 1} at ${new Date(out.until).toISOString()}` });
      ctx.db.prepare('UPDATE product_grants SET released = MAX(released, ?) WHERE id = ?').run(i + 1, id);
      ctx.publish({ type: 'product.module_released', data: { ...grantEventData(ctx.db, g), module: i + 1, title: m.title, sent: out.status === 'sent' }, ...(subject ? { subject } : {}) });
      g = grantRow(ctx.db, id) as GrantRow;
      ctx.env.emit('products.changed', { productId: g.product_id });
    }
    if (g.drip_completed_at === null) {
      ctx.db.prepare('UPDATE product_grants SET drip_completed_at = ? WHERE id = ? AND drip_completed_at IS NULL').run(now, id);
      ctx.publish({ type: 'product.drip_completed', data: { ...grantEventData(ctx.db, g), modules: product.modules.length }, ...(subject ? { subject } : {}) });
      g = grantRow(ctx.db, id) as GrantRow;
    }
    const up = product.upsell;
    if (p.upsell && up && g.upsell_sent_at === null) {
      const due = (g.drip_completed_at as number) + Math.round(up.afterDays * DAY);
      if (due > now) return ctx.suspend({ until: due, event: onRevoke, waitingFor: `upsell offer at ${new Date(due).toISOString()}` });
      const owns = up.productId ? ctx.db.prepare(`SELECT 1 FROM product_grants WHERE product_id = ? AND status = 'active' AND (contact_id = ? OR email = ?)`).get(up.productId, contactId, g.email) : undefined;
      if (owns) {
        ctx.db.prepare('UPDATE product_grants SET upsell_sent_at = ? WHERE id = ?').run(now, id);
        return { output: { ...summary(grantRow(ctx.db, id) as GrantRow), upsell: { sent: false, reason: `already has ${up.productId}` } }, branch: 'completed' };
      }
      const slot = windowWait();
      if (slot > now) return ctx.suspend({ until: slot, event: onRevoke, waitingFor: `send window for the upsell: ${new Date(slot).toISOString()}` });
      const out = await send(`product:${id}:upsell`, { subject: up.subject, html: up.html }, { product: product.name, offer_url: up.url ?? '' }, 'marketing');
      if (out.status === 'deferred') return ctx.suspend({ until: out.until, event: onRevoke, waitingFor: `frequency cap: upsell at ${new Date(out.until).toISOString()}` });
      ctx.db.prepare('UPDATE product_grants SET upsell_sent_at = ? WHERE id = ?').run(now, id);
      return { output: { ...summary(grantRow(ctx.db, id) as GrantRow), upsell: out.status === 'sent' ? { sent: true, messageId: out.messageId } : { sent: false, reason: out.reason } }, branch: 'completed' };
    }
    return { output: summary(g), branch: 'completed' };
  },
});
