/**
 * AI steps on the real Bree worker pool (the built out/ files): the key is
 * fetched from the main thread's secret store, settings and the ledger are read
 * and written on the worker's own connection, the approval resumes on a worker.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { engineOf } from '../../electron/core/engine';
import { EnvSecretStore } from '../../electron/core/secrets';
import { openTestCore } from '../helpers';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic';
import { startFakeWordPress, type FakeWordPress } from '../support/fake-wordpress';
import { fakeKey } from './setup';

const jobsDir = resolve(__dirname, '../../out/main/jobs');

async function until(what: string, fn: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('AI steps on the worker pool', () => {
  let claude: FakeAnthropic | undefined;
  let wp: FakeWordPress | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    // Servers first: their keep-alive sockets must not hold a worker open while the pool stops.
    await claude?.close();
    await wp?.close();
    await cleanup?.();
  });

  it('generate -> review (approval) -> WordPress draft, run by Bree workers', async () => {
    if (!existsSync(resolve(jobsDir, 'dispatcher.js'))) throw new Error('Build first (npx electron-vite build): this test runs the built worker files');
    const key = fakeKey();
    claude = await startFakeAnthropic({ apiKey: key });
    wp = await startFakeWordPress({ user: 'editor', appPassword: 'pool-' + 'pw' });
    const t = await openTestCore({ host: 'server', secrets: new EnvSecretStore({ BATON_SECRET_ANTHROPIC_API_KEY: key, BATON_SECRET_WORDPRESS_APP_PASSWORD: 'pool-' + 'pw' }, 'tests') });
    cleanup = t.cleanup;
    const core = t.core;
    for (const [k, v] of Object.entries({ 'ai.baseUrl': claude.url, 'ai.maxRetries': 0, 'wordpress.siteUrl': wp.url, 'wordpress.user': 'editor' })) core.setSetting(k, v);
    claude.respond((req) =>
      req.body.tool_choice?.name === 'submit_review' ? { json: { pass: true, issues: [], confidence: 0.5 } } : { text: '# Weekly invoices\n\nThey get paid faster.' },
    );
    const engine = engineOf(core);
    engine.poolOptions = { jobsDir, workers: 2 };
    await engine.start('pool');
    await core.call('workflows.import', {
      definition: {
        id: 'pool-ai',
        name: 'pool ai',
        nodes: [
          { id: 'write', type: 'ai.generate', params: { prompt: 'Write about {{ input.topic }}.', saveAs: 'pool post' } },
          { id: 'review', type: 'ai.review', params: { from: 'write', checklist: ['Short'] } },
          { id: 'publish', type: 'wordpress.publish', params: { title: 'Weekly invoices', content: '=steps.review.text' } },
        ],
        edges: [
          { from: 'write', to: 'review' },
          { from: 'review', to: 'publish', branch: 'approved' },
        ],
      },
    });
    const { runId } = await core.call('runs.start', { workflow: 'pool-ai', input: { topic: 'invoices' } });
    await until('the approval', async () => (await core.call('approvals.list', {})).approvals.length === 1);
    const [a] = (await core.call('approvals.list', {})).approvals;
    expect(a!.confidence).toBe(0.5);
    await core.call('approvals.decide', { id: a!.id, decision: 'approve' });
    await until('the run to succeed', async () => (await core.call('runs.get', { id: runId })).status === 'succeeded');
    const run = await core.call('runs.get', { id: runId });
    // In pool mode only the Bree workers execute steps.
    expect(engine.mode).toBe('pool');
    expect(run.steps.find((s) => s.nodeId === 'write')!.output).toMatchObject({ deliverable: 'deliverables/pool-post.v1.md' });
    expect(wp.posts).toEqual([expect.objectContaining({ title: 'Weekly invoices', status: 'draft' })]);
    expect(wp.posts[0]!.content).toContain('<h1>Weekly invoices</h1>');
    const usage = await core.call('ai.usage', { runId });
    expect(usage.totals.calls).toBe(2);
    expect(usage.totals.costUsd).toBeGreaterThan(0);
  });
});
