/**
 * Crash test: the built `baton serve` as a child process, 500 runs whose steps
 * POST side effects (through the outbox, with Idempotency-Key) to a local sink
 * that dedupes like a real API, short durable waits between them, and SIGKILL
 * at random moments at least 10 times, each followed by a restart.
 *
 * Asserts: every run succeeds; every side effect reached the sink; no side
 * effect was applied twice (two different keys for one run + node would be a
 * duplicate the sink cannot catch); raw re-deliveries (same key, sent again
 * after a crash between send and record) are counted and reported; nothing is
 * left queued, running or waiting.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers';
import { prng } from './fuzz-mutate';
import { startSink, type Sink } from './crash-sink';

const ROOT = resolve(__dirname, '..', '..');
const RUNS = Number(process.env.CRASH_RUNS ?? 500);
const KILLS = Number(process.env.CRASH_KILLS ?? 12);
const SEED = Number(process.env.CRASH_SEED ?? 7);
const EFFECTS = ['a', 'b', 'c'] as const;

const workflow = (sinkUrl: string) => ({
  id: 'crash-effects',
  name: 'Crash test: three side effects with waits',
  trigger: { type: 'manual' },
  nodes: [
    { id: 'a', type: 'http.request', params: { method: 'POST', url: `${sinkUrl}/effects`, body: { run: '=run.id', step: 'a' }, timeout: '10s' } },
    { id: 'w1', type: 'wait', params: { duration: '150ms' } },
    { id: 'b', type: 'http.request', params: { method: 'POST', url: `${sinkUrl}/effects`, body: { run: '=run.id', step: 'b' }, timeout: '10s' } },
    { id: 'w2', type: 'wait', params: { duration: '50ms' } },
    { id: 'c', type: 'http.request', params: { method: 'POST', url: `${sinkUrl}/effects`, body: { run: '=run.id', step: 'c' }, timeout: '10s' } },
  ],
  edges: [
    { from: 'a', to: 'w1' },
    { from: 'w1', to: 'b' },
    { from: 'b', to: 'w2' },
    { from: 'w2', to: 'c' },
  ],
  settings: { retry: { maxAttempts: 20, initialDelay: '100ms', maxDelay: '1s' } },
});

/** A per-second schedule (catch-up "all") that also posts a side effect: every second fires once across the kills. */
const ticker = (sinkUrl: string) => ({
  id: 'crash-ticker',
  name: 'Crash test: a per-second schedule',
  trigger: { type: 'schedule', cron: '* * * * * *', timezone: 'UTC', catchUp: 'all', catchUpWindow: '1h' },
  nodes: [{ id: 'tick', type: 'http.request', params: { method: 'POST', url: `${sinkUrl}/ticks`, body: { fireAt: '=input.fireAt' }, timeout: '10s' } }],
});

interface Server {
  child: ChildProcess;
  url: string;
  token: string;
}

let sink: Sink;
const tmp = tempDir('baton-crash-');
const dataDir = join(tmp.dir, 'data');
/** A private copy of the built app (others rebuild out/ in the shared checkout while this test runs). */
const APP = join(tmp.dir, 'app-copy');
let server: Server | null = null;

function start(): Promise<Server> {
  return new Promise((resolveStart, reject) => {
    const child = spawn(process.execPath, [join(APP, 'bin', 'baton.js'), '--json', 'serve', '--data', dataDir, '--port', '0'], {
      cwd: APP,
      env: { ...process.env, BATON_SECRETS: 'env' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`baton serve did not start in 30 s: ${err}`)), 30_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line) return;
      clearTimeout(timer);
      const info = JSON.parse(line) as { url: string; tokenFile: string };
      resolveStart({ child, url: info.url.replace(/\/$/, ''), token: readFileSync(info.tokenFile, 'utf8').trim() });
    });
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`baton serve exited with ${code}: ${err}`));
    });
  });
}

function kill(s: Server): Promise<void> {
  return new Promise((r) => {
    if (s.child.exitCode !== null || s.child.signalCode !== null) return r();
    s.child.once('exit', () => r());
    s.child.kill('SIGKILL');
  });
}

