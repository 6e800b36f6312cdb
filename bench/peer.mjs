#!/usr/bin/env node
// `npm run bench:peer`: Baton side by side with n8n on this machine, in one run.
// Not part of `npm test` or `npm run bench` (the first run installs n8n, ~15-25 min).
//
// Both run the same workflow (webhook -> IF -> Set x3, bench/lib/peer-workflows.mjs)
// as separate processes on SQLite, one after the other, driven by the same
// closed-loop HTTP load generator (bench/lib/load.mjs) for a fixed time at each
// concurrency. Figures: workflows completed per second (Baton: runs succeeded
// in its store; n8n: successful executions in its store), latency p50/p99 of a
// request, peak resident memory of the server's process tree, its CPU time per
// workflow, and the ratios Baton/n8n. docs/bench.md explains how to read them.
//
//   npm run bench:peer                      # 10 s per load step
//   npm run bench:peer -- --seconds 30      # longer steps
//   npm run bench:peer -- --quick           # 3 s steps (a smoke run)
//   npm run bench:peer -- --skip-n8n        # Baton only (no install)
//   npm run bench:peer -- --keep            # keep both data folders (printed)
//   npm run bench:peer -- --cpu-prof        # CPU profiles of both servers, and where the time went
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem, type as osType } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { topLines } from './lib/cpuprofile-top.mjs';
import { drive } from './lib/load.mjs';
import { ensureN8n, n8nCli, n8nEnv, N8N_HOME, N8N_VERSION, startN8n, StepError, tail } from './lib/n8n.mjs';
import { answerIsRight, batonWorkflow, n8nWorkflow, n8nWorkflowId, requestBody, SLUGS } from './lib/peer-workflows.mjs';
import { killAll, sampleRss, startTracked, stopTree, treeCpuSeconds, treeRssMb, runTracked } from './lib/proc.mjs';
import { fmt, sleep } from './lib/util.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function parseArgs(argv) {
  const o = { seconds: 10, quick: false, skipN8n: false, keep: false, cpuProf: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--skip-n8n') o.skipN8n = true;
    else if (a === '--keep') o.keep = true;
    else if (a === '--cpu-prof') o.cpuProf = o.keep = true;
    else if (a === '--seconds') o.seconds = Number(argv[++i]);
    else if (a.startsWith('--seconds=')) o.seconds = Number(a.slice(10));
    else throw new StepError('read the options', `unknown option ${a}`, 'use --seconds N, --quick, --skip-n8n, --keep or --cpu-prof.');
  }
  if (o.quick && !argv.some((a) => a.startsWith('--seconds'))) o.seconds = 3;
  if (!Number.isFinite(o.seconds) || o.seconds < 1 || o.seconds > 600) {
    throw new StepError('read the options', `--seconds must be a number from 1 to 600 (got ${o.seconds})`, 'e.g. --seconds 10.');
  }
  return o;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns a truthy value or `ms` pass; ends early when `child` exited. */
async function waitFor(check, { ms, every = 100, child }) {
  const until = Date.now() + ms;
  for (;;) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) return { exited: child.exitCode ?? child.signalCode };
    const v = await check();
    if (v) return { value: v };
    if (Date.now() > until) return { timedOut: true };
    await sleep(every);
  }
}

/** One POST of request 0 to a hook: its status and body (status 0 when nothing answered). */
async function postOnce(url, headers) {
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: requestBody(0), signal: AbortSignal.timeout(30_000) });
    return { status: res.status, body: await res.text() };
  } catch {
    return { status: 0, body: '' };
  }
}

const isoMs = (s) => (s ? Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(s) ? s : `${s.replace(' ', 'T')}Z`) : NaN);

/**
 * Runs one load step on a started system and waits until every workflow it
 * started has finished, so the next step starts on an idle server.
 */
