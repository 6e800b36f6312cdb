/**
 * `baton growth …` as child processes of the BUILT app (a private copy) on a
 * real data folder:
 * - import|report|status: a 46,000-keyword export imported from a file, the
 *   seed target of quick wins printed by the report; an export with unknown
 *   columns exits 2 naming the missing field, and --map fixes it;
 * - status|phases|plans|learnings|recall after a real campaign cycle (run by
 *   the engine on the same folder, Claude at a local Messages API server): the
 *   engine's phase and its last cycle's figures, the transitions, the plan's
 *   items with their results, the learnings;
 * - start|stop|priorities|item: schedules on and off, the queued cycle
 *   cancelled, the order saved; bad input exits 2 naming the field and the fix,
 *   and changes nothing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineOf } from '../../electron/core/engine';
import { EnvSecretStore } from '../../electron/core/secrets';
import { fakeKey } from '../ai/setup';
import { copyBuiltApp, runBaton, type BuiltApp } from '../support/built-app';
import { startFakeAnthropic } from '../support/fake-anthropic';
import { openTestCore, tempDir } from '../helpers';

let app: BuiltApp;
const tmp = tempDir('baton-growth-cli-');

beforeAll(() => {
  app = copyBuiltApp('growth-cli');
}, 180_000);
afterAll(() => {
  app.remove();
  tmp.cleanup();
});

describe('baton growth', () => {
  it('imports a 46,000-keyword export from a file; the report prints the import and quick-win targets as PASS', async () => {
    const data = join(tmp.dir, 'd');
    const file = join(tmp.dir, 'keywords.csv');
    const lines = ['Keyword,Position,Search Volume,Keyword Difficulty,URL'];
    let wins = 0;
    for (let i = 0; i < 46_000; i++) {
      const pos = 1 + ((i * 7) % 90);
      const vol = (i * 37) % 5000;
      const kd = (i * 13) % 100;
      if (pos >= 4 && pos <= 30 && kd < 40 && vol > 100) wins++;
      lines.push(`keyword ${i},${pos},${vol},${kd},https://ours.test/k/${i}`);
    }
    writeFileSync(file, lines.join('\n'));
    const r = await runBaton(app.bin, ['--data', data, '--json', 'growth', 'import', 'seo.keywords', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 46_000, imported: 46_000, skipped: 0 });

    const rep = await runBaton(app.bin, ['--data', data, 'growth', 'report']);
    // Other targets (trends, outreach …) are not met on this data: exit 1, every target printed.
    expect(rep.code).toBe(1);
    expect(rep.stdout).toContain('PASS  seo       Keywords imported (the seed is a 46,000-keyword import): 46,000 keywords (target >= 46,000)');
    expect(rep.stdout).toContain(`PASS  seo       Quick wins identified: ${wins.toLocaleString('en-US')} keywords (target >= 50)`);
    expect(rep.stdout).toContain('FAIL  content   Emerging trends detected in the last 7 days: 0 trends (target >= 10)');
    expect(rep.stdout.trim().split('\n').pop()).toMatch(/^\d+ of 11 seed targets FAIL\.$/);

    const st = await runBaton(app.bin, ['--data', data, 'growth', 'status']);
    expect(st.code, st.stderr).toBe(0);
    expect(st.stdout).toMatch(/^1\. SEO: IDLE since /m);
  }, 180_000);

  it('an export with unknown columns exits 2 naming the missing field and writes nothing; --map imports it', async () => {
    const data = join(tmp.dir, 'e');
    const file = join(tmp.dir, 'odd.csv');
    writeFileSync(file, 'Suchbegriff,Rang\ncrm handwerk,7\n');
    const bad = await runBaton(app.bin, ['--data', data, 'growth', 'import', 'seo.keywords', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('No column for "keyword"');
    expect(bad.stderr).toContain('Suchbegriff, Rang');
    const db = new Database(join(data, 'baton.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT COUNT(*) AS n FROM growth_keywords').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
    const ok = await runBaton(app.bin, ['--data', data, '--json', 'growth', 'import', 'seo.keywords', file, '--map', 'keyword=Suchbegriff', 'position=Rang']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ imported: 1, mapping: { keyword: 'Suchbegriff', position: 'Rang' } });
  }, 120_000);

  it('status, phases, plans, learnings and recall print a real campaign cycle: phase, last cycle figures, items, learnings', async () => {
    const data = join(tmp.dir, 'c');
    // The cycle, run by the engine on this data folder (as `baton serve` would), then closed.
    const key = fakeKey();
    const claude = await startFakeAnthropic({ apiKey: key });
    const t = await openTestCore({ dataDir: data, secrets: new EnvSecretStore({ BATON_SECRET_ANTHROPIC_API_KEY: key }, 'tests') });
    let runId: string, planId: number, learningId: number;
    try {
      const core = t.core;
      await core.call('settings.set', { key: 'ai.baseUrl', value: claude.url });
      await core.call('settings.set', { key: 'ai.maxRetries', value: 0 });
      claude.respond(() => ({ json: { decisions: [], notes: 'no changes' } }));
      const lines = ['Campaign ID,Campaign,Channel,Audience,Offer,Cost,Conversions,Revenue,Status'];
      for (let i = 0; i < 18; i++) lines.push(i % 3 === 0 ? `m${i},Mail ${i},email,customers,bundle,${500 + i * 10},${20 + i},${2500 + i * 40},finished` : `m${i},Ads ${i},display,cold,discount,${1000 + i * 20},${5 + i},${700 + i * 15},finished`);
      await core.call('growth.import', { kind: 'campaigns.memories', csv: lines.join('\n') });
      runId = (await core.call('growth.run', { engine: 'campaigns' })).runId;
      const engine = engineOf(core);
      await engine.drain();
      const [a] = (await core.call('approvals.list', {})).approvals;
      await core.call('approvals.decide', { id: a!.id, decision: 'approve' });
      await engine.drain();
      expect((await core.call('runs.get', { id: runId })).status).toBe('succeeded');
      planId = (await core.call('plans.list', { engine: 'campaigns', limit: 1 })).plans[0]!.id;
      learningId = (
        await core.call('learnings.add', { engine: 'campaigns', subject: 'action:email', whatWorked: 'E-mail to customers returned 2.1 more ROI', whatDidNot: 'Display to cold audiences lost money', confidence: 0.8, evidence: { runIds: [runId], deltas: [{ ref: 'm0', metric: 'roi', before: 1, after: 3.1, delta: 2.1 }] } })
      ).id;
    } finally {
      await t.cleanup().catch(() => undefined);
      await claude.close();
    }

    const json = await runBaton(app.bin, ['--data', data, '--json', 'growth', 'status']);
    expect(json.code, json.stderr).toBe(0);
    const camp = (JSON.parse(json.stdout) as { engines: { engine: string; phase: string; lastCycle: { runId: string; status: string; figures: Record<string, Record<string, number>> } }[] }).engines.find((e) => e.engine === 'campaigns')!;
    expect(camp).toMatchObject({ phase: 'IDLE', lastCycle: { runId, status: 'succeeded' } });
    const launched = camp.lastCycle.figures.execute!.launched!;
    expect(launched).toBeGreaterThan(0);

    const st = await runBaton(app.bin, ['--data', data, 'growth', 'status']);
    expect(st.code, st.stderr).toBe(0);
    expect(st.stdout).toMatch(/^4\. Campaigns: IDLE since \S+ \(schedule off\)$/m);
    expect(st.stdout).toContain(`   last cycle: succeeded `);
    expect(st.stdout).toContain(`(run ${runId}); analyze: memories=18, `);
    expect(st.stdout).toContain(`execute: launched=${launched}, refused=0, `);
    expect(st.stdout).toContain(`plan: planId=${planId}, items=`);
    expect(st.stdout).toMatch(/^1\. SEO: IDLE since \S+ \(schedule off\)\n {3}last cycle: none yet$/m);
    expect(st.stdout).toMatch(/^Budget \d{4}-\d{2}: /m);

    const ph = await runBaton(app.bin, ['--data', data, 'growth', 'phases', '--engine', 'campaigns']);
    expect(ph.code, ph.stderr).toBe(0);
    expect(
      ph.stdout
        .trim()
        .split('\n')
        .map((l) => /(\w+) -> (\w+)/.exec(l)![0])
        .reverse(),
    ).toEqual(['IDLE -> ANALYZING', 'ANALYZING -> PLANNING', 'PLANNING -> EXECUTING', 'EXECUTING -> LEARNING', 'LEARNING -> IDLE']);

    const pl = await runBaton(app.bin, ['--data', data, 'growth', 'plans', '--engine', 'campaigns', '--items']);
    expect(pl.code, pl.stderr).toBe(0);
    expect(pl.stdout).toMatch(new RegExp(`^#${planId} campaigns \\w+ `, 'm'));
    const doneItems = pl.stdout.split('\n').filter((l) => /^ {3}item \d+ p\d+ done /.test(l));
    expect(doneItems).toHaveLength(launched);
    for (const l of doneItems) expect(l).toMatch(/; expected metric=roi, roi=-?[\d.]+, .*; actual launched=true, campaignId=\S+$/);

    const le = await runBaton(app.bin, ['--data', data, 'growth', 'learnings', '--engine', 'campaigns']);
    expect(le.code, le.stderr).toBe(0);
    expect(le.stdout).toContain(`#${learningId} campaigns "action:email" confidence 0.80`);
    expect(le.stdout).toContain('   worked: E-mail to customers returned 2.1 more ROI');
    expect(le.stdout).toContain('   did not: Display to cold audiences lost money');
    expect(le.stdout).toContain(`   evidence: 1 run(s) (${runId}), 1 measured delta(s)`);

    const rc = await runBaton(app.bin, ['--data', data, 'growth', 'recall', 'campaigns', 'email']);
    expect(rc.code, rc.stderr).toBe(0);
    expect(rc.stdout).toMatch(new RegExp(`^#${learningId} campaigns "action:email" confidence 0.80, score 0\\.\\d{3}`, 'm'));
    const none = await runBaton(app.bin, ['--data', data, 'growth', 'recall', 'seo', 'email']);
    expect(none.stdout.trim()).toBe('No learnings of seo to recall for "email".');
  }, 180_000);

  it('start/stop an engine or all, priorities, item; bad input exits 2 naming the field and the fix and changes nothing', async () => {
    const data = join(tmp.dir, 's');
    const baton = (...a: string[]) => runBaton(app.bin, ['--data', data, ...a]);
    const engines = async () => (JSON.parse((await baton('--json', 'growth', 'status')).stdout) as { engines: { engine: string; enabled: boolean; priority: number }[] }).engines;

    const started = await baton('--json', 'growth', 'start', 'content');
    expect(started.code, started.stderr).toBe(0);
    const cycle = (JSON.parse(started.stdout) as { started: { engine: string; runId: string }[] }).started;
    expect(cycle).toEqual([{ engine: 'content', runId: expect.stringMatching(/^r_/) }]);
    const noRun = await baton('growth', 'start', 'links', '--no-run');
    expect(noRun.stdout.trim()).toBe('Started links (schedule on, no cycle now)');
    expect((await engines()).filter((e) => e.enabled).map((e) => e.engine)).toEqual(['content', 'links']);
    const st = await baton('growth', 'status');
    expect(st.stdout).toMatch(/^2\. Trend content: IDLE since \S+, next cycle \S+$/m);

    const stopped = await baton('growth', 'stop', 'content');
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout.trim()).toBe('Stopped content; 1 cycle run(s) cancelled.');
    const db = new Database(join(data, 'baton.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT status FROM runs WHERE id = ?').pluck().get(cycle[0]!.runId)).toBe('cancelled');
    } finally {
      db.close();
    }
    const all = await baton('growth', 'stop');
    expect(all.stdout.trim()).toBe('Stopped seo, content, links, campaigns; 0 cycle run(s) cancelled.');
    expect((await engines()).some((e) => e.enabled)).toBe(false);

    const pr = await baton('growth', 'priorities', 'links', 'campaigns', 'seo', 'content');
    expect(pr.code, pr.stderr).toBe(0);
    expect(pr.stdout.trim()).toBe('1. links\n2. campaigns\n3. seo\n4. content');

    // Bad input: exit 2, the field and the fix named, nothing changed.
    const bad: [string[], string][] = [
      [['growth', 'start', 'sales'], 'engine: unknown engine "sales"; use one of seo, content, links, campaigns.'],
      [['growth', 'run', 'sales'], 'engine: unknown engine "sales"; use one of seo, content, links, campaigns.'],
      [['growth', 'priorities', 'seo', 'seo', 'links', 'content'], 'engines: list each of the 4 engines once, highest priority first (got seo seo links content), e.g. baton growth priorities seo content links campaigns.'],
      [['growth', 'priorities', 'seo', 'ads', 'links', 'content'], 'engines[2]: unknown engine "ads"'],
      [['growth', 'plans', '--status', 'open'], '--status: unknown status "open"; use one of planned, approved, executing, done, dropped.'],
      [['growth', 'phases', '--engine', 'x'], '--engine: unknown engine "x"'],
      [['growth', 'learnings', '--limit', 'ten'], '--limit: give a whole number from 1 to 1000 (got "ten").'],
      [['growth', 'recall', 'seo', '--limit', '500'], '--limit: give a whole number from 1 to 100 (got "500").'],
      [['growth', 'item', 'abc', 'done'], 'id: give the number of a plan item (got "abc"); baton growth plans --items lists them.'],
      [['growth', 'item', '1', 'finished'], 'status: unknown status "finished"; use one of planned, approved, executing, done, dropped.'],
      [['growth', 'import', 'seo.words', 'x.csv'], 'kind: unknown "seo.words"; use one of seo.keywords, seo.ranks, seo.serp, links.backlinks, campaigns.memories, content.trends.'],
    ];
    for (const [args, message] of bad) {
      const r = await baton(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(message);
    }
    expect((await engines()).map((e) => `${e.priority}.${e.engine}`)).toEqual(['1.links', '2.campaigns', '3.seo', '4.content']);
    // A plan item that does not exist: exit 1 naming it.
    const missing = await baton('growth', 'item', '424242', 'approved');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No plan item 424242');
  }, 180_000);
});

