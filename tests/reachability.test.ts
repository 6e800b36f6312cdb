/**
 * server.publicUrl: the setting's rule, its fallback to the earlier
 * email.publicUrl, the links built from it (unsubscribe), the dashboard's
 * warning when it only reaches this computer, and the Settings webhook editor's
 * logic (shared/contract/settings.ts, renderer/src/pages/config/model.ts).
 */
import { describe, expect, it } from 'vitest';
import { isLoopbackUrl, publicAddress, reachabilityWarning, settingProblem, storedPublicUrl } from '../shared/api';
import { publicBaseUrl } from '../electron/core/sales/unsubscribe';
import { applyPreset, authDraft, checkAuth, describeAuth, hookUrl } from '../renderer/src/pages/config/model';
import { openTestCore } from './helpers';

describe('the public address setting', () => {
  it('takes an http(s) address (a path prefix is fine), nothing else', () => {
    expect(settingProblem('server.publicUrl', 'https://baton.example.com')).toBeNull();
    expect(settingProblem('server.publicUrl', 'https://example.com/baton')).toBeNull();
    expect(settingProblem('server.publicUrl', null)).toBeNull();
    expect(settingProblem('server.publicUrl', 'ftp://x.example')).toMatch(/http\(s\) address/);
    expect(settingProblem('server.publicUrl', 'https://u:p@x.example')).toMatch(/no user name/);
    expect(settingProblem('server.publicUrl', 'https://x.example/?a=1')).toMatch(/\?query/);
    expect(settingProblem('server.port', 70000)).toMatch(/1 to 65535/);
  });

  it('server.publicUrl wins, the earlier email.publicUrl is the fallback, else this machine', () => {
    expect(storedPublicUrl({ 'server.publicUrl': 'https://new.example/', 'email.publicUrl': 'https://old.example' })).toBe('https://new.example');
    expect(storedPublicUrl({ 'email.publicUrl': 'https://old.example' })).toBe('https://old.example');
    expect(storedPublicUrl({ 'server.publicUrl': null })).toBeNull();
    expect(publicAddress({})).toEqual({ url: 'http://127.0.0.1:4717', configured: false, loopback: true });
    expect(publicAddress({ 'server.port': 5001 }).url).toBe('http://127.0.0.1:5001');
    expect(publicAddress({}, 'http://127.0.0.1:40045/')).toEqual({ url: 'http://127.0.0.1:40045', configured: false, loopback: true });
    expect(publicAddress({ 'server.publicUrl': 'https://b.example' })).toEqual({ url: 'https://b.example', configured: true, loopback: false });
  });

  it('tells addresses only this computer reaches', () => {
    for (const u of ['http://127.0.0.1:4717', 'http://localhost:1', 'http://[::1]:4717/', 'http://app.localhost', 'http://127.8.0.1', 'nonsense']) expect(isLoopbackUrl(u), u).toBe(true);
    for (const u of ['https://baton.example.com', 'http://192.168.1.4:4717', 'https://x.trycloudflare.com']) expect(isLoopbackUrl(u), u).toBe(false);
  });

  it('unsubscribe links use it (and the earlier key while it is the only one)', async () => {
    const { core, cleanup } = await openTestCore();
    try {
      const read = <T,>(k: string, f: T) => core.setting<T>(k, f);
      expect(publicBaseUrl(core.db, read)).toBe('http://127.0.0.1:4717');
      core.setSetting('email.publicUrl', 'https://old.example/');
      expect(publicBaseUrl(core.db, read)).toBe('https://old.example');
      await core.call('settings.set', { key: 'server.publicUrl', value: 'https://baton.example.com' });
      expect(publicBaseUrl(core.db, read)).toBe('https://baton.example.com');
      await expect(core.call('settings.set', { key: 'server.publicUrl', value: 'javascript:alert(1)' })).rejects.toMatchObject({ code: 'invalid_input' });
    } finally {
      await cleanup();
    }
  });
});

describe("the dashboard's warning", () => {
  const base = { activeSequences: 0, forms: 0, enabledHooks: 0 };
  it('only when the address is loopback and something needs the internet', () => {
    expect(reachabilityWarning({ settings: {}, ...base })).toBeNull();
    expect(reachabilityWarning({ settings: { 'server.publicUrl': 'https://b.example' }, ...base, forms: 3 })).toBeNull();
    const w = reachabilityWarning({ settings: {}, ...base, activeSequences: 1, forms: 2 });
    expect(w?.title).toBe('Mail links and forms will not reach Baton');
    expect(w?.detail).toMatch(/http:\/\/127\.0\.0\.1:4717 \(not set\), which only this computer can open, and you have 1 active sequence, 2 forms/);
    expect(w?.fix).toMatch(/cloudflared tunnel --url http:\/\/127\.0\.0\.1:4717.*public address in Settings/);
    const hooks = reachabilityWarning({ settings: { 'server.publicUrl': 'http://localhost:9000' }, ...base, enabledHooks: 1 });
    expect(hooks?.detail).toMatch(/localhost:9000, which only/);
    expect(hooks?.fix).toContain('http://127.0.0.1:9000');
  });
});

describe("the webhook editor's logic", () => {
  it('checks a draft with the contract, naming fields; presets fill in the documented signing', () => {
    const d = authDraft({ type: 'baton' });
    expect(checkAuth({ ...d, type: 'stripe', tolerance: '300' })).toEqual({ ok: true, value: { type: 'stripe', tolerance: 300 } });
    expect(checkAuth({ ...d, type: 'stripe', tolerance: 'soon' })).toMatchObject({ ok: false, issues: [{ path: 'auth.tolerance' }] });
    const empty = checkAuth({ ...d, type: 'hmac' });
    expect(empty.ok).toBe(false);
    expect(JSON.stringify(empty)).toContain('auth.header');
    const calendly = checkAuth({ ...d, type: 'hmac', hmac: applyPreset(d.hmac, 'calendly') });
    expect(calendly).toMatchObject({ ok: true, value: { type: 'hmac', header: 'Calendly-Webhook-Signature', signatureKey: 'v1', timestampKey: 't', signedPayload: '{timestamp}.{body}', tolerance: 180 } });
    const github = checkAuth({ ...d, type: 'hmac', hmac: applyPreset(d.hmac, 'github') });
    expect(github.ok && describeAuth(github.value)).toBe('SHA256 HMAC in X-Hub-Signature-256, delivery id X-GitHub-Delivery');
    if (github.ok) expect(authDraft(github.value).hmac.prefix).toBe('sha256=');
    expect(hookUrl('https://b.example/', 'stripe')).toBe('https://b.example/hooks/stripe');
  });
});