async function step(sys, kind, concurrency, seconds, log) {
  const before = sys.counts(kind);
  const rss = sampleRss(sys.child.pid, 200);
  const cpu0 = treeCpuSeconds(sys.child.pid);
  const load = await drive({
    url: sys.url(kind),
    concurrency,
    seconds,
    body: requestBody,
    headers: sys.headers(kind),
    ok: sys.ok(kind),
    timeoutMs: 120_000,
  });
  // Every accepted request started a workflow: wait until the store shows them all finished.
  const expected = load.ok;
  const settleMs = Math.max(120_000, seconds * 10_000);
  const settled = await waitFor(
    () => {
      const c = sys.counts(kind);
      return c.pending === 0 && c.done + c.failed - before.done - before.failed >= expected ? c : false;
    },
    { ms: settleMs, every: 100, child: sys.child },
  );
  if (settled.exited !== undefined) {
    throw new StepError(`run ${sys.name} under load`, `${sys.name} exited with code ${settled.exited} during the ${kind} c=${concurrency} step; the end of ${sys.logFile}:\n${tail(sys.logFile)}`, 'see the log above.');
  }
  const after = sys.counts(kind);
  const mem = rss.stop();
  const wall = (Date.now() - load.startedAt) / 1000;
  const cpu = treeCpuSeconds(sys.child.pid) - cpu0;
  const completed = after.done - before.done;
  const lastDone = isoMs(after.last);
  const span = Number.isFinite(lastDone) ? Math.max(load.seconds, (lastDone - load.startedAt) / 1000) : load.seconds;
  const r = {
    system: sys.name,
    kind,
    concurrency,
    load,
    completed,
    failedRuns: after.failed - before.failed,
    unfinished: settled.timedOut ? after.pending : 0,
    completedPerSec: completed / span,
    drainSeconds: Math.max(0, span - load.seconds),
    rssPeak: mem.peak,
    cpuMsPerRun: completed ? (cpu * 1000) / completed : NaN,
    cpuPct: (cpu / wall) * 100,
  };
  const odd = Object.entries(load.statuses).filter(([s]) => !sys.okStatuses(kind).includes(Number(s)));
  log(
    `  ${sys.name.padEnd(5)} ${kind.padEnd(6)} c=${String(concurrency).padEnd(3)} ${fmt(load.ok)} answered in ${fmt(load.seconds, 1)} s (${fmt(load.okPerSec)}/s), ` +
      `${fmt(completed)} completed (${fmt(r.completedPerSec)}/s${r.drainSeconds >= 0.05 ? `, last ${fmt(r.drainSeconds, 1)} s after the load` : ''}), ` +
      `p50 ${fmt(load.p50, 1)} ms, p99 ${fmt(load.p99, 1)} ms, RSS peak ${fmt(mem.peak)} MB, CPU ${fmt(r.cpuPct)}%`,
  );
  if (odd.length) log(`        other answers: ${odd.map(([s, n]) => `${s === '0' ? 'no answer' : s} x${n}`).join(', ')}; first: ${load.firstFailure}`);
  if (r.failedRuns) log(`        ${r.failedRuns} workflow(s) failed`);
  if (r.unfinished) log(`        ${r.unfinished} workflow(s) still unfinished after ${settleMs / 1000} s`);
  return r;
}

async function warmUp(sys, seconds) {
  for (const kind of ['accept', 'answer']) {
    const before = sys.counts(kind);
    const load = await drive({ url: sys.url(kind), concurrency: 10, seconds, body: requestBody, headers: sys.headers(kind), ok: sys.ok(kind) });
    if (load.ok === 0) {
      throw new StepError(`warm up ${sys.name}`, `no request to ${sys.url(kind)} was answered as expected (${JSON.stringify(load.statuses)}; first: ${load.firstFailure}); the end of ${sys.logFile}:\n${tail(sys.logFile)}`, `check that the workflow was imported and is active (see the log).`);
    }
    await waitFor(() => {
      const c = sys.counts(kind);
      return c.pending === 0 && c.done + c.failed - before.done - before.failed >= load.ok;
    }, { ms: 120_000, child: sys.child });
  }
}

