/**
 * Untrusted HTML (an e-mail body, a post, an AI draft rendered from Markdown) shown
 * as the recipient would read it, without running anything: the HTML is parsed by
 * DOMParser into an inert document (no scripts run, nothing loads) and rebuilt as
 * React elements from an allow-list. Scripts, styles, forms, frames and event
 * handlers are dropped; images are not fetched (a placeholder names them); links
 * keep http(s)/mailto targets only and open in a new tab without a referrer.
 */
import { createElement, Fragment, useMemo, type ReactNode } from 'react';
import { marked } from 'marked';
import './rendered.css';

const KEEP = new Set([
  'p', 'br', 'hr', 'b', 'strong', 'i', 'em', 'u', 's', 'del', 'ins', 'small', 'sub', 'sup', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li',
  'span', 'div', 'table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption', 'dl', 'dt', 'dd', 'mark', 'abbr', 'figure', 'figcaption',
  'section', 'article', 'header', 'footer', 'center',
]);
/** Dropped with everything inside them. */
const DROP = new Set(['script', 'style', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'form', 'input', 'button', 'select', 'textarea', 'link', 'meta', 'base', 'svg', 'math', 'template', 'noscript', 'title', 'head', 'audio', 'video', 'canvas', 'portal']);
const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);

function safeHref(href: string | null): string | null {
  if (!href) return null;
  try {
    const u = new URL(href, 'https://invalid.example/');
    if (u.origin === 'https://invalid.example') return null;
    return u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'mailto:' ? u.href : null;
  } catch {
    return null;
  }
}

function convert(node: Node, key: string): ReactNode {
  if (node.nodeType === 3) return node.textContent;
  if (node.nodeType !== 1) return null;
  const el = node as Element;
  const tag = el.tagName.toLowerCase();
  if (DROP.has(tag)) return null;
  const kids = () => Array.from(el.childNodes).map((c, i) => convert(c, `${key}.${i}`));
  if (tag === 'img') {
    const alt = el.getAttribute('alt');
    return createElement('span', { key, className: 'pv-img', title: 'Images are not loaded in the preview' }, `[image${alt ? `: ${alt}` : ''}]`);
  }
  if (tag === 'a') {
    const href = safeHref(el.getAttribute('href'));
    if (!href) return createElement('span', { key, className: 'pv-link-dead' }, ...kids());
    return createElement('a', { key, href, target: '_blank', rel: 'noopener noreferrer nofollow', referrerPolicy: 'no-referrer' }, ...kids());
  }
  // The preview's headings are part of the message, not of the page outline.
  if (HEADINGS.has(tag)) return createElement('div', { key, className: `pv-${tag}` }, ...kids());
  if (KEEP.has(tag)) {
    const props: Record<string, unknown> = { key };
    if (tag === 'td' || tag === 'th') {
      for (const a of ['colspan', 'rowspan'] as const) {
        const n = Number(el.getAttribute(a));
        if (Number.isInteger(n) && n > 1 && n < 100) props[a === 'colspan' ? 'colSpan' : 'rowSpan'] = n;
      }
    }
    if (tag === 'ol') {
      const start = Number(el.getAttribute('start'));
      if (Number.isInteger(start)) props.start = start;
    }
    const children = kids();
    return tag === 'br' || tag === 'hr' ? createElement(tag, props) : createElement(tag, props, ...children);
  }
  // Unknown element (html, body, font, center …): keep its content only.
  return createElement(Fragment, { key }, ...kids());
}

export function sanitizeHtml(html: string): ReactNode {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  return Array.from(doc.body.childNodes).map((n, i) => convert(n, String(i)));
}

export function SafeHtml({ html, className }: { html: string; className?: string }) {
  const nodes = useMemo(() => sanitizeHtml(html), [html]);
  return <div className={className ? `rendered ${className}` : 'rendered'}>{nodes}</div>;
}

export function Markdown({ text, className }: { text: string; className?: string }) {
  const html = useMemo(() => marked.parse(text, { async: false, gfm: true, breaks: false }), [text]);
  return <SafeHtml html={html} {...(className ? { className } : {})} />;
}
