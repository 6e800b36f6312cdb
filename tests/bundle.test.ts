/**
 * The Node-side build (out/main), as electron.vite.config.ts makes it for a fast, small start:
 * every chunk is ASCII, so V8 keeps each module's source text (held as long as the module lives,
 * in the main process and in each engine worker) at one byte per character instead of two; zod
 * and drizzle-orm are bundled, not 200 ES module files loaded from node_modules.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const OUT = resolve(__dirname, '..', 'out', 'main');

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : []));
}

function built(): string[] {
  if (!existsSync(join(OUT, 'cli.js'))) throw new Error('Build first (npx electron-vite build): this test reads out/main');
  return jsFiles(OUT);
}

describe('the Node-side build', () => {
  it('bundles zod and drizzle-orm (imports none of their files from node_modules)', () => {
    // A static import is a line of its own at the top of a chunk; a dynamic one is import("…").
    const loads = /^import\b[^\n]*["'](zod|drizzle-orm)(\/[^"']*)?["'];$|\bimport\(\s*["'](zod|drizzle-orm)\b/m;
    const loading = built().filter((f) => loads.test(readFileSync(f, 'utf8')));
    expect(loading.map((f) => f.slice(OUT.length + 1))).toEqual([]);
  });

  it('is ASCII only (non-ASCII characters written as \\u escapes)', () => {
    const files = built();
    expect(files.length).toBeGreaterThan(3);
    const wide = files.flatMap((f) => {
      const m = /[\u0080-\uffff]/.exec(readFileSync(f, 'utf8'));
      return m ? [`${f.slice(OUT.length + 1)}: ${JSON.stringify(m[0])}`] : [];
    });
    expect(wide).toEqual([]);
  });
});