/**
 * Starts the system's server and measures the time until both webhooks give a right answer
 * (a server that is still starting may answer 200 with a "please wait" page: the body counts).
 */
async function startAndTime(sys, start, stepName, fix) {
  const t0 = Date.now();
  sys.child = start();
  const pending = new Set(['accept', 'answer']);
  const ready = await waitFor(
    async () => {
      for (const kind of pending) {
        const r = await postOnce(sys.url(kind), sys.headers(kind));
        if (sys.ok(kind)(r.status, r.body, 0)) pending.delete(kind);
      }
      return pending.size === 0;
    },
    { ms: 300_000, every: 100, child: sys.child },
  );
  if (ready.exited !== undefined || ready.timedOut) {
    throw new StepError(
      stepName,
      `${ready.timedOut ? `its webhook${pending.size > 1 ? 's' : ''} (${[...pending].map((k) => sys.url(k)).join(', ')}) did not answer right within 300 s` : `it exited with code ${ready.exited}`}; the end of ${sys.logFile}:\n${tail(sys.logFile)}`,
      fix,
    );
  }
  sys.readyMs = Date.now() - t0;
}

/** node's options for a server: with --cpu-prof, a profile per thread into <runDir>/profile-<name>. */
const nodeArgs = (opts, runDir, name) => (opts.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${join(runDir, `profile-${name}`)}`] : []);

function printProfile(opts, runDir, name, log) {
  if (!opts.cpuProf) return;
  log(`  where ${name}'s CPU time went (whole life: start, warm-up and every load step; ${join(runDir, `profile-${name}`)}):`);
  try {
    for (const l of topLines(join(runDir, `profile-${name}`), 15)) log(`  ${l}`);
  } catch (e) {
    log(`    no profile could be read: ${e?.message ?? e}`);
  }
}

async function measure(sys, opts, log, concurrencies) {
  await warmUp(sys, opts.quick ? 1 : 2);
  await sleep(3000);
  sys.idleRss = treeRssMb(sys.child.pid);
  log(`  ${sys.name}: ready (both webhooks answering right) ${fmt(sys.readyMs)} ms after start; idle RSS after warm-up ${fmt(sys.idleRss)} MB`);
  const steps = [];
  for (const kind of ['accept', 'answer']) for (const c of concurrencies) steps.push(await step(sys, kind, c, opts.seconds, log));
  return steps;
}

// ---- Baton -------------------------------------------------------------------------------------

