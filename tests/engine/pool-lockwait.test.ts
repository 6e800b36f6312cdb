/**
 * A worker waiting for the store's write lock is not a stuck worker. Another
 * connection (here: on a thread of the test; in life a CLI import next to
 * `baton serve`) holds the lock for longer than the watchdog's stall
 * limit (1 s) while a worker's step is inside `ctx.once` (its write waits in
 * BEGIN IMMEDIATE): no spare worker is started beside it (it would wait for the
 * same lock) and the steps it holds are not handed back (its commit would be
 * wasted); the step goes on once the lock is free.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openBaton } from '../../electron/core';
import type { Core } from '../../electron/core/core';
import { engineOf } from '../../electron/core/engine';
import { EnvSecretStore } from '../../electron/core/secrets';
import { tempDir } from '../helpers';
import { wf } from './util';

beforeAll(() => {
  if (!existsSync(resolve(__dirname, '../../out/main/jobs/dispatcher.js'))) throw new Error('Build first (npx electron-vite build): these tests run the built worker file');
});

const opened: { core: Core; cleanup: () => void }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) {
    await o.core.close();
    o.cleanup();
  }
});

async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 60_000, everyMs = 10): Promise<void> {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

describe('a worker waiting for the write lock', () => {
  it('gets no spare and keeps its steps while another connection holds the lock for longer than the stall limit', { timeout: 90_000 }, async () => {
    const t = tempDir('baton-lockwait-');
    const core = await openBaton({ dataDir: t.dir, host: 'server', secrets: new EnvSecretStore({}, 'tests'), logLevel: 'debug' });
    opened.push({ core, cleanup: t.cleanup });
    const log = () => {
      const f = join(t.dir, 'logs', 'baton.log');
      return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string }) : [];
    };
    await core.call('contacts.create', { email: 'wait@x.test' });
    await core.call('workflows.import', {
      definition: wf('lockwait', [
        { id: 'first', type: 'log', params: { message: 'first' } },
        // Its params take a moment to evaluate (a sort calling back 2000 x log 2000 times: ~35 ms warm on a quiet
        // machine, well under the one-second busy limit on a loaded one; no event-loop turn), so the test, looking
        // every millisecond, sees the step running and takes the lock before its ctx.once write begins.
        { id: 'record', type: 'crm.event.record', params: { email: 'wait@x.test', name: 'lock.waited', data: { n: '=$count($sort([1..2000], function($a, $b){ $a < $b }))' } } },
      ]),
    });
    const engine = engineOf(core);
    engine.poolOptions = { workers: 1, spares: 1 };
    await engine.start('pool');
    const { runId: warm } = await core.call('runs.start', { workflow: 'lockwait', input: {} });
    await until('the worker to be up', async () => (await core.call('runs.get', { id: warm })).status === 'succeeded');

    // The lock is held by a connection on its own thread (this thread's own writes, the engine's
    // heartbeat, may wait for it without keeping it from being given back), started beforehand and told
    // to take the lock through shared memory (no start-up delay once the step runs).
    const go = new Int32Array(new SharedArrayBuffer(4));
    const holder = new Worker(
      `const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
       const { parentPort, workerData } = require('node:worker_threads');
       const db = new Database(workerData.file);
       db.pragma('busy_timeout = 5000');
       parentPort.postMessage('ready');
       Atomics.wait(workerData.go, 0, 0);
       db.exec('BEGIN IMMEDIATE');
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.ms);
       const at = Date.now();
       db.exec('COMMIT');
       db.close();
       parentPort.postMessage(at);`,
      { eval: true, workerData: { file: core.dbFile, ms: 2_500, go: go } },
    );
    let releasedAt = 0;
    const done = new Promise<void>((r, j) => {
      holder.on('message', (m: unknown) => {
        if (typeof m === 'number') releasedAt = m;
      });
      holder.once('error', j);
      holder.once('exit', () => r());
    });
    await new Promise((r) => holder.once('message', r));
    {
      const { runId } = await core.call('runs.start', { workflow: 'lockwait', input: {} });
      // The `record` step is running (claimed, its params being evaluated) when the lock is taken.
      const recordRunning = () => (core.db.prepare(`SELECT status FROM steps WHERE run_id = ? AND node_id = 'record'`).get(runId) as { status: string } | undefined)?.status === 'running';
      await until('the record step to run', recordRunning, 30_000, 1);
      Atomics.store(go, 0, 1);
      Atomics.notify(go, 0);
      await done;
      await until('the run to finish', async () => (await core.call('runs.get', { id: runId })).status === 'succeeded', 30_000);
      // The step's write waited for the lock (it was made after the lock was given back): the case under test.
      const out = JSON.parse((core.db.prepare(`SELECT output FROM steps WHERE run_id = ? AND node_id = 'record'`).get(runId) as { output: string }).output) as { at: string };
      expect(Date.parse(out.at)).toBeGreaterThanOrEqual(releasedAt - 5);
      const msgs = log().map((l) => l.msg);
      expect(msgs).not.toContain('engine worker busy for more than a second: started a spare worker');
      expect(msgs).not.toContain('engine worker stuck: its other steps run elsewhere');
      expect(engine.pool?.live).toBe(1);
    }
  });
});
