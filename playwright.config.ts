import { defineConfig } from '@playwright/test';

/**
 * Browser end-to-end tests: real Chromium (Debian's /usr/bin/chromium; Playwright's
 * own browsers are never downloaded) against `baton serve` from the built app.
 * e2e/global-setup.ts starts the server on a temp data folder.
 * Run with `npm run test:e2e` (it builds first).
 */
export default defineConfig({
  testDir: 'e2e',
  testIgnore: ['electron/**'],
  globalSetup: './e2e/global-setup.ts',
  outputDir: 'test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // Sized for a loaded 2-core machine: tests wait on state (a locator, expect.poll), so a generous
  // limit costs nothing when the state comes at once and only stops a test that is really stuck.
  timeout: 90_000,
  expect: { timeout: 30_000 },
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1280, height: 860 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.BATON_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
});
