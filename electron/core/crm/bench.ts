/**
 * CRM bench (built as out/main/crm-bench.js, driven by bench/crm.mjs): demo
 * seed, CSV import/re-import/export, re-scoring after a rule change, and the
 * dashboard / list / segment queries on 100k contacts and ~1M events.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { createBackup } from '../backup';
import { checkStore } from '../db/integrity';
import { openBaton } from '../index';
import { EnvSecretStore } from '../secrets';
import { BATCH, exportContacts, importCsv } from './csv';
import type { Core } from '../core';
import { seedDemo } from './demo';
import { dashboard } from './kpi';
import { getScoring, setScoring } from './scoring';
import { countFilter, reconcileSegments, segmentClock } from './segments';
import type { FilterInput } from '../../../shared/api';
import { listContacts } from './contacts';

export interface BenchFigure {
  name: string;
  ms: number;
  cpuMs?: number;
  target?: number;
  detail?: string;
}

function timed<T>(fn: () => T): { value: T; ms: number; cpuMs: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { value, ms, cpuMs: (c.user + c.system) / 1000 };
}
async function timedAsync<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { value, ms, cpuMs: (c.user + c.system) / 1000 };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * The floor of an import: the companies, contacts, tags, events and search entries an import stored,
 * read from its store first, then written into an empty store with plain prepared statements, BATCH
 * rows per transaction (no parsing, validation, scoring or JSON building). Timed: the writing only.
 */
