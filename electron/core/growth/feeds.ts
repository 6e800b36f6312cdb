/**
 * RSS and Atom feeds for the trend content engine. The only file that knows
 * the feed parser: rss-parser (RSS 0.9x/1.0/2.0 and Atom through xml2js),
 * loaded on first use. The feed is fetched here (timeout, size limit, status
 * checked) and the parser only reads the text.
 */
import type ParserType from 'rss-parser';
import { lazyRequire } from '../lazy';

export interface FeedItem {
  title: string;
  link: string | null;
  /** ISO time, or null when the item has no date. */
  date: string | null;
  categories: string[];
  summary: string;
}

export interface Feed {
  title: string | null;
  items: FeedItem[];
}

const MAX_BYTES = 5 * 1024 * 1024;
const parserModule = lazyRequire<typeof ParserType>('rss-parser');

/** An item's categories: RSS <category>text</category> (rss-parser's `categories`), else Atom <category term="…"/>. */
function categoriesOf(i: { categories?: unknown[]; rawCategories?: unknown }): string[] {
  const text = (c: unknown): string => (typeof c === 'string' ? c : String((c as { _?: string; $?: { term?: string; label?: string } } | null)?._ ?? (c as { $?: { term?: string } } | null)?.$?.term ?? ''));
  const rss = (i.categories ?? []).map(text).filter(Boolean);
  if (rss.length) return rss;
  return (Array.isArray(i.rawCategories) ? i.rawCategories : []).map(text).map((c) => c.trim()).filter(Boolean);
}

/** Parse RSS or Atom text; throws with the parser's reason when it is neither. */
export async function parseFeed(xml: string): Promise<Feed> {
  const Parser = parserModule();
  // Atom's <category term="…"/> is not among rss-parser's item fields: read it as a custom field.
  const parser = new Parser({ timeout: 10_000, customFields: { item: [['category', 'rawCategories', { keepArray: true }]] } });
  let out: Awaited<ReturnType<ParserType['parseString']>>;
  try {
    out = await parser.parseString(xml);
  } catch (e) {
    throw new Error(`not an RSS or Atom feed (${(e as Error).message.split('\n')[0]})`);
  }
  if (!Array.isArray(out.items)) throw new Error('not an RSS or Atom feed (no items)');
  return {
    title: out.title ?? null,
    items: out.items.map((i) => ({
      title: String(i.title ?? '').trim(),
      link: i.link ?? null,
      date: i.isoDate ?? (i.pubDate && !Number.isNaN(Date.parse(i.pubDate)) ? new Date(i.pubDate).toISOString() : null),
      categories: categoriesOf(i),
      summary: String(i.contentSnippet ?? i.summary ?? '').slice(0, 500),
    })),
  };
}

/** GET a feed and parse it; an HTTP error, a timeout or malformed XML throws with the reason. */
export async function fetchFeed(url: string, signal?: AbortSignal): Promise<Feed> {
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5' },
      signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(20_000)]) : AbortSignal.timeout(20_000),
    });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    throw new Error(`the feed did not answer (${err.name === 'TimeoutError' ? 'timeout after 20 s' : (err.cause?.code ?? err.message)})`);
  }
  if (!res.ok) throw new Error(`the feed answered HTTP ${res.status}`);
  const text = await res.text();
  if (text.length > MAX_BYTES) throw new Error(`the feed is larger than ${MAX_BYTES / 1024 / 1024} MB`);
  return parseFeed(text);
}