async function benchBaton(runDir, opts, log) {
  const Database = require('better-sqlite3');
  const cli = join(root, 'bin', 'baton.js');
  if (!existsSync(join(root, 'out', 'main', 'cli.js'))) {
    throw new StepError('find the built Baton', `${join(root, 'out', 'main', 'cli.js')} is missing`, 'run `npm run bench:peer` (it builds first) or `npx electron-vite build`.');
  }
  const dataDir = join(runDir, 'baton');
  const logFile = join(runDir, 'baton.log');
  const secret = randomBytes(24).toString('hex');
  const env = { ...process.env, BATON_SECRETS: 'env', BATON_SECRET_HOOK_PEER_ACCEPT: secret, BATON_SECRET_HOOK_PEER_ANSWER: secret };
  for (const k of ['BATON_DATA_DIR', 'BATON_URL', 'BATON_TOKEN', 'BATON_SECRETS_KEYFILE', 'BATON_SECRETS_PASSPHRASE']) delete env[k];
  for (const kind of ['accept', 'answer']) {
    const file = join(runDir, `baton-${kind}.json`);
    writeFileSync(file, JSON.stringify(batonWorkflow(kind), null, 2));
    const res = await runTracked(process.execPath, [cli, 'workflow', 'import', file, '--data', dataDir], { env, logFile });
    if (res.code !== 0) {
      throw new StepError('import the workflow into Baton', `\`baton workflow import ${file}\` exited with code ${res.code}; the end of ${logFile}:\n${tail(logFile)}`, 'fix the definition in bench/lib/peer-workflows.mjs to match docs/workflows.md.');
    }
  }
  // The /hooks route's route-wide rate (60,000 a minute by default) is raised for the load (setting
  // hooks.perMinute, read when the server starts), so the figures are the server's, not the limit's.
  const raised = await runTracked(process.execPath, [cli, 'settings', 'set', 'hooks.perMinute', '6000000', '--data', dataDir], { env, logFile });
  if (raised.code !== 0) throw new StepError('raise the webhook rate limit', `\`baton settings set hooks.perMinute\` exited with code ${raised.code}; the end of ${logFile}:\n${tail(logFile)}`, 'check the setting in shared/contract/settings.ts.');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let db = null;
  const sys = {
    name: 'Baton',
    logFile,
    url: (kind) => `${base}/hooks/${SLUGS[kind]}`,
    headers: () => ({ authorization: `Bearer ${secret}` }),
    okStatuses: (kind) => (kind === 'answer' ? [200] : [202]),
    ok: (kind) => answerIsRight('Baton', kind),
    counts: (kind) => {
      db ??= new Database(join(dataDir, 'baton.db'), { readonly: true, fileMustExist: true });
      const r = db
        .prepare(
          `SELECT COALESCE(SUM(status = 'succeeded'), 0) AS done, COALESCE(SUM(status IN ('failed', 'cancelled')), 0) AS failed,
                  COALESCE(SUM(status NOT IN ('succeeded', 'failed', 'cancelled')), 0) AS pending,
                  MAX(CASE WHEN status = 'succeeded' THEN finished_at END) AS last
             FROM runs WHERE workflow_id = ?`,
        )
        .get(SLUGS[kind]);
      return r;
    },
  };
  try {
    await startAndTime(
      sys,
      () => startTracked(process.execPath, [...nodeArgs(opts, runDir, 'baton'), cli, 'serve', '--data', dataDir, '--port', String(port)], { env, logFile }),
      'start Baton',
      'see the log above (`node bin/baton.js serve` must start on this machine).',
    );
    const steps = await measure(sys, opts, log, [1, 10, 50]);
    return { sys, steps, dataDir };
  } finally {
    db?.close();
    await stopTree(sys.child, opts.cpuProf ? 30_000 : 5_000);
    printProfile(opts, runDir, 'baton', log);
  }
}

// ---- n8n ---------------------------------------------------------------------------------------

async function benchN8n(runDir, opts, log, install) {
  const Database = require('better-sqlite3');
  const userFolder = join(runDir, 'n8n');
  mkdirSync(userFolder, { recursive: true });
  const logFile = join(runDir, 'n8n.log');
  const port = await freePort();
  const env = n8nEnv(userFolder, port);
  const fixImport = `see the log above; if the install is broken, delete ${N8N_HOME} and run again (it reinstalls).`;
  for (const kind of ['accept', 'answer']) {
    const file = join(runDir, `n8n-${kind}.json`);
    writeFileSync(file, JSON.stringify(n8nWorkflow(kind), null, 2));
    await n8nCli(install.bin, ['import:workflow', `--input=${file}`], { env, logFile, step: 'import the workflow into n8n', fix: fixImport });
    await n8nCli(install.bin, ['update:workflow', `--id=${n8nWorkflowId(kind)}`, '--active=true'], { env, logFile, step: 'activate the workflow in n8n', fix: fixImport });
  }
  const base = `http://127.0.0.1:${port}`;
  let db = null;
  const sys = {
    name: 'n8n',
    logFile,
    url: (kind) => `${base}/webhook/${SLUGS[kind]}`,
    headers: () => ({}),
    okStatuses: () => [200],
    ok: (kind) => answerIsRight('n8n', kind),
    counts: (kind) => {
      db ??= new Database(join(userFolder, '.n8n', 'database.sqlite'), { readonly: true, fileMustExist: true });
      db.pragma('busy_timeout = 5000');
      return db
        .prepare(
          `SELECT COALESCE(SUM(status = 'success'), 0) AS done, COALESCE(SUM(status IN ('error', 'crashed', 'canceled')), 0) AS failed,
                  COALESCE(SUM(status NOT IN ('success', 'error', 'crashed', 'canceled')), 0) AS pending,
                  MAX(CASE WHEN status = 'success' THEN stoppedAt END) AS last
             FROM execution_entity WHERE workflowId = ?`,
        )
        .get(n8nWorkflowId(kind));
    },
  };
  try {
    await startAndTime(
      sys,
      () => startN8n(install.bin, { env, logFile, nodeArgs: nodeArgs(opts, runDir, 'n8n') }),
      'start n8n',
      `see the log above. A port clash: run again (a free port is picked each run). A broken install: delete ${N8N_HOME} and run again.`,
    );
    const steps = await measure(sys, opts, log, [1, 10]);
    return { sys, steps, userFolder };
  } finally {
    db?.close();
    await stopTree(sys.child, opts.cpuProf ? 30_000 : 10_000);
    printProfile(opts, runDir, 'n8n', log);
  }
}