function writeRowsRaw(from: Core['db'], to: Core['db']): { rows: number; ms: number; cpuMs: number } {
  const tables = ['companies', 'contacts', 'contact_tags', 'events'] as const;
  const data = tables.map((t) => {
    const cols = (from.prepare(`SELECT name FROM pragma_table_info('${t}')`).pluck().all() as string[]).filter((c) => !(t === 'events' && c === 'id'));
    return { t, cols, rows: from.prepare(`SELECT ${cols.join(', ')} FROM ${t}`).raw().all() as unknown[][] };
  });
  const search = from.prepare(`SELECT id, email, COALESCE(first_name, '') || ' ' || COALESCE(last_name, '') FROM contacts`).raw().all() as unknown[][];
  const r = timed(() => {
    for (const { t, cols, rows } of data) {
      const ins = to.prepare(`INSERT INTO ${t} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
      for (let i = 0; i < rows.length; i += BATCH) to.transaction(() => rows.slice(i, i + BATCH).forEach((row) => ins.run(...row)))();
    }
    const ins = to.prepare(`INSERT INTO contacts_search (rowid, email, name) VALUES (?, ?, ?)`);
    for (let i = 0; i < search.length; i += BATCH) to.transaction(() => search.slice(i, i + BATCH).forEach((row) => ins.run(...row)))();
  });
  return { rows: data.reduce((n, d) => n + d.rows.length, 0) + search.length, ms: r.ms, cpuMs: r.cpuMs };
}

/** Saved segments of every kind the membership maintenance handles: a tag, a score threshold, recent events, inactivity. */
const BENCH_SEGMENTS: { name: string; filter: FilterInput }[] = [
  { name: 'bench: VIPs', filter: { conditions: [{ kind: 'tag', op: 'has', tag: 'vip' }] } },
  { name: 'bench: engaged', filter: { conditions: [{ kind: 'field', field: 'score', op: 'gte', value: 20 }] } },
  { name: 'bench: clicked lately', filter: { conditions: [{ kind: 'event', type: 'email.clicked', withinDays: 30 }] } },
  { name: 'bench: asleep', filter: { conditions: [{ kind: 'inactive', days: 30 }, { kind: 'field', field: 'stage', op: 'in', value: ['lead', 'mql'] }] } },
];

export async function runCrmBench(opts: { quick?: boolean } = {}): Promise<BenchFigure[]> {
  const contacts = opts.quick ? 10_000 : 100_000;
  const out: BenchFigure[] = [];
  const root = mkdtempSync(join(tmpdir(), 'baton-crm-bench-'));
  const open = (name: string) => openBaton({ dataDir: join(root, name), host: 'cli', secrets: new EnvSecretStore({}, 'bench'), logLevel: 'warn' });
  try {
    // 1. Demo seed.
    const core = await open('seed');
    try {
      const seed = timed(() => seedDemo(core, { contacts, seed: 42 }));
      const s = seed.value;
      out.push({
        name: `demo seed: ${s.contacts.toLocaleString('en-US')} contacts + ${s.events.toLocaleString('en-US')} events`,
        ms: seed.ms,
        cpuMs: seed.cpuMs,
        target: 60_000,
        detail: `insert ${s.phasesMs.insert} ms, score ${s.phasesMs.score} ms, rollup ${s.phasesMs.rollup} ms`,
      });

      // 2. Re-score everyone after a rule change.
      const cfg = getScoring(core);
      const changed = { ...cfg, behavior: cfg.behavior.map((r) => (r.id === 'opened' ? { ...r, points: r.points + 1 } : r)) };
      const rs = timed(() => setScoring(core, changed));
      out.push({ name: `re-score ${contacts.toLocaleString('en-US')} contacts after a rule change`, ms: rs.ms, cpuMs: rs.cpuMs, target: opts.quick ? 50 : 500, detail: `${rs.value.changed} scores changed` });

      // 3. Dashboard and list queries (warm: the rollup is current; one new event each time keeps the refresh honest).
      const end = new Date();
      const day = (d: number) => new Date(end.getTime() - d * 86_400_000).toISOString().slice(0, 10);
      for (const days of [30, 90, 365]) {
        const times: number[] = [];
        for (let i = 0; i < 15; i++) {
          core.db.prepare(`INSERT INTO events (at, type, subject_type, subject_id, data) VALUES (?, 'email.opened', 'contact', '1', NULL)`).run(end.toISOString());
          times.push(timed(() => dashboard(core, day(days - 1), day(0))).ms);
        }
        out.push({ name: `kpi.dashboard, last ${days} days + previous period (median of 15, max ${Math.max(...times).toFixed(1)} ms)`, ms: median(times), target: 150 });
      }
      const q = (name: string, fn: () => unknown) => {
        const times: number[] = [];
        for (let i = 0; i < 7; i++) times.push(timed(fn).ms);
        out.push({ name: `${name} (median of 7)`, ms: median(times), target: 150 });
      };
      q('contacts.list page 1, sorted by score', () => listContacts(core, { offset: 0, limit: 100, deleted: false, sort: { field: 'score', dir: 'desc' } }));
      q('contacts.list page at offset 90% (virtualised scroll)', () => listContacts(core, { offset: Math.floor(contacts * 0.9), limit: 100, deleted: false, sort: { field: 'createdAt', dir: 'asc' } }));
      q('contacts.list search "lovelace"', () => listContacts(core, { offset: 0, limit: 100, deleted: false, search: 'lovelace' }));
      q('segment count: clicked in the last 30 days', () => countFilter(core, { match: 'all', conditions: [{ kind: 'event', type: 'email.clicked', op: 'did', withinDays: 30, minCount: 1 }] }));
      q('segment count: no activity for 30 days + score >= 20', () =>
        countFilter(core, { match: 'all', conditions: [{ kind: 'inactive', days: 30 }, { kind: 'field', field: 'score', op: 'gte', value: 20 }] }),
      );

      // 3b. Store checks on this store: the quick check every open runs, the full check
      // (doctor --deep, the nightly maintenance, every backup) and a verified backup.
      const quick = timed(() => core.db.pragma('quick_check', { simple: true }));
      const full = timed(() => checkStore(core.db));
      out.push({ name: 'quick_check (every open)', ms: quick.ms, cpuMs: quick.cpuMs, detail: String(quick.value) });
      out.push({
        name: 'full check: integrity_check + stored JSON (doctor --deep, nightly)',
        ms: full.ms,
        cpuMs: full.cpuMs,
        target: 10_000,
        detail: `${full.value.ok ? 'ok' : full.value.problems[0]}; ${(full.ms / Math.max(quick.ms, 0.1)).toFixed(1)}x the quick check`,
      });
      // The checks of a backup (and the nightly one) run in a worker thread: the host's main
      // thread stays free for requests. The longest stall of this thread's event loop says so.
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const bk = await timedAsync(() => createBackup(core.db, root, { keep: 1 }));
      loop.disable();
      const stallMs = loop.max / 1e6;
      out.push({
        name: `verified backup (${(bk.value.size / 1024 / 1024).toFixed(0)} MB)`,
        ms: bk.ms,
        cpuMs: bk.cpuMs,
        detail: `of which the check of the copy ${bk.value.checkMs} ms (${((bk.value.checkMs / bk.ms) * 100).toFixed(0)}%); longest main-thread stall ${stallMs.toFixed(0)} ms (${((stallMs / Math.max(full.ms, 1)) * 100).toFixed(0)}% of the check run inline)`,
      });
      // 3c. Segment membership: one contact write (a field and a tag; scored, its events completed and its
      // segments compared in its transaction) without and with saved segments; a segment's first fill; the
      // time-based pass over a day that went by; the whole-segment safety net.
      const writeOnce = async (i: number) => {
        const id = 1 + ((i * 7919) % contacts);
        await core.call('contacts.update', { id, set: { title: `Bench ${i}` }, ...(i % 2 ? { addTags: ['vip'] } : { removeTags: ['vip'] }) });
      };
      const writes = async (label: string) => {
        const times: number[] = [];
        const cpu: number[] = [];
        for (let i = 0; i < 31; i++) {
          const t = await timedAsync(() => writeOnce(i));
          times.push(t.ms);
          cpu.push(t.cpuMs);
        }
        out.push({ name: `one contact write (contacts.update: a field and a tag) ${label} (median of 31, max ${Math.max(...times).toFixed(1)} ms)`, ms: median(times), cpuMs: median(cpu), target: 50 });
      };
      for (let i = 0; i < 31; i++) await writeOnce(i); // warm: the same contacts' pages, prepared statements
      await writes('without segments');
      const fills: number[] = [];
      for (const sgm of BENCH_SEGMENTS) fills.push((await timedAsync(() => core.call('segments.save', sgm))).ms);
      out.push({ name: `segments.save with the first fill (no events), ${BENCH_SEGMENTS.length} segments (max)`, ms: Math.max(...fills), detail: fills.map((f) => f.toFixed(0)).join(' / ') + ' ms' });
      await writes(`with ${BENCH_SEGMENTS.length} segments`);
      const dayLater = new Date(core.now() + 86_400_000);
      const pass = timed(() => segmentClock(core, dayLater));
      out.push({ name: 'time-based segment pass, one day gone by', ms: pass.ms, cpuMs: pass.cpuMs, target: 1000, detail: `${pass.value.segments} segments, ${pass.value.candidates} contacts compared, ${pass.value.entered} entered, ${pass.value.left} left` });
      const rec = timed(() => reconcileSegments(core, dayLater));
      out.push({ name: `whole-segment reconcile (safety net), ${BENCH_SEGMENTS.length} segments`, ms: rec.ms, cpuMs: rec.cpuMs, detail: `${rec.value.entered} entered, ${rec.value.left} left` });

      // 4. Export (streaming CSV to a file), then import that file into an empty store, then again.
      const csv = join(root, 'contacts.csv');
      const ex = await timedAsync(async () => {
        const w = createWriteStream(csv);
        const n = await exportContacts(core, w, 'csv');
        w.end();
        await once(w, 'finish');
        return n;
      });
      out.push({ name: `export ${ex.value.toLocaleString('en-US')} contacts to CSV (${(statSync(csv).size / 1024 / 1024).toFixed(1)} MB)`, ms: ex.ms, cpuMs: ex.cpuMs });
      await core.close().catch(() => undefined);
      const fresh = await open('import');
      try {
        const im = await timedAsync(() => importCsv(fresh, createReadStream(csv)));
        out.push({ name: `CSV import of ${im.value.rows.toLocaleString('en-US')} rows into an empty store`, ms: im.ms, cpuMs: im.cpuMs, target: opts.quick ? 300 : 3000, detail: `${im.value.created} created, ${im.value.companiesCreated} companies` });
        // The yardstick: the rows that import stored, written raw into another empty store.
        const rawStore = await open('import-raw');
        try {
          const w = writeRowsRaw(fresh.db, rawStore.db);
          out.push({
            name: `yardstick: raw better-sqlite3 writing the rows that import stored (${w.rows.toLocaleString('en-US')} rows, ${BATCH.toLocaleString('en-US')} per transaction)`,
            ms: w.ms,
            cpuMs: w.cpuMs,
            detail: `the import took ${(im.ms / w.ms).toFixed(1)}x its wall time, ${(im.cpuMs / w.cpuMs).toFixed(1)}x its CPU`,
          });
        } finally {
          await rawStore.close();
        }
        const again = await timedAsync(() => importCsv(fresh, createReadStream(csv)));
        out.push({ name: 'same file again (idempotent re-import)', ms: again.ms, cpuMs: again.cpuMs, target: 10_000, detail: `${again.value.created} created, ${again.value.unchanged} unchanged` });
        // Messy file: 5% invalid rows.
        const messy = join(root, 'messy.csv');
        const lines = ['email,first name,last name,company,tags'];
        for (let i = 0; i < contacts; i++) lines.push(i % 20 === 0 ? `broken-${i},X,Y,,` : `p${i}@messy${i % 997}.com,P${i},Q,Messy ${i % 997},"a,b"`);
        writeFileSync(messy, lines.join('\n'));
        const m = await timedAsync(() => importCsv(fresh, createReadStream(messy)));
        out.push({ name: `CSV import of ${contacts.toLocaleString('en-US')} new rows, 5% invalid, with tags and companies`, ms: m.ms, cpuMs: m.cpuMs, target: 10_000, detail: `${m.value.created} created, ${m.value.invalidCount} invalid` });
      } finally {
        await fresh.close();
      }
      // The same import into an empty store that has saved segments: every new row is compared with each.
      const withSegments = await open('import-segments');
      try {
        for (const sgm of BENCH_SEGMENTS) await withSegments.call('segments.save', sgm);
        const im = await timedAsync(() => importCsv(withSegments, createReadStream(csv)));
        const members = withSegments.db.prepare(`SELECT COUNT(*) FROM segment_members`).pluck().get() as number;
        const entered = withSegments.db.prepare(`SELECT COUNT(*) FROM events WHERE type = 'segment.entered'`).pluck().get() as number;
        out.push({
          name: `CSV import of ${im.value.rows.toLocaleString('en-US')} rows into an empty store with ${BENCH_SEGMENTS.length} segments`,
          ms: im.ms,
          cpuMs: im.cpuMs,
          target: 10_000,
          detail: `${im.value.created} created, ${members.toLocaleString('en-US')} memberships, ${entered.toLocaleString('en-US')} segment.entered`,
        });
      } finally {
        await withSegments.close();
      }
    } finally {
      await core.close().catch(() => undefined);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return out;
}

export { runScaleBench } from './bench-scale';

/**
 * The pieces the CRM bench drives, for profiling one of them alone
 * (`node --cpu-prof` on a small script that imports out/main/crm-bench.js).
 */
export const benchParts = { openBaton, EnvSecretStore, seedDemo, importCsv, exportContacts, getScoring, setScoring, listContacts, dashboard };
