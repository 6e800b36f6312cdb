/**
 * Starts the built headless server on a fresh temp data folder and a free port,
 * with the environment secret backend so the run is deterministic, and hands its
 * URL and token to the tests through the environment.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBuilt, startServer } from './server';

export default async function globalSetup(): Promise<() => Promise<void>> {
  assertBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-e2e-'));
  const server = await startServer(dataDir);
  process.env.BATON_E2E_URL = server.url;
  process.env.BATON_E2E_TOKEN = server.token;
  process.env.BATON_E2E_DATA = dataDir;
  return async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
