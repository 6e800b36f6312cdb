// Several processes opening (and so migrating) the same new data folder at the
// same moment — the CLI next to a starting server — all succeed, and exactly one
// of them applies the migrations. Real processes, real SQLite file locks.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations } from '../electron/core/db/migrate';
import { resourcesDir } from '../electron/core/resources';
import { tempDir } from './helpers';

const root = resolve(import.meta.dirname, '..');
const migrationsDir = join(resourcesDir(), 'migrations');
let probeDir: string;
let probe: string;

beforeAll(async () => {
  const cache = join(root, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  probeDir = mkdtempSync(join(cache, 'baton-store-probe-'));
  probe = join(probeDir, 'open.mjs');
  await build({
    stdin: {
      contents: `import { openStore } from ${JSON.stringify(join(root, 'electron/core/db/open.ts'))};
        const [dir, migrationsDir, at] = process.argv.slice(2);
        while (Date.now() < Number(at)) { /* start together */ }
        try {
          const { db, migrated } = openStore(dir, { migrationsDir });
          db.close();
          process.stdout.write(JSON.stringify({ ok: true, migrated }));
        } catch (e) {
          process.stdout.write(JSON.stringify({ ok: false, error: e.name + ': ' + e.message }));
        }`,
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile: probe,
    logLevel: 'silent',
  });
});
afterAll(() => rmSync(probeDir, { recursive: true, force: true }));

function run(dir: string, at: number): Promise<{ ok: boolean; migrated?: { from: number; to: number }; error?: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [probe, dir, migrationsDir, String(at)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', rej);
    child.on('exit', () => {
      try {
        res(JSON.parse(out) as { ok: boolean });
      } catch {
        rej(new Error(`probe printed: ${out}`));
      }
    });
  });
}

describe('concurrent first open', () => {
  it('four processes migrate a new store at once: all succeed, one does the work', async () => {
    const latest = loadMigrations(migrationsDir).length;
    for (let round = 0; round < 10; round++) {
      const { dir, cleanup } = tempDir('baton-race-');
      try {
        const at = Date.now() + 400;
        const results = await Promise.all([0, 1, 2, 3].map(() => run(dir, at)));
        expect(results.map((r) => r.error ?? 'ok')).toEqual(['ok', 'ok', 'ok', 'ok']);
        const did = results.filter((r) => r.migrated!.from === 0);
        expect(did).toHaveLength(1);
        expect(results.every((r) => r.migrated!.to === latest)).toBe(true);
      } finally {
        cleanup();
      }
    }
  }, 60_000);
});
