import { defineConfig } from '@playwright/test';

/**
 * The Electron desktop app under Playwright's Electron driver (e2e/electron).
 * Needs `npx electron-vite build`, `node scripts/electron-native.mjs` and the
 * Electron binary; without the binary every test is skipped with the reason.
 * Run: npm run test:electron (Linux without a display: xvfb-run -a npm run test:electron).
 */
export default defineConfig({
  testDir: 'e2e/electron',
  outputDir: 'test-results/electron',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 5_000 },
  reporter: 'list',
  use: { trace: 'retain-on-failure', screenshot: 'only-on-failure' },
});
