// Never lose a write: `baton serve` runs its engine under load (runs started
// through the HTTP API) while many `baton` processes write to the same data
// folder at once (contacts import, events add, workflow import, run start).
// Every write is counted in the database afterwards, and every process's exit
// code must match what it stored. Real processes, real HTTP, real SQLite locks.
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyBuiltApp, runBaton, type BuiltApp, type CliRun } from './support/built-app';
import { tempDir } from './helpers';

let app: BuiltApp;
const tmp = tempDir('baton-writes-');
beforeAll(() => {
  app = copyBuiltApp('writes');
}, 180_000);
afterAll(() => {
  app?.remove();
  tmp.cleanup();
});

const FIVE = {
  id: 'load-five',
  name: 'load: 5 steps, no I/O',
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

const csvOf = (file: number, rows: number) => ['email,firstName,lastName', ...Array.from({ length: rows }, (_, j) => `imp${file}-${j}@writes.example,F${j},L${file}`)].join('\n') + '\n';

function serve(data: string): Promise<{ child: ChildProcess; url: string; token: string }> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BATON_')) clean[k] = v;
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [app.bin, '--data', data, '--json', 'serve', '--port', '0'], { cwd: tmpdir(), env: { ...clean, BATON_SECRETS: 'env' } });
    let out = '';
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (!out.includes('\n')) return;
      const info = JSON.parse(out.split('\n')[0]!) as { url: string; tokenFile: string };
      res({ child, url: info.url, token: readFileSync(info.tokenFile, 'utf8').trim() });
    });
    child.on('exit', (code) => rej(new Error(`serve exited with ${code}: ${err}`)));
  });
}

interface Job {
  kind: 'import' | 'event' | 'workflow' | 'run';
  args: string[];
  /** What it writes, checked in the database afterwards. */
  key: string;
  writes: number;
}

