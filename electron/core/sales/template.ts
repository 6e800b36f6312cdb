/**
 * E-mail templates in Liquid (liquidjs): personalization tokens with
 * fallbacks (`{{ contact.first_name | default: "there" }}`), HTML output
 * escaped by default (outputEscape), a plain-text part.
 *
 * strictVariables: a token that does not exist fails the render naming it, so
 * "Hi {{first_name}}" is never sent. A field that exists but is empty (null)
 * renders empty, or its `default`. validateEmailTemplate() refuses unknown
 * tokens when a sequence or workflow is saved.
 */
import type { Liquid, Template } from 'liquidjs';
import { lazyRequire } from '../lazy';
import { parseStored } from '../db/integrity';

const liquidjs = lazyRequire<typeof import('liquidjs')>('liquidjs');

export class TemplateError extends Error {
  constructor(
    message: string,
    readonly field: string,
    readonly token?: string,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** Variables a template may use. */
export const EMAIL_ROOTS = ['contact', 'sender', 'unsubscribe_url', 'booking_url', 'lead_magnet_url', 'vars'] as const;
/** contact.<key> that always exist (null when unknown); contact.custom.<name> only when set. */
export const CONTACT_KEYS = ['id', 'email', 'first_name', 'last_name', 'full_name', 'name', 'phone', 'title', 'company', 'company_domain', 'stage', 'score', 'time_zone', 'tags', 'custom'] as const;
const SENDER_KEYS = ['name', 'email'];

const opts = { strictVariables: true, strictFilters: true, cache: 500 } as const;
let engines: { html: Liquid; text: Liquid } | null = null;
const enginesOf = () => (engines ??= { html: new (liquidjs().Liquid)({ ...opts, outputEscape: 'escape' }), text: new (liquidjs().Liquid)(opts) });

/** Parsed templates per engine (a parsed template renders any number of times): a task title or a sequence e-mail is parsed once, not for every lead. */
const parsedCache = new WeakMap<Liquid, Map<string, Template[]>>();

function parse(engine: Liquid, src: string, field: string): Template[] {
  let m = parsedCache.get(engine);
  if (!m) parsedCache.set(engine, (m = new Map()));
  const hit = m.get(src);
  if (hit) return hit;
  try {
    const tpl = engine.parse(src);
    if (m.size >= 200) m.clear();
    m.set(src, tpl);
    return tpl;
  } catch (e) {
    throw new TemplateError(`${field}: the template does not parse: ${(e as Error).message.split('\n')[0]}`, field);
  }
}

/** Problems with a template's tokens (empty when fine). */
export function validateEmailTemplate(src: string, field: string, roots: readonly string[] = EMAIL_ROOTS): { path: string; message: string }[] {
  let tpl: Template[];
  try {
    tpl = parse(enginesOf().text, src, field);
  } catch (e) {
    return [{ path: field, message: (e as Error).message }];
  }
  const out: { path: string; message: string }[] = [];
  for (const seg of enginesOf().text.globalVariableSegmentsSync(tpl)) {
    const root = String(seg[0]);
    const token = seg.map(String).join('.');
    if (!roots.includes(root)) {
      const hint = (CONTACT_KEYS as readonly string[]).includes(root) ? ` (did you mean contact.${root}?)` : '';
      out.push({ path: field, message: `unknown token {{ ${token} }}${hint}; use ${roots.join(', ')}` });
    } else if (root === 'contact' && seg.length > 1 && !(CONTACT_KEYS as readonly string[]).includes(String(seg[1]))) {
      out.push({ path: field, message: `unknown token {{ ${token} }}: contact has ${CONTACT_KEYS.join(', ')} (custom fields as contact.custom.<name>)` });
    } else if (root === 'sender' && seg.length > 1 && !SENDER_KEYS.includes(String(seg[1]))) {
      out.push({ path: field, message: `unknown token {{ ${token} }}: sender has name, email` });
    }
  }
  return out;
}

function render(engine: Liquid, src: string, scope: object, field: string): string {
  const tpl = parse(engine, src, field);
  try {
    return engine.renderSync(tpl, scope) as string;
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0] ?? '';
    const m = /undefined variable: ([^,]+)/.exec(msg);
    if (m) throw new TemplateError(`${field}: unknown token {{ ${m[1]} }} (give it a fallback: {{ ${m[1]} | default: "…" }})`, field, m[1]);
    throw new TemplateError(`${field}: ${msg}`, field);
  }
}

/** Roots a task or deal title may use (crm.task.create, crm.deal.create): the contact and the node's vars. */
export const TITLE_ROOTS = ['contact', 'vars'] as const;

/** Render a one-line plain-text template (a task or deal title); throws TemplateError naming the token. */
export function renderTitle(src: string, scope: object, field: string): string {
  return render(enginesOf().text, src, scope, field).replace(/[\r\n]+/g, ' ').trim();
}

/** contact.* when there is no contact: every key present and null (a `default` filter then applies). */
export const NO_CONTACT: Record<string, unknown> = Object.fromEntries(CONTACT_KEYS.map((k) => [k, k === 'tags' ? [] : k === 'custom' ? {} : null]));

/** HTML -> readable plain text (links kept as "text (url)"). */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
    .replace(/<a\s[^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, (_, href: string, t: string) => `${t} (${href})`)
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|h[1-6]|li|tr)>/gi, '\n')
    .replace(/<li[^>]*>/gi, '- ')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#(\d{1,6});/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]{1,6});/gi, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export interface RenderedEmail {
  subject: string;
  html: string | null;
  text: string;
}

/**
 * Render subject (plain), html (escaped) and text (plain; from the HTML when
 * not given). Throws TemplateError naming the field and the token.
 */
export function renderEmail(t: { subject: string; html?: string | null | undefined; text?: string | null | undefined }, scope: object): RenderedEmail {
  const subject = render(enginesOf().text, t.subject, scope, 'subject').replace(/[\r\n]+/g, ' ').trim();
  const html = t.html ? render(enginesOf().html, t.html, scope, 'html') : null;
  const text = t.text ? render(enginesOf().text, t.text, scope, 'text') : htmlToText(html ?? '');
  if (!subject) throw new TemplateError('subject: the subject is empty after rendering', 'subject');
  return { subject, html, text };
}

/** The contact as templates see it: every known key present (null when unknown). */
export function contactScope(c: {
  id: number;
  email: string;
  first_name: string | null;
  last_name: string | null;
  phone?: string | null;
  title?: string | null;
  company_name?: string | null;
  company_domain?: string | null;
  stage?: string | null;
  score?: number | null;
  time_zone?: string | null;
  custom?: string | Record<string, unknown> | null;
  tags?: string[];
}): Record<string, unknown> {
  const full = [c.first_name, c.last_name].filter(Boolean).join(' ') || null;
  const custom = typeof c.custom === 'string' ? parseStored<Record<string, unknown>>(c.custom, 'contacts.custom', c.id) : (c.custom ?? {});
  return {
    id: c.id,
    email: c.email,
    first_name: c.first_name || null,
    last_name: c.last_name || null,
    full_name: full,
    name: full ?? c.email,
    phone: c.phone ?? null,
    title: c.title ?? null,
    company: c.company_name ?? null,
    company_domain: c.company_domain ?? null,
    stage: c.stage ?? null,
    score: c.score ?? null,
    time_zone: c.time_zone ?? null,
    tags: c.tags ?? [],
    custom,
  };
}
