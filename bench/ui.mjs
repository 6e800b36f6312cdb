// The window as a person meets it: `baton serve` on a demo business, Debian's
// Chromium through Playwright. First contentful paint of the app, time until the
// dashboard's heading shows, and how long each page takes to show its heading
// after a click (median of 5). Skipped, with the reason, where no Chromium is.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fmt, percentile, target, tempDir } from './lib/util.mjs';

export const title = 'UI: first paint and page switches (Chromium against baton serve)';
export const order = 60;

export const CHROMIUM = process.env.BATON_CHROMIUM ?? '/usr/bin/chromium';
export const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function serve(root, dataDir) {
  const env = { ...process.env, BATON_SECRETS: 'env' };
  delete env.BATON_DATA_DIR;
  const child = spawn(process.execPath, [join(root, 'bin', 'baton.js'), 'serve', '--data', dataDir, '--port', '0', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((ok, no) => {
    const timer = setTimeout(() => no(new Error('baton serve did not start in 20 s')), 20_000);
    child.once('exit', (c) => no(new Error(`baton serve exited with ${c}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const { url } = JSON.parse(line);
        if (url) {
          clearTimeout(timer);
          ok({ child, url, token: readFileSync(join(dataDir, 'server-token'), 'utf8').trim() });
        }
      } catch {
        /* not the JSON line */
      }
    });
  });
}

export async function run(ctx) {
  if (!existsSync(CHROMIUM)) return [`  skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set BATON_CHROMIUM)`];
  const { chromium } = await import('@playwright/test');
  const { dir, cleanup } = tempDir('baton-bench-ui-');
  const contacts = ctx.quick ? 2_000 : 20_000;
  const s = await serve(ctx.root, dir);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const api = async (op, input) => {
      const res = await fetch(`${s.url}api/v1/${op}`, { method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input ?? {}) });
      return (await res.json()).result;
    };
    await api('demo.seed', { contacts });
    await api('settings.set', { key: 'setup.completed', value: true });
    const fcp = [];
    const ready = [];
    for (let i = 0; i < (ctx.quick ? 2 : 5); i++) {
      const page = await browser.newPage();
      const t0 = Date.now();
      await page.goto(`${s.url}#token=${s.token}`);
      await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
      ready.push(Date.now() - t0);
      fcp.push(await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN));
      await page.close();
    }
    const page = await browser.newPage();
    await page.goto(`${s.url}#token=${s.token}`);
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    const labels = await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts();
    const switches = [];
    for (const label of labels.map((l) => l.trim())) {
      const times = [];
      for (let i = 0; i < (ctx.quick ? 2 : 5); i++) {
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
        await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
        const t0 = Date.now();
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label }).click();
        await page.getByRole('heading', { level: 1, name: label }).waitFor();
        await page.waitForLoadState('networkidle');
        times.push(Date.now() - t0);
      }
      switches.push(`    ${label.padEnd(10)} ${fmt(percentile(times, 50))} ms`);
    }
    const fcpMed = percentile(fcp, 50);
    return [
      `  demo business: ${fmt(contacts)} contacts`,
      `  first contentful paint: median ${fmt(fcpMed)} ms, dashboard heading shown: median ${fmt(percentile(ready, 50))} ms (${fcp.length} cold loads)`,
      target('first paint under 1 s when served locally', fcpMed < 1000, `${fmt(fcpMed)} ms`),
      `  page switch, click to heading + network idle (median of ${ctx.quick ? 2 : 5}):`,
      ...switches,
    ];
  } finally {
    await browser.close();
    s.child.kill('SIGTERM');
    await new Promise((r) => s.child.once('exit', r));
    cleanup();
  }
}
