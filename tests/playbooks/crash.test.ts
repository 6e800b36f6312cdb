/**
 * A playbook step is one durable step (playbook.step: inputs, the Claude call,
 * the commit). Run again after a crash, its output is committed exactly once:
 * - on the real Bree pool, both workers killed while a sibling step's model
 *   call is in flight, after this step committed but before the engine
 *   recorded its batch: the step runs again without a new model call and
 *   without a second commit; the sibling asks again and commits once;
 * - a crash between the recorded answer and the commit, and between the moved
 *   branch and the row saying so: the step commits the recorded answer, the
 *   same commit object, once.
 */
import { resolve as resolvePath } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRun, finishStep, stepBranch } from '../../electron/core/playbooks/runtime';
import { readCommit, repoOf, resolve, type Repo } from '../../electron/core/playbooks/git';
import { writeBranchRef } from '../../electron/core/playbooks/objects';
import { playbookRig, until, type Rig } from './support';
import type { RecordedRequest, Reply } from '../support/fake-anthropic';

const jobsDir = resolvePath(__dirname, '../../out/main/jobs');

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const PAIR = {
  id: 'crash-pair',
  name: 'Crash pair',
  coordinator: 'lead',
  roles: [{ id: 'lead', name: 'Lead', systemPrompt: 'You write.', writes: ['pair/'] }],
  phases: [
    {
      id: 'fan',
      name: 'Fan',
      execution: 'parallel',
      steps: [
        { id: 'fast', role: 'lead', title: 'Write the fast part', activities: ['Write it'], outputs: [{ name: 'part', path: 'pair/fast.md' }], estimatedMinutes: 1 },
        { id: 'slow', role: 'lead', title: 'Write the slow part', activities: ['Write it'], outputs: [{ name: 'part', path: 'pair/slow.md' }], estimatedMinutes: 1 },
      ],
    },
  ],
  modes: [{ id: 'all', name: 'All', phases: ['fan'] }],
};

const titleOf = (r: RecordedRequest) => /Your step: ([^\n.]+)\./.exec(r.body.messages[0]!.content as string)?.[1] ?? '';
const answer = (title: string): Reply => ({ json: { files: { part: `# ${title}\n\nDone.\n` }, status: { task: title, status: 'complete', blockers: [], next: 'none' } } });
/** The first-parent chain from a commit, newest first. */
async function chain(repo: Repo, oid: string, n: number): Promise<string[]> {
  const out = [oid];
  while (out.length < n) {
    const p = (await readCommit(repo, out[out.length - 1]!)).commit.parent[0];
    if (!p) break;
    out.push(p);
  }
  return out;
}
const count = (rig: Rig, sql: string, ...args: unknown[]) => (rig.core.db.prepare(sql).get(...args) as { n: number }).n;

