/** A server of its own for a spec that changes shared configuration (pipeline, escalation rules): nothing leaks into the other specs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import type { OpInput, OpName, OpOutput } from '../shared/api';
import { expect } from './fixtures';
import { startServer, type RunningServer } from './server';

export interface Fresh {
  server: RunningServer;
  api<N extends OpName>(name: N, input: OpInput<N>): Promise<OpOutput<N>>;
  /** Open the app logged in, on the dashboard. */
  open(page: Page): Promise<void>;
  stop(): Promise<void>;
}

export async function freshServer(name: string): Promise<Fresh> {
  const dataDir = mkdtempSync(join(tmpdir(), `baton-e2e-${name}-`));
  const server = await startServer(dataDir);
  return {
    server,
    api: async (op, input) => {
      const res = await fetch(new URL(`api/v1/${op}`, server.url), { method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input ?? {}) });
      const body = (await res.json()) as { result?: unknown; error?: { message: string } };
      if (!res.ok) throw new Error(`${op}: HTTP ${res.status} ${body.error?.message ?? ''}`);
      return body.result as never;
    },
    open: async (page) => {
      await page.goto(`${server.url}#token=${server.token}`);
      await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
    },
    stop: async () => {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
