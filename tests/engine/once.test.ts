/**
 * ctx.once: a node's local write and the record that it was done commit in one transaction, so a
 * step that runs again replays the recorded value; a write that throws leaves nothing behind.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineNode, NodeError, type NodeDef } from '../../electron/core/engine/registry';
import { harness, wf, type EngineHarness } from './util';

let h: EngineHarness;
const writes: string[] = [];
beforeEach(async () => {
  h = await harness();
  h.core.db.exec(`CREATE TABLE once_probe (id INTEGER PRIMARY KEY, what TEXT NOT NULL)`);
  writes.length = 0;
  // A node type of this test only, added to the main thread's registry (the inline executor runs it).
  const probe = defineNode({
    type: 'test.once',
    description: 'Writes probe rows through ctx.once (tests).',
    params: z.object({ failInside: z.number().int().default(0), failAfter: z.number().int().default(0), async: z.boolean().default(false) }).strict(),
    run(ctx) {
      const p = ctx.params;
      const first = ctx.once('probe', (key) => {
        writes.push(key);
        ctx.db.prepare(`INSERT INTO once_probe (what) VALUES (?)`).run(`first ${ctx.attempt}`);
        if (ctx.attempt <= p.failInside) throw new Error(`failed inside the write (attempt ${ctx.attempt})`);
        return { key, attempt: ctx.attempt, n: (ctx.db.prepare(`SELECT COUNT(*) AS n FROM once_probe`).get() as { n: number }).n };
      });
      const second = ctx.once('probe', (key) => {
        ctx.db.prepare(`INSERT INTO once_probe (what) VALUES (?)`).run(`second ${ctx.attempt}`);
        return { key };
      });
      if (p.async) ctx.once('probe', () => Promise.resolve(ctx.db.prepare(`INSERT INTO once_probe (what) VALUES ('async')`).run()));
      if (ctx.attempt <= p.failAfter) throw new NodeError(`failed after the writes (attempt ${ctx.attempt})`);
      return { output: { first: first.value, second: second.value, replayed: [first.replayed, second.replayed] } };
    },
  });
  h.core.nodes.add('tests', [probe as unknown as NodeDef]);
});
afterEach(async () => h.cleanup());

const rows = () => (h.core.db.prepare(`SELECT what FROM once_probe ORDER BY id`).all() as { what: string }[]).map((r) => r.what);
const retry = { retry: { maxAttempts: 3, initialDelay: '1s', jitter: false } };

async function runProbe(params: Record<string, unknown>): Promise<string> {
  await h.importWf(wf('probe', [{ id: 'p', type: 'test.once', params, ...retry }]));
  const id = await h.run('probe');
  for (let i = 0; i < 3; i++) {
    h.clock.advance(5000);
    await h.drain();
  }
  return id;
}

describe('ctx.once', () => {
  it('a step that runs again after its writes replays them: each write once, the same output', async () => {
    const id = await runProbe({ failAfter: 2 });
    const d = await h.detail(id);
    expect(d.status).toBe('succeeded');
    expect(d.steps[0]!.attempts).toBe(3);
    expect(rows()).toEqual(['first 1', 'second 1']);
    expect(d.output).toEqual({ first: { key: `${id}:p`, attempt: 1, n: 1 }, second: { key: `${id}:p:1` }, replayed: [true, true] });
    expect(writes).toEqual([`${id}:p`]);
    expect(h.core.db.prepare(`SELECT key, kind, status, sends FROM outbox ORDER BY key`).all()).toEqual([
      { key: `${id}:p`, kind: 'probe', status: 'sent', sends: 1 },
      { key: `${id}:p:1`, kind: 'probe', status: 'sent', sends: 1 },
    ]);
  });

  it('a write that throws is rolled back with its record: nothing is half-written, the retry writes it', async () => {
    const id = await runProbe({ failInside: 1 });
    const d = await h.detail(id);
    expect(d.status).toBe('succeeded');
    expect(d.steps[0]!.history[0]!.error?.message).toBe('failed inside the write (attempt 1)');
    // Attempt 1's insert is gone with its transaction; attempt 2 wrote once.
    expect(rows()).toEqual(['first 2', 'second 2']);
    expect(d.output).toMatchObject({ first: { attempt: 2, n: 1 } });
  });

  it('an asynchronous write is refused and leaves nothing', async () => {
    const id = await runProbe({ async: true });
    const d = await h.detail(id);
    expect(d.status).toBe('failed');
    expect(d.steps[0]!.error).toMatchObject({ code: 'once_async', message: 'ctx.once(probe): the write returned a promise; it must be synchronous (nothing was recorded)' });
    expect(rows()).not.toContain('async');
    expect(h.core.db.prepare(`SELECT COUNT(*) AS n FROM outbox WHERE key = ?`).get(`${id}:p:2`)).toEqual({ n: 0 });
  });
});
