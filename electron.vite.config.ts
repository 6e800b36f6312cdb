import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { resolve } from 'node:path';

const r = (p: string) => resolve(__dirname, p);

/**
 * Every non-ASCII character of a Node-side chunk written as a \u escape (the same string, regex or comment). V8
 * keeps a module's source text as long as the module lives: one byte per character when all are Latin-1, two
 * otherwise. One em dash in a comment made the 950 kB nodes chunk 1.9 MB, in the main process and in each worker.
 */
const asciiOnly: Plugin = {
  name: 'ascii-only',
  // Once every chunk is final (vite's own esbuild pass in renderChunk writes the characters back).
  generateBundle(_, bundle) {
    for (const c of Object.values(bundle)) if (c.type === 'chunk') c.code = c.code.replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  },
};

export default defineConfig({
  // Node side: the Electron main process, and the plain-Node entries (CLI,
  // headless server, Bree job files) that share the same core chunks.
  main: {
    plugins: [asciiOnly],
    build: {
      outDir: 'out/main',
      // zod and drizzle-orm are bundled (tree-shaken into the chunks): loaded from node_modules they were 206 ES
      // module files to resolve, read and compile at every start, and in every worker.
      externalizeDeps: { exclude: ['zod', 'drizzle-orm'] },
      rollupOptions: {
        input: {
          index: r('electron/main/index.ts'),
          cli: r('electron/cli/index.ts'),
          'jobs/dispatcher': r('electron/jobs/dispatcher.ts'),
          'jobs/check': r('electron/jobs/check.ts'),
          'crm-bench': r('electron/core/crm/bench.ts'),
          'engine-bench': r('electron/core/bench/engine.ts'),
          'webhook-bench': r('electron/server/bench.ts'),
          'billing-bench': r('electron/core/billing/bench.ts'),
          'finance-bench': r('electron/core/finance/bench.ts'),
          'tracking-bench': r('electron/server/tracking-bench.ts'),
          'affiliate-bench': r('electron/server/affiliate-bench.ts'),
          'growth-bench': r('electron/core/growth/bench.ts'),
        },
        output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
      },
    },
  },
  // Bundled as CommonJS so it runs in a sandboxed renderer.
  preload: {
    build: {
      outDir: 'out/preload',
      externalizeDeps: false,
      rollupOptions: {
        input: { index: r('electron/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: r('renderer'),
    plugins: [react()],
    build: {
      outDir: r('out/renderer'),
      // electron-vite leaves the renderer unminified; browsers reach it over the network too (baton serve).
      minify: process.env.BATON_NO_MINIFY ? false : true,
      // Electron's Chromium and every browser Baton supports preload modules natively: no polyfill in the first bundle.
      modulePreload: { polyfill: false },
      rollupOptions: { input: r('renderer/index.html') },
    },
  },
});
