/**
 * Imports of exports (docs/growth.md, "Imports"): CSV files of SEO tools and
 * Search Console, backlink tools, campaign reports and trend exports. Each kind
 * has fields with the column names common tools use; a column mapping given
 * once (the mapping dialog) is remembered for exports with the same headers.
 * Parsing is papaparse; numbers accept "1,200", "12 %", "$1.20", "-".
 */
import { lazyRequire } from '../lazy';
import { createHash } from 'node:crypto';
import { ApiError } from '../../../shared/contract/base';
import type { GrowthImportKind } from '../../../shared/contract/growth';
import type { GrowthStore } from './store';

// Loaded on first use: a CSV import or export, not the start (docs/bench.md, "Memory and start").
const papa = lazyRequire<typeof import('papaparse')>('papaparse');

export interface FieldSpec {
  name: string;
  required: boolean;
  description: string;
  /** Header names (lower-case, compared without punctuation) that hold it. */
  aliases: string[];
}

const f = (name: string, required: boolean, description: string, aliases: string[]): FieldSpec => ({ name, required, description, aliases: [name, ...aliases] });

export const FIELDS: Record<GrowthImportKind, FieldSpec[]> = {
  'seo.keywords': [
    f('keyword', true, 'The search keyword', ['keywords', 'query', 'top queries', 'search term', 'term', 'search query']),
    f('volume', false, 'Monthly search volume', ['search volume', 'avg monthly searches', 'avg. monthly searches', 'monthly volume', 'sv', 'global volume']),
    f('difficulty', false, 'Keyword difficulty 0-100', ['keyword difficulty', 'kd', 'kd %', 'kd%', 'seo difficulty']),
    f('position', false, 'Our current position', ['rank', 'current position', 'avg position', 'average position', 'pos']),
    f('url', false, 'Our ranking page', ['current url', 'ranking url', 'page', 'landing page', 'top page']),
    f('cpc', false, 'Cost per click', ['cpc usd', 'cpc (usd)', 'top of page bid']),
    f('intent', false, 'Search intent', ['search intent', 'intents']),
  ],
  'seo.ranks': [
    f('keyword', true, 'The search keyword', ['keywords', 'query', 'top queries', 'search term', 'term']),
    f('position', true, 'Position that day', ['rank', 'avg position', 'average position', 'current position', 'pos']),
    f('date', false, 'Day of the snapshot (else the import day)', ['day', 'snapshot date', 'checked', 'week']),
    f('url', false, 'Ranking page', ['current url', 'ranking url', 'page', 'landing page']),
    f('clicks', false, 'Clicks (Search Console)', []),
    f('impressions', false, 'Impressions (Search Console)', []),
  ],
  'seo.serp': [
    f('keyword', true, 'The search keyword', ['keywords', 'query']),
    f('rank', true, 'Position of that result', ['position', 'serp position', 'pos']),
    f('url', true, 'The ranking page', ['result url', 'link']),
    f('title', false, 'Its title (its length is kept)', ['page title', 'serp title']),
    f('meta', false, 'Its meta description (its length is kept)', ['description', 'meta description', 'snippet']),
    f('words', false, 'Its word count', ['word count', 'wordcount', 'content length']),
    f('headings', false, 'Its number of subheadings', ['h2', 'h2 count', 'subheadings']),
  ],
  'links.backlinks': [
    f('source', true, 'The linking page', ['source url', 'referring page url', 'referring page', 'url from', 'from url', 'source page']),
    f('target', true, 'The page linked to', ['target url', 'url to', 'to url', 'link url', 'destination']),
    f('rating', false, 'Domain rating / authority of the linking site', ['domain rating', 'dr', 'domain authority', 'da', 'authority score', 'ascore', 'trust flow']),
    f('anchor', false, 'Anchor text', ['anchor text', 'link anchor']),
    f('email', false, "The linking site's contact e-mail", ['contact email', 'contact', 'e-mail', 'editor email']),
  ],
  'campaigns.memories': [
    f('id', false, 'Campaign id (else from the name)', ['campaign id', 'campaign_id']),
    f('name', true, 'Campaign name', ['campaign', 'campaign name']),
    f('channel', true, 'Channel (search, social, e-mail …)', ['medium', 'source', 'platform']),
    f('audience', true, 'Audience or segment', ['segment', 'target audience', 'persona']),
    f('offer', true, 'Offer or creative angle', ['promotion', 'creative', 'angle']),
    f('budget', false, 'Budget', ['planned budget']),
    f('spend', true, 'Money spent', ['cost', 'amount spent', 'spent']),
    f('leads', false, 'Leads', ['conversions', 'signups', 'results']),
    f('revenue', true, 'Revenue attributed', ['value', 'conversion value', 'sales']),
    f('status', false, 'finished or running', ['state']),
    f('start', false, 'Start day', ['start date', 'started', 'starts']),
    f('end', false, 'End day', ['end date', 'ended', 'ends']),
  ],
  'content.trends': [
    f('term', true, 'The trend (topic, query)', ['topic', 'trend', 'query', 'keyword', 'search term']),
    f('date', false, 'Day (else the import day)', ['day', 'week', 'month']),
    f('value', true, 'Interest, volume or mentions that day', ['interest', 'search interest', 'volume', 'mentions', 'count', 'score']),
  ],
};

export interface ParsedCsv {
  headers: string[];
  rows: string[][];
}

