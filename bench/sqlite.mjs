// The yardstick: raw SQLite write transactions on this machine, same pragmas as
// the app (WAL, synchronous=NORMAL). Engine figures are printed as ratios to it.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fmt, tempDir } from './lib/util.mjs';

export const title = 'SQLite write transactions (yardstick)';
export const order = 10;

export async function run(ctx) {
  const require = createRequire(import.meta.url);
  const Database = require('better-sqlite3');
  const { dir, cleanup } = tempDir();
  try {
    const db = new Database(join(dir, 'raw.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, run TEXT NOT NULL, step TEXT NOT NULL, data TEXT)');
    const ins = db.prepare('INSERT INTO t (run, step, data) VALUES (?, ?, ?)');
    const one = db.transaction((i) => ins.run(`r${i}`, 's', '{"ok":true}'));
    const n = ctx.quick ? 5_000 : 30_000;
    for (let i = 0; i < 500; i++) one(i); // warm-up
    let t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < n; i++) one(i);
    const txPerSec = n / ((performance.now() - t0) / 1000);
    const cpu = process.cpuUsage(cpu0);
    // CPU time per commit (user + system): a loaded machine moves it far less than tx/s.
    const cpuUsPerTx = (cpu.user + cpu.system) / n;
    const batch = db.transaction((from) => {
      for (let i = 0; i < 1000; i++) ins.run(`r${from + i}`, 's', '{"ok":true}');
    });
    const batches = ctx.quick ? 20 : 100;
    t0 = performance.now();
    for (let b = 0; b < batches; b++) batch(b * 1000);
    const rowsPerSec = (batches * 1000) / ((performance.now() - t0) / 1000);
    db.close();
    ctx.results.sqliteTxPerSec = txPerSec;
    ctx.results.sqliteBatchRowsPerSec = rowsPerSec;
    ctx.results.sqliteCpuUsPerTx = cpuUsPerTx;
    return [
      `  one-row write transactions: ${fmt(txPerSec)} tx/s (${fmt(n)} commits), ${fmt(cpuUsPerTx, 1)} µs CPU per commit`,
      `  1,000-row transactions:     ${fmt(rowsPerSec)} rows/s`,
    ];
  } finally {
    cleanup();
  }
}
