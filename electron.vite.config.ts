import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

const r = (p: string) => resolve(__dirname, p);

export default defineConfig({
  // Node side: the Electron main process, and the plain-Node entries (CLI,
  // headless server, Bree job files) that share the same core chunks.
  main: {
    build: {
      outDir: 'out/main',
      externalizeDeps: true,
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
