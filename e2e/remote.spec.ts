/**
 * The window attached to an always-on server: the web UI served by one
 * `baton serve` (A, standing in for the desktop host) is switched in Settings >
 * Connections to a second `baton serve` (B: another port and data folder,
 * standing in for the remote). It shows B's data, a wrong token is named on its
 * field, a decision made while B is stopped is kept on the device and reaches
 * B when it is back, and switching back shows A's data again with both intact.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpInput, OpName, OpOutput } from '../shared/api';
import { expect, openPage, test } from './fixtures';
import { serverEnv, startServer, type RunningServer } from './server';

function apiOf(server: () => RunningServer | null) {
  return async <N extends OpName>(name: N, input: OpInput<N>): Promise<OpOutput<N>> => {
    const s = server();
    if (!s) throw new Error('server is stopped');
    const res = await fetch(new URL(`api/v1/${name}`, s.url), { method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input ?? {}) });
    const body = (await res.json()) as { result?: unknown; error?: { message: string } };
    if (!res.ok) throw new Error(`${name}: ${body.error?.message}`);
    return body.result as never;
  };
}

const askWorkflow = (id: string) => ({
  id,
  name: `Remote ${id}`,
  nodes: [
    { id: 'ask', type: 'approval', params: { title: "='Offer for ' & input.name", payload: { to: '=input.email' }, timeout: '48h' } },
    { id: 'done', type: 'set', params: { values: { sent: true } } },
  ],
  edges: [{ from: 'ask', to: 'done', branch: 'approved' }],
});

test('the window attaches to a remote server, decides an approval while it is down, syncs it, and switches back', async ({ page }) => {
  test.setTimeout(180_000);
  const tmp = mkdtempSync(join(tmpdir(), 'baton-e2e-remote-'));
  const dirA = join(tmp, 'local');
  const dirB = join(tmp, 'remote');
  // A keeps secrets in the encrypted file (its key outside the data folder), so the remote token goes to a real secret store.
  const keyFile = join(tmp, 'secrets.key');
  writeFileSync(keyFile, randomBytes(32), { mode: 0o600 });
  const envA = { ...serverEnv(), BATON_SECRETS: 'file', BATON_SECRETS_KEYFILE: keyFile };
  let a: RunningServer | null = await startServer(dirA, 0, envA);
  let b: RunningServer | null = await startServer(dirB);
  const apiA = apiOf(() => a);
  const apiB = apiOf(() => b);
  try {
    const wf = `remote-${Date.now().toString(36)}`;
    await apiB('workflows.import', { definition: askWorkflow(wf), enable: true });
    await apiB('runs.start', { workflow: wf, input: { name: 'Ria', email: 'ria@example.test' } });
    await expect.poll(async () => (await apiB('approvals.list', { workflow: wf, status: 'pending' })).approvals.length).toBe(1);

    await page.goto(`${a.url}#token=${a.token}`);
    await openPage(page, 'Settings');
    await expect(page.getByTestId('data-dir')).toHaveText(dirA);
    await expect(page.getByTestId('remote-status')).toHaveAttribute('data-state', 'local');

    // A wrong token is refused on its field, and nothing switches.
    await page.getByTestId('remote-url').fill(b.url);
    await page.getByTestId('remote-token').fill('not-the-token');
    await page.getByTestId('remote-attach').click();
    await expect(page.getByTestId('remote-token-help')).toContainText('did not accept the token');
    await expect(page.getByTestId('data-dir')).toHaveText(dirA);

    await page.getByTestId('remote-token').fill(b.token);
    await page.getByTestId('remote-attach').click();
    await expect(page.getByTestId('remote-status')).toHaveAttribute('data-state', 'connected');
    await expect(page.getByTestId('data-dir')).toHaveText(dirB);
    // The token is in A's secret store (the encrypted file), never in its database.
    const dbDump = execFileSync('sqlite3', [join(dirA, 'baton.db'), 'select key, value from settings']).toString();
    expect(dbDump).toContain('connection.remote');
    expect(dbDump).not.toContain(b.token);
    expect(readFileSync(join(dirA, 'secrets.enc')).includes(Buffer.from(b.token))).toBe(false);

    // Every page works against the remote: B's approval is in the inbox.
    await openPage(page, 'Approvals');
    await page.getByLabel('Workflow').selectOption({ label: `Remote ${wf}` });
    const row = page.getByTestId('approval-row').filter({ hasText: 'Offer for Ria' });
    await expect(row).toHaveCount(1);

    // The remote goes away: the window says which problem, and the decision is kept on this device.
    const portB = b.port;
    const stopping = b;
    b = null;
    await stopping.stop();
    await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'offline');
    await expect(page.getByTestId('connection')).toHaveAttribute('title', /Cannot reach the Baton server/);
    await row.getByRole('button').click();
    await page.keyboard.press('a');
    await expect(page.getByTestId('local-queue')).toContainText('1 decision saved on this device');

    // It comes back on its own: the link reconnects, the queue is sent to B.
    b = await startServer(dirB, portB);
    await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'connected', { timeout: 90_000 });
    await expect(page.getByTestId('local-queue')).toHaveCount(0);
    await expect.poll(async () => (await apiB('approvals.list', { workflow: wf, status: 'all' })).approvals[0]?.status).toBe('approved');

    // Back to this computer's data: A shows its own, B keeps its own.
    await openPage(page, 'Settings');
    await page.getByTestId('remote-detach').click();
    await expect(page.getByTestId('remote-status')).toHaveAttribute('data-state', 'local');
    await expect(page.getByTestId('data-dir')).toHaveText(dirA);
    expect((await apiA('workflows.list', {})).workflows.some((w) => w.id === wf)).toBe(false);
    expect((await apiB('workflows.list', {})).workflows.some((w) => w.id === wf)).toBe(true);
    // The address stays for next time, with the stored token.
    await expect(page.getByTestId('remote-url')).toHaveValue(new URL(b.url).origin);
  } finally {
    await a?.stop();
    await b?.stop();
    a = null;
    rmSync(tmp, { recursive: true, force: true });
  }
});
