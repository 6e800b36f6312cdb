// Concurrent writers and idle CPU, on the built app as a person runs it
// (`node bin/baton.js serve` and CLI processes on one data folder):
// - the server's engine throughput (runs/s of a 5-step workflow, started over the
//   API) alone and while 4 CLI importers write contacts into the same store: the
//   ratio is what the write lock costs; every run and every imported row must be
//   stored (locks cost waiting, never work);
// - CPU of an idle `baton serve` over 60 s once its workers retired, and with a
//   workflow scheduled every minute (a 60 s window holds one fire, with its worker
//   start); target < 1 % of one core for both.
// Run it alone: node bench/run.mjs writers [--quick]
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, serve } from './lib/serve.mjs';
import { fmt, percentile, sleep, target, tempDir } from './lib/util.mjs';

export const title = 'Concurrent writers and idle CPU (baton serve + CLI processes)';
export const order = 70;

const FIVE = {
  id: 'bench-writers',
  name: 'bench: 5 steps, no I/O',
  trigger: { type: 'manual' },
  nodes: [
    { id: 'check', type: 'condition', params: { if: 'input.n >= 0' } },
    { id: 'prep', type: 'set', params: { values: { n: '=input.n' } } },
    { id: 'left', type: 'set', params: { values: { side: 'left' } } },
    { id: 'right', type: 'set', params: { values: { side: 'right' } } },
    { id: 'done', type: 'join', params: { mode: 'all' } },
  ],
  edges: [
    { from: 'check', to: 'prep', branch: 'true' },
    { from: 'prep', to: 'left' },
    { from: 'prep', to: 'right' },
    { from: 'left', to: 'done' },
    { from: 'right', to: 'done' },
  ],
};

const EVERY_MINUTE = {
  id: 'bench-every-minute',
  name: 'bench: a schedule every minute',
  trigger: { type: 'schedule', cron: '* * * * *', timezone: 'UTC', catchUp: 'skip' },
  nodes: [{ id: 'tick', type: 'set', params: { values: { at: '=$millis()' } } }],
  edges: [],
};

function baton(bin, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * One API call with its latency; a 503 (the store stayed busy past the timeout: nothing
 * was written) and a dropped connection (the server gave up on a request it could not
 * serve in time) are counted and tried again: callers pass an idempotency key.
 */
async function call(server, op, input, stats = { busy: 0, dropped: 0, latencies: [] }) {
  for (;;) {
    const t0 = performance.now();
    let r;
    try {
      r = await fetch(new URL(`api/v1/${op}`, server.url), { method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
    } catch {
      if (server.child.exitCode !== null || server.child.signalCode !== null) throw new Error(`baton serve exited (${server.child.exitCode ?? server.child.signalCode}): ${server.stderr().trim().slice(-2000)}`);
      stats.dropped++;
      continue;
    }
    const body = await r.json();
    stats.latencies.push(performance.now() - t0);
    if (r.ok) return body.result;
    if (r.status === 503) {
      stats.busy++;
      continue;
    }
    throw new Error(`${op}: ${r.status} ${JSON.stringify(body)}`);
  }
}

/** CPU seconds (user + system, all threads) and thread count of a process, from /proc. */
function procStat(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]); // utime, stime (fields 14, 15)
  const threads = Number(/Threads:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
  return { cpuSec: ticks / 100, threads };
}

/** Start `count` runs over the API (4 clients), wait until all succeeded: runs/s. */
async function engineRound(server, db, count, offset) {
  const done = () => db.prepare(`SELECT COUNT(*) AS n FROM runs WHERE workflow_id = ? AND status = 'succeeded'`).get(FIVE.id).n;
  const before = done();
  const t0 = performance.now();
  let next = 0;
  let accepted = 0;
  const stats = { busy: 0, dropped: 0, latencies: [] };
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < count) {
        const n = offset + next++;
        // A retried start returns the run the first try created (deduplicated): one run per key either way.
        await call(server, 'runs.start', { workflow: FIVE.id, input: { n }, idempotencyKey: `bench-${n}` }, stats);
        accepted++;
      }
    }),
  );
  const deadline = Date.now() + 600_000;
  while (done() - before < accepted && Date.now() < deadline) await sleep(25);
  const seconds = (performance.now() - t0) / 1000;
  return { runs: done() - before, accepted, busy: stats.busy, dropped: stats.dropped, p50: percentile(stats.latencies, 50), p99: percentile(stats.latencies, 99), max: Math.max(...stats.latencies), seconds, runsPerSec: (done() - before) / seconds };
}

