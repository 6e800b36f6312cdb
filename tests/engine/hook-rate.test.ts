// The webhook route's route-wide rate is a setting (hooks.perMinute, read at start; default
// 60,000 a minute, bursts of 5,000): a server that takes more webhooks a minute is not
// turned away with 429s, and a lower limit applies to every caller together.
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../../electron/server';
import { openTestCore, tempDir } from '../helpers';

const dirs: { cleanup: () => void }[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

const SECRET = 'hook-rate-secret-0123456789abcdef';

const FLOW = {
  id: 'rate-hook',
  name: 'Rate hook',
  trigger: { type: 'webhook', slug: 'rate' },
  nodes: [{ id: 'keep', type: 'set', params: { values: { ok: true } } }],
  edges: [],
  settings: { escalateOnFailure: 'none' },
};

/** `n` webhooks posted at once to a server on `dataDir`: how many got 202 and 429, and the runs stored. */
async function burst(dataDir: string, n: number, setup?: (call: (op: string, input: unknown) => Promise<unknown>) => Promise<void>) {
  const t = await openTestCore({ dataDir, env: { BATON_SECRET_HOOK_RATE: SECRET } });
  try {
    const call = (op: string, input: unknown) => (t.core.call as (o: string, i: unknown) => Promise<unknown>)(op, input);
    await setup?.(call);
    const before = (t.core.db.prepare(`SELECT COUNT(*) AS n FROM runs WHERE workflow_id = 'rate-hook'`).get() as { n: number }).n;
    const server = await startServer(t.core, { port: 0, closeCore: false });
    try {
      const answers = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          fetch(new URL('/hooks/rate', server.url), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` }, body: JSON.stringify({ i }) }).then(async (r) => ({
            status: r.status,
            retryAfter: r.headers.get('retry-after'),
            body: await r.text(),
          })),
        ),
      );
      const stored = (t.core.db.prepare(`SELECT COUNT(*) AS n FROM runs WHERE workflow_id = 'rate-hook'`).get() as { n: number }).n - before;
      const limited = answers.filter((a) => a.status === 429);
      return { ok: answers.filter((a) => a.status === 202).length, limited: limited.length, stored, sample: limited[0] };
    } finally {
      await server.close();
    }
  } finally {
    await t.cleanup();
  }
}

describe('hooks.perMinute', () => {
  it('the default takes a burst of 60 webhooks; lowered to 120 a minute (bursts of 10) the rest get 429; a bad value is refused naming the setting', async () => {
    const d = tempDir('baton-hook-rate-');
    dirs.push(d);
    const first = await burst(d.dir, 60, async (call) => {
      await call('workflows.import', { definition: FLOW });
    });
    expect(first).toMatchObject({ ok: 60, limited: 0, stored: 60 });

    // A bad value is refused naming the setting and the fix; nothing is stored.
    const t = await openTestCore({ dataDir: d.dir });
    await expect(t.core.call('settings.set', { key: 'hooks.perMinute', value: 5 })).rejects.toThrow(/hooks\.perMinute.*at least 60/);
    await expect(t.core.call('settings.set', { key: 'hooks.perMinute', value: 1.5 })).rejects.toThrow(/hooks\.perMinute.*whole number/);
    await expect(t.core.call('settings.set', { key: 'hooks.perMinute', value: 10_000_000 })).rejects.toThrow(/hooks\.perMinute.*at most 6000000/);
    await t.core.call('settings.set', { key: 'hooks.perMinute', value: 120 });
    await t.cleanup();

    // Read at the next start: a burst of 10 (a twelfth of 120), refilled at 2 a second.
    const second = await burst(d.dir, 40);
    expect(second.ok).toBeGreaterThanOrEqual(10);
    expect(second.ok).toBeLessThan(40);
    expect(second.ok + second.limited).toBe(40);
    expect(second.stored).toBe(second.ok);
    expect(second.sample?.retryAfter).toMatch(/^\d+$/);
    expect(JSON.parse(second.sample?.body ?? '{}').error).toMatchObject({ code: 'rate_limited' });
  });
});