// ---- report ------------------------------------------------------------------------------------

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => '  ' + cells.map((c, i) => (i < 3 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(header), '  ' + widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

const KIND_LABEL = { accept: 'answered at once', answer: 'answered with result' };
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${fmt(a / b, a / b >= 10 ? 0 : a / b >= 1 ? 1 : 2)}x` : '–');

function report(baton, n8n, meta) {
  const out = [];
  out.push('', `Side by side (${meta.seconds} s per step; workflow: webhook -> IF -> Set x3; same load generator, HTTP keep-alive)`, '');
  const all = [...baton.steps, ...(n8n?.steps ?? [])].sort(
    (a, b) => a.kind.localeCompare(b.kind) || a.concurrency - b.concurrency || a.system.localeCompare(b.system),
  );
  out.push(
    ...table(
      ['mode', 'c', 'system', 'answered/s', 'completed/s', 'p50 ms', 'p99 ms', 'RSS peak MB', 'CPU ms/wf'],
      all.map((s) => [
        KIND_LABEL[s.kind],
        s.concurrency,
        s.system,
        fmt(s.load.okPerSec),
        fmt(s.completedPerSec, s.completedPerSec < 100 ? 1 : 0),
        fmt(s.load.p50, 1),
        fmt(s.load.p99, 1),
        fmt(s.rssPeak),
        fmt(s.cpuMsPerRun, 2),
      ]),
    ),
  );
  if (n8n) {
    out.push('', 'Ratios Baton/n8n (same mode and concurrency; completed/s: higher is better for Baton; p50, p99, RSS, CPU: lower is better)', '');
    const rows = [];
    for (const b of baton.steps) {
      const n = n8n.steps.find((s) => s.kind === b.kind && s.concurrency === b.concurrency);
      if (!n) continue;
      rows.push([KIND_LABEL[b.kind], b.concurrency, '', ratio(b.completedPerSec, n.completedPerSec), ratio(b.load.p50, n.load.p50), ratio(b.load.p99, n.load.p99), ratio(b.rssPeak, n.rssPeak), ratio(b.cpuMsPerRun, n.cpuMsPerRun)]);
    }
    out.push(...table(['mode', 'c', '', 'completed/s', 'p50', 'p99', 'RSS peak', 'CPU/wf'], rows));
    out.push('');
    out.push(`  ready (both webhooks answering right, from the start of the process): Baton ${fmt(baton.sys.readyMs)} ms, n8n ${fmt(n8n.sys.readyMs)} ms (Baton/n8n ${ratio(baton.sys.readyMs, n8n.sys.readyMs)})`);
    out.push(`  idle RSS after warm-up: Baton ${fmt(baton.sys.idleRss)} MB, n8n ${fmt(n8n.sys.idleRss)} MB (Baton/n8n ${ratio(baton.sys.idleRss, n8n.sys.idleRss)})`);
    const best = (steps, kind) => Math.max(...steps.filter((s) => s.kind === kind).map((s) => s.completedPerSec));
    out.push(`  best completed/s, answered at once: Baton ${fmt(best(baton.steps, 'accept'))}/s vs n8n ${fmt(best(n8n.steps, 'accept'), 1)}/s = ${ratio(best(baton.steps, 'accept'), best(n8n.steps, 'accept'))}`);
    out.push(`  best completed/s, answered with result: Baton ${fmt(best(baton.steps, 'answer'))}/s vs n8n ${fmt(best(n8n.steps, 'answer'), 1)}/s = ${ratio(best(baton.steps, 'answer'), best(n8n.steps, 'answer'))}`);
  } else {
    out.push('', `  ready (both webhooks answering right, from the start of the process): Baton ${fmt(baton.sys.readyMs)} ms; idle RSS after warm-up ${fmt(baton.sys.idleRss)} MB`, '  (n8n skipped: --skip-n8n)');
  }
  return out;
}

function gitRev() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'unknown';
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const log = (l) => console.log(l);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  console.log(`Baton peer bench — ${new Date().toISOString()}`);
  console.log(
    `node ${process.version}, ${osType()} ${release()}, ${availableParallelism()} cores (${cpus()[0]?.model?.trim() ?? 'unknown cpu'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
  );
  const loadLine = () => `load average ${loadavg().map((x) => x.toFixed(1)).join(' / ')} (1 / 5 / 15 min; above the core count, other work shares the CPU and every figure drops)`;
  console.log(loadLine());
  let install = null;
  if (!opts.skipN8n) {
    console.log(`\n## n8n ${N8N_VERSION}`);
    install = await ensureN8n({ log });
    console.log(`  n8n ${install.version} in ${install.home}${install.installedNow ? ` (installed now in ${fmt(install.seconds / 60, 1)} min)` : ' (installed before, reused)'}`);
  }
  console.log(`\nBaton ${pkg.version} (${gitRev()}), n8n ${install ? install.version : '(skipped)'}; SQLite on both; ${opts.seconds} s per load step`);
  mkdirSync(join(tmpdir(), 'baton-peer'), { recursive: true });
  const runDir = mkdtempSync(join(tmpdir(), 'baton-peer', 'run-'));
  // Interrupted (Ctrl+C: bench/lib/proc.mjs exits with 130): the servers first, then their folders.
  process.on('exit', (code) => {
    if (code !== 130 || opts.keep) return;
    killAll();
    rmSync(runDir, { recursive: true, force: true });
  });
  let ok = false;
  try {
    console.log('\n## Baton (node bin/baton.js serve; runs counted in its store)');
    const baton = await benchBaton(runDir, opts, log);
    let n8n = null;
    if (install) {
      console.log('\n## n8n (n8n start; executions counted in its store)');
      n8n = await benchN8n(runDir, opts, log, install);
    }
    for (const l of report(baton, n8n, { seconds: opts.seconds })) console.log(l);
    console.log(`\n  at the end: ${loadLine()}`);
    ok = true;
  } finally {
    killAll();
    if (opts.keep || !ok) console.log(`\n  data and logs of this run: ${runDir}`);
    else rmSync(runDir, { recursive: true, force: true });
  }
}

// Only as a script: bench/run.mjs imports every bench/*.mjs and must not start this.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await main();
    process.exit(0);
  } catch (e) {
    killAll();
    if (e instanceof StepError) {
      console.error(`\nbench:peer failed at step "${e.step}": ${e.message}\n  fix: ${e.fix}`);
    } else {
      console.error(`\nbench:peer failed: ${e?.stack ?? e}`);
    }
    process.exit(1);
  }
}
