/**
 * The monitoring nodes on the engine's Bree workers (the built files, as
 * `baton serve` runs them): in a worker thread, monitor.check reads a real
 * HTTPS server's certificate, monitor.links loads linkinator (an ES module)
 * and reports an unreachable start page, and monitor.alert changes the alert's state and
 * sends its webhook from the worker's own connection.
 */
import { describe, expect, it } from 'vitest';
import { engineOf } from '../../electron/core/engine';
import { openTestCore } from '../helpers';
import { builtPool, until } from '../support/pool';
import { startReceiver, startSite } from './sites';

const pool = builtPool('baton-monitor-pool-');

describe('monitoring nodes on the worker pool', () => {
  it('check, links and alert run in a worker thread', { timeout: 120_000 }, async () => {
    const tls = await startSite('https', 3);
    const hook = await startReceiver();
    const t = await openTestCore({ host: 'server', env: { BATON_SECRET_MONITORING_WEBHOOK_D: `${hook.url}/d` } });
    const engine = engineOf(t.core);
    engine.poolOptions = { jobsDir: pool.jobsDir, workers: 1 };
    await engine.start('pool');
    expect(engine.mode).toBe('pool');
    const { core } = t;
    try {
      await core.call('settings.set', { key: 'monitoring.webhooks', value: [{ id: 'd', format: 'discord' }] });
      await core.call('workflows.import', {
        definition: {
          id: 'watch',
          name: 'Watch',
          trigger: { type: 'manual' },
          nodes: [
            { id: 'check', type: 'monitor.check', params: { url: tls.url, verifyTls: false } },
            { id: 'alert', type: 'monitor.alert', params: { key: '=steps.check.key', failing: '=$not(steps.check.up)', severity: 'critical', title: 'Certificate expiring', detail: '=steps.check.reason' } },
            { id: 'links', type: 'monitor.links', params: { url: 'http://127.0.0.1:1/' } },
          ],
          edges: [
            { from: 'check', to: 'alert' },
            { from: 'alert', to: 'links' },
          ],
        },
      });
      const { runId } = await core.call('runs.start', { workflow: 'watch', input: {} });
      await until('the run to finish', async () => ['succeeded', 'failed'].includes((await core.call('runs.get', { id: runId })).status));
      const run = await core.call('runs.get', { id: runId });
      expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
      const out = (id: string) => run.steps.find((s) => s.nodeId === id)!.output as Record<string, unknown>;
      expect(out('check')).toMatchObject({ up: false, status: 200, cert: { subject: 'localhost' } });
      expect(String(out('check').reason)).toMatch(/^the TLS certificate expires in [23] day\(s\)/);
      expect(out('alert')).toMatchObject({ change: 'fired' });
      const [msg] = await hook.waitFor(1);
      expect(JSON.parse(msg!.body)).toMatchObject({ content: '🔴 [critical] Certificate expiring', embeds: [{ title: '[critical] Certificate expiring' }] });
      expect(core.db.prepare('SELECT status FROM monitor_alerts').all()).toEqual([{ status: 'firing' }]);
      // linkinator loaded in the worker: the unreachable start page is reported broken.
      expect(out('links')).toMatchObject({ passed: false, broken: [{ url: 'http://127.0.0.1:1/' }] });
    } finally {
      await t.cleanup();
      await tls.close();
      await hook.close();
    }
  });
});