export async function run(ctx) {
  const root = ctx?.root ?? join(import.meta.dirname, '..');
  const bin = join(root, 'bin', 'baton.js');
  if (!existsSync(join(root, 'out', 'main', 'cli.js'))) return ['  skipped: out/main/cli.js is missing (run electron-vite build)'];
  if (!existsSync('/proc/self/stat')) return ['  skipped: needs /proc (Linux) to read a process CPU time'];
  const Database = createRequire(join(root, 'package.json'))('better-sqlite3');
  const quick = Boolean(ctx?.quick);
  const lines = [];

  // ---- engine throughput alone and next to 4 CLI importers ---------------------------------
  const t = tempDir('baton-bench-writers-');
  try {
    const data = join(t.dir, 'data');
    writeFileSync(join(t.dir, 'five.json'), JSON.stringify(FIVE));
    const imp = await baton(bin, ['--data', data, 'workflow', 'import', join(t.dir, 'five.json')]);
    if (imp.code !== 0) throw new Error(`workflow import failed: ${imp.stderr}`);
    const server = await serve(bin, data, cleanEnv());
    const db = new Database(join(data, 'baton.db'), { readonly: true });
    db.pragma('busy_timeout = 5000');
    try {
      const RUNS = quick ? 200 : 1000;
      const ROWS = quick ? 1000 : 5000;
      await engineRound(server, db, quick ? 50 : 200, 0); // warm the workers
      const alone = await engineRound(server, db, RUNS, 1_000_000);

      let importing = true;
      const importers = { runs: 0, rows: 0, failed: [], invalid: 0, stored: 0, dishonest: [] };
      /** What an import says it stored: all rows (exit 0), or the count its error message names (exit 5). */
      const claimed = (r) => {
        if (r.code === 0) return JSON.parse(r.stdout).created;
        const m = /"message":"(.*)"/.exec(r.stderr)?.[1] ?? '';
        if (/Nothing was imported/.test(m)) return 0;
        const c = /\((\d+) created,/.exec(m);
        return c ? Number(c[1]) : NaN;
      };
      const checks = [];
      const importer = async (i) => {
        for (let j = 0; importing; j++) {
          const file = join(t.dir, `w${i}-${j}.csv`);
          writeFileSync(file, ['email,firstName', ...Array.from({ length: ROWS }, (_, n) => `w${i}-${j}-${n}@bench.example,W${n}`)].join('\n') + '\n');
          const r = await baton(bin, ['--data', data, '--json', 'contacts', 'import', file]);
          importers.runs++;
          checks.push({ prefix: `w${i}-${j}-`, claimed: claimed(r) });
          if (r.code !== 0) importers.failed.push(`exit ${r.code}: ${r.stderr.trim().slice(0, 200)}`);
          else {
            const rep = JSON.parse(r.stdout);
            importers.rows += rep.created;
            importers.invalid += rep.invalidCount;
          }
        }
      };
      const running = [0, 1, 2, 3].map(importer);
      await sleep(quick ? 1500 : 3000); // the importers are up and writing
      const contactsBefore = db.prepare(`SELECT COUNT(*) AS n FROM contacts`).get().n;
      const withImporters = await engineRound(server, db, RUNS, 2_000_000);
      const contactsDuring = db.prepare(`SELECT COUNT(*) AS n FROM contacts`).get().n - contactsBefore;
      importing = false;
      await Promise.all(running);
      importers.stored = db.prepare(`SELECT COUNT(*) AS n FROM contacts WHERE email LIKE 'w%@bench.example'`).get().n;
      // Every import's exit code and message against what is in the store.
      const byPrefix = new Map();
      for (const row of db.prepare(`SELECT substr(email, 1, instr(substr(email, instr(email, '-') + 1), '-') + instr(email, '-')) AS p, COUNT(*) AS n FROM contacts WHERE email LIKE 'w%@bench.example' GROUP BY 1`).all()) byPrefix.set(row.p, row.n);
      for (const c of checks) if ((byPrefix.get(c.prefix) ?? 0) !== c.claimed) importers.dishonest.push(`${c.prefix}: said ${c.claimed}, stored ${byPrefix.get(c.prefix) ?? 0}`);

      const lost = alone.accepted - alone.runs + (withImporters.accepted - withImporters.runs) + importers.dishonest.length;
      const api = (r) => `runs.start latency p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms, max ${fmt(r.max)} ms; ${fmt(r.busy)} answered 503 (store busy past the 5 s timeout, nothing written), ${fmt(r.dropped)} dropped by the server (no answer in 60 s); all retried with their idempotency key`;
      lines.push(
        `  engine alone: ${fmt(alone.runs)} runs in ${fmt(alone.seconds, 2)} s = ${fmt(alone.runsPerSec)} runs/s (5-step workflow, started over the API by 4 clients)`,
        `    ${api(alone)}`,
        `  engine with 4 CLI importers writing: ${fmt(withImporters.runs)} runs in ${fmt(withImporters.seconds, 2)} s = ${fmt(withImporters.runsPerSec)} runs/s; meanwhile the importers stored ${fmt(contactsDuring)} contacts (${fmt(contactsDuring / withImporters.seconds)} rows/s)`,
        `    ${api(withImporters)}`,
        `  ratio with/without importers: ${fmt(withImporters.runsPerSec / alone.runsPerSec, 2)} (the importer processes share this machine's ${availableParallelism()} cores with the server)`,
        `  importers: ${fmt(importers.runs)} imports of ${fmt(ROWS)} rows, ${fmt(importers.failed.length)} gave up on the busy store (exit 5, naming what they committed), ${fmt(importers.invalid)} rows reported invalid; ${fmt(importers.stored)} rows stored`,
        ...importers.failed.slice(0, 3).map((f) => `    ${f}`),
        ...importers.dishonest.slice(0, 3).map((f) => `    dishonest: ${f}`),
        target('no lost writes: every run accepted finished, every import stored exactly what its exit code and message say', lost === 0 && importers.invalid === 0, `${fmt(alone.accepted + withImporters.accepted - alone.runs - withImporters.runs)} runs lost, ${fmt(importers.dishonest.length)} imports not as reported`),
        target('no import gave up on the busy store (locks cost waiting)', importers.failed.length === 0, `${fmt(importers.failed.length)} of ${fmt(importers.runs)}`),
      );
      if (ctx?.results) Object.assign(ctx.results, { writersRatio: withImporters.runsPerSec / alone.runsPerSec });
    } finally {
      db.close();
      await server.stop();
    }
  } finally {
    t.cleanup();
  }

  // ---- idle CPU ----------------------------------------------------------------------------------
  const window = quick ? 15 : 60;
  const idleCase = async (label, workflow) => {
    const d = tempDir('baton-bench-idle-');
    try {
      const data = join(d.dir, 'data');
      if (workflow) {
        writeFileSync(join(d.dir, 'wf.json'), JSON.stringify(workflow));
        const r = await baton(bin, ['--data', data, 'workflow', 'import', join(d.dir, 'wf.json')]);
        if (r.code !== 0) throw new Error(`workflow import failed: ${r.stderr}`);
      }
      const server = await serve(bin, data, cleanEnv());
      try {
        // Workers retire after 15 s without work: wait until the thread count stops falling.
        const started = procStat(server.child.pid).threads;
        let last = started;
        let stableSince = Date.now();
        const t0 = Date.now();
        while (Date.now() - t0 < 90_000) {
          await sleep(1000);
          const th = procStat(server.child.pid).threads;
          if (th !== last) {
            last = th;
            stableSince = Date.now();
          } else if (Date.now() - t0 > 17_000 && Date.now() - stableSince > 4000) break;
        }
        const a = procStat(server.child.pid);
        const w0 = performance.now();
        await sleep(window * 1000);
        const b = procStat(server.child.pid);
        const seconds = (performance.now() - w0) / 1000;
        const pct = ((b.cpuSec - a.cpuSec) / seconds) * 100;
        let fires = '';
        if (workflow) {
          const db = new Database(join(data, 'baton.db'), { readonly: true });
          try {
            fires = `, ${db.prepare(`SELECT COUNT(*) AS n FROM runs WHERE workflow_id = ?`).get(workflow.id).n} scheduled runs so far`;
          } finally {
            db.close();
          }
        }
        return { pct, line: `  ${label}: ${fmt(b.cpuSec - a.cpuSec, 2)} CPU s in ${fmt(seconds, 1)} s = ${fmt(pct, 2)} % of one core (threads: ${started} at start, ${a.threads} when measured${fires})` };
      } finally {
        await server.stop();
      }
    } finally {
      d.cleanup();
    }
  };
  const idle = await idleCase(`idle baton serve over ${window} s, workers retired`, null);
  lines.push(idle.line, target('idle CPU < 1 % of one core', idle.pct < 1, `${fmt(idle.pct, 2)} %`));
  const sched = await idleCase(`baton serve with a workflow scheduled every minute, over ${window} s`, EVERY_MINUTE);
  lines.push(sched.line, target('CPU with a schedule every minute < 1 % of one core', sched.pct < 1, `${fmt(sched.pct, 2)} %`));
  if (ctx?.results) Object.assign(ctx.results, { idleCpuPct: idle.pct, scheduledCpuPct: sched.pct });
  return lines;
}
