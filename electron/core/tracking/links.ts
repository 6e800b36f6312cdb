/**
 * Click and open tracking at render (docs/tracking.md, "Links"). Called by
 * deliver() (sales/mail.ts) for a marketing e-mail to a contact, on whatever
 * connection sends it (main thread or a Bree worker):
 *
 * - every distinct http(s) link of the HTML (`<a href>`, `<area href>`) and
 *   of the text part gets a row of email_links (message id, index, url,
 *   contact) and is replaced by `<public address>/t/c/<token>`, the token
 *   naming the row and the contact, signed with TRACKING_KEY. The target stays
 *   here, so the redirect never takes one from a request;
 * - unsubscribe links, Baton's own /u/ and /t/ links, mailto:, tel: and other
 *   schemes are left alone;
 * - with opens on, a 1x1 image `/t/o/<token>.gif` goes at the end of the HTML.
 *
 * A retried send has the same Message-ID, hence the same rows and links.
 */
import type { Sqlite } from '../db/open';
import { KIND, signToken } from './token';
import { keyOf, publicBase, switchState, TRACKING_KEY } from './config';

/** More distinct links than this in one e-mail are left as they are. */
export const MAX_LINKS = 200;

export interface TrackEnv {
  db: Sqlite;
  secrets: { get(name: string): Promise<string | null> };
}

export interface TrackInput {
  messageId: string;
  contactId: number;
  html: string | null;
  text: string;
  /** Addresses never rewritten (the unsubscribe link). */
  keep: readonly string[];
}

export interface Tracked {
  html: string | null;
  text: string;
  /** Links rewritten (distinct targets). */
  links: number;
  pixel: boolean;
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** The text of an HTML attribute value (character references decoded). */
export function decodeAttr(v: string): string {
  return v.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,8});/gi, (m, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return NAMED[ref.toLowerCase()] ?? m;
  });
}

const TAG = /<(a|area)\b((?:[^>"']|"[^"]*"|'[^']*')*)>/gi;
const HREF = /(\shref\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i;
const TEXT_URL = /\bhttps?:\/\/[^\s<>"'`]+/gi;

/** A URL found in text, without the punctuation that ends the sentence around it. */
function trimUrl(u: string): string {
  let s = u.replace(/[.,;:!?]+$/, '');
  while (s.endsWith(')') && (s.match(/\(/g) ?? []).length < (s.match(/\)/g) ?? []).length) s = s.slice(0, -1).replace(/[.,;:!?]+$/, '');
  return s;
}

function trackable(url: string, base: string, keep: ReadonlySet<string>): boolean {
  if (!/^https?:\/\//i.test(url) || url.length > 4000 || keep.has(url)) return false;
  try {
    new URL(url);
  } catch {
    return false;
  }
  return !(url.startsWith(`${base}/u/`) || url.startsWith(`${base}/t/`));
}

/** Every distinct trackable link of the e-mail, in the order it first appears (HTML, then text). */
export function findLinks(html: string | null, text: string, base: string, keep: readonly string[]): string[] {
  const keepSet = new Set(keep);
  const found: string[] = [];
  const seen = new Set<string>();
  const add = (u: string) => {
    if (!seen.has(u) && trackable(u, base, keepSet)) {
      seen.add(u);
      found.push(u);
    }
  };
  if (html)
    for (const t of html.matchAll(TAG)) {
      const h = HREF.exec(t[2] ?? '');
      if (h) add(decodeAttr((h[2] ?? h[3] ?? h[4] ?? '').trim()));
    }
  for (const m of text.matchAll(TEXT_URL)) add(trimUrl(m[0]));
  return found.slice(0, MAX_LINKS);
}

/** Rewrite the links (and add the pixel) of one e-mail; unchanged when tracking is off or has no key. */
export async function trackEmail(env: TrackEnv, m: TrackInput): Promise<Tracked> {
  const key = keyOf(await env.secrets.get(TRACKING_KEY));
  const clicks = switchState(env.db, 'clicks', key !== null).active;
  const opens = switchState(env.db, 'opens', key !== null).active && m.html !== null;
  if (!key || (!clicks && !opens)) return { html: m.html, text: m.text, links: 0, pixel: false };
  const base = publicBase(env.db);
  const urls = clicks ? findLinks(m.html, m.text, base, m.keep) : [];
  const upsert = env.db.prepare(
    `INSERT INTO email_links (message_id, idx, url, contact_id) VALUES (?, ?, ?, ?)
     ON CONFLICT(message_id, idx) DO UPDATE SET url = excluded.url, contact_id = excluded.contact_id RETURNING id`,
  );
  const ids = new Map<string, number>();
  let pixelId = 0;
  env.db.transaction(() => {
    urls.forEach((u, i) => ids.set(u, (upsert.get(m.messageId, i + 1, u, m.contactId) as { id: number }).id));
    if (opens) pixelId = (upsert.get(m.messageId, 0, null, m.contactId) as { id: number }).id;
  })();
  const link = (u: string): string | null => {
    const id = ids.get(u);
    return id === undefined ? null : `${base}/t/c/${signToken(key, KIND.click, [id, m.contactId])}`;
  };
  let html = m.html;
  if (html !== null && ids.size)
    html = html.replace(TAG, (tag: string, _name: string, attrs: string) => {
      const h = HREF.exec(attrs);
      if (!h) return tag;
      const to = link(decodeAttr((h[2] ?? h[3] ?? h[4] ?? '').trim()));
      if (!to) return tag;
      const at = tag.indexOf(h[0]);
      return `${tag.slice(0, at)}${h[1]}"${to}"${tag.slice(at + h[0].length)}`;
    });
  const text = ids.size ? m.text.replace(TEXT_URL, (u: string) => {
    const url = trimUrl(u);
    const to = link(url);
    return to ? to + u.slice(url.length) : u;
  }) : m.text;
  if (html !== null && opens) {
    const img = `<img src="${base}/t/o/${signToken(key, KIND.open, [pixelId, m.contactId])}.gif" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0;margin:0;padding:0">`;
    html = /<\/body>/i.test(html) ? html.replace(/<\/body>/i, `${img}</body>`) : `${html}\n${img}`;
  }
  return { html, text, links: ids.size, pixel: opens };
}
