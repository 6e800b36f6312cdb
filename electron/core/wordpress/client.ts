/**
 * WordPress REST client (wp-json/wp/v2/posts) with an application password
 * (HTTP Basic: user + application password). The password comes from the
 * secret store (WORDPRESS_APP_PASSWORD); the site URL and user are settings.
 *
 * Exactly once: WordPress has no idempotency key, so every post Baton creates
 * carries a marker unique to the run + node (an HTML comment holding a hash of
 * the outbox key). Before creating — and before any retry — the client looks
 * the marker up (drafts included) and reuses the post it finds.
 */
import { createHash } from 'node:crypto';
import type { marked as Marked } from 'marked';
import { lazyRequire } from '../lazy';
import { WORDPRESS_PASSWORD_SECRET } from '../../../shared/contract/wordpress';

export const WP_PASSWORD_SECRET = WORDPRESS_PASSWORD_SECRET;

export interface WpConfig {
  siteUrl: string;
  user: string;
  appPassword: string;
  timeoutMs?: number;
}

export type WpStatus = 'draft' | 'publish' | 'pending' | 'private';

export interface WpPost {
  id: number;
  link: string;
  slug: string;
  status: string;
}

export class WpError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    readonly code?: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'WpError';
  }
}

/** Read the site URL and user from settings and the application password from the secret store. */
export async function wordpressConfig(env: { setting<T>(k: string, f: T): T; secrets: { get(n: string): Promise<string | null> } }): Promise<WpConfig> {
  const siteUrl = env.setting<string | null>('wordpress.siteUrl', null);
  const user = env.setting<string | null>('wordpress.user', null);
  if (!siteUrl || typeof siteUrl !== 'string') throw new WpError('WordPress is not set up: set wordpress.siteUrl in Settings (e.g. https://blog.example.com).', false, undefined, 'config');
  try {
    const u = new URL(siteUrl);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('protocol');
  } catch {
    throw new WpError(`Setting wordpress.siteUrl is not an http(s) URL: ${JSON.stringify(siteUrl)}.`, false, undefined, 'config');
  }
  if (!user || typeof user !== 'string') throw new WpError('WordPress is not set up: set wordpress.user (the WordPress user name) in Settings.', false, undefined, 'config');
  const appPassword = await env.secrets.get(WP_PASSWORD_SECRET);
  if (!appPassword) {
    throw new WpError(`No WordPress application password: create one in WordPress (Users → Profile → Application Passwords) and store it in Settings as ${WP_PASSWORD_SECRET}.`, false, undefined, 'config');
  }
  return { siteUrl, user, appPassword, timeoutMs: env.setting<number>('wordpress.timeoutMs', 30_000) };
}

/** The marker token for an outbox key: short, unique, searchable. */
export function markerToken(key: string): string {
  return `baton-${createHash('sha256').update(key).digest('hex').slice(0, 20)}`;
}
export function markerComment(key: string): string {
  return `<!-- ${markerToken(key)} -->`;
}

/** Markdown (what Claude writes) -> HTML for WordPress. */
// marked is loaded on first use (not at start: docs/crm.md, "Memory and start").
const markedLib = lazyRequire<{ marked: typeof Marked }>('marked');
export function markdownToHtml(md: string): string {
  return markedLib().marked.parse(md, { async: false, gfm: true });
}

function retryAfter(h: string | null): number | undefined {
  if (!h) return undefined;
  const s = Number(h);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const t = Date.parse(h);
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now());
}

export class WordPressClient {
  private readonly base: string;
  private readonly auth: string;
  constructor(private readonly cfg: WpConfig) {
    this.base = `${cfg.siteUrl.replace(/\/+$/, '')}/wp-json/wp/v2`;
    this.auth = `Basic ${Buffer.from(`${cfg.user}:${cfg.appPassword}`).toString('base64')}`;
  }

