/**
 * The template gallery of the Workflows page against its own server (a fresh data folder: no
 * SMTP, nothing installed): reachable from Workflows after the setup and by its address
 * (#/workflows/templates); a template that needs SMTP says so, with Install off and the reason
 * in words; once SMTP is set it installs (enabled); a template on the same trigger as an enabled
 * workflow warns; a webhook template may be installed turned off (its secret comes after); "Duplicate and edit" opens the editor on an unsaved copy with the template's steps.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIRequestContext } from '@playwright/test';
import { expect, openPage, test } from './fixtures';
import { startServer, type RunningServer } from './server';
import { shootSchemes } from './shots';

let server: RunningServer;
let dataDir: string;
let api: APIRequestContext;

async function call<T = Record<string, unknown>>(op: string, input: unknown = {}): Promise<T> {
  const res = await api.post(`api/v1/${op}`, { data: input });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (!res.ok()) throw new Error(`${op}: HTTP ${res.status()} ${body.error?.message ?? ''}`);
  return body.result as T;
}

test.beforeAll(async ({ playwright }) => {
  dataDir = mkdtempSync(join(tmpdir(), 'baton-e2e-gallery-'));
  server = await startServer(dataDir);
  api = await playwright.request.newContext({ baseURL: server.url, extraHTTPHeaders: { authorization: `Bearer ${server.token}` } });
  // After the first-run setup (skipped here: nothing set up).
  await call('settings.set', { key: 'setup.completed', value: true });
});

test.afterAll(async () => {
  await api?.dispose();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('the gallery shows what each template needs, installs one once SMTP is set, warns on an overlapping trigger, and duplicates one into the editor', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(`${server.url}#token=${server.token}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();

  // Reachable from Workflows, with the keyboard: the Templates tab.
  await openPage(page, 'Workflows');
  const tabs = page.getByRole('navigation', { name: 'Workflows views' });
  await expect(tabs.getByRole('link', { name: 'Your workflows' })).toHaveAttribute('aria-current', 'page');
  await tabs.getByRole('link', { name: 'Templates' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Workflow templates' })).toBeVisible();
  await expect(tabs.getByRole('link', { name: 'Templates' })).toHaveAttribute('aria-current', 'page');
  await expect(page).toHaveURL(/#\/workflows\?view=templates$/);

  // A template that needs SMTP: the unmet requirement with its fix and where to set it; Install off, saying why.
  const onboarding = page.getByTestId('template-crm-onboarding');
  await expect(onboarding.getByRole('heading', { name: 'Onboarding after a won deal' })).toBeVisible();
  await expect(onboarding).toContainText('When you win a deal. Then send a welcome e-mail');
  const needs = onboarding.getByRole('list', { name: 'What Onboarding after a won deal needs' });
  const smtpNeed = needs.getByRole('listitem').filter({ hasText: 'SMTP settings and the SMTP password' });
  await expect(smtpNeed).toHaveAttribute('data-met', 'false');
  await expect(smtpNeed).toContainText('Needs SMTP settings and the SMTP password: Settings > E-mail (missing: email.smtp.host and email.from)');
  await expect(smtpNeed.getByRole('link', { name: 'Open Settings' })).toHaveAttribute('href', '#/settings');
  const install = onboarding.getByRole('button', { name: 'Install', exact: true });
  await expect(install).toBeDisabled();
  await expect(install).toHaveAccessibleDescription(/Install is off until the requirement marked ✗ is set up/);
  await expect(onboarding.getByText('Needs setup')).toBeVisible();
  // A template that needs nothing is ready at once.
  await expect(page.getByTestId('template-daily-report').getByRole('button', { name: 'Install', exact: true })).toBeEnabled();

  // The server refuses too (the button is not the only guard).
  await expect(call('templates.install', { ids: ['crm-onboarding'], enable: true })).rejects.toThrow(/Not installed/);

  // SMTP saved (through the API): the card follows without a reload, and installs enabled.
  await call('settings.set', { key: 'email.smtp.host', value: 'smtp.example.com' });
  await call('settings.set', { key: 'email.from', value: 'owner@example.com' });
  await expect(smtpNeed).toHaveAttribute('data-met', 'true');
  await expect(smtpNeed).toHaveText('✓Set up: SMTP settings and the SMTP password');
  await expect(install).toBeEnabled();
  await install.click();
  await expect(onboarding.getByRole('status')).toHaveText('Installed and enabled.');
  await expect(onboarding.getByText('Installed', { exact: true })).toBeVisible();
  await expect(onboarding.getByRole('link', { name: 'Open the installed workflow' })).toHaveAttribute('href', '#/workflows?wf=crm-onboarding');
  const wf = await call<{ workflow: { enabled: boolean } }>('workflows.get', { id: 'crm-onboarding' });
  expect(wf.workflow.enabled).toBe(true);

  // Two templates start on contact.created: with one installed enabled, the other warns.
  const research = page.getByTestId('template-ai-lead-research');
  await expect(research.getByTestId('template-overlap')).toHaveCount(0);
  const routing = page.getByTestId('template-new-lead-routing');
  await routing.getByRole('button', { name: 'Install', exact: true }).click();
  await expect(routing.getByRole('status')).toHaveText('Installed and enabled; also created the sequence nurture.');
  await expect(research.getByTestId('template-overlap')).toHaveText(
    'Warning: the enabled workflow new-lead-routing starts on the same trigger (on contact.created): with this one enabled too, both run for each one.',
  );
  // Still needing the Anthropic key: Install stays off.
  await expect(research.getByRole('button', { name: 'Install', exact: true })).toBeDisabled();
  await expect(research.getByRole('list', { name: 'What Lead research with Claude needs' }).getByRole('listitem').filter({ hasText: 'Anthropic' })).toHaveAttribute('data-met', 'false');

  // A webhook template needs the secret its workflow's webhook makes: it may be installed turned off first (only that).
  const intake = page.getByTestId('template-webhook-intake');
  await expect(intake.getByRole('button', { name: 'Install', exact: true })).toBeDisabled();
  await expect(onboarding.getByRole('button', { name: 'Install turned off' })).toHaveCount(0);
  await intake.getByRole('button', { name: 'Install turned off' }).click();
  await expect(intake.getByRole('status')).toHaveText('Installed, turned off.');
  expect((await call<{ workflow: { enabled: boolean } }>('workflows.get', { id: 'webhook-intake' })).workflow.enabled).toBe(false);

  await shootSchemes(page, 'gallery', true);

  // Duplicate and edit: the editor on an unsaved copy with the template's steps.
  await onboarding.getByRole('link', { name: 'Duplicate and edit Onboarding after a won deal' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'New workflow: Onboarding after a won deal (copy)' })).toBeVisible();
  await expect(page.getByTestId('editor-state')).toContainText('Not saved yet');
  for (const id of ['welcome', 'kickoff', 'pause', 'tips']) await expect(page.getByTestId(`node-${id}`)).toBeVisible();
  await expect(page.getByTestId('node-trigger')).toContainText('deal.won');
  // Saved, it is a new workflow (crm-onboarding-copy, off) beside the installed one.
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('editor-state')).toContainText('Saved · version 1');
  const copy = await call<{ workflow: { enabled: boolean; name: string } }>('workflows.get', { id: 'crm-onboarding-copy' });
  expect(copy.workflow).toMatchObject({ enabled: false, name: 'Onboarding after a won deal (copy)' });
  expect((await call<{ workflow: { version: number } }>('workflows.get', { id: 'crm-onboarding' })).workflow.version).toBe(1);

  // The gallery's own address, as a link elsewhere gives it.
  await page.goto(`${server.url}#/workflows/templates`);
  await expect(page.getByRole('heading', { level: 1, name: 'Workflow templates' })).toBeVisible();
  await expect(page).toHaveURL(/#\/workflows\?view=templates$/);
  await expect(page.getByTestId('template-crm-onboarding').getByText('Installed', { exact: true })).toBeVisible();
});
