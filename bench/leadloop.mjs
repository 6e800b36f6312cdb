// The lead loop on the built app as a person runs it: `node bin/baton.js serve` on a
// temp data folder, SMTP at a local smtp-server the bench starts, the loop's form
// workflow crm-new-lead installed and enabled through templates.install (the form
// "contact" and the sequence "nurture" come along; crm-sales-handoff, the reply half of
// the loop, needs an IMAP mailbox and no form post reaches it, so it is left out). Then N form posts
// (10,000; 1,000 with --quick) to the public route /hooks/forms/contact, url-encoded
// as a browser sends them, 20 at a time, distinct e-mails, about 10 % hot (a CEO of a
// 200-500 person company asking for a demo). Figures: accepted submissions/s, form POST
// latency, time until every accepted contact is stored, scored and either hot (a deal
// and an alert) or enrolled in the nurture sequence (read from the SQLite file,
// read-only), end-to-end leads/s, and the server's idle RSS before and after.
// The form route's route-wide rate is raised for the bench (setting forms.perMinute,
// 100,000 a minute, set before the server starts); the printed note says so.
// Run it alone: node bench/run.mjs leadloop [--quick]
// Profile the server: BENCH_SERVE_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" node bench/run.mjs leadloop --quick
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { call, cleanEnv, serve } from './lib/serve.mjs';
import { fmt, percentile, sleep, target, tempDir } from './lib/util.mjs';

export const title = 'Lead loop (form posts through crm-new-lead: upsert, score, branch, enroll)';
export const order = 75;

const TARGET_LEADS_PER_SEC = 500;
const CONCURRENCY = 20;
const DOMAIN = 'leads.bench.example';
const SMTP_USER = 'mailer';

const FORM_RATE = 100_000;

/** A real SMTP server (smtp-server, as the tests use) that accepts and counts every message. */
async function startSmtp(require, password) {
  const { SMTPServer } = require('smtp-server');
  const state = { messages: 0 };
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === SMTP_USER && auth.password === password) return cb(null, { user: auth.username });
      return cb(new Error('Invalid username or password'));
    },
    onData(stream, _session, cb) {
      stream.on('data', () => {});
      stream.on('end', () => {
        state.messages++;
        cb();
      });
    },
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: server.server.address().port, state, close: () => new Promise((r) => server.close(() => r())) };
}

/** Resident set size (MB) and thread count of a process, from /proc. */
function procMem(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssMb: Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024, threads: Number(/Threads:\s+(\d+)/.exec(status)[1]) };
}

/**
 * Idle RSS: workers retire after 15 s without work, so wait at least 17 s and until the
 * thread count has not changed for 4 s (as the writers section waits for idle CPU), then read it.
 */
async function idleRss(pid) {
  let last = procMem(pid).threads;
  let stableSince = Date.now();
  const t0 = Date.now();
  while (Date.now() - t0 < 90_000) {
    await sleep(500);
    const th = procMem(pid).threads;
    if (th !== last) {
      last = th;
      stableSince = Date.now();
    } else if (Date.now() - t0 > 17_000 && Date.now() - stableSince > 4000) break;
  }
  return procMem(pid);
}

