// Settings > WordPress > Test connection (wordpress.verify) against a real HTTP server that stands in
// for WordPress's REST API: ok with the right password; the wrong one, a missing setup and a site
// that is not there each say what is wrong and how to fix it.
import { afterEach, describe, expect, it } from 'vitest';
import { openTestCore } from '../helpers';
import { startFakeWordPress, type FakeWordPress } from '../support/fake-wordpress';

let wp: FakeWordPress | null = null;
afterEach(async () => {
  await wp?.close();
  wp = null;
});

const PASSWORD = ['abcd', 'efgh', 'ijkl', 'mnop'].join(' ');

describe('wordpress.verify', () => {
  it('checks the stored site, user and application password without writing anything', async () => {
    wp = await startFakeWordPress({ user: 'editor', appPassword: PASSWORD });
    const { core, cleanup } = await openTestCore({ env: { BATON_SECRET_WORDPRESS_APP_PASSWORD: PASSWORD } });
    try {
      const none = await core.call('wordpress.verify', {});
      expect(none).toMatchObject({ ok: false, hint: expect.stringContaining('site address') });
      expect(none.message).toContain('wordpress.siteUrl');

      await core.call('settings.set', { key: 'wordpress.siteUrl', value: wp.url });
      await core.call('settings.set', { key: 'wordpress.user', value: 'editor' });
      const ok = await core.call('wordpress.verify', {});
      expect(ok).toEqual({ ok: true, message: `Connected to ${wp.url} as editor: Baton may write posts.`, hint: null });
      expect(wp.requests.at(-1)).toMatchObject({ method: 'GET', path: '/wp-json/wp/v2/posts', authed: true });
      expect(wp.creates).toBe(0);

      await core.call('settings.set', { key: 'wordpress.user', value: 'someone' });
      const refused = await core.call('wordpress.verify', {});
      expect(refused.ok).toBe(false);
      expect(refused.message).toContain('refused the application password of user "someone"');
      expect(refused.hint).toContain('Application Passwords');
      expect(JSON.stringify(refused)).not.toContain('ijkl');

      const gone = wp.url;
      await wp.close();
      wp = null;
      await core.call('settings.set', { key: 'wordpress.user', value: 'editor' });
      const down = await core.call('wordpress.verify', {});
      expect(down).toMatchObject({ ok: false, hint: expect.stringContaining('reachable') });
      expect(down.message).toContain(gone);
      expect(down.message).not.toContain('retried');
    } finally {
      await cleanup();
    }
  });

  it('refuses a bad site address by name (settings.set)', async () => {
    const { core, cleanup } = await openTestCore();
    try {
      await expect(core.call('settings.set', { key: 'wordpress.siteUrl', value: 'blog.example.com' })).rejects.toMatchObject({ code: 'invalid_input' });
    } finally {
      await cleanup();
    }
  });
});