  private async request<T>(method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const url = `${this.base}${path}`;
    const timeout = AbortSignal.timeout(this.cfg.timeoutMs ?? 30_000);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { authorization: this.auth, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : null,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      throw new WpError(`WordPress at ${this.cfg.siteUrl} did not answer (${err.name === 'TimeoutError' ? 'timeout' : (err.cause?.code ?? err.message)}); the step will be retried.`, true, undefined, 'network');
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      if (res.ok) throw new WpError(`WordPress answered ${method} ${path} with something that is not JSON; is ${this.cfg.siteUrl} a WordPress site with the REST API on?`, false, res.status, 'not_json');
    }
    if (res.ok) return json as T;
    const wp = (json ?? {}) as { code?: string; message?: string };
    const detail = `${res.status}${wp.code ? ` ${wp.code}` : ''}${wp.message ? `: ${wp.message}` : ''}`;
    if (res.status === 401 || res.status === 403) {
      throw new WpError(`WordPress refused the application password of user "${this.cfg.user}" (${detail}). Create a new application password in WordPress and store it as ${WP_PASSWORD_SECRET}.`, false, res.status, wp.code);
    }
    if (res.status === 404 && wp.code === 'rest_no_route') {
      throw new WpError(`No WordPress REST API at ${this.base} (${detail}); check the wordpress.siteUrl setting.`, false, 404, wp.code);
    }
    const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
    throw new WpError(`WordPress ${method} ${path} failed (${detail})${retryable ? '; the step will be retried' : ''}.`, retryable, res.status, wp.code, retryAfter(res.headers.get('retry-after')));
  }

  /** Whether the user may read drafts for editing (what writing posts needs); throws WpError otherwise. */
  async verify(signal?: AbortSignal): Promise<void> {
    await this.request<unknown>('GET', `/posts?${new URLSearchParams({ status: 'draft', context: 'edit', per_page: '1' })}`, undefined, signal);
  }

  /** Posts (any status) whose content carries the marker of this key. */
  async findByKey(key: string, signal?: AbortSignal): Promise<WpPost | null> {
    const token = markerToken(key);
    const q = new URLSearchParams({ search: token, status: 'any', context: 'edit', per_page: '10' });
    const list = await this.request<{ id: number; link: string; slug: string; status: string; content?: { raw?: string } }[]>('GET', `/posts?${q}`, undefined, signal);
    const hit = (Array.isArray(list) ? list : []).find((p) => (p.content?.raw ?? '').includes(token));
    return hit ? { id: hit.id, link: hit.link, slug: hit.slug, status: hit.status } : null;
  }

  async create(post: { title: string; content: string; status: WpStatus; slug?: string | undefined; excerpt?: string | undefined }, signal?: AbortSignal): Promise<WpPost> {
    const p = await this.request<WpPost>('POST', '/posts', post, signal);
    return { id: p.id, link: p.link, slug: p.slug, status: p.status };
  }

  /** The post (any status) with this slug, or null. */
  async findBySlug(slug: string, signal?: AbortSignal): Promise<WpPost | null> {
    const q = new URLSearchParams({ slug, status: 'any', context: 'edit', per_page: '1' });
    const list = await this.request<{ id: number; link: string; slug: string; status: string }[]>('GET', `/posts?${q}`, undefined, signal);
    const hit = Array.isArray(list) ? list.find((p) => p.slug === slug) : undefined;
    return hit ? { id: hit.id, link: hit.link, slug: hit.slug, status: hit.status } : null;
  }

  async update(id: number, post: { title: string; content: string; status: WpStatus; excerpt?: string | undefined }, signal?: AbortSignal): Promise<WpPost> {
    const p = await this.request<WpPost>('POST', `/posts/${id}`, post, signal);
    return { id: p.id, link: p.link, slug: p.slug, status: p.status };
  }

  /**
   * Rewrite the existing post with this slug, or create it under that slug when
   * there is none. An update sets the same fields each time, so a retry after a
   * lost answer changes nothing more; a create goes through publishOnce's marker.
   */
  async updateOrCreate(
    key: string,
    slug: string,
    post: { title: string; content: string; status: WpStatus; excerpt?: string | undefined },
    signal?: AbortSignal,
  ): Promise<WpPost & { reused: boolean; updated: boolean }> {
    const existing = (await this.findByKey(key, signal)) ?? (await this.findBySlug(slug, signal));
    if (existing) {
      const done = await this.update(existing.id, { ...post, content: `${post.content}\n${markerComment(key)}` }, signal);
      return { ...done, reused: false, updated: true };
    }
    return { ...(await this.publishOnce(key, { ...post, slug }, signal)), updated: false };
  }

  /**
   * Create the post for `key` once: look the marker up first and reuse the post
   * found (a crash or lost answer after an earlier create), else create it.
   */
  async publishOnce(
    key: string,
    post: { title: string; content: string; status: WpStatus; slug?: string | undefined; excerpt?: string | undefined },
    signal?: AbortSignal,
  ): Promise<WpPost & { reused: boolean }> {
    const found = await this.findByKey(key, signal);
    if (found) return { ...found, reused: true };
    const created = await this.create({ ...post, content: `${post.content}\n${markerComment(key)}` }, signal);
    return { ...created, reused: false };
  }
}
