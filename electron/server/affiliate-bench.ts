/**
 * The affiliate redirect benchmark driver, built as out/main/affiliate-bench.js and
 * called by bench/affiliate.mjs (`npm run bench`). A real core on a temp data folder
 * (host "server", the engine started and idle) and the real HTTP server behind a
 * stand-in reverse proxy (trustProxy, each click from its own X-Forwarded-For
 * address); 50 tracked links; `/go/<slug>` followed over HTTP (keep-alive,
 * `concurrency` in flight, a browser's User-Agent): each answer the 302 with the
 * sub-id, each click a row of affiliate_clicks. Yardsticks in the same run: the
 * same requests to an unknown slug (404, nothing recorded: the HTTP floor), and
 * SQLite alone inserting the same click rows one statement each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBaton } from '../core/index';
import { EnvSecretStore } from '../core/secrets';
import { startServer } from './index';

export interface AffiliateBenchResult {
  concurrency: number;
  clicks: number;
  perSec: number;
  p50: number;
  p99: number;
  recorded: number;
  floorPerSec: number;
  /** One INSERT of a click row per statement (autocommit), SQLite alone, same table. */
  rawInsertPerSec: number;
}

const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;

export async function runAffiliateBench(opts: { quick?: boolean; concurrency?: number } = {}): Promise<AffiliateBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-affiliate-'));
  const concurrency = opts.concurrency ?? 8;
  const core = await openBaton({ dataDir: dir, host: 'server', secrets: new EnvSecretStore({}, 'bench'), logLevel: 'warn' });
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  try {
    await core.start();
    server = await startServer(core, { port: 0, closeCore: false, trustProxy: true });
    const base = server.url.replace(/\/$/, '');
    core.setSetting('server.publicUrl', base);
    await core.call('affiliate.programs.save', { name: 'Bench', subIdParam: 'subid' });
    const slugs: string[] = [];
    for (let i = 0; i < 50; i++) slugs.push((await core.call('affiliate.links.create', { program: 'Bench', destination: `https://shop.example/product-${i}?ref=me`, slug: `p-${i}` })).link.slug);
    let client = 0;
    const drive = async (total: number, url: (i: number) => string, expect: number) => {
      const lat: number[] = [];
      let next = 0;
      const one = async (): Promise<void> => {
        while (next < total) {
          const i = next++;
          const c = client++;
          const t = performance.now();
          const res = await fetch(url(i), { redirect: 'manual', headers: { 'user-agent': UA, 'x-forwarded-for': `10.${(c >> 16) & 255}.${(c >> 8) & 255}.${c & 255}` } });
          await res.arrayBuffer();
          lat.push(performance.now() - t);
          if (res.status !== expect) throw new Error(`/go answered ${res.status} (expected ${expect})`);
        }
      };
      const t0 = performance.now();
      await Promise.all(Array.from({ length: concurrency }, one));
      const seconds = (performance.now() - t0) / 1000;
      lat.sort((a, b) => a - b);
      return { perSec: total / seconds, p50: pct(lat, 50), p99: pct(lat, 99) };
    };
    const count = () => (core.db.prepare('SELECT COUNT(*) AS n FROM affiliate_clicks').get() as { n: number }).n;
    const go = (i: number) => `${base}/go/${slugs[i % slugs.length]}`;
    await drive(200, go, 302);
    const before = count();
    const clicks = opts.quick ? 1000 : 6000;
    const f = await drive(clicks, go, 302);
    const recorded = count() - before;
    const floor = await drive(Math.round(clicks / 2), (i) => `${base}/go/none-${i % 50}`, 404);
    // SQLite alone: the same row, one statement (one commit) each.
    const ins = core.db.prepare('INSERT INTO affiliate_clicks (link_id, day, at, machine, reason, user_agent, referrer) VALUES (?, ?, ?, 0, NULL, ?, NULL)');
    const rawN = clicks * 2;
    const t0 = performance.now();
    for (let i = 0; i < rawN; i++) {
      const at = new Date().toISOString();
      ins.run(1 + (i % 50), at.slice(0, 10), at, 'desktop');
    }
    const rawInsertPerSec = rawN / ((performance.now() - t0) / 1000);
    return { concurrency, clicks, perSec: f.perSec, p50: f.p50, p99: f.p99, recorded, floorPerSec: floor.perSec, rawInsertPerSec };
  } finally {
    await server?.close();
    await core.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