describe('a playbook step run again after a crash commits its output once', () => {
  it('workers killed mid-batch: the committed step is not asked again nor committed twice (Bree workers)', async () => {
    rig = await playbookRig({ pool: jobsDir });
    const r = rig;
    let slowAsked = 0;
    r.claude.respond((req) => {
      const title = titleOf(req);
      if (title === 'Write the slow part' && ++slowAsked === 1) return { delayMs: 60_000, then: answer(title) };
      return answer(title);
    });
    await r.core.call('playbooks.import', { text: JSON.stringify(PAIR) });
    const { run } = await r.core.call('playbooks.start', { playbookId: 'crash-pair', mode: 'all', config: {} });
    // The fast step committed (its row says done), the slow one's call hangs: the batch is not recorded by the engine.
    await until('the fast step committed while the slow one waits for Claude', () => {
      const row = r.core.db.prepare('SELECT status, commit_oid FROM playbook_steps WHERE run_id = ? AND step_id = ?').get(run.id, 'fast') as { status: string; commit_oid: string | null } | undefined;
      return slowAsked === 1 && row?.status === 'done' && !!row.commit_oid;
    });
    const fastCommit = (r.core.db.prepare('SELECT commit_oid FROM playbook_steps WHERE run_id = ? AND step_id = ?').get(run.id, 'fast') as { commit_oid: string }).commit_oid;
    const engineSteps = r.core.db.prepare("SELECT node_id, status FROM steps WHERE node_id IN ('s0', 's1') ORDER BY node_id").all() as { node_id: string; status: string }[];
    expect(engineSteps).toEqual([
      { node_id: 's0', status: 'running' },
      { node_id: 's1', status: 'running' },
    ]);
    await r.engine.pool!.kill(0);
    await r.engine.pool!.kill(1);
    await until('the run to succeed after the workers restart', async () => (await r.core.call('playbooks.run', { id: run.id })).status === 'succeeded');

    const d = await r.core.call('playbooks.run', { id: run.id });
    const steps = d.phases[0]!.steps;
    expect(steps.map((s) => [s.id, s.status])).toEqual([
      ['fast', 'done'],
      ['slow', 'done'],
    ]);
    // The fast step: one model call, its commit kept, one commit on its branch.
    expect(r.claude.requests.filter((q) => titleOf(q) === 'Write the fast part')).toHaveLength(1);
    expect(steps[0]!.commit).toBe(fastCommit);
    const repo = repoOf(r.dir);
    const base = (r.core.db.prepare('SELECT base_commit FROM playbook_phases WHERE run_id = ?').get(run.id) as { base_commit: string }).base_commit;
    for (const id of ['fast', 'slow']) {
      const head = (await resolve(repo, stepBranch(run.id, 'fan', id)))!;
      expect((await chain(repo, head, 10)).indexOf(base)).toBe(1);
    }
    // The slow step asked again (its worker died mid-call) and committed once; the ledger has one row per answer.
    expect(slowAsked).toBe(2);
    expect(count(r, "SELECT COUNT(*) AS n FROM ai_usage WHERE node_id = 's0'")).toBe(1);
    expect(count(r, "SELECT COUNT(*) AS n FROM ai_usage WHERE node_id = 's1'")).toBe(1);
    // Main has each output once, merged.
    const log = await r.core.call('workspace.log', { ref: 'main', limit: 20 });
    expect(log.commits.filter((c) => c.message.startsWith('[lead] ')).length).toBe(2);
  }, 180_000);

  it('a crash after the answer was recorded, or after the branch moved: the same commit, once, without a model call', async () => {
    rig = await playbookRig();
    const r = rig;
    r.claude.respond((req) => answer(titleOf(req)));
    await r.core.call('playbooks.import', { text: JSON.stringify(PAIR) });
    const { run } = await r.core.call('playbooks.start', { playbookId: 'crash-pair', mode: 'all', config: {} });
    await r.engine.drain();
    expect((await r.core.call('playbooks.run', { id: run.id })).status).toBe('succeeded');
    const calls = r.claude.requests.length;
    const repo = repoOf(r.dir);
    const branch = stepBranch(run.id, 'fan', 'fast');
    const commit = (await resolve(repo, branch))!;
    const parent = (await chain(repo, commit, 2))[1]!;
    const rc = loadRun(r.core, run.id);
    const undo = () => r.core.db.prepare("UPDATE playbook_steps SET status = 'running', commit_oid = NULL WHERE run_id = ? AND step_id = 'fast'").run(run.id);

    // 1. The branch moved, the row was not updated: the commit is recognised, nothing is written.
    undo();
    expect((await finishStep(rc, 'fast')).commit).toBe(commit);
    expect(await resolve(repo, branch)).toBe(commit);

    // 2. The answer was recorded, the branch not moved yet: the same commit object is made again.
    undo();
    await writeBranchRef(repo.gitdir, branch, parent);
    expect((await finishStep(rc, 'fast')).commit).toBe(commit);
    expect(await resolve(repo, branch)).toBe(commit);
    expect(await chain(repo, commit, 2)).toEqual([commit, parent]);

    // 3. Done: run again, nothing happens.
    expect((await finishStep(rc, 'fast')).commit).toBe(commit);
    expect(r.claude.requests.length).toBe(calls);
    expect(count(r, "SELECT COUNT(*) AS n FROM playbook_steps WHERE run_id = ? AND status = 'done'", run.id)).toBe(2);
  }, 120_000);
});
