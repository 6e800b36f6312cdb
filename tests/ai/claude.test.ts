import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { AiStepError, callClaude } from '../../electron/core/ai';
import { DEFAULT_PRICES } from '../../electron/core/ai/env';
import { maxCostOf } from '../../electron/core/ai/ledger';
import { apiKeyOf } from '../support/fake-anthropic';
import { aiRig, type AiTestRig } from './setup';

const ask = (rig: AiTestRig, extra: Partial<Parameters<typeof callClaude>[1]> = {}) =>
  callClaude(rig.env, { system: 'You are terse.', messages: [{ role: 'user', content: 'Say hi' }], purpose: 'other', runId: 'run-1', nodeId: 'n1', ...extra });

const fail = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as AiStepError);

describe('Claude client (real SDK against a local fake Messages API)', () => {
  let rig: AiTestRig;
  afterEach(async () => rig?.close());

  it('sends the key from the secret store, the version header, model and max tokens from settings, and records usage and cost', async () => {
    rig = await aiRig({ settings: { 'ai.maxTokens': 321 } });
    rig.claude.push({ text: 'hi', usage: { input_tokens: 1000, output_tokens: 2000 } });
    const a = await ask(rig);
    expect(a.text).toBe('hi');
    const req = rig.claude.requests[0]!;
    expect(apiKeyOf(req.headers)).toBe(rig.key);
    expect(req.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(req.body.model).toBe('claude-sonnet-4-6');
    expect(req.body.max_tokens).toBe(321);
    expect(req.body.system).toBe('You are terse.');
    // sonnet 4.6 default price: $3 in / $15 out per million tokens.
    expect(a.costUsd).toBeCloseTo((1000 * 3 + 2000 * 15) / 1e6, 10);
    const usage = await rig.core.call('ai.usage', { runId: 'run-1' });
    expect(usage.totals).toEqual({ calls: 1, inputTokens: 1000, outputTokens: 2000, costUsd: 0.033 });
    expect(usage.rows[0]).toMatchObject({ runId: 'run-1', nodeId: 'n1', model: 'claude-sonnet-4-6', purpose: 'other' });
    // The key is never written to the log.
    const log = readFileSync(rig.core.log.file!, 'utf8');
    expect(log).not.toContain(rig.key);
  });

  it('a node model overrides the default; an edited price table is used; an unknown model is charged at the highest price and flagged', async () => {
    rig = await aiRig({ settings: { 'ai.prices': { 'my-model': { inputPerMTok: 1, outputPerMTok: 2 } } } });
    rig.claude.push({ text: 'a', usage: { input_tokens: 1_000_000, output_tokens: 1_000_000 } });
    const a = await ask(rig, { model: 'my-model' });
    expect(rig.claude.requests[0]!.body.model).toBe('my-model');
    expect(a.costUsd).toBe(3);
    rig.claude.push({ text: 'b', usage: { input_tokens: 1_000_000, output_tokens: 0 } });
    const b = await ask(rig, { model: 'claude-future-9' });
    expect(b.costUsd).toBe(15); // opus 4.1 input price, the highest in the table
    const row = rig.core.db.prepare("select price_estimated from ai_usage where model = 'claude-future-9'").get() as { price_estimated: number };
    expect(row.price_estimated).toBe(1);
  });

  it('missing key: a clear "add your Anthropic key in Settings" error that asks for a person, and no request is sent', async () => {
    rig = await aiRig({ withKey: false });
    const e = await fail(ask(rig));
    expect(e).toBeInstanceOf(AiStepError);
    expect(e.kind).toBe('missing_key');
    expect(e.needsPerson).toBe(true);
    expect(e.message).toContain('add your Anthropic key in Settings');
    expect(rig.claude.requests).toHaveLength(0);
  });

  it('invalid key (401): invalid_key, needs a person, never echoes the key', async () => {
    rig = await aiRig();
    rig.claude.expectKey('some-other-' + 'key');
    const e = await fail(ask(rig));
    expect(e.kind).toBe('invalid_key');
    expect(e.needsPerson).toBe(true);
    expect(e.message).toMatch(/401/);
    expect(e.message).not.toContain(rig.key);
    expect((await rig.core.call('ai.usage', {})).totals.calls).toBe(0);
  });

  it('429: retryable with the server\'s retry-after; the SDK honours retry-after when it retries', async () => {
    rig = await aiRig();
    rig.claude.push({ status: 429, headers: { 'retry-after': '7' } });
    const e = await fail(ask(rig));
    expect(e.kind).toBe('rate_limited');
    expect(e.retryable).toBe(true);
    expect(e.retryAfterMs).toBe(7000);

    rig.core.setSetting('ai.maxRetries', 1);
    rig.claude.push({ status: 429, headers: { 'retry-after': '1' } }, { text: 'after the wait' });
    const t0 = Date.now();
    const a = await ask(rig);
    expect(a.text).toBe('after the wait');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
  });

  it('529 overloaded: retryable; retried by the SDK when retries are allowed', async () => {
    rig = await aiRig();
    rig.claude.push({ status: 529 });
    const e = await fail(ask(rig));
    expect(e.kind).toBe('overloaded');
    expect(e.retryable).toBe(true);
    rig.core.setSetting('ai.maxRetries', 2);
    rig.claude.push({ status: 529, headers: { 'retry-after-ms': '20' } }, { text: 'fine now' });
    expect((await ask(rig)).text).toBe('fine now');
  });

  it('malformed answers: not JSON, or JSON that is not a message, are "malformed" and nothing is recorded', async () => {
    rig = await aiRig();
    rig.claude.push({ raw: '<html>proxy error</html>', contentType: 'application/json' });
    expect((await fail(ask(rig))).kind).toBe('malformed');
    rig.claude.push({ raw: '{"hello":"world"}' });
    const e = await fail(ask(rig));
    expect(e.kind).toBe('malformed');
    expect(e.message).toMatch(/content|model|usage/);
    expect((await rig.core.call('ai.usage', {})).totals.calls).toBe(0);
  });

  it('request timeout from settings', async () => {
    rig = await aiRig({ settings: { 'ai.timeoutMs': 1000 } });
    rig.claude.push({ delayMs: 2500, then: { text: 'late' } });
    const e = await fail(ask(rig));
    expect(e.kind).toBe('timeout');
    expect(e.message).toContain('ai.timeoutMs');
  });

  it('a bad setting is an error naming the setting', async () => {
    rig = await aiRig({ settings: { 'ai.maxTokens': -5 } });
    const e = await fail(ask(rig));
    expect(e.kind).toBe('settings');
    expect(e.message).toContain('ai.maxTokens');
    await expect(rig.core.call('ai.status', {})).rejects.toThrow(/ai\.maxTokens/);
  });

  it('daily cap: a warning at 80 %, a critical pinned escalation at 100 %; a call whose largest cost does not fit waits (budget) without calling Claude', async () => {
    rig = await aiRig({ settings: { 'ai.maxTokens': 100 } });
    const seen: unknown[] = [];
    rig.core.bus.on('ai.capReached', (p) => seen.push(p));
    rig.claude.respond(() => ({ text: 'x', usage: { input_tokens: 20, output_tokens: 100 } }));
    const a = (20 * 3 + 100 * 15) / 1e6; // what each call costs
    // The most it could cost: every byte a token plus framing, and the whole max_tokens answer.
    const most = maxCostOf(DEFAULT_PRICES, 'claude-sonnet-4-6', { system: 'You are terse.', messages: [{ role: 'user', content: 'Say hi' }] }, 100);
    expect(most).toBeGreaterThan(a);
    // A cap where the 4th call fits and crosses 80 %, and a 5th cannot fit.
    const cap = (3 * a + most + Math.min(5 * a, 4 * a + most)) / 2;
    expect(3 * a + most).toBeLessThanOrEqual(cap);
    expect(3 * a).toBeLessThan(0.8 * cap);
    rig.core.setSetting('ai.dailyCapUsd', cap);
    await ask(rig);
    await ask(rig);
    await ask(rig);
    expect(rig.escalations).toHaveLength(0);
    await ask(rig);
    expect(rig.escalations).toMatchObject([{ severity: 'warning', title: expect.stringMatching(/^AI spend at (8\d|9\d) % of the daily cap$/), key: expect.stringMatching(/^ai-cap-80:/) }]);
    const e = await fail(ask(rig));
    expect(e.kind).toBe('budget');
    expect(e.capReached).toBe(true);
    expect(e.needsPerson).toBe(true);
    expect(e.retryAfterMs).toBeGreaterThan(0);
    // Amounts below a cent keep four decimals.
    expect(e.message).toMatch(/daily spend cap is reached \(\$0\.00\d\d of \$0\.00\d\d spent today, setting ai\.dailyCapUsd; this step could cost up to \$0\.00\d\d\)/);
    expect(rig.claude.requests).toHaveLength(4);
    expect((await rig.core.call('ai.usage', {})).totals.costUsd).toBeLessThanOrEqual(cap);
    // A cap the next call fills exactly (answered with its largest possible cost): the critical escalation, pinned, and the push.
    rig.core.setSetting('ai.dailyCapUsd', 4 * a + most);
    rig.claude.respond(() => ({ text: 'x', usage: { input_tokens: Math.round((most - 100 * 15e-6) / 3e-6), output_tokens: 100 } }));
    await ask(rig);
    expect((await rig.core.call('ai.usage', {})).totals.costUsd).toBeCloseTo(4 * a + most, 8);
    expect(rig.escalations.at(-1)).toMatchObject({ severity: 'critical', pinned: true, title: 'AI daily spend cap reached: AI steps stopped' });
    expect(seen).toHaveLength(1);
    const status = await rig.core.call('ai.status', {});
    expect(status).toMatchObject({ capReached: true, keyPresent: true });
    // Raising the cap lets AI steps continue.
    rig.core.setSetting('ai.dailyCapUsd', 1);
    expect((await ask(rig)).text).toBe('x');
  });

  it('calls at once never overspend the cap together: each holds its largest cost until it is answered', async () => {
    rig = await aiRig({ settings: { 'ai.maxTokens': 100 } });
    rig.claude.respond(() => ({ delayMs: 150, then: { text: 'x', usage: { input_tokens: 20, output_tokens: 100 } } }));
    const maxCost = maxCostOf(DEFAULT_PRICES, 'claude-sonnet-4-6', { system: 'You are terse.', messages: [{ role: 'user', content: 'Say hi' }] }, 100);
    // Room for exactly 5 calls held at once.
    rig.core.setSetting('ai.dailyCapUsd', maxCost * 5.5);
    const results = await Promise.allSettled(Array.from({ length: 30 }, () => ask(rig)));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const waiting = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as AiStepError);
    expect(ok).toHaveLength(5);
    expect(rig.claude.requests).toHaveLength(5);
    expect(waiting).toHaveLength(25);
    // They were held back by the calls in flight, not by the cap itself: they try again soon.
    expect(waiting.every((w) => w.kind === 'budget' && !w.capReached && w.retryAfterMs === 10_000)).toBe(true);
    expect(waiting[0]!.message).toMatch(/calls in flight hold/);
    expect((await rig.core.call('ai.usage', {})).totals.costUsd).toBeLessThanOrEqual(maxCost * 5.5);
    // Answered calls gave their hold back: nothing is held now.
    expect((rig.core.db.prepare('SELECT COUNT(*) AS n FROM ai_reservations').get() as { n: number }).n).toBe(0);
  });

  it('a refused or failed call gives its hold back and is not charged', async () => {
    rig = await aiRig({ settings: { 'ai.dailyCapUsd': 5 } });
    rig.claude.push({ status: 400, message: 'bad' });
    await expect(ask(rig)).rejects.toMatchObject({ kind: 'bad_request' });
    expect((rig.core.db.prepare('SELECT COUNT(*) AS n FROM ai_reservations').get() as { n: number }).n).toBe(0);
    expect((await rig.core.call('ai.usage', {})).totals.calls).toBe(0);
  });

  it('ai.usage: totals, per day and per run; a bad range is refused', async () => {
    rig = await aiRig();
    rig.claude.respond(() => ({ text: 'x', usage: { input_tokens: 10, output_tokens: 20 } }));
    await ask(rig, { runId: 'a' });
    await ask(rig, { runId: 'a', nodeId: 'n2', purpose: 'review' });
    await ask(rig, { runId: 'b' });
    const u = await rig.core.call('ai.usage', {});
    expect(u.totals).toMatchObject({ calls: 3, inputTokens: 30, outputTokens: 60 });
    expect(u.byDay).toHaveLength(1);
    expect(u.byRun.map((r) => [r.runId, r.calls])).toEqual([['b', 1], ['a', 2]]);
    const a = await rig.core.call('ai.usage', { runId: 'a' });
    expect(a.rows.map((r) => `${r.nodeId}/${r.purpose}`)).toEqual(['n1/other', 'n2/review']);
    await expect(rig.core.call('ai.usage', { from: '2026-02-01', to: '2026-01-01' })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(rig.core.call('ai.usage', { from: 'yesterday' })).rejects.toMatchObject({ code: 'invalid_input' });
  });
});
