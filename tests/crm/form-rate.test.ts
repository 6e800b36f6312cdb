// The form route's route-wide rate is a setting (forms.perMinute, read at start): a launch
// that brings more sign-ups a minute than the default is not turned away with 429s.
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../../electron/server';
import { openTestCore, tempDir } from '../helpers';

const dirs: { cleanup: () => void }[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

/** 100 sign-ups posted at once to a server on `dataDir`: how many got 200 and 429, and the contacts stored. */
async function burst(dataDir: string, prefix: string, setup?: (call: (op: string, input: unknown) => Promise<unknown>) => Promise<void>) {
  const t = await openTestCore({ dataDir });
  try {
    const call = (op: string, input: unknown) => (t.core.call as (o: string, i: unknown) => Promise<unknown>)(op, input);
    await setup?.(call);
    const server = await startServer(t.core, { port: 0, closeCore: false });
    try {
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          fetch(new URL('/hooks/forms/launch', server.url), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `email=${prefix}${i}%40example.com` }).then((r) => r.status),
        ),
      );
      const stored = (t.core.db.prepare(`SELECT COUNT(*) AS n FROM contacts WHERE email LIKE ?`).get(`${prefix}%`) as { n: number }).n;
      return { ok: answers.filter((s) => s === 200).length, limited: answers.filter((s) => s === 429).length, stored };
    } finally {
      await server.close();
    }
  } finally {
    await t.cleanup();
  }
}

describe('forms.perMinute', () => {
  it('the default turns a burst of 100 sign-ups away after about 60; raised to 1,200 a minute (bursts of 240) all 100 are stored', async () => {
    const d = tempDir('baton-form-rate-');
    dirs.push(d);
    const first = await burst(d.dir, 'first', async (call) => {
      await call('forms.save', { slug: 'launch', name: 'Launch', fields: { email: 'email' }, tags: [], source: 'website' });
    });
    expect(first.ok).toBeGreaterThanOrEqual(60);
    expect(first.ok).toBeLessThan(100);
    expect(first.ok + first.limited).toBe(100);
    expect(first.stored).toBe(first.ok);

    // A bad value is refused naming the setting; the raised rate applies at the next start.
    const t = await openTestCore({ dataDir: d.dir });
    await expect(t.core.call('settings.set', { key: 'forms.perMinute', value: 5 })).rejects.toThrow(/forms\.perMinute.*at least 10/);
    await t.core.call('settings.set', { key: 'forms.perMinute', value: 1200 });
    await t.cleanup();
    const second = await burst(d.dir, 'second');
    expect(second).toEqual({ ok: 100, limited: 0, stored: 100 });
  });
});
