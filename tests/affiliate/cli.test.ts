/**
 * `baton affiliate …` run as a child process (`node bin/baton.js`) against the BUILT app on a
 * real SQLite file: a program and a tracked link, a commission CSV imported from a file (bad
 * rows by line, the same file again adds nothing), the stats as JSON, bad flags exit 2.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers';

const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'baton.js');

function baton(dataDir: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BATON_')) env[k] = v;
  return new Promise((ok, no) => {
    const child = spawn(process.execPath, [BIN, '--data', dataDir, ...args], { env: { ...env, BATON_SECRETS: 'env' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', no);
    child.on('close', (code) => ok({ code, stdout, stderr }));
  });
}

let cleanup: (() => void) | null = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
});

describe('baton affiliate', () => {
  it('adds a program and a link, imports a commission file once, and prints the stats', async () => {
    const t = tempDir('baton-aff-cli-');
    cleanup = t.cleanup;
    const data = join(t.dir, 'data');
    expect((await baton(data, 'affiliate', 'program', 'Acme', '--network', 'Awin', '--subid-param', 'subid')).stdout).toMatch(/^Program 1 "Acme" saved\./);
    const link = await baton(data, '--json', 'affiliate', 'link', 'Acme', 'https://acme.example/mic', '--slug', 'mic', '--content', 'https://blog.example/mics');
    expect(JSON.parse(link.stdout)).toMatchObject({ created: true, link: { slug: 'mic', target: 'https://acme.example/mic?subid=mic' } });
    const file = join(t.dir, 'awin.csv');
    writeFileSync(file, 'Date,Commission,Sub ID\n2026-03-02,12.50,mic\nnope,1,mic\n2026-03-04,7.50,mic\n');
    const first = await baton(data, 'affiliate', 'import', 'Awin', file);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Imported 2 of 3 rows (0 updated, 0 already imported, 1 with errors). Matched: 2 to a link');
    expect(first.stdout).toContain('line 3: date (column "Date"): "nope" is not a date');
    expect((await baton(data, 'affiliate', 'import', 'Awin', file)).stdout).toContain('Imported 0 of 3 rows (0 updated, 2 already imported, 1 with errors)');
    const stats = JSON.parse((await baton(data, '--json', 'affiliate', 'stats', '--from', '2026-03-01', '--to', '2026-03-31')).stdout) as { totals: { revenue: number; commissions: number } };
    expect(stats.totals).toMatchObject({ revenue: 20, commissions: 2 });
    const bad = await baton(data, 'affiliate', 'stats', '--by', 'weeks');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--by must be links, programs or content');
  });
});
