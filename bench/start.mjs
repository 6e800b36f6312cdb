// Memory and start of `baton serve`: time from spawn to the first 200 on / (the process
// started, the store opened and migrated, the host listening), its idle RSS once the
// workers retired, the size of the renderer's first bundle (what index.html loads before
// any page is opened), and the first contentful paint in Chromium, served locally.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { gzipSync } from 'node:zlib';
import { fmt, percentile, sleep, target } from './lib/util.mjs';

export const title = 'Memory and start (baton serve, first bundle, first paint)';
export const order = 62;

const CHROMIUM = process.env.BATON_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

function procMem(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssMb: Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024, threads: Number(/Threads:\s+(\d+)/.exec(status)[1]) };
}

/**
 * CPU time (user + system) a process used so far (every thread), or its main thread's alone: on a loaded
 * machine, what its start costs apart from waiting for a core. The engine's workers start a second after
 * an idle start: on a busy machine that is before the first answer, so their CPU shows in the first figure.
 */
function cpuTimeMs(pid, thread = false) {
  const file = thread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`;
  if (!existsSync(file)) return NaN;
  const f = readFileSync(file, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** Spawn `baton serve --port 0 --json` and time spawn -> URL printed -> first 200 on /. */
async function startServe(root, dataDir) {
  const env = { ...process.env, BATON_SECRETS: 'env' };
  delete env.BATON_DATA_DIR;
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(root, 'bin', 'baton.js'), 'serve', '--data', dataDir, '--port', '0', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise((ok, no) => {
    const timer = setTimeout(() => no(new Error('baton serve did not start in 30 s')), 30_000);
    child.once('exit', (c) => no(new Error(`baton serve exited with ${c}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const j = JSON.parse(line);
        if (j.url) {
          clearTimeout(timer);
          ok(j.url);
        }
      } catch {
        /* not the JSON line */
      }
    });
  });
  const listening = performance.now() - t0;
  const res = await fetch(url);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`GET / answered ${res.status}`);
  const ready = performance.now() - t0;
  const cpuMs = cpuTimeMs(child.pid);
  const mainCpuMs = cpuTimeMs(child.pid, true);
  const stop = async () => {
    child.kill('SIGTERM');
    if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
  };
  return { child, url, listening, ready, cpuMs, mainCpuMs, stop, token: () => readFileSync(join(dataDir, 'server-token'), 'utf8').trim() };
}

/**
 * Idle: the engine starts its workers a few seconds after the start and retires them after
 * 15 s without work. Wait until the thread count went up and back down to where it was
 * before they started (or, if none started, 30 s), then held for 4 s.
 */
async function idleRss(pid, baseThreads) {
  let last = procMem(pid).threads;
  let peak = last;
  let stableSince = Date.now();
  const t0 = Date.now();
  while (Date.now() - t0 < 120_000) {
    await sleep(500);
    const th = procMem(pid).threads;
    peak = Math.max(peak, th);
    if (th !== last) {
      last = th;
      stableSince = Date.now();
    }
    const retired = peak > baseThreads ? th <= baseThreads : Date.now() - t0 > 30_000;
    if (retired && Date.now() - stableSince > 4000) break;
  }
  return { ...procMem(pid), peak };
}

/** The JS and CSS index.html loads before any page: its module script, its modulepreloads and stylesheets. */
export function firstBundle(root) {
  const dir = join(root, 'out', 'renderer');
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const refs = [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="\.?\/?([^"]+\.(?:js|css))"/g)].map((m) => m[1]);
  let js = 0;
  let jsGz = 0;
  let css = 0;
  for (const r of refs) {
    const file = join(dir, r);
    const size = statSync(file).size;
    if (r.endsWith('.js')) {
      js += size;
      jsGz += gzipSync(readFileSync(file)).length;
    } else css += size;
  }
  return { files: refs.length, js, jsGz, css };
}

export async function run(ctx) {
  const root = ctx?.root ?? join(import.meta.dirname, '..');
  if (!existsSync(join(root, 'out', 'main', 'cli.js'))) return ['  skipped: out/main/cli.js is missing (run electron-vite build)'];
  const lines = [];
  const runs = ctx.quick ? 3 : 7;
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-start-'));
  try {
    // The first start creates and migrates the store; the ones after open an existing folder.
    const first = await startServe(root, dir);
    await first.stop();
    const ready = [];
    const listening = [];
    const cpu = [];
    const mainCpu = [];
    for (let i = 0; i < runs; i++) {
      const s = await startServe(root, dir);
      ready.push(s.ready);
      listening.push(s.listening);
      cpu.push(s.cpuMs);
      mainCpu.push(s.mainCpuMs);
      await s.stop();
    }
    const med = percentile(ready, 50);
    lines.push(`  baton serve, spawn to first 200 on /: new data folder ${fmt(first.ready)} ms; existing folder median ${fmt(med)} ms (listening after ${fmt(percentile(listening, 50))} ms; ${runs} starts, max ${fmt(Math.max(...ready))} ms; CPU time used until ready: median ${fmt(percentile(cpu, 50))} ms, ${fmt(percentile(mainCpu, 50))} ms of it on the main thread)`);
    lines.push(target('baton serve ready to answer < 500 ms', med < 500, `${fmt(med)} ms`));

    // Idle RSS, the workers retired (a started engine, nothing to do).
    const s = await startServe(root, dir);
    try {
      const started = procMem(s.child.pid);
      const idle = existsSync('/proc/self/status') ? await idleRss(s.child.pid, started.threads) : null;
      if (idle) {
        lines.push(
          `  baton serve RSS: ${fmt(started.rssMb, 1)} MB just started (${started.threads} threads), idle ${fmt(idle.rssMb, 1)} MB once the workers retired (${idle.threads} threads; ${idle.peak} while they ran)`,
        );
        lines.push(target('idle RSS < 80 MB with workers retired', idle.rssMb < 80, `${fmt(idle.rssMb, 1)} MB`));
      }
      if (ctx.results) {
        ctx.results['start:readyMs'] = med;
        if (idle) ctx.results['start:idleRssMb'] = idle.rssMb;
      }

      const b = firstBundle(root);
      lines.push(`  first renderer bundle (index.html's scripts and preloads): ${fmt(b.js / 1024, 1)} kB JS (${fmt(b.jsGz / 1024, 1)} kB gzipped) + ${fmt(b.css / 1024, 1)} kB CSS in ${b.files} files`);
      lines.push(target('first renderer bundle < 250 kB (JS, minified)', b.js < 250 * 1024, `${fmt(b.js / 1024, 1)} kB`));

      if (!existsSync(CHROMIUM)) lines.push(`  first paint skipped: no Chromium at ${CHROMIUM}`);
      else {
        const { chromium } = await import('@playwright/test');
        const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
        try {
          const fcp = [];
          const token = s.token();
          for (let i = 0; i < (ctx.quick ? 3 : 7); i++) {
            const context = await browser.newContext();
            const page = await context.newPage();
            await page.goto(`${s.url}#token=${token}`);
            await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0);
            fcp.push(await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0].startTime));
            await context.close();
          }
          const m = percentile(fcp, 50);
          lines.push(`  first contentful paint (Chromium, fresh context each, served locally): median ${fmt(m)} ms of ${fcp.length} (min ${fmt(Math.min(...fcp))}, max ${fmt(Math.max(...fcp))})`);
          lines.push(target('first paint < 500 ms', m < 500, `${fmt(m)} ms`));
        } finally {
          await browser.close();
        }
      }
    } finally {
      await s.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}
