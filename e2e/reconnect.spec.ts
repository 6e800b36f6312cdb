import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, openPage, test } from './fixtures';
import { baton, startServer, type RunningServer } from './server';

// Its own server, because this test stops and restarts it.
test('the connection state follows the server going away and coming back, and the page catches up', async ({ page }) => {
  test.setTimeout(120_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-e2e-restart-'));
  let server: RunningServer | null = await startServer(dataDir);
  try {
    await page.goto(`${server.url}#token=${server.token}`);
    await openPage(page, 'Settings');
    const badge = page.getByTestId('connection');
    await expect(badge).toHaveAttribute('data-state', 'connected', { timeout: 60_000 });
    await expect(page.getByTestId('no-backups')).toBeVisible();

    const port = server.port;
    // Watch while it stops: reconnecting lasts only the first few retries (about 1.5 s).
    const stopping = server;
    server = null;
    await Promise.all([expect(badge).toHaveAttribute('data-state', 'reconnecting'), stopping.stop()]);
    await expect(badge).toHaveAttribute('data-state', 'offline');
    await expect(page.getByTestId('connection-detail')).toContainText('Offline');

    // Meanwhile a backup is taken from the command line: no event reaches the page for it.
    await baton(dataDir, 'backup');
    server = await startServer(dataDir, port);
    await expect(badge).toHaveAttribute('data-state', 'connected');
    // Reconnecting reloads what the page shows, so what happened while offline appears.
    await expect(page.getByTestId('backup-row')).toHaveCount(1);
  } finally {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
