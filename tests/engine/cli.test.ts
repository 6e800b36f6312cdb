/**
 * `baton workflow|run|approvals|escalations` as child processes of the BUILT
 * CLI on a real data folder (npm test builds first).
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers';

const BIN = resolve(__dirname, '../../bin/baton.js');
let data: { dir: string; cleanup: () => void };

function baton(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; json: () => unknown }> {
  return new Promise((res, rej) => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BATON_')) env[k] = v;
    const child = spawn(process.execPath, [BIN, '--data', data.dir, ...args], { cwd: tmpdir(), env: { ...env, BATON_SECRETS: 'env' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr, json: () => JSON.parse(stdout) }));
    child.stdin.end();
  });
}

beforeAll(() => {
  if (!existsSync(resolve(__dirname, '../../out/main/cli.js'))) throw new Error('Build first: npx electron-vite build');
  data = tempDir('baton-cli-engine-');
});
afterAll(() => data.cleanup());

describe('baton workflow / run / approvals / escalations', () => {
  // Eleven CLI processes in a row: minutes on a loaded 2-core machine.
  it('imports, lists, runs with --wait, decides an approval, shows and lists runs', { timeout: 180_000 }, async () => {
    const file = join(data.dir, 'wf.json');
    writeFileSync(
      file,
      JSON.stringify({
        id: 'greet',
        name: 'Greet',
        nodes: [
          { id: 'hello', type: 'set', params: { values: { text: "='Hello ' & input.name" } } },
          { id: 'ask', type: 'approval', params: { title: 'Send greeting?' } },
          { id: 'sent', type: 'set', params: { values: { sent: '=prev.payload.text' } } },
        ],
        edges: [
          { from: 'hello', to: 'ask' },
          { from: 'ask', to: 'sent', branch: 'approved' },
        ],
      }),
    );
    const imp = await baton('--json', 'workflow', 'import', file);
    expect(imp.code).toBe(0);
    expect(imp.json()).toMatchObject({ id: 'greet', version: 1, created: true });
    const list = await baton('workflow', 'list');
    expect(list.stdout).toMatch(/^on +greet +v1 +manual/m);

    // no server: the run waits in the store; --wait runs it here until it blocks on the approval
    const started = await baton('--json', 'run', 'start', 'greet', '--input', '{"name":"Ada"}', '--wait');
    expect(started.code).toBe(0);
    const run = started.json() as { id: string; status: string };
    expect(run.status).toBe('waiting');
    const pending = (await baton('--json', 'approvals', 'list')).json() as { approvals: { id: string; title: string; payload: unknown }[] };
    expect(pending.approvals).toHaveLength(1);
    expect(pending.approvals[0]).toMatchObject({ title: 'Send greeting?', payload: { text: 'Hello Ada' } });
    const id = pending.approvals[0]!.id;
    const show = await baton('approvals', 'show', id);
    expect(show.stdout).toContain('"text": "Hello Ada"');
    const dec = await baton('approvals', 'decide', id, 'approve', '--payload', '{"text":"Hi Ada!"}', '--reason', 'friendlier');
    expect(dec.code).toBe(0);
    expect(dec.stdout).toMatch(/approved/);
    const twice = await baton('--json', 'approvals', 'decide', id, 'reject');
    expect(twice.json()).toMatchObject({ alreadyDecided: true });
    const bad = await baton('approvals', 'decide', id, 'maybe');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/approve" or "reject/);

    // the approved run goes on when an engine runs: here, a second --wait start of nothing; run show drives nothing,
    // so run the queue with a new --wait run of a trivial workflow
    const shown = await baton('run', 'show', run.id);
    expect(shown.stdout).toMatch(/ask \(approval\)/);
    const fin = await baton('--json', 'run', 'start', 'greet', '--input', '{"name":"Bob"}', '--wait');
    expect(fin.code).toBe(0);
    expect(fin.json()).toMatchObject({ status: 'waiting' });
    const after = (await baton('--json', 'run', 'show', run.id)).json() as { status: string; output: unknown };
    expect(after).toMatchObject({ status: 'succeeded', output: { sent: 'Hi Ada!' } });
    const runs = (await baton('--json', 'run', 'list', '--workflow', 'greet')).json() as { runs: unknown[] };
    expect(runs.runs).toHaveLength(2);
    const exp = await baton('workflow', 'export', 'greet');
    expect(JSON.parse(exp.stdout)).toMatchObject({ id: 'greet', version: 1 });
    expect((await baton('--json', 'workflow', 'disable', 'greet')).json()).toEqual({ id: 'greet', enabled: false });
  });

  it('a rejected import says which node, field and rule, exits 2 and changes nothing', async () => {
    const file = join(data.dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ id: 'broken', name: 'B', nodes: [{ id: 'x', type: 'wat', params: {} }], edges: [{ from: 'x', to: 'y' }] }));
    const r = await baton('workflow', 'import', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nodes\.0\.type: node "x": unknown node type "wat"/);
    expect(r.stderr).toMatch(/no node "y" \(dangling edge\)/);
    const list = (await baton('--json', 'workflow', 'list')).json() as { workflows: { id: string }[] };
    expect(list.workflows.map((w) => w.id)).not.toContain('broken');
  });

  it('a failed run exits 1 with --wait, raises an escalation that can be acknowledged, and can be retried', { timeout: 120_000 }, async () => {
    const file = join(data.dir, 'fail.json');
    writeFileSync(file, JSON.stringify({ id: 'fails', name: 'Fails', nodes: [{ id: 'boom', type: 'transform', params: { expression: 'input.a + "x"' } }] }));
    expect((await baton('workflow', 'import', file)).code).toBe(0);
    const r = await baton('run', 'start', 'fails', '--input', '{"a":1}', '--wait');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/failed/);
    expect(r.stdout).toMatch(/boom/);
    const esc = (await baton('--json', 'escalations', 'list', '--open')).json() as { escalations: { id: string; title: string }[] };
    expect(esc.escalations[0]?.title).toBe('Run of "Fails" failed');
    expect((await baton('escalations', 'ack', esc.escalations[0]!.id)).code).toBe(0);
    expect(((await baton('--json', 'escalations', 'list', '--open')).json() as { escalations: unknown[] }).escalations).toHaveLength(0);
    const runs = (await baton('--json', 'run', 'list', '--workflow', 'fails', '--status', 'failed')).json() as { runs: { id: string }[] };
    const retried = await baton('--json', 'run', 'retry', runs.runs[0]!.id);
    if (retried.code !== 0) throw new Error(retried.stderr);
    expect(retried.json()).toMatchObject({ status: 'running' });
  });

  it('run start --wait of a never-ending expression runs it on a worker thread: the step is ended at its timeout, the command exits 1', { timeout: 60_000 }, async () => {
    const file = join(data.dir, 'never.json');
    writeFileSync(file, JSON.stringify({ id: 'never', name: 'Never', nodes: [{ id: 'spin', type: 'transform', params: { expression: '($f := function($x){ $f($x) }; $f(1))' }, timeout: '1s' }] }));
    expect((await baton('workflow', 'import', file)).code).toBe(0);
    const t0 = Date.now();
    const r = await baton('--json', 'run', 'start', 'never', '--wait');
    expect(r.code).toBe(1);
    const d = r.json() as { status: string; error: { code: string; message: string } };
    expect(d.status).toBe('failed');
    expect(d.error).toMatchObject({ code: 'timeout', message: 'timed out after 1 s in node "spin" (transform): its worker was stuck in it and was stopped' });
    expect(Date.now() - t0).toBeLessThan(30_000);
  });
});
