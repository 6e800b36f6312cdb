/**
 * The Node-side build (out/main): every chunk is ASCII, so V8 keeps each module's
 * source text (held as long as the module lives, in the main process and in each
 * engine worker) at one byte per character instead of two (electron.vite.config.ts, asciiOnly).
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const OUT = resolve(__dirname, '..', 'out', 'main');

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : []));
}

describe('the Node-side build', () => {
  it('is ASCII only (non-ASCII characters written as \\u escapes)', () => {
    if (!existsSync(join(OUT, 'cli.js'))) throw new Error('Build first (npx electron-vite build): this test reads out/main');
    const files = jsFiles(OUT);
    expect(files.length).toBeGreaterThan(3);
    const wide = files.flatMap((f) => {
      const m = /[\u0080-\uffff]/.exec(readFileSync(f, 'utf8'));
      return m ? [`${f.slice(OUT.length + 1)}: ${JSON.stringify(m[0])}`] : [];
    });
    expect(wide).toEqual([]);
  });
});