async function api<T>(s: Server, op: string, input: unknown): Promise<T> {
  const res = await fetch(`${s.url}/api/v1/${op}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (!res.ok) throw new Error(`${op}: ${res.status} ${body.error?.message}`);
  return body.result as T;
}

async function countByStatus(s: Server): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  let cursor: string | null = null;
  do {
    const page: { runs: { status: string }[]; nextCursor: string | null } = await api(s, 'runs.list', { workflow: 'crash-effects', limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const r of page.runs) out[r.status] = (out[r.status] ?? 0) + 1;
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

beforeAll(async () => {
  const copy = `mkdir -p "${APP}" && cp -r bin out resources package.json "${APP}/"`;
  const build = process.env.BATON_TEST_SKIP_BUILD ? copy : `npx electron-vite build && ${copy}`;
  execFileSync('flock', ['/tmp/baton-build.lock', 'sh', '-c', build], { cwd: ROOT, stdio: 'pipe' });
  symlinkSync(join(ROOT, 'node_modules'), join(APP, 'node_modules'));
  // A slow receiver keeps requests in flight, so some kills land between "sent" and "recorded".
  sink = await startSink({ delayMs: 40 });
}, 180_000);

afterAll(async () => {
  if (server) await kill(server);
  await sink?.close();
  if (!process.env.CRASH_KEEP) tmp.cleanup();
  else console.log('crash test data kept in', tmp.dir);
});

describe('crash test: kill -9 baton serve while 500 runs make side effects', () => {
  it(`every run finishes and no side effect is applied twice across ${KILLS} SIGKILLs`, async () => {
    const rnd = prng(SEED);
    server = await start();
    await api(server, 'workflows.import', { definition: workflow(sink.url) });
    await api(server, 'workflows.import', { definition: ticker(sink.url) });
    const runIds = new Map<number, string>();
    const perCycle = Math.ceil(RUNS / KILLS);
    let next = 0;
    let kills = 0;
    let startErrors = 0;
    while (kills < KILLS) {
      // Start this cycle's runs (and re-send any whose answer was lost in the last crash:
      // the idempotency key makes a re-send return the same run).
      const want = Math.min(RUNS, next + perCycle);
      const killAt = Date.now() + 150 + rnd() * 900;
      const starting = (async () => {
        for (let i = 0; i < want; i++) {
          if (runIds.has(i)) continue;
          try {
            const r = await api<{ runId: string }>(server!, 'runs.start', { workflow: 'crash-effects', input: { i }, idempotencyKey: `crash-${i}` });
            runIds.set(i, r.runId);
          } catch {
            startErrors++;
            return; // the server died under us
          }
        }
      })();
      // Kill at a random moment once side effects are flowing (so some land between "sent" and "recorded").
      const rawBefore = sink.stats().raw;
      while (sink.stats().raw === rawBefore && Date.now() < killAt + 5000) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, rnd() * 400));
      await kill(server);
      kills++;
      await starting;
      next = want;
      server = await start();
    }
    // Any run whose start answer was lost: re-send (deduplicated by its key).
    for (let i = 0; i < RUNS; i++) {
      if (!runIds.has(i)) runIds.set(i, (await api<{ runId: string }>(server, 'runs.start', { workflow: 'crash-effects', input: { i }, idempotencyKey: `crash-${i}` })).runId);
    }
    expect(new Set(runIds.values()).size).toBe(RUNS);

    const killedAt = Date.now();
    await new Promise((r) => setTimeout(r, 1500));
    await api(server, 'workflows.disable', { id: 'crash-ticker' });
    // Let the last server finish everything.
    const deadline = Date.now() + 120_000;
    let counts: Record<string, number> = {};
    while (Date.now() < deadline) {
      counts = await countByStatus(server);
      if ((counts.succeeded ?? 0) + (counts.failed ?? 0) + (counts.cancelled ?? 0) === RUNS) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const stats = sink.stats();
    const redeliveries = sink.redeliveries();
    const report = {
      runs: RUNS,
      kills,
      startRequestsLostInCrashes: startErrors,
      statuses: counts,
      sink: stats,
      keysDeliveredMoreThanOnce: redeliveries.size,
      maxDeliveriesOfOneKey: Math.max(1, ...redeliveries.values()),
      secondsToFinishAfterLastRestart: Math.round((Date.now() - killedAt) / 100) / 10,
    };
    console.log('crash test report:', JSON.stringify(report));

    expect(counts).toEqual({ succeeded: RUNS });

    // The schedule: every second from the first fire to the last fired exactly once, kills or not.
    const fires = (await api<{ fires: { fireAt: string; status: string; runId: string | null; late: boolean }[] }>(server, 'schedules.fires', { workflow: 'crash-ticker', limit: 500 })).fires;
    const times = fires.map((f) => Date.parse(f.fireAt)).sort((a, b) => a - b);
    expect(fires.length).toBeGreaterThan(10);
    expect(fires.every((f) => f.status === 'started' && f.runId)).toBe(true);
    expect(times[times.length - 1]! - times[0]!).toBe((times.length - 1) * 1000); // no gap, no duplicate
    let tickRuns: { status: string }[] = [];
    for (let i = 0; i < 200; i++) {
      tickRuns = (await api<{ runs: { status: string }[] }>(server, 'runs.list', { workflow: 'crash-ticker', limit: 1000 })).runs;
      if (tickRuns.every((r) => r.status === 'succeeded')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(tickRuns.length).toBe(fires.length);
    expect(tickRuns.every((r) => r.status === 'succeeded')).toBe(true);
    const tickBodies = [...sink.applied.values()].filter((b) => (b as { fireAt?: string }).fireAt) as { fireAt: string }[];
    expect(new Set(tickBodies.map((b) => b.fireAt)).size).toBe(tickBodies.length);
    expect(tickBodies.length).toBe(fires.length);
    console.log(`crash test schedule: ${fires.length} per-second fires, ${fires.filter((f) => f.late).length} caught up after a restart, none twice`);
    // Every side effect applied, once per run and node.
    const applied = ([...sink.applied.values()] as { run?: string; step: string }[]).filter((b) => b.run) as { run: string; step: string }[];
    const pairs = new Set(applied.map((b) => `${b.run}:${b.step}`));
    expect(pairs.size).toBe(applied.length); // no run+node applied under two keys
    expect(applied.length).toBe(RUNS * EFFECTS.length);
    for (const id of runIds.values()) for (const s of EFFECTS) expect(pairs.has(`${id}:${s}`)).toBe(true);
    expect(stats.missingKey).toBe(0);
    // Re-deliveries only come from crashes between send and record: at most one per kill per worker batch.
    expect(stats.redelivered).toBe(stats.raw - stats.applied);
    expect(kills).toBeGreaterThanOrEqual(10);
  }, 420_000);
});
