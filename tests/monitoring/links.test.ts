/**
 * Website QA (docs/monitoring.md): monitor.links crawls a real local HTTP site
 * with linkinator in a workflow run; the one broken link is reported with the
 * page it is on, the working pages, image and external-looking link are not,
 * and a skip pattern leaves a link out; the website-qa template alerts once
 * with that report and once when the link is fixed.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { engineOf } from '../../electron/core/engine';
import { openTestCore } from '../helpers';
import { startReceiver } from './sites';

let t: Awaited<ReturnType<typeof openTestCore>> | null = null;
let server: http.Server | null = null;
afterEach(async () => {
  await t?.cleanup();
  t = null;
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

const PAGES: Record<string, string> = {
  '/': '<html><body><a href="/about">About</a> <a href="/services">Services</a> <img src="/logo.png"></body></html>',
  '/about': '<html><body><a href="/">Home</a> <a href="/team">Team</a></body></html>',
  '/services': '<html><body><a href="/pricing-old">Old pricing</a> <a href="/about">About</a> <a href="/private/admin">Admin</a></body></html>',
  '/team': '<html><body><a href="/">Home</a></body></html>',
};

describe('monitor.links', () => {
  it('finds the broken link on a real site and names the page it is on', async () => {
    const requested: string[] = [];
    server = http.createServer((req, res) => {
      requested.push(req.url ?? '');
      const path = (req.url ?? '/').split('?')[0]!;
      if (path === '/logo.png') {
        res.writeHead(200, { 'content-type': 'image/png' });
        return res.end(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
      }
      const page = PAGES[path];
      res.writeHead(page ? 200 : 404, { 'content-type': 'text/html' });
      res.end(page ?? 'not found');
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    // The webhook's address is a secret (an environment variable here, set once the receiver runs below).
    const secretEnv: NodeJS.ProcessEnv = {};
    t = await openTestCore({ env: secretEnv });
    const { core } = t;
    await core.call('settings.set', { key: 'monitoring.siteUrl', value: `${base}/` });
    await core.call('workflows.import', {
      definition: { id: 'qa', name: 'QA', trigger: { type: 'manual' }, nodes: [{ id: 'links', type: 'monitor.links', params: { skip: ['/private/'] } }], edges: [] },
    });
    const run = await core.call('runs.start', { workflow: 'qa', input: {} });
    await engineOf(core).drain();
    const done = await core.call('runs.get', { id: run.runId });
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    const step = done.steps.find((s) => s.nodeId === 'links')!;
    const out = step.output as { passed: boolean; failing: boolean; key: string; checked: number; broken: { url: string; status: number; page: string; reason: string }[]; report: string };
    expect(out.broken).toEqual([{ url: `${base}/pricing-old`, status: 404, page: `${base}/services`, reason: 'HTTP 404' }]);
    expect(out).toMatchObject({ passed: false, failing: true, key: `links:${base}/` });
    expect(out.report).toBe(`1 broken link(s) on ${base}/:\n- ${base}/pricing-old (HTTP 404) on ${base}/services`);
    // Every page and the image were checked; the skipped link was never requested.
    expect(out.checked).toBeGreaterThanOrEqual(6);
    for (const p of ['/', '/about', '/services', '/team', '/logo.png', '/pricing-old']) expect(requested).toContain(p);
    expect(requested.some((p) => p.startsWith('/private'))).toBe(false);

    // The website-qa template (installed by the installer) alerts once with the report, and once when the link is fixed.
    // (The template has no skip pattern: the admin page answers.)
    PAGES['/private/admin'] = '<html><body>Admin</body></html>';
    const hook = await startReceiver();
    try {
      secretEnv.BATON_SECRET_MONITORING_WEBHOOK_QA = `${hook.url}/qa`;
      await core.call('settings.set', { key: 'monitoring.webhooks', value: [{ id: 'qa', format: 'json' }] });
      expect((await core.call('templates.install', { ids: ['website-qa'], enable: true })).installed).toEqual([{ id: 'website-qa', version: 1, enabled: true }]);
      const qa = async () => {
        const r = await core.call('runs.start', { workflow: 'website-qa', input: {} });
        await engineOf(core).drain();
        const d = await core.call('runs.get', { id: r.runId });
        expect(d.status, JSON.stringify(d.error)).toBe('succeeded');
        return d.steps.find((s) => s.nodeId === 'alert')!.output as { change: string | null };
      };
      expect(await qa()).toMatchObject({ change: 'fired' });
      expect(await qa()).toMatchObject({ change: null });
      PAGES['/pricing-old'] = '<html><body><a href="/">Home</a></body></html>';
      expect(await qa()).toMatchObject({ change: 'recovered' });
      const got = (await hook.waitFor(2)).map((h) => (JSON.parse(h.body) as { alert: { kind: string; title: string; detail: string } }).alert);
      expect(got.map((a) => [a.kind, a.title])).toEqual([
        ['alert', `Broken links on ${base}/`],
        ['recovery', `No more broken links on ${base}/`],
      ]);
      expect(got[0]!.detail).toBe(`1 broken link(s) on ${base}/:\n- ${base}/pricing-old (HTTP 404) on ${base}/services`);
      expect(got[1]!.detail).toMatch(/^No broken link on .* \(\d+ checked\)\.$/);
    } finally {
      delete PAGES['/pricing-old'];
      delete PAGES['/private/admin'];
      await hook.close();
    }
  }, 120_000);
});