/** Parse CSV text (header row first; BOM, quotes, embedded newlines). An empty or header-only file is refused. */
export function parseCsv(text: string): ParsedCsv {
  const r = papa().parse<string[]>(text.replace(/^\uFEFF/, ''), { header: false, skipEmptyLines: 'greedy' });
  const [head, ...rows] = r.data;
  if (!head || !head.length) throw new ApiError('invalid_input', 'The file has no header row: the first line must name the columns.', [{ path: 'csv', message: 'no header row' }]);
  return { headers: head.map((h) => String(h ?? '').trim()), rows };
}

export const norm = (h: string): string =>
  h
    .toLowerCase()
    .replace(/\(.*?\)/g, ' ')
    .replace(/[^a-z0-9%]+/g, ' ')
    .trim();

/** The fields' columns guessed from the headers (a header matching a field's name or one of its aliases). */
export function guessMapping(kind: GrowthImportKind, headers: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const used = new Set<string>();
  for (const field of FIELDS[kind]) {
    const aliases = new Set(field.aliases.map(norm));
    const hit = headers.find((h) => !used.has(h) && (aliases.has(norm(h)) || aliases.has(h.toLowerCase().trim())));
    if (hit) {
      out[field.name] = hit;
      used.add(hit);
    }
  }
  return out;
}

const signature = (kind: string, headers: string[]) => createHash('sha1').update(`${kind}\n${headers.map(norm).join('\n')}`).digest('hex').slice(0, 16);

export interface Resolved {
  mapping: Record<string, string>;
  remembered: boolean;
  missing: string[];
}

/** The mapping to use: the one given, else the one remembered for these headers, else the guess. */
export function resolveMapping(store: GrowthStore, kind: GrowthImportKind, headers: string[], given?: Record<string, string>): Resolved {
  const fields = FIELDS[kind];
  const known = new Set(fields.map((x) => x.name));
  const remembered = store.state<Record<string, string> | null>(`mapping:${kind}:${signature(kind, headers)}`, null);
  let mapping = { ...guessMapping(kind, headers), ...(remembered ?? {}) };
  if (given) {
    const issues: { path: string; message: string }[] = [];
    for (const [field, header] of Object.entries(given)) {
      if (!known.has(field)) issues.push({ path: `mapping.${field}`, message: `"${field}" is not a field of ${kind} (fields: ${[...known].join(', ')})` });
      else if (!headers.includes(header)) issues.push({ path: `mapping.${field}`, message: `the file has no column "${header}" (columns: ${headers.join(', ')})` });
    }
    if (issues.length) throw new ApiError('invalid_input', `The column mapping does not fit the file: ${issues.map((i) => i.message).join('; ')}.`, issues);
    mapping = { ...mapping, ...given };
  }
  const missing = fields.filter((x) => x.required && !mapping[x.name]).map((x) => x.name);
  return { mapping, remembered: !!remembered && !given, missing };
}

export function rememberMapping(store: GrowthStore, kind: GrowthImportKind, headers: string[], mapping: Record<string, string>): void {
  store.setState(`mapping:${kind}:${signature(kind, headers)}`, mapping);
}

/** Refuse an import whose required fields have no column, naming them and the columns found (the UI shows the mapping dialog). */
export function requireFields(kind: GrowthImportKind, headers: string[], r: Resolved): void {
  if (!r.missing.length) return;
  const fields = FIELDS[kind];
  throw new ApiError(
    'invalid_input',
    `No column for ${r.missing.map((m) => `"${m}"`).join(', ')} in this ${kind} export (its columns: ${headers.join(', ')}). Map them: give mapping { field: column } (Growth page: the mapping dialog).`,
    r.missing.map((m) => ({ path: `mapping.${m}`, message: `no column for "${m}" (${fields.find((x) => x.name === m)?.description ?? ''}); columns: ${headers.join(', ')}` })),
  );
}

/** A row accessor by field name. */
export function accessor(headers: string[], mapping: Record<string, string>): (row: string[], field: string) => string {
  const idx = new Map<string, number>();
  for (const [field, header] of Object.entries(mapping)) idx.set(field, headers.indexOf(header));
  return (row, field) => {
    const i = idx.get(field);
    return i === undefined || i < 0 ? '' : String(row[i] ?? '').trim();
  };
}

/** "1,200" -> 1200, "12 %" -> 12, "$1.20" -> 1.2, "", "-", "n/a" -> null; "1.2k" -> 1200. */
export function num(s: string): number | null {
  let t = s.trim().toLowerCase();
  if (!t || t === '-' || t === 'n/a' || t === 'na' || t === '—') return null;
  let mult = 1;
  if (/^[<>~]/.test(t)) t = t.slice(1);
  if (/k$/.test(t)) {
    mult = 1000;
    t = t.slice(0, -1);
  } else if (/m$/.test(t)) {
    mult = 1_000_000;
    t = t.slice(0, -1);
  }
  t = t.replace(/[$€£%\s]/g, '');
  if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(t)) t = t.replace(/,/g, '');
  else if (/^-?\d+,\d+$/.test(t)) t = t.replace(',', '.');
  const n = Number(t);
  return Number.isFinite(n) ? n * mult : null;
}

/** A day (YYYY-MM-DD) from common date forms, else null. */
export function dayOf(s: string): string | null {
  const t = s.trim();
  if (!t) return null;
  if (/^\d{4}-\d{2}-\d{2}/.test(t)) return t.slice(0, 10);
  if (/^\d{4}-\d{2}$/.test(t)) return `${t}-01`;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString().slice(0, 10);
}

export const keywordOf = (s: string): string => s.toLowerCase().replace(/\s+/g, ' ').trim();

export function hostOf(url: string): string | null {
  try {
    return new URL(/^https?:\/\//i.test(url) ? url : `http://${url}`).hostname.replace(/^www\./, '').toLowerCase();
  } catch {
    return null;
  }
}
