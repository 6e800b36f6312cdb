/**
 * Public routes of the products domain (docs/products.md): the magic link
 * page (GET /access/<token>, /access/<token>/<n> opens module n) and the
 * license check (POST /license/verify). Both read the grant on every request:
 * a revoked grant fails at once.
 */
import { PRODUCT_LINK_KEY, type VerifyResult } from '../../../shared/api';
import type { Core, PublicRequest, PublicResponse, RouteLimits } from '../core';
import { keyBytes, readToken } from './links';
import { grantByLicense, grantRow, productRow } from './store';

const DAY = 86_400_000;
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}li{margin:.4rem 0}.muted{color:#666}</style></head><body>${body}</body></html>`;

export const ACCESS_LIMITS: RouteLimits = { bodyLimit: 1024, perIp: { perMinute: 60, burst: 30 }, global: { perMinute: 6000, burst: 600 } };
export const VERIFY_LIMITS: RouteLimits = { bodyLimit: 4 * 1024, contentTypes: ['application/json', 'application/x-www-form-urlencoded'], perIp: { perMinute: 30, burst: 10 }, global: { perMinute: 3000, burst: 300 } };

const noStore = { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' };

export function accessRoute(core: Core) {
  return async (req: PublicRequest): Promise<PublicResponse> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 405, html: page('Not allowed', '<p>Open the link from your e-mail.</p>'), headers: { allow: 'GET' } };
    const [token = '', n] = req.path.replace(/^\/+|\/+$/g, '').split('/');
    const key = keyBytes(await core.secrets.get(PRODUCT_LINK_KEY));
    const t = key ? readToken(key, token) : null;
    const bad = (status: number, title: string, text: string): PublicResponse => ({ status, html: page(title, `<h1>${esc(title)}</h1><p>${esc(text)}</p>`), headers: noStore });
    if (!t) return bad(404, 'Link not valid', 'This link is not valid: it may be cut or changed. Use the link from your most recent e-mail.');
    const g = grantRow(core.db, t.grantId);
    if (!g) return bad(404, 'Link not valid', 'This link is not valid. Use the link from your most recent e-mail.');
    if (g.status !== 'active') return bad(403, 'Access ended', 'Access to this product has ended. If you think this is a mistake, reply to the e-mail you got it with.');
    if (t.expiresAt <= core.now()) return bad(410, 'Link expired', 'This link has expired. Open the link in your most recent e-mail, or reply to it for a new one.');
    const product = productRow(core.db, g.product_id);
    if (!product) return bad(404, 'Link not valid', 'This product is no longer available.');
    const now = core.now();
    const open = (i: number) => i < g.released || g.granted_at + product.modules[i]!.afterDays * DAY <= now;
    if (n !== undefined) {
      const i = Number(n) - 1;
      const m = Number.isInteger(i) ? product.modules[i] : undefined;
      if (!m) return bad(404, 'No such module', `${product.name} has no module ${n}.`);
      if (!open(i)) return bad(403, 'Not released yet', `${m.title} is released on ${new Date(g.granted_at + m.afterDays * DAY).toISOString().slice(0, 10)}.`);
      if (m.url) return { status: 302, redirect: m.url, headers: noStore };
      return { status: 200, html: page(m.title, `<h1>${esc(m.title)}</h1><p>${esc(m.note ?? '')}</p>`), headers: noStore };
    }
    const items = product.modules
      .map((m, i) => (open(i) ? `<li><a href="${esc(`${token}/${i + 1}`)}">${esc(m.title)}</a>${m.note ? ` <span class="muted">${esc(m.note)}</span>` : ''}</li>` : `<li class="muted">${esc(m.title)} (from ${new Date(g.granted_at + m.afterDays * DAY).toISOString().slice(0, 10)})</li>`))
      .join('');
    const license = g.license_key ? `<p>Your license key: <code>${esc(g.license_key)}</code></p>` : '';
    return { status: 200, html: page(product.name, `<h1>${esc(product.name)}</h1>${license}${items ? `<ul>${items}</ul>` : '<p>Your access is active.</p>'}`), headers: noStore };
  };
}

/** A license key's status (the product id, when given, must match). */
export function verifyLicense(core: Core, key: string, productId?: string): VerifyResult {
  const g = grantByLicense(core.db, key);
  if (!g) return { valid: false, reason: 'unknown', productId: null, grantedAt: null };
  if (productId && g.product_id !== productId) return { valid: false, reason: 'wrong_product', productId: null, grantedAt: null };
  if (g.status !== 'active') return { valid: false, reason: 'revoked', productId: g.product_id, grantedAt: null };
  return { valid: true, reason: null, productId: g.product_id, grantedAt: new Date(g.granted_at).toISOString() };
}

export function verifyRoute(core: Core) {
  return (req: PublicRequest): PublicResponse => {
    if (req.method !== 'POST') return { status: 405, json: { error: 'POST {"key": "...", "productId": "..."} as JSON or a form' }, headers: { allow: 'POST' } };
    let body: Record<string, unknown> = {};
    const text = req.body.toString('utf8');
    try {
      body = /json/i.test(req.headers['content-type'] ?? '') ? (JSON.parse(text) as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(text));
    } catch {
      return { status: 400, json: { error: 'the body is not JSON: send {"key": "XXXXX-XXXXX-XXXXX-XXXXX", "productId": "course-seo"}' } };
    }
    const key = typeof body.key === 'string' ? body.key : '';
    if (!key || key.length > 200) return { status: 400, json: { error: 'give "key": the license key, such as XXXXX-XXXXX-XXXXX-XXXXX' } };
    const productId = typeof body.productId === 'string' && body.productId ? body.productId : undefined;
    return { status: 200, json: verifyLicense(core, key, productId), headers: { 'cache-control': 'no-store' } };
  };
}