/** CPU time (ms, user + system) of a thread or a whole process from its /proc stat line. */
function statCpuMs(path) {
  const stat = readFileSync(path, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, USER_HZ 100
}

/**
 * CPU time of the server (ms): the main thread (its tid is the pid) and the whole process (every
 * thread, those that ended included: the workers, libuv's pool, V8's GC helpers). Measurable even
 * when the machine is loaded, unlike wall-clock rates.
 */
function serverCpu(pid) {
  return { main: statCpuMs(`/proc/${pid}/task/${pid}/stat`), total: statCpuMs(`/proc/${pid}/stat`) };
}

const lead = (i, domain = DOMAIN) => {
  const hot = i % 10 === 0;
  const email = `lead${i}@${domain}`;
  return hot
    ? { hot, email, fields: { email, name: `Hot Lead${i}`, company: `BigCo ${i}`, title: 'CEO', company_size: '200-500', message: 'Can we see a demo next week?' } }
    : { hot, email, fields: { email, name: `Cold Lead${i}`, message: 'Just looking around' } };
};

export async function run(ctx) {
  const root = ctx?.root ?? join(import.meta.dirname, '..');
  const bin = join(root, 'bin', 'baton.js');
  if (!existsSync(join(root, 'out', 'main', 'cli.js'))) return ['  skipped: out/main/cli.js is missing (run electron-vite build)'];
  if (!existsSync('/proc/self/status')) return ['  skipped: needs /proc (Linux) to read the server RSS'];
  const require = createRequire(join(root, 'package.json'));
  const Database = require('better-sqlite3');
  const quick = Boolean(ctx?.quick);
  const N = quick ? 1000 : 10_000;
  const lines = [];

  const password = ['smtp', 'bench', String(process.pid)].join('-');
  const smtp = await startSmtp(require, password);
  const t = tempDir('baton-bench-leadloop-');
  let server = null;
  let db = null;
  try {
    const data = join(t.dir, 'data');
    // A launch-day rate for the public form route (read when the server starts).
    const set = spawnSync(process.execPath, [bin, '--data', data, 'settings', 'set', 'forms.perMinute', String(FORM_RATE)], { env: cleanEnv(), encoding: 'utf8' });
    if (set.status !== 0) throw new Error(`settings set forms.perMinute failed: ${set.stderr}`);
    server = await serve(bin, data, cleanEnv({ BATON_SECRET_SMTP_PASSWORD: password }));
    const settings = {
      'email.smtp.host': '127.0.0.1',
      'email.smtp.port': smtp.port,
      'email.smtp.user': SMTP_USER,
      'email.from': 'sam@solo.test',
      'email.fromName': 'Sam Solo',
      'server.publicUrl': 'https://baton.solo.test',
    };
    for (const [key, value] of Object.entries(settings)) await call(server, 'settings.set', { key, value });
    const installed = await call(server, 'templates.install', { ids: ['crm-new-lead'], enable: true });
    const notEnabled = installed.installed.filter((i) => !i.enabled).map((i) => i.id);
    if (notEnabled.length) throw new Error(`templates.install left ${notEnabled.join(', ')} disabled: ${JSON.stringify(installed)}`);
    db = new Database(join(data, 'baton.db'), { readonly: true });
    db.pragma('busy_timeout = 5000');
    const { thresholds } = await call(server, 'scoring.rules.get', {});

    const before = await idleRss(server.child.pid);

    // ---- N form posts, 20 at a time, as a browser posts them ------------------------------------
    const url = new URL('hooks/forms/contact', server.url);
    const latencies = [];
    const status = new Map();
    const accepted = [];
    let next = 0;
    let dropped = 0;
    const cpu0 = serverCpu(server.child.pid);
    const t0 = performance.now();
    let lastAccepted = t0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < N) {
          const l = lead(next++);
          const s = performance.now();
          let r;
          try {
            r = await fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(l.fields).toString() });
            await r.arrayBuffer();
          } catch {
            if (server.child.exitCode !== null || server.child.signalCode !== null) throw new Error(`baton serve exited: ${server.stderr().trim().slice(-2000)}`);
            dropped++;
            continue;
          }
          latencies.push(performance.now() - s);
          status.set(r.status, (status.get(r.status) ?? 0) + 1);
          if (r.status === 200 || r.status === 303) {
            accepted.push(l);
            lastAccepted = performance.now();
          }
        }
      }),
    );
    const postSeconds = (performance.now() - t0) / 1000;
    const hotAccepted = accepted.filter((l) => l.hot).length;

    // ---- wait on state: every accepted contact stored, scored, and hot (deal) or enrolled ----------
    const doneSql = db.prepare(
      `SELECT
         COUNT(*) AS stored,
         SUM(c.score > 0) AS scored,
         SUM(c.score > 0 AND EXISTS (SELECT 1 FROM deals d WHERE d.contact_id = c.id)) AS hot,
         SUM(c.score > 0 AND EXISTS (SELECT 1 FROM enrollments e WHERE e.contact_id = c.id AND e.sequence_id = 'nurture')) AS enrolled
       FROM contacts c WHERE c.email LIKE ? AND c.deleted_at IS NULL`,
    );
    const runsSql = db.prepare(`SELECT status, COUNT(*) AS n FROM runs WHERE workflow_id = 'crm-new-lead' GROUP BY status`);
    let state = doneSql.get(`%@${DOMAIN}`);
    const deadline = Date.now() + (quick ? 120_000 : 600_000);
    while ((state.hot ?? 0) + (state.enrolled ?? 0) < accepted.length && Date.now() < deadline) {
      if (server.child.exitCode !== null) throw new Error(`baton serve exited: ${server.stderr().trim().slice(-2000)}`);
      await sleep(50);
      state = doneSql.get(`%@${DOMAIN}`);
    }
    const endAt = performance.now();
    const cpu1 = serverCpu(server.child.pid);
    const endSeconds = (endAt - t0) / 1000;
    const done = (state.hot ?? 0) + (state.enrolled ?? 0);
    const runs = Object.fromEntries(runsSql.all().map((r) => [r.status, r.n]));
    const alerts = db.prepare(`SELECT COUNT(*) AS n FROM escalations WHERE workflow_id = 'crm-new-lead' AND title LIKE 'Hot lead:%'`).get().n;
    await sleep(2000); // the first nurture e-mails leave on the sales service's tick
    const mails = smtp.state.messages;

    // ---- the same workflow without the route's limit: runs.start over the API ----------------------
    // The contacts are imported first (with their job title and company, as the form's field mapping
    // stores them), then each gets a run of crm-new-lead with its form payload as the trigger's input.
    const API_DOMAIN = 'api.bench.example';
    const apiLeads = Array.from({ length: N }, (_, i) => lead(i, API_DOMAIN));
    const csvCell = (v) => (v === undefined ? '' : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    const csv = ['email,name,title,company', ...apiLeads.map((l) => [l.email, l.fields.name, l.fields.title, l.fields.company].map(csvCell).join(','))].join('\n') + '\n';
    const imported = await call(server, 'contacts.import', { csv, map: { email: 'email', name: 'fullName', title: 'title', company: 'companyName' } });
    if (imported.created !== N) throw new Error(`contacts.import created ${imported.created} of ${N}: ${JSON.stringify(imported).slice(0, 500)}`);
    const apiLatencies = [];
    let apiNext = 0;
    const apiCpu0 = serverCpu(server.child.pid);
    const a0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (apiNext < N) {
          const i = apiNext++;
          const l = apiLeads[i];
          const s = performance.now();
          await call(server, 'runs.start', { workflow: 'crm-new-lead', input: { form: 'contact', email: l.email, fields: l.fields }, idempotencyKey: `bench-lead-${i}` });
          apiLatencies.push(performance.now() - s);
        }
      }),
    );
    const apiStartSeconds = (performance.now() - a0) / 1000;
    const apiDoneSql = db.prepare(
      `SELECT
         SUM(EXISTS (SELECT 1 FROM deals d WHERE d.contact_id = c.id)) AS hot,
         SUM(EXISTS (SELECT 1 FROM enrollments e WHERE e.contact_id = c.id AND e.sequence_id = 'nurture')) AS enrolled
       FROM contacts c WHERE c.email LIKE ? AND c.deleted_at IS NULL`,
    );
    let apiState = apiDoneSql.get(`%@${API_DOMAIN}`);
    const apiDeadline = Date.now() + (quick ? 120_000 : 600_000);
    while ((apiState.hot ?? 0) + (apiState.enrolled ?? 0) < N && Date.now() < apiDeadline) {
      if (server.child.exitCode !== null) throw new Error(`baton serve exited: ${server.stderr().trim().slice(-2000)}`);
      await sleep(50);
      apiState = apiDoneSql.get(`%@${API_DOMAIN}`);
    }
    const apiSeconds = (performance.now() - a0) / 1000;
    const apiCpu1 = serverCpu(server.child.pid);
    const apiDone = (apiState.hot ?? 0) + (apiState.enrolled ?? 0);
    const apiRuns = Object.fromEntries(runsSql.all().map((r) => [r.status, r.n]));

    const after = await idleRss(server.child.pid);
    const mailsAtEnd = smtp.state.messages;

    // ---- figures ----------------------------------------------------------------------------------
    const perLead = (a, b, n) => {
      const main = (b.main - a.main) / n;
      const total = (b.total - a.total) / n;
      return `${fmt(total, 2)} ms in all = ${fmt(main, 2)} ms main thread + ${fmt(total - main, 2)} ms workers and other threads`;
    };
    const statuses = [...status.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${fmt(n)} × ${s}`).join(', ');
    const limited = status.get(429) ?? 0;
    const endToEnd = done / endSeconds;
    lines.push(
      `  ${fmt(N)} form posts to /hooks/forms/contact (url-encoded, ${CONCURRENCY} at a time, ${fmt(N / 10)} hot) in ${fmt(postSeconds, 2)} s: ${statuses}${dropped ? `, ${fmt(dropped)} dropped` : ''}`,
      `  accepted: ${fmt(accepted.length)} (${fmt(hotAccepted)} hot) = ${fmt(accepted.length / postSeconds)} submissions/s; POST latency p50 ${fmt(percentile(latencies, 50), 1)} ms, p99 ${fmt(percentile(latencies, 99), 1)} ms (all answers)`,
      `  loop done for ${fmt(done)} of ${fmt(accepted.length)} accepted (${fmt(state.stored)} stored, ${fmt(state.scored)} scored, ${fmt(state.hot)} hot with a deal, ${fmt(state.enrolled)} enrolled in nurture; ${fmt(alerts)} hot-lead alerts; runs ${JSON.stringify(runs)}) ${fmt(endSeconds, 2)} s after the first post`,
      `  end to end: ${fmt(endToEnd, 1)} leads/s (leads done / time until the last one was done); the last lead was done ${fmt(endAt - lastAccepted)} ms after its post was answered; MQL threshold ${thresholds.mql}`,
      `  server CPU per lead (form posts until the loop was done): ${perLead(cpu0, cpu1, done)}; load average ${loadavg().map((l) => fmt(l, 1)).join(' ')}`,
      `  SMTP: ${fmt(mails)} nurture e-mails accepted by the local SMTP server 2 s after the loop was done (the sequence sends on its tick, inside its sending window)`,
      `  the workflow alone (runs.start over the API, ${CONCURRENCY} at a time, contacts imported first, no form event: cold leads get no form points): ${fmt(N)} runs started in ${fmt(apiStartSeconds, 2)} s (${fmt(N / apiStartSeconds)} starts/s, p50 ${fmt(percentile(apiLatencies, 50), 1)} ms, p99 ${fmt(percentile(apiLatencies, 99), 1)} ms)`,
      `    done for ${fmt(apiDone)} of ${fmt(N)} (${fmt(apiState.hot)} hot with a deal, ${fmt(apiState.enrolled)} enrolled) in ${fmt(apiSeconds, 2)} s = ${fmt(apiDone / apiSeconds, 1)} leads/s; runs of crm-new-lead in all: ${JSON.stringify(apiRuns)}`,
      `    server CPU per lead: ${perLead(apiCpu0, apiCpu1, apiDone)}`,
      `  idle RSS of baton serve: ${fmt(before.rssMb, 1)} MB before, ${fmt(after.rssMb, 1)} MB after (ratio ${fmt(after.rssMb / before.rssMb, 2)}; threads ${before.threads} / ${after.threads}; workers retired, ${fmt(mailsAtEnd)} nurture e-mails at the SMTP server by then)`,
    );
    if (limited > 0)
      lines.push(
        `  note: ${fmt(limited)} posts were refused (429) by the form route's route-wide limit (forms.perMinute = ${fmt(FORM_RATE)} a minute for this bench).`,
      );
    lines.push(
      target(`${fmt(N)} leads end to end >= ${TARGET_LEADS_PER_SEC} leads/s`, done === N && N / endSeconds >= TARGET_LEADS_PER_SEC, done === N ? `${fmt(N / endSeconds, 1)} leads/s` : `only ${fmt(done)} of ${fmt(N)} leads went through the loop (${fmt(endToEnd, 1)} leads/s)`),
      target('every accepted submission scored and hot or enrolled', done === accepted.length && state.hot === hotAccepted, `${fmt(done)} of ${fmt(accepted.length)}, ${fmt(state.hot)} of ${fmt(hotAccepted)} hot`),
      target(`the workflow alone: ${fmt(N)} leads >= ${TARGET_LEADS_PER_SEC} leads/s`, apiDone === N && N / apiSeconds >= TARGET_LEADS_PER_SEC, `${fmt(apiDone / apiSeconds, 1)} leads/s, ${fmt(apiDone)} of ${fmt(N)} done, ${fmt(apiState.hot)} of ${fmt(N / 10)} hot`),
      target('idle RSS unchanged (after/before <= 1.10)', after.rssMb / before.rssMb <= 1.1, `${fmt(after.rssMb / before.rssMb, 2)}`),
    );
    if (ctx?.results) Object.assign(ctx.results, { leadloopCpuMsPerLead: (cpu1.total - cpu0.total) / done, leadloopAcceptedPerSec: accepted.length / postSeconds, leadloopLeadsPerSec: endToEnd, leadloopWorkflowLeadsPerSec: apiDone / apiSeconds, leadloopRssRatio: after.rssMb / before.rssMb });
  } finally {
    db?.close();
    await server?.stop();
    await smtp.close();
    t.cleanup();
  }
  return lines;
}
