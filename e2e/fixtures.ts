/** Test fixtures: the server started by global-setup, the API as the tests' yardstick, and an opened app. */
import { test as base, expect, type Page } from '@playwright/test';
import type { OpInput, OpName, OpOutput } from '../shared/api';

export interface BatonServerInfo {
  url: string;
  token: string;
  dataDir: string;
  /** Call the API directly (what the UI shows is compared with this). */
  api<N extends OpName>(name: N, input: OpInput<N>): Promise<OpOutput<N>>;
}

export const test = base.extend<{ baton: BatonServerInfo; app: Page }>({
  baton: async ({ playwright }, use) => {
    const url = process.env.BATON_E2E_URL;
    const token = process.env.BATON_E2E_TOKEN;
    const dataDir = process.env.BATON_E2E_DATA;
    if (!url || !token || !dataDir) throw new Error('BATON_E2E_URL/TOKEN/DATA are not set: run through playwright.config.ts (its global setup starts the server).');
    const request = await playwright.request.newContext({ baseURL: url });
    await use({
      url,
      token,
      dataDir,
      api: async (name, input) => {
        const res = await request.post(`api/v1/${name}`, { headers: { authorization: `Bearer ${token}` }, data: input ?? {} });
        const body = (await res.json()) as { result?: unknown; error?: { message: string } };
        if (!res.ok()) throw new Error(`${name}: HTTP ${res.status()} ${body.error?.message ?? ''}`);
        return body.result as never;
      },
    });
    await request.dispose();
  },
  /** The app opened with the login link, as `baton token --url` gives it. */
  app: async ({ page, baton }, use) => {
    await page.goto(`${baton.url}#token=${baton.token}`);
    await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
    await use(page);
  },
});

export { expect };

export async function openPage(page: Page, label: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label }).click();
  await expect(page.getByRole('heading', { level: 1, name: label })).toBeVisible();
}
