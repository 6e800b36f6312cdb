/**
 * The pure parts of tracking: signed tokens (any changed character is refused),
 * who loaded a pixel or followed a link (mail-privacy proxies, programs), and
 * which links of an e-mail are rewritten.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { classifyVisitor } from '../../electron/core/tracking/proxies';
import { decodeAttr, findLinks } from '../../electron/core/tracking/links';
import { visitorContact, visitorToken } from '../../electron/core/tracking/routes';
import { KIND, signToken, verifyToken } from '../../electron/core/tracking/token';

const key = randomBytes(32);
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('tracking tokens', () => {
  it('round-trip (kind and numbers), compact', () => {
    for (const nums of [
      [1, 1],
      [127, 128],
      [123_456_789, 42],
      [2 ** 40, 0],
    ]) {
      const t = signToken(key, KIND.click, nums);
      expect(t).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(verifyToken(key, t, KIND.click, 2)).toEqual(nums);
    }
    expect(signToken(key, KIND.click, [50_000, 9_000]).length).toBeLessThanOrEqual(27);
  });

  it('every changed character, a cut, an addition, another kind, another key or another count is refused', () => {
    const t = signToken(key, KIND.click, [4711, 42]);
    for (let i = 0; i < t.length; i++)
      for (const c of B64) {
        if (c === t[i]) continue;
        const bad = t.slice(0, i) + c + t.slice(i + 1);
        expect(verifyToken(key, bad, KIND.click, 2), bad).toBeNull();
      }
    expect(verifyToken(key, t.slice(0, -1), KIND.click, 2)).toBeNull();
    expect(verifyToken(key, `${t}A`, KIND.click, 2)).toBeNull();
    expect(verifyToken(key, t, KIND.open, 2)).toBeNull();
    expect(verifyToken(key, t, KIND.click, 1)).toBeNull();
    expect(verifyToken(randomBytes(32), t, KIND.click, 2)).toBeNull();
    expect(verifyToken(key, signToken(key, KIND.open, [4711, 42]), KIND.click, 2)).toBeNull();
    for (const junk of ['', 'x', '../../etc/passwd', 'A'.repeat(200), `${t}.gif`, t.replace(/.$/, '=')]) expect(verifyToken(key, junk, KIND.click, 2)).toBeNull();
  });

  it('a site visitor id names its contact for 90 days', () => {
    const day = 86_400_000;
    const now = Date.parse('2026-05-01T12:00:00Z');
    const bt = visitorToken(key, 77, now);
    expect(visitorContact(key, bt, now)).toBe(77);
    expect(visitorContact(key, bt, now + 90 * day)).toBe(77);
    expect(visitorContact(key, bt, now + 91 * day)).toBeNull();
    expect(visitorContact(key, signToken(key, KIND.click, [77, Math.floor(now / day)]), now)).toBeNull();
  });
});

describe('machine opens and clicks', () => {
  const person = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)';
  it('mail-privacy proxies by address and User-Agent', () => {
    expect(classifyVisitor('17.58.100.7', person)).toEqual({ userAgent: 'mail-proxy', machineReason: 'apple-mpp' });
    expect(classifyVisitor('::ffff:17.1.2.3', person).machineReason).toBe('apple-mpp');
    expect(classifyVisitor('203.0.113.9', 'Mozilla/5.0').machineReason).toBe('apple-mpp');
    expect(classifyVisitor('66.249.84.1', 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)')).toEqual({ userAgent: 'mail-proxy', machineReason: 'google-proxy' });
    expect(classifyVisitor('98.136.1.1', 'YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html').machineReason).toBe('yahoo-proxy');
    expect(classifyVisitor('40.107.22.10', person).machineReason).toBe('microsoft');
    expect(classifyVisitor('52.101.0.1', person).machineReason).toBe('microsoft');
  });

  it('programs and missing User-Agents are machines; people are desktop or mobile', () => {
    for (const ua of ['curl/8.5.0', 'python-requests/2.31', 'Go-http-client/1.1', 'Slackbot-LinkExpanding 1.0', 'Mozilla/5.0 (compatible; Googlebot/2.1)', 'node', 'Barracuda Sentinel'])
      expect(classifyVisitor('198.51.100.4', ua), ua).toEqual({ userAgent: 'bot', machineReason: 'bot' });
    expect(classifyVisitor('198.51.100.4', '')).toEqual({ userAgent: 'unknown', machineReason: 'no-user-agent' });
    expect(classifyVisitor('198.51.100.4', undefined).machineReason).toBe('no-user-agent');
    expect(classifyVisitor('198.51.100.4', person)).toEqual({ userAgent: 'desktop', machineReason: null });
    expect(classifyVisitor('198.51.100.4', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148')).toEqual({ userAgent: 'mobile', machineReason: null });
    expect(classifyVisitor('16.255.255.255', person).machineReason).toBeNull();
    expect(classifyVisitor('18.0.0.1', person).machineReason).toBeNull();
  });
});

describe('which links are tracked', () => {
  const base = 'https://baton.example.com';
  it('http(s) hrefs (entities decoded) and text URLs, distinct, in order; never unsubscribe, Baton\'s own, mailto: or tel:', () => {
    const html = `<p><a href="https://shop.example/a?x=1&amp;y=2">A</a> <a class="b" href='https://shop.example/b'>B</a>
      <a href=https://shop.example/c>C</a> <a href="https://shop.example/a?x=1&amp;y=2">A again</a>
      <a href="mailto:me@example.com">mail</a> <a href="tel:+123">call</a> <a href="${base}/u/abc.def">unsub</a>
      <a href="${base}/t/c/xyz">old</a> <a name="top">anchor</a> <area shape="rect" href="https://shop.example/map"> <img src="https://shop.example/img.png"></p>`;
    const text = 'See https://shop.example/d. Or (https://shop.example/e) and https://shop.example/b, https://keep.example/x';
    expect(findLinks(html, text, base, ['https://keep.example/x'])).toEqual([
      'https://shop.example/a?x=1&y=2',
      'https://shop.example/b',
      'https://shop.example/c',
      'https://shop.example/map',
      'https://shop.example/d',
      'https://shop.example/e',
    ]);
  });

  it('decodes character references in attributes', () => {
    expect(decodeAttr('a&amp;b&#38;c&#x26;d&quot;&lt;&gt;&bogus;')).toBe('a&b&c&d"<>&bogus;');
  });
});
