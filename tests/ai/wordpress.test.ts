import { afterEach, describe, expect, it } from 'vitest';
import { markdownToHtml, markerToken, WordPressClient, wordpressConfig, WpError } from '../../electron/core/wordpress/client';
import { startFakeWordPress, type FakeWordPress } from '../support/fake-wordpress';

// Application passwords look like "abcd efgh ijkl mnop qrst uvwx"; built at runtime.
const appPassword = () => Array.from({ length: 6 }, (_, i) => `pw${i}x`).join(' ');

describe('WordPress REST client against a local fake WordPress', () => {
  let wp: FakeWordPress;
  afterEach(async () => wp?.close());

  const client = (over: Partial<{ user: string; appPassword: string }> = {}) =>
    new WordPressClient({ siteUrl: wp.url, user: over.user ?? 'editor', appPassword: over.appPassword ?? appPassword(), timeoutMs: 5000 });

  it('creates a draft with Basic auth and the run marker; the same key never creates twice', async () => {
    wp = await startFakeWordPress({ user: 'editor', appPassword: appPassword() });
    const c = client();
    const a = await c.publishOnce('run-1/publish', { title: 'Hello', content: markdownToHtml('# Hi\n\nSome *text*.'), status: 'draft' });
    expect(a).toMatchObject({ status: 'draft', reused: false });
    expect(wp.posts[0]!.content).toContain('<h1>Hi</h1>');
    expect(wp.posts[0]!.content).toContain(markerToken('run-1/publish'));
    const b = await c.publishOnce('run-1/publish', { title: 'Hello', content: 'x', status: 'draft' });
    expect(b).toMatchObject({ id: a.id, reused: true });
    const other = await c.publishOnce('run-2/publish', { title: 'Hello', content: 'x', status: 'publish' });
    expect(other.id).not.toBe(a.id);
    expect(wp.creates).toBe(2);
    expect(wp.requests.every((r) => r.authed)).toBe(true);
  });

  it('a create whose answer is lost (crash after the post was stored) is found on retry and not repeated', async () => {
    wp = await startFakeWordPress({ user: 'editor', appPassword: appPassword() });
    const c = client();
    wp.dropNextCreateResponse();
    const e = await c.publishOnce('run-9/publish', { title: 'Once', content: 'body', status: 'draft' }).catch((x: unknown) => x as WpError);
    expect(e).toBeInstanceOf(WpError);
    expect((e as WpError).retryable).toBe(true);
    expect(wp.creates).toBe(1);
    const again = await c.publishOnce('run-9/publish', { title: 'Once', content: 'body', status: 'draft' });
    expect(again.reused).toBe(true);
    expect(wp.creates).toBe(1);
  });

  it('errors: wrong password (not retryable, names the secret), server error (retryable), missing setup names the setting', async () => {
    wp = await startFakeWordPress({ user: 'editor', appPassword: appPassword() });
    const bad = (await client({ appPassword: 'wrong' }).publishOnce('k', { title: 't', content: 'c', status: 'draft' }).catch((x: unknown) => x)) as WpError;
    expect(bad).toMatchObject({ retryable: false, status: 401 });
    expect(bad.message).toContain('WORDPRESS_APP_PASSWORD');
    expect(bad.message).not.toContain('wrong');
    wp.failNextCreate(503);
    const down = await client().publishOnce('k2', { title: 't', content: 'c', status: 'draft' }).catch((x: unknown) => x as WpError);
    expect(down).toMatchObject({ retryable: true, status: 503 });
    expect(wp.creates).toBe(0);

    const env = (s: Record<string, unknown>, secret: string | null) => ({ setting: <T>(k: string, f: T) => (k in s ? (s[k] as T) : f), secrets: { get: async () => secret } });
    await expect(wordpressConfig(env({}, 'x'))).rejects.toThrow(/wordpress\.siteUrl/);
    await expect(wordpressConfig(env({ 'wordpress.siteUrl': 'ftp://x' }, 'x'))).rejects.toThrow(/not an http\(s\) URL/);
    await expect(wordpressConfig(env({ 'wordpress.siteUrl': wp.url }, 'x'))).rejects.toThrow(/wordpress\.user/);
    await expect(wordpressConfig(env({ 'wordpress.siteUrl': wp.url, 'wordpress.user': 'editor' }, null))).rejects.toThrow(/WORDPRESS_APP_PASSWORD/);
    const cfg = await wordpressConfig(env({ 'wordpress.siteUrl': wp.url, 'wordpress.user': 'editor' }, 'pw'));
    expect(cfg).toMatchObject({ siteUrl: wp.url, user: 'editor' });
  });
});
