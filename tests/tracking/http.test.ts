/**
 * Tracking over real HTTP against the real server and a real SMTP server:
 * the click redirect (302 to the stored target, 404 on any tampering, no open
 * redirect), the open pixel (machine opens flagged, not scored), the site
 * snippet (CORS only for allowed origins, known contacts only), per-address
 * rate limits, RFC 8058 one-click unsubscribe, and the events feeding scoring
 * and segments.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { engineOf } from '../../electron/core/engine';
import { deliver } from '../../electron/core/sales/mail';
import { http } from '../support/http-probes';
import { hrefs, trackingRig, type TrackingRig } from './rig';

let rig: TrackingRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

function eventsOf(r: TrackingRig, contactId: number, type: string): Record<string, unknown>[] {
  return (r.core.db.prepare(`SELECT data FROM events WHERE subject_type = 'contact' AND subject_id = ? AND type = ? ORDER BY id`).all(String(contactId), type) as { data: string | null }[]).map(
    (e) => JSON.parse(e.data ?? 'null') as Record<string, unknown>,
  );
}
const score = async (r: TrackingRig, id: number) => (await r.core.call('contacts.get', { id })).contact.score;
const get = (url: string, headers: Record<string, string> = { 'user-agent': BROWSER }, method = 'GET') => fetch(url, { method, redirect: 'manual', headers });
const trackedLinks = (r: TrackingRig, html: string) => hrefs(html).filter((h) => h.startsWith(`${r.base}/t/c/`));

describe('click tracking', () => {
  it('a tracked link redirects (302) to its stored target, records email.clicked and moves the score; text part, unsubscribe and mailto as they should be', async () => {
    rig = await trackingRig();
    const r = rig;
    const id = (await r.core.call('contacts.create', { email: 'ada@example.com', firstName: 'Ada' })).id;
    const before = await score(r, id);
    const { mail, result } = await r.send(
      id,
      '<p>Hi. <a href="https://shop.example/pricing?a=1&amp;b=2">Pricing</a>, <a href="mailto:owner@solo.test">write</a>, <a href="https://shop.example/blog">blog</a></p>',
      { text: 'Pricing: https://shop.example/pricing?a=1&b=2 and https://shop.example/blog.' },
    );
    expect(result.status).toBe('sent');
    const html = mail.parsed.html as string;
    const links = hrefs(html);
    const tracked = trackedLinks(r, html);
    expect(tracked).toHaveLength(2);
    expect(links).toContain('mailto:owner@solo.test');
    expect(links.some((h) => h.startsWith(`${r.base}/u/`))).toBe(true); // the unsubscribe link stays
    expect(html).not.toContain('shop.example');
    expect(mail.parsed.text).toContain(`Pricing: ${tracked[0]} and ${tracked[1]}.`);
    expect(mail.header('list-unsubscribe')).toMatch(new RegExp(`^<${r.base.replace(/[.]/g, '\\.')}/u/[^>]+>, <mailto:`));

    // A HEAD (a link checker) is answered but not recorded.
    const head = await get(tracked[0]!, { 'user-agent': BROWSER }, 'HEAD');
    expect(head.status).toBe(302);
    expect(eventsOf(r, id, 'email.clicked')).toHaveLength(0);

    const res = await get(tracked[0]!);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://shop.example/pricing?a=1&b=2');
    expect(eventsOf(r, id, 'email.clicked')).toEqual([
      { messageId: (result as { messageId: string }).messageId, url: 'https://shop.example/pricing?a=1&b=2', linkId: 1, machine: false, machineReason: null, userAgent: 'desktop' },
    ]);
    expect(await score(r, id)).toBe(before + 5); // default scoring: 'clicked' is 5 points
    // The answer's target never comes from the request: extra query or path is not followed.
    const sneaky = await get(`${tracked[1]!}?to=https://evil.example/`);
    expect(sneaky.status).toBe(302);
    expect(sneaky.headers.get('location')).toBe('https://shop.example/blog');
    // A program's click (a link scanner) is recorded as a machine's, and scores nothing.
    await get(tracked[1]!, { 'user-agent': 'curl/8.5.0' });
    expect(await score(r, id)).toBe(before + 10);
    expect(eventsOf(r, id, 'email.clicked').map((e) => [e.linkId, e.machine, e.machineReason])).toEqual([
      [1, false, null],
      [2, false, null],
      [2, true, 'bot'],
    ]);
    expect(await r.core.call('tracking.links', { messageId: (result as { messageId: string }).messageId })).toEqual({
      links: [
        { linkId: 1, url: 'https://shop.example/pricing?a=1&b=2', clicks: 1 },
        { linkId: 2, url: 'https://shop.example/blog', clicks: 2 },
      ],
      opens: 0,
      machineOpens: 0,
    });
  });

  it('a tampered, cut, foreign-kind or unknown link is a 404 page that says so, and nothing is recorded', async () => {
    rig = await trackingRig();
    const r = rig;
    const id = (await r.core.call('contacts.create', { email: 'bo@example.com' })).id;
    const { mail } = await r.send(id, '<p><a href="https://shop.example/a">A</a></p>');
    const [link] = trackedLinks(r, mail.parsed.html as string);
    const token = link!.slice(`${r.base}/t/c/`.length);
    const pixel = /\/t\/o\/([A-Za-z0-9_-]+)\.gif/.exec(mail.parsed.html as string)![1]!;
    const flip = (t: string, i: number) => t.slice(0, i) + (t[i] === 'A' ? 'B' : 'A') + t.slice(i + 1);
    for (const bad of [flip(token, 0), flip(token, 5), flip(token, token.length - 1), token.slice(0, -2), `${token}xx`, pixel, 'nothing-here', '']) {
      const res = await get(`${r.base}/t/c/${bad}`);
      expect(res.status, bad).toBe(404);
      const body = await res.text();
      expect(body).toContain('This link is not valid');
      expect(body).not.toContain('bo@example.com');
      expect(res.headers.get('location')).toBeNull();
    }
    expect((await get(`${r.base}/t/whatever`)).status).toBe(404);
    // The signature is right but the stored link is gone: 404 as well.
    r.core.db.prepare('DELETE FROM email_links WHERE idx = 1').run();
    expect((await get(link!)).status).toBe(404);
    expect(eventsOf(r, id, 'email.clicked')).toHaveLength(0);
  });

  it('a retried send (same Message-ID) keeps its links; a deleted contact\'s link still works and records nothing', async () => {
    rig = await trackingRig();
    const r = rig;
    const id = (await r.core.call('contacts.create', { email: 'cy@example.com' })).id;
    const first = await r.send(id, '<p><a href="https://shop.example/a">A</a></p>', { key: 'k1' });
    r.core.db.prepare(`UPDATE email_messages SET status = 'sending' WHERE key = 'k1'`).run();
    const again = await r.send(id, '<p><a href="https://shop.example/a">A</a></p>', { key: 'k1' });
    expect(again.mail.parsed.messageId).toBe(first.mail.parsed.messageId);
    expect(trackedLinks(r, again.mail.parsed.html as string)).toEqual(trackedLinks(r, first.mail.parsed.html as string));
    await r.core.call('contacts.delete', { id });
    const res = await get(trackedLinks(r, first.mail.parsed.html as string)[0]!);
    expect(res.status).toBe(302);
    expect(eventsOf(r, id, 'email.clicked')).toHaveLength(0);
  });

  it('links stay as they are while tracking is off, at a loopback address on auto, without a key, and in transactional e-mail; tracking.status says why', async () => {
    rig = await trackingRig({ settings: { 'tracking.clicks': 'auto', 'tracking.opens': 'off' } });
    const r = rig;
    const id = (await r.core.call('contacts.create', { email: 'dee@example.com' })).id;
    const plain = (html: string) => hrefs(html).filter((h) => h.startsWith('https://shop.example/'));
    let { mail } = await r.send(id, '<p><a href="https://shop.example/a">A</a></p>');
    expect(plain(mail.parsed.html as string)).toEqual(['https://shop.example/a']);
    expect(mail.parsed.html).not.toContain('/t/o/');
    let st = await r.core.call('tracking.status', {});
    expect(st.clicks).toMatchObject({ mode: 'auto', active: false });
    expect(st.clicks.reason).toMatch(/only reaches this computer: set server\.publicUrl/);
    expect(st.opens.reason).toBe('tracking.opens is off.');
    await r.core.call('settings.set', { key: 'tracking.clicks', value: 'on' });
    ({ mail } = await r.send(id, '<p><a href="https://shop.example/a">A</a></p>', { kind: 'transactional' }));
    expect(plain(mail.parsed.html as string)).toEqual(['https://shop.example/a']);
    await r.close();

    rig = await trackingRig({ key: false });
    const k = rig;
    const id2 = (await k.core.call('contacts.create', { email: 'eli@example.com' })).id;
    ({ mail } = await k.send(id2, '<p><a href="https://shop.example/a">A</a></p>'));
    expect(plain(mail.parsed.html as string)).toEqual(['https://shop.example/a']);
    st = await k.core.call('tracking.status', {});
    expect(st.keyPresent).toBe(false);
    expect(st.clicks.reason).toMatch(/secret TRACKING_KEY/);
  });

  it('a click feeds segments: "clicked in the last 30 days" picks the contact up (segment.entered)', async () => {
    rig = await trackingRig();
    const r = rig;
    const id = (await r.core.call('contacts.create', { email: 'fay@example.com' })).id;
    const seg = await r.core.call('segments.save', { name: 'Clicked lately', filter: { conditions: [{ kind: 'event', type: 'email.clicked', withinDays: 30 }] } });
    const { mail } = await r.send(id, '<p><a href="https://shop.example/a">A</a></p>');
    expect(eventsOf(r, id, 'segment.entered')).toHaveLength(0);
    expect((await get(trackedLinks(r, mail.parsed.html as string)[0]!)).status).toBe(302);
    expect(eventsOf(r, id, 'segment.entered')).toMatchObject([{ segmentId: seg.id, segmentName: 'Clicked lately' }]);
  });
  it('a click starts the workflow that listens for email.clicked (a person\'s click only, by its filter)', async () => {
    rig = await trackingRig();
    const r = rig;
    await r.core.call('workflows.import', {
      definition: {
        id: 'clicked-pricing',
        name: 'Follow up a pricing click',
        trigger: { type: 'event', event: 'email.clicked', filter: 'event.data.machine = false' },
        nodes: [{ id: 'note', type: 'set', params: { values: { url: '=input.url', linkId: '=input.linkId' } } }],
      },
    });
    const id = (await r.core.call('contacts.create', { email: 'gil@example.com' })).id;
    const { mail } = await r.send(id, '<p><a href="https://shop.example/pricing">Pricing</a></p>');
    const [link] = trackedLinks(r, mail.parsed.html as string);
    expect((await get(link!, { 'user-agent': 'curl/8.5.0' })).status).toBe(302); // a program's click: recorded, filtered out
    expect((await get(link!)).status).toBe(302);
    const engine = engineOf(r.core);
    const d = await engine.dispatchEvents();
    await engine.drain();
    const runs = await Promise.all(d.startedRuns.map((runId) => r.core.call('runs.get', { id: runId })));
    expect(runs.map((x) => [x.workflowId, x.subject, x.output])).toEqual([['clicked-pricing', String(id), { url: 'https://shop.example/pricing', linkId: 1 }]]);
  });
});

describe('the open pixel', () => {
  it('a 1x1 GIF; opens by a mail-privacy proxy or seconds after the send are machine opens and score nothing; a person\'s open scores', async () => {
    rig = await trackingRig();
    const r = rig;
    const id = (await r.core.call('contacts.create', { email: 'gus@example.com' })).id;
    const { mail, result } = await r.send(id, '<p>Hello</p>');
    const src = /<img src="([^"]+\/t\/o\/[A-Za-z0-9_-]+\.gif)"/.exec(mail.parsed.html as string)![1]!;
    const before = await score(r, id);
    // Right after the send (a scanner, a prefetch).
    const soon = await get(src);
    expect(soon.status).toBe(200);
    expect(soon.headers.get('content-type')).toBe('image/gif');
    expect(soon.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(soon.headers.get('cache-control')).toContain('no-store');
    const gif = Buffer.from(await soon.arrayBuffer());
    expect(gif.subarray(0, 6).toString('latin1')).toBe('GIF89a');
    expect([gif.readUInt16LE(6), gif.readUInt16LE(8)]).toEqual([1, 1]); // 1x1
    // An hour later: through Gmail's image proxy, then by a person.
    r.core.db.prepare('UPDATE email_messages SET sent_at = sent_at - 3600000').run();
    await get(src, { 'user-agent': 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)' });
    expect(await score(r, id)).toBe(before);
    await get(src);
    const opens = eventsOf(r, id, 'email.opened');
    expect(opens.map((o) => [o.machine, o.machineReason, o.userAgent])).toEqual([
      [true, 'soon-after-send', 'desktop'],
      [true, 'google-proxy', 'mail-proxy'],
      [false, null, 'desktop'],
    ]);
    expect(opens[2]!.secondsAfterSend).toBeGreaterThanOrEqual(3600);
    expect(await score(r, id)).toBe(before + 2); // only the person's open: default scoring 'opened' is 2 points
    expect(await r.core.call('tracking.links', { messageId: (result as { messageId: string }).messageId })).toMatchObject({ opens: 3, machineOpens: 2 });
    // A changed pixel: 404, nothing recorded.
    expect((await get(src.replace(/(.)\.gif$/, (_m, c: string) => `${c === 'A' ? 'B' : 'A'}.gif`))).status).toBe(404);
    expect(eventsOf(r, id, 'email.opened')).toHaveLength(3);
  });
});

describe('the site snippet', () => {
  it('serves the script; CORS and recording only for allowed origins, the right site key and a known visitor from a tracked link', async () => {
    rig = await trackingRig({ settings: { 'tracking.allowedOrigins': ['https://shop.example'] } });
    const r = rig;
    const id = (await r.core.call('contacts.create', { email: 'hal@example.com' })).id;
    const { siteKey, snippet, warnings } = await r.core.call('tracking.snippet', {});
    expect(snippet).toBe(`<script async src="${r.base}/t/s.js" data-key="${siteKey}"></script>`);
    expect(warnings.join(' ')).toMatch(/only reaches this computer/);
    const script = await get(`${r.base}/t/s.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(script.headers.get('set-cookie')).toBeNull();
    const js = await script.text();
    expect(js).toContain('var STORAGE = "off";');
    expect(js).not.toMatch(/document\.cookie/);

    // The click on a link to the allowed site hands it the visitor id.
    const { mail } = await r.send(id, '<p><a href="https://shop.example/pricing">Pricing</a> <a href="https://elsewhere.example/">x</a></p>');
    const [toShop, toElsewhere] = trackedLinks(r, mail.parsed.html as string);
    const landed = new URL((await get(toShop!)).headers.get('location')!);
    expect(landed.origin + landed.pathname).toBe('https://shop.example/pricing');
    const bt = landed.searchParams.get('bt')!;
    expect(bt).toMatch(/^[A-Za-z0-9_-]{18,}$/);
    expect((await get(toElsewhere!)).headers.get('location')).toBe('https://elsewhere.example/'); // other sites never get it

    const post = (origin: string | null, body: unknown) =>
      http(r.server.port, '/t/e', { method: 'POST', headers: { 'content-type': 'text/plain', ...(origin ? { origin } : {}) }, body: JSON.stringify(body) });
    const preflight = (origin: string) => http(r.server.port, '/t/e', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    const ok = await preflight('https://shop.example');
    expect(ok.status).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe('https://shop.example');
    const evil = await preflight('https://evil.example');
    expect(evil.status).toBe(403);
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();

    const visit = { k: siteKey, bt, type: 'page', url: 'https://shop.example/pricing', title: 'Pricing', ref: '' };
    const before = await score(r, id);
    const v = await post('https://shop.example', visit);
    expect(v.status).toBe(204);
    expect(v.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(v.headers['set-cookie']).toBeUndefined();
    expect(eventsOf(r, id, 'page.visited')).toEqual([{ url: 'https://shop.example/pricing', path: '/pricing', via: 'snippet', title: 'Pricing', referrer: '' }]);
    expect(await score(r, id)).toBe(before + 10); // default scoring: a visit to /pricing
    expect((await post('https://shop.example', { k: siteKey, bt, type: 'form', url: 'https://shop.example/contact', form: 'demo-request' })).status).toBe(204);
    expect(eventsOf(r, id, 'form.viewed')).toEqual([{ url: 'https://shop.example/contact', path: '/contact', via: 'snippet', form: 'demo-request' }]);

    // Refused: another site, no Origin, a wrong key, a page of another site; anonymous: answered, not stored.
    expect((await post('https://evil.example', visit)).status).toBe(403);
    expect((await post(null, visit)).status).toBe(403);
    expect((await post('https://shop.example', { ...visit, k: 'pk_wrongwrongwrongwrong' })).status).toBe(403);
    expect((await post('https://shop.example', { ...visit, url: 'https://evil.example/x' })).status).toBe(400);
    expect((await post('https://shop.example', { ...visit, bt: 'not-a-visitor-id-at-all' })).status).toBe(204);
    expect((await post('https://shop.example', 'junk')).status).toBe(400);
    expect(eventsOf(r, id, 'page.visited')).toHaveLength(1);
    expect((await http(r.server.port, '/t/e', { method: 'POST', headers: { 'content-type': 'application/xml', origin: 'https://shop.example' }, body: '<x/>' })).status).toBe(415);
    expect(r.core.db.prepare(`SELECT COUNT(*) AS n FROM events WHERE type IN ('page.visited', 'form.viewed')`).get()).toEqual({ n: 2 });
  });
});

describe('limits and unsubscribe', () => {
  it('per-address rate limits on the click and event routes: 429 with Retry-After', async () => {
    rig = await trackingRig({ trustProxy: true, settings: { 'tracking.allowedOrigins': ['https://shop.example'] } });
    const r = rig;
    const from = (ip: string) => ({ 'x-forwarded-for': ip, 'user-agent': BROWSER });
    const statuses = async (n: number, path: string, headers: Record<string, string>, method = 'GET', body?: string) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await http(r.server.port, path, { method, headers, ...(body ? { body } : {}) })).status);
      return out;
    };
    // 120 at once per address (then 10 a second): 150 at once from one address.
    const burst = await Promise.all(Array.from({ length: 150 }, () => http(r.server.port, '/t/c/not-a-token', { headers: from('198.51.100.7') })));
    const count = (s: number) => burst.filter((b) => b.status === s).length;
    expect(count(404) + count(429)).toBe(150);
    expect(count(404)).toBeGreaterThanOrEqual(120);
    expect(count(429)).toBeGreaterThan(0);
    expect((await http(r.server.port, '/t/c/not-a-token', { headers: from('198.51.100.7') })).headers['retry-after']).toMatch(/^\d+$/);
    expect((await http(r.server.port, '/t/c/not-a-token', { headers: from('198.51.100.8') })).status).toBe(404); // another address
    // 60 at once per address (then 2 a second).
    const events = await statuses(70, '/t/e', { ...from('198.51.100.9'), origin: 'https://shop.example', 'content-type': 'text/plain' }, 'POST', '{}');
    expect(events.slice(0, 60).every((s) => s === 400)).toBe(true);
    expect(events.slice(60)).toContain(429);
  });

  it('RFC 8058 one-click: a POST of List-Unsubscribe=One-Click to the List-Unsubscribe address suppresses it (urlencoded or multipart)', async () => {
    rig = await trackingRig();
    const r = rig;
    for (const [email, type, body] of [
      ['ivy@example.com', 'application/x-www-form-urlencoded', 'List-Unsubscribe=One-Click'],
      ['jo@example.com', 'multipart/form-data; boundary=xyz', '--xyz\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--xyz--\r\n'],
    ] as const) {
      const id = (await r.core.call('contacts.create', { email })).id;
      const { mail } = await r.send(id, '<p>Hi</p>');
      expect(mail.header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
      const url = /<(http[^>]+\/u\/[^>]+)>/.exec(mail.header('list-unsubscribe'))![1]!;
      const res = await http(r.server.port, new URL(url).pathname, { method: 'POST', headers: { 'content-type': type }, body });
      expect(res.status).toBe(200);
      expect((await r.core.call('email.suppressions.list', {})).suppressions.find((s) => s.email === email)).toMatchObject({ reason: 'unsubscribed' });
      expect(eventsOf(r, id, 'email.unsubscribed')).toEqual([{ via: 'one-click' }]);
      const again = await deliver({ db: r.core.db, secrets: r.core.secrets, now: () => r.core.now() }, { key: `again:${email}`, contactId: id, template: { subject: 'x', html: '<p>Again</p>' }, kind: 'marketing' });
      expect(again).toMatchObject({ status: 'skipped', reason: 'suppressed:unsubscribed' });
    }
  });
});