describe('concurrent writers on one data folder', () => {
  it('a held write lock: import and events add fail with exit 5 saying nothing was written; run again, they store everything once', async () => {
    const data = join(tmp.dir, 'held');
    const csv = join(tmp.dir, 'held.csv');
    writeFileSync(csv, csvOf(0, 30));
    expect((await runBaton(app.bin, ['--data', data, 'contacts', 'list'])).code).toBe(0); // creates the store
    const holder = new Database(join(data, 'baton.db'));
    holder.exec('BEGIN IMMEDIATE'); // another process's write transaction that does not end
    let imp: CliRun;
    let ev: CliRun;
    try {
      [imp, ev] = await Promise.all([
        runBaton(app.bin, ['--data', data, 'contacts', 'import', csv]),
        runBaton(app.bin, ['--data', data, '--json', 'events', 'add', '--type', 'email.opened', '--email', 'held@writes.example']),
      ]);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(imp.code, imp.stderr).toBe(5);
    expect(imp.stderr).toMatch(/^baton: The import stopped at line 2: the database stayed busy: another Baton process .* held its write lock for more than 5 s \(SQLITE_BUSY\)\. Nothing was imported\. Importing the file again finishes it/);
    expect(ev.code, ev.stderr).toBe(5);
    expect(JSON.parse(ev.stderr)).toEqual({
      error: { code: 'unavailable', message: expect.stringMatching(/^The database stayed busy: .*events\.ingest stopped; what it had not committed was rolled back, nothing is half-written\. Try again\.$/) },
    });
    const db = new Database(join(data, 'baton.db'), { readonly: true });
    try {
      expect(db.prepare(`SELECT COUNT(*) AS n FROM contacts`).get()).toEqual({ n: 0 });
      expect(db.prepare(`SELECT COUNT(*) AS n FROM events WHERE type = 'email.opened'`).get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
    const again = await runBaton(app.bin, ['--data', data, '--json', 'contacts', 'import', csv]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ rows: 30, created: 30, invalidCount: 0 });
    expect((await runBaton(app.bin, ['--data', data, 'events', 'add', '--type', 'email.opened', '--email', 'held@writes.example'])).code).toBe(0);
  }, 120_000);

  it('serve under engine load + concurrent CLI writers: 1,000 writes, none lost, every exit code honest', async () => {
    const data = join(tmp.dir, 'load');
    const dir = join(tmp.dir, 'load-files');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'five.json'), JSON.stringify(FIVE));
    expect((await runBaton(app.bin, ['--data', data, 'workflow', 'import', join(dir, 'five.json')])).code).toBe(0);

    // 18 imports of 50 rows (one file imported twice at once: no duplicates), 40 events, 20 workflows, 40 runs = 1,000 writes.
    const jobs: Job[] = [];
    for (let i = 0; i < 18; i++) {
      writeFileSync(join(dir, `imp${i}.csv`), csvOf(i, 50));
      jobs.push({ kind: 'import', args: ['--json', 'contacts', 'import', join(dir, `imp${i}.csv`)], key: `imp${i}-`, writes: 50 });
    }
    jobs.push({ kind: 'import', args: ['--json', 'contacts', 'import', join(dir, 'imp0.csv')], key: 'imp0-', writes: 0 });
    for (let i = 0; i < 20; i++) {
      writeFileSync(join(dir, `wf${i}.json`), JSON.stringify({ ...FIVE, id: `wf-${i}`, name: `writer ${i}` }));
      jobs.push({ kind: 'workflow', args: ['workflow', 'import', join(dir, `wf${i}.json`)], key: `wf-${i}`, writes: 1 });
    }
    for (let i = 0; i < 40; i++) {
      jobs.push({ kind: 'event', args: ['events', 'add', '--type', 'email.opened', '--email', `ev${i}@writes.example`], key: `ev${i}@writes.example`, writes: 1 });
      jobs.push({ kind: 'run', args: ['run', 'start', 'load-five', '--key', `cli-${i}`, '--input', `{"n":${i}}`], key: `cli-${i}`, writes: 1 });
    }
    // Round robin over the kinds, so every kind runs next to every other.
    const byKind = (['import', 'workflow', 'event', 'run'] as const).map((k) => jobs.filter((j) => j.kind === k));
    jobs.length = 0;
    while (byKind.some((l) => l.length)) for (const l of byKind) if (l.length) jobs.push(l.shift()!);
    expect(jobs.reduce((s, j) => s + j.writes, 0)).toBe(1000);

    const server = await serve(data);
    let stop = false;
    const api = { ok: 0, failed: [] as string[] };
    const load = async () => {
      for (let n = 0; !stop; n++) {
        const r = await fetch(new URL('api/v1/runs.start', server.url), {
          method: 'POST',
          headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ workflow: 'load-five', input: { n } }),
        });
        const body = await r.text();
        if (r.ok) api.ok++;
        else api.failed.push(`${r.status} ${body}`);
      }
    };
    const loads = [load(), load()];

    const results: (Job & CliRun)[] = [];
    let next = 0;
    try {
      await Promise.all(
        Array.from({ length: 6 }, async () => {
          while (next < jobs.length) {
            const job = jobs[next++]!;
            results.push({ ...job, ...(await runBaton(app.bin, ['--data', data, ...job.args])) });
          }
        }),
      );
    } finally {
      stop = true;
      await Promise.all(loads);
      server.child.kill('SIGTERM');
      await new Promise((r) => server.child.once('exit', r));
    }

    const db = new Database(join(data, 'baton.db'), { readonly: true });
    const n = (sql: string, ...p: unknown[]) => (db.prepare(sql).get(...p) as { n: number }).n;
    try {
      // Each process: exit 0 and its writes are there (a non-zero exit would have to mean they are not).
      const wrong: string[] = [];
      for (const r of results) {
        const stored =
          r.kind === 'import'
            ? n(`SELECT COUNT(*) AS n FROM contacts WHERE email LIKE ? AND deleted_at IS NULL`, `${r.key}%`)
            : r.kind === 'event'
              ? n(`SELECT COUNT(*) AS n FROM events e JOIN contacts c ON e.subject_type = 'contact' AND e.subject_id = CAST(c.id AS TEXT) WHERE c.email = ? AND e.type = 'email.opened'`, r.key)
              : r.kind === 'workflow'
                ? n(`SELECT COUNT(*) AS n FROM workflows WHERE id = ?`, r.key)
                : n(`SELECT COUNT(*) AS n FROM runs WHERE workflow_id = 'load-five' AND idempotency_key = ?`, r.key);
        const expected = r.kind === 'import' ? 50 : 1;
        if (r.code !== 0 || stored !== expected) wrong.push(`${r.kind} ${r.key}: exit ${r.code}, stored ${stored} of ${expected}: ${r.stderr.trim().slice(0, 300)}`);
        if (r.kind === 'import' && r.code === 0) {
          const rep = JSON.parse(r.stdout) as { rows: number; created: number; updated: number; unchanged: number; invalidCount: number };
          if (rep.invalidCount !== 0 || rep.created + rep.updated + rep.unchanged !== 50) wrong.push(`import ${r.key}: report ${r.stdout.slice(0, 300)}`);
        }
      }
      expect(wrong).toEqual([]);
      expect(results).toHaveLength(jobs.length);
      // Totals: every write once (the file imported twice created nothing twice).
      expect(n(`SELECT COUNT(*) AS n FROM contacts WHERE email LIKE 'imp%'`)).toBe(900);
      expect(n(`SELECT COUNT(*) AS n FROM events WHERE type = 'email.opened'`)).toBe(40);
      expect(n(`SELECT COUNT(*) AS n FROM workflows WHERE id LIKE 'wf-%'`)).toBe(20);
      expect(n(`SELECT COUNT(*) AS n FROM runs WHERE idempotency_key LIKE 'cli-%'`)).toBe(40);
      // The engine's own writes under the same load: every run the API accepted is stored.
      expect(api.failed).toEqual([]);
      expect(api.ok).toBeGreaterThan(0);
      expect(n(`SELECT COUNT(*) AS n FROM runs WHERE workflow_id = 'load-five' AND idempotency_key IS NULL`)).toBe(api.ok);
    } finally {
      db.close();
    }
  }, 900_000);
});
