/**
 * A Bree worker (the built dispatcher) that meets a damaged store: the damage is
 * named once in the main thread (log line, critical escalation naming the backup),
 * not logged as "engine worker pass failed" on every pass.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { engineOf } from '../../electron/core/engine';
import { openTestCore } from '../helpers';
import { wf } from './util';

const built = resolve(__dirname, '../../out/main/jobs/dispatcher.js');
let root = '';
let jobsDir = '';
beforeAll(() => {
  if (!existsSync(built)) throw new Error('Build first (npx electron-vite build): this test runs the built worker files');
  root = mkdtempSync(join(tmpdir(), 'baton-pool-damage-'));
  cpSync(resolve(__dirname, '../../out'), join(root, 'out'), { recursive: true });
  symlinkSync(resolve(__dirname, '../../node_modules'), join(root, 'node_modules'), 'dir');
  jobsDir = join(root, 'out', 'main', 'jobs');
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 40_000): Promise<void> {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('a step whose stored input no longer parses: the worker reports damage, the main thread escalates once', { timeout: 60_000 }, async () => {
  const t = await openTestCore({ host: 'server' });
  try {
    const { core } = t;
    const backup = (await core.call('backups.create', {})).file;
    await core.call('workflows.import', { definition: wf('two', [{ id: 'a', type: 'set', params: { values: { x: 1 } } }]) });
    const engine = engineOf(core);
    engine.setPaused(true);
    engine.poolOptions = { jobsDir, workers: 1 };
    await engine.start('pool');
    const { runId } = await core.call('runs.start', { workflow: 'two', input: { n: 1 } });
    expect(core.db.prepare(`UPDATE steps SET input = '{"n":' WHERE run_id = ?`).run(runId).changes).toBe(1);
    engine.setPaused(false);
    const damaged = async () => (await core.call('escalations.list', { acknowledged: false, limit: 10 })).escalations.filter((e) => e.title === 'The database is damaged');
    await until('the damage escalation', async () => (await damaged()).length === 1);
    expect((await damaged())[0]!.detail).toContain(`baton restore "${backup}"`);
    // Several more passes fail on the same step; the log names the damage once and never as a failed pass.
    await new Promise((r) => setTimeout(r, 1500));
    const lines = readFileSync(join(t.dir, 'logs', 'baton.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string; detail?: string });
    expect(lines.filter((l) => l.msg === 'database damaged' && l.detail?.includes('is not valid JSON'))).toHaveLength(1);
    expect(lines.filter((l) => l.msg === 'engine worker pass failed')).toHaveLength(0);
    expect(await damaged()).toHaveLength(1);
  } finally {
    await t.cleanup();
  }
});
