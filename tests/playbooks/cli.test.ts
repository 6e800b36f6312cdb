/** `baton playbook list|import|start|status` on the built CLI (run `npx electron-vite build` first). */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers';

const BIN = resolve(__dirname, '../../bin/baton.js');

function baton(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BATON_')) env[k] = v;
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: tmpdir(), env: { ...env, BATON_SECRETS: 'env' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

let t: { dir: string; cleanup: () => void } | undefined;
afterEach(() => t?.cleanup());

describe('baton playbook', () => {
  it('lists, refuses a bad file naming the step and field (exit 2), starts a run and shows it', async () => {
    if (!existsSync(resolve(__dirname, '../../out/main/cli.js'))) throw new Error('Build first (npx electron-vite build)');
    t = tempDir();
    const data = join(t.dir, 'data');
    const list = await baton(['--data', data, 'playbook', 'list']);
    expect(list.stdout).toContain('go-to-market (built in): Go-to-market team, 7 roles, 4 phases, 15 steps, ~165 min');
    const bad = join(t.dir, 'bad.yaml');
    writeFileSync(bad, 'id: x\nname: X\ncoordinator: a\nroles: [{id: a, name: A, systemPrompt: p, writes: [s/]}]\nphases: [{id: p, name: P, execution: sequential, steps: [{id: s1, role: b, title: T, activities: [x], outputs: [{name: o, path: s/o.md}], estimatedMinutes: 1}]}]\nmodes: [{id: m, name: M, phases: [p]}]\n');
    const refused = await baton(['--data', data, 'playbook', 'import', bad]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('phases.0.steps.0.role: step "s1": role "b" is not a role of this playbook');
    const started = await baton(['--data', data, 'playbook', 'start', 'go-to-market', '--mode', 'strategy-only', '--config', 'businessContext=a', 'targetCustomer=b', 'goals=c', 'budget=3000 EUR']);
    expect(started.code).toBe(0);
    const id = /Started run (pbr_\w+)/.exec(started.stdout)![1]!;
    const status = await baton(['--data', data, 'playbook', 'status', id]);
    expect(status.stdout).toContain(`${id}: Go-to-market team, Strategy only: running`);
    expect(status.stdout).toContain('Coordinator: Define the go-to-market strategy: pending');
  }, 120_000);
});
