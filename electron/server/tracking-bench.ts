/**
 * The tracking benchmark driver, built as out/main/tracking-bench.js and called
 * by bench/tracking.mjs (`npm run bench`). It opens a real core on a temp data
 * folder (host "server", the engine started and idle) and the real HTTP server
 * behind a stand-in reverse proxy (trustProxy, each click from its own
 * X-Forwarded-For address, so the per-address limits are checked as in
 * production), makes the tracked links of one e-mail per contact with the same
 * code deliver() uses (tracking/links.ts), and follows them over HTTP
 * (keep-alive, `concurrency` requests in flight, a browser's User-Agent): each
 * answer is the 302 to the stored target, each click an email.clicked event
 * on the contact's timeline with the contact re-scored. Figures: recorded
 * clicks/s over the whole batch, and p50/p99 latency of one redirect.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBaton } from '../core/index';
import { EnvSecretStore } from '../core/secrets';
import { trackEmail } from '../core/tracking/links';
import { startServer } from './index';

export interface TrackingBenchOptions {
  quick?: boolean;
  concurrency?: number;
}
export interface TrackingBenchResult {
  concurrency: number;
  contacts: number;
  clicks: number;
  seconds: number;
  perSec: number;
  p50: number;
  p99: number;
  /** email.clicked rows written by the timed batch (must equal clicks). */
  recorded: number;
  /** The same requests to a changed link (404, nothing looked up or recorded): the HTTP floor of this run. */
  floor: { perSec: number; p50: number; p99: number };
}

const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export async function runTrackingBench(opts: TrackingBenchOptions = {}): Promise<TrackingBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-tracking-'));
  const concurrency = opts.concurrency ?? 10;
  const env = { BATON_SECRET_TRACKING_KEY: randomBytes(32).toString('base64url') };
  const core = await openBaton({ dataDir: dir, host: 'server', secrets: new EnvSecretStore(env, 'bench'), logLevel: 'warn' });
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  try {
    await core.start();
    server = await startServer(core, { port: 0, closeCore: false, trustProxy: true });
    const base = server.url.replace(/\/$/, '');
    core.setSetting('server.publicUrl', base);
    core.setSetting('tracking.clicks', 'on');
    const contacts = opts.quick ? 200 : 1000;
    const links: string[] = [];
    for (let i = 0; i < contacts; i++) {
      const id = (await core.call('contacts.create', { email: `reader${i}@example.com` })).id;
      const t = await trackEmail(
        { db: core.db, secrets: core.secrets },
        { messageId: `<bench.${i}@bench.test>`, contactId: id, html: '<p><a href="https://shop.example/pricing">Pricing</a> <a href="https://shop.example/blog">Blog</a></p>', text: '', keep: [] },
      );
      for (const m of (t.html ?? '').matchAll(/href="([^"]+)"/g)) links.push(m[1]!);
    }
    if (links.length !== contacts * 2) throw new Error(`expected ${contacts * 2} tracked links, made ${links.length}`);

    let client = 0;
    const drive = async (total: number, url?: (i: number) => string, expect = 302) => {
      const lat: number[] = [];
      let next = 0;
      const one = async (): Promise<void> => {
        while (next < total) {
          const i = next++;
          const c = client++;
          const t = performance.now();
          const res = await fetch(url ? url(i) : links[i % links.length]!, {
            redirect: 'manual',
            headers: { 'user-agent': UA, 'x-forwarded-for': `10.${(c >> 16) & 255}.${(c >> 8) & 255}.${c & 255}` },
          });
          await res.arrayBuffer();
          lat.push(performance.now() - t);
          if (res.status !== expect) throw new Error(`a tracked link answered ${res.status} (expected ${expect})`);
        }
      };
      const t0 = performance.now();
      await Promise.all(Array.from({ length: concurrency }, one));
      const seconds = (performance.now() - t0) / 1000;
      lat.sort((a, b) => a - b);
      return { seconds, p50: pct(lat, 50), p99: pct(lat, 99) };
    };
    const clicked = () => (core.db.prepare(`SELECT COUNT(*) AS n FROM events WHERE type = 'email.clicked'`).get() as { n: number }).n;
    // Warm up (statements prepared, the key read, connections open).
    await drive(200);
    const before = clicked();
    const clicks = opts.quick ? 1000 : 6000;
    const f = await drive(clicks);
    const recorded = clicked() - before;
    // The floor: the same server, route and rate limits, a link with its last character changed (refused by its signature).
    const changed = (i: number) => links[i % links.length]!.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    const floorN = Math.round(clicks / 2);
    const fl = await drive(floorN, changed, 404);
    return { concurrency, contacts, clicks, seconds: f.seconds, perSec: clicks / f.seconds, p50: f.p50, p99: f.p99, recorded, floor: { perSec: floorN / fl.seconds, p50: fl.p50, p99: fl.p99 } };
  } finally {
    await server?.close();
    await core.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
