/**
 * The engine's Bree worker pool in a test, as `baton serve` runs it: a private copy of the built
 * files (out/, with node_modules linked) whose jobs folder the test's pools load, made before the
 * file's tests and removed after them; and `until`, waiting on a state (never a fixed delay).
 */
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** Install the built app for this test file (beforeAll/afterAll); `jobsDir` is set once it is installed. */
export function builtPool(prefix: string): { readonly jobsDir: string } {
  const state = { jobsDir: '' };
  let install = '';
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'out', 'main', 'jobs', 'dispatcher.js'))) throw new Error('Build first (npx electron-vite build): this test runs the built worker files');
    install = join(mkdtempSync(join(tmpdir(), prefix)), 'app');
    cpSync(join(ROOT, 'out'), join(install, 'out'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(install, 'node_modules'), 'dir');
    state.jobsDir = join(install, 'out', 'main', 'jobs');
  });
  afterAll(() => {
    if (install) rmSync(resolve(install, '..'), { recursive: true, force: true });
  });
  return state;
}

/** Wait until `fn` holds (checked every 25 ms), failing with `what` after `ms`. */
export async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
