import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpInput, OpName, OpOutput } from '../shared/api';
import { startFakeAnthropic } from '../tests/support/fake-anthropic';
import { expect, openPage, test } from './fixtures';
import { serverEnv, startServer, type RunningServer } from './server';
import { shootSchemes } from './shots';

/**
 * The secret form's happy path needs a writable backend: a real OS keychain.
 * Runs when one answers (`bash scripts/with-keyring.sh npx playwright test e2e/keychain.spec.ts`
 * starts a private, unlocked gnome-keyring); skipped with the reason otherwise.
 */
test('with the OS keychain, a secret is saved from Settings, listed by name only, and deleted', async ({ page }) => {
  test.setTimeout(120_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-e2e-keychain-'));
  const env = serverEnv();
  env.BATON_SECRETS = 'keychain';
  env.BATON_KEYCHAIN_SERVICE ??= `baton-e2e-${process.pid}`;
  delete env.BATON_SECRET_DEMO_KEY;
  let server: RunningServer | null = null;
  try {
    try {
      server = await startServer(dataDir, 0, env);
    } catch (e) {
      const why = (e as Error).message;
      test.skip(/keychain unavailable/i.test(why), `no usable OS keychain here: ${why.split('\n').find((l) => /keychain/i.test(l)) ?? why}`);
      throw e;
    }
    await page.goto(`${server.url}#token=${server.token}`);
    await openPage(page, 'Settings');
    await expect(page.getByTestId('secret-backend')).toHaveText('OS keychain');
    // The only secrets at first are the ones Baton makes itself where secrets can be stored: the
    // keys that sign tracked links and product magic links.
    const list = page.getByRole('list', { name: 'Stored secrets' });
    await expect(list.getByRole('listitem')).toHaveCount(2);
    await expect(list).toContainText('TRACKING_KEY');
    await expect(list).toContainText('PRODUCT_LINK_KEY');

    const value = ['e2e', 'secret', String(Date.now())].join('-');
    await page.getByLabel('Name', { exact: true }).fill('E2E_TOKEN');
    await page.getByLabel('Value', { exact: true }).fill(value);
    await page.getByRole('button', { name: 'Save secret' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Saved E2E_TOKEN.' })).toBeVisible();
    await expect(list).toContainText('E2E_TOKEN');
    // Write-only: the field is cleared and the value appears nowhere on the page.
    await expect(page.getByLabel('Value', { exact: true })).toHaveValue('');
    expect(await page.content()).not.toContain(value);

    await page.getByRole('button', { name: 'Delete E2E_TOKEN' }).click();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect(list.getByRole('listitem')).toHaveCount(2);
    await expect(list).not.toContainText('E2E_TOKEN');
  } finally {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/**
 * Saving the Anthropic key releases nothing by itself: right after the save, Settings asks
 * "N AI steps are waiting: run them / discard them". Run them: they call Claude (the local
 * Messages API), under the daily cap; a cap they cannot fit stops them with a critical
 * escalation that stays pinned on top of the Dashboard, and they are counted there as waiting for budget.
 */
test('with the OS keychain, saving the Anthropic key asks whether the waiting AI steps run; they run under the cap, which stops them with a pinned escalation', async ({ page }) => {
  test.setTimeout(120_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-e2e-keychain-ai-'));
  const key = ['sk', 'e2e', String(process.pid)].join('-');
  const claude = await startFakeAnthropic({ apiKey: key });
  claude.respond(() => ({ text: 'Hello!', usage: { input_tokens: 30, output_tokens: 10 } }));
  const env = serverEnv();
  env.BATON_SECRETS = 'keychain';
  env.BATON_KEYCHAIN_SERVICE = `baton-e2e-ai-${process.pid}`;
  delete env.BATON_SECRET_DEMO_KEY;
  let server: RunningServer | null = null;
  try {
    try {
      server = await startServer(dataDir, 0, env);
    } catch (e) {
      const why = (e as Error).message;
      test.skip(/keychain unavailable/i.test(why), `no usable OS keychain here: ${why.split('\n').find((l) => /keychain/i.test(l)) ?? why}`);
      throw e;
    }
    const s = server;
    const api = async <N extends OpName>(op: N, input: OpInput<N>): Promise<OpOutput<N>> => {
      const res = await fetch(new URL(`api/v1/${op}`, s.url), { method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
      const body = (await res.json()) as { result: OpOutput<N>; error?: { message: string } };
      if (!res.ok) throw new Error(`${op}: ${body.error?.message}`);
      return body.result;
    };
    for (const [k, value] of Object.entries({ 'ai.baseUrl': claude.url, 'ai.maxRetries': 0, 'setup.completed': true })) await api('settings.set', { key: k, value });
    await api('workflows.import', { definition: { id: 'hello-ai', name: 'Say hello', nodes: [{ id: 'write', type: 'ai.generate', params: { prompt: 'Say hello.', maxTokens: 50 } }], edges: [] } });
    const runs: string[] = [];
    for (let i = 0; i < 3; i++) runs.push((await api('runs.start', { workflow: 'hello-ai', input: {} })).runId);
    await expect.poll(async () => (await api('ai.waiting', {})).key).toBe(3);

    await page.goto(`${s.url}#token=${s.token}`);
    await openPage(page, 'Settings');
    const card = page.locator('#settings-ai');
    await card.getByLabel(/Anthropic API key/).fill(key);
    await card.getByRole('button', { name: 'Save', exact: true }).click();
    const prompt = card.getByRole('alertdialog', { name: '3 AI steps are waiting' });
    await expect(prompt).toContainText('They waited for the Anthropic key (Say hello: 3). Run them now, under the daily spend cap, or discard them');
    await expect(prompt.getByRole('button', { name: 'Run them' })).toBeFocused();
    // Saved, and still nothing ran: the choice is the person's.
    expect((await api('ai.waiting', {})).key).toBe(3);
    expect(claude.requests).toHaveLength(0);
    await prompt.scrollIntoViewIfNeeded();
    await shootSchemes(page, 'settings-ai-key-saved-prompt');
    await prompt.getByRole('button', { name: 'Run them' }).click();
    await expect(card.getByTestId('ai-release-result')).toHaveText('3 AI step(s) run now, under the daily cap.');
    for (const id of runs) await expect.poll(async () => (await api('runs.get', { id })).status).toBe('succeeded');
    expect(claude.requests).toHaveLength(3);

    // A cap no AI call fits: the next steps stop, counted as waiting for budget, with a pinned critical escalation on top.
    await api('settings.set', { key: 'ai.dailyCapUsd', value: 0.0001 });
    for (let i = 0; i < 2; i++) await api('runs.start', { workflow: 'hello-ai', input: {} });
    await expect.poll(async () => (await api('ai.waiting', {})).budget).toBe(2);
    await openPage(page, 'Dashboard');
    const fact = page.getByTestId('ai-waiting');
    await expect(fact).toHaveAttribute('data-budget', '2');
    await expect(fact.getByTestId('ai-waiting-budget')).toContainText('2 AI steps wait for budget: the daily spend cap is reached.');
    const first = page.getByTestId('escalation').first();
    await expect(first).toHaveAttribute('data-pinned', 'true');
    await expect(first).toContainText('PinnedAI daily spend cap reached: AI steps stopped');
    await shootSchemes(page, 'dashboard-ai-cap-pinned', true);
    expect(claude.requests).toHaveLength(3);
  } finally {
    await server?.stop();
    await claude.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
