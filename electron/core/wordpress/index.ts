/**
 * The WordPress domain: publish a draft or a post to a WordPress site over its
 * REST API (application password in the secret WORDPRESS_APP_PASSWORD).
 */
import { wordpressOps } from '../../../shared/api';
import type { Core } from '../core';
import { defineDomain } from '../domain';
import { WordPressClient, WpError, wordpressConfig } from './client';
import { WORDPRESS_NODES } from './nodes';

/** The Settings page's "Test connection": the stored settings and password against the site. */
export async function verifyWordPress(core: Core): Promise<{ ok: boolean; message: string; hint: string | null }> {
  try {
    const cfg = await wordpressConfig({ setting: (k, f) => core.setting(k, f), secrets: core.secrets });
    await new WordPressClient({ ...cfg, timeoutMs: Math.min(cfg.timeoutMs ?? 30_000, 15_000) }).verify();
    return { ok: true, message: `Connected to ${cfg.siteUrl} as ${cfg.user}: Baton may write posts.`, hint: null };
  } catch (e) {
    if (!(e instanceof WpError)) throw e;
    const hint =
      e.code === 'config' ? 'Fill in the site address and user, and save the application password.'
      : e.status === 401 || e.status === 403 ? 'In WordPress: Users → Profile → Application Passwords, create one and save it here.'
      : e.code === 'network' ? 'Check the address and that the site is reachable from this machine.'
      : null;
    return { ok: false, message: e.message.replace('; the step will be retried', ''), hint };
  }
}

export const wordpressDomain = defineDomain({
  id: 'wordpress',
  description: 'Publish drafts and posts to a WordPress site over its REST API.',
  nodes: WORDPRESS_NODES,
  ops: wordpressOps,
  settings: ['wordpress.siteUrl', 'wordpress.user', 'wordpress.timeoutMs'],
  create: (core) => ({ handlers: { 'wordpress.verify': () => verifyWordPress(core) } }),
});
