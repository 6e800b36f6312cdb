import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, openPage, test } from './fixtures';
import { SHOTS } from './shots';

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** Everything the page asks the network for, to prove a document loads nothing. */
function watchRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (r) => seen.push(r.url()));
  return seen;
}

test('a brand document is created through the UI, a bad path is refused as you type, and an edit is saved', async ({ app, baton }) => {
  const u = unique();
  const path = `brand/voice-and-tone-${u}.md`;
  await openPage(app, 'Documents');
  await app.getByRole('button', { name: 'New brand document' }).click();
  const form = app.getByTestId('new-doc');
  const pathInput = form.getByLabel('Path');
  await expect(pathInput).toBeFocused();
  // The usual documents are offered while they do not exist.
  await expect(form.getByRole('button', { name: 'brand/positioning.md' })).toBeVisible();

  // A bad path: the contract's rule is shown at once, and Create saves nothing.
  await pathInput.fill(`brand/../voice ${u}.md`);
  await expect(form.getByTestId('path-error')).toContainText('use a relative path like brand/positioning.md');
  await expect(pathInput).toHaveAttribute('aria-invalid', 'true');
  await form.getByRole('button', { name: 'Create' }).click();
  await expect(form.getByRole('button', { name: 'Create' })).toBeDisabled();
  // Outside brand/ is a valid workspace path, but not a brand document.
  await pathInput.fill(`notes-${u}.md`);
  await expect(form.getByTestId('path-error')).toContainText('a brand document is brand/<name>.md');
  const after = await baton.api('docs.list', {});
  expect(after.docs.filter((d) => d.path.includes(u))).toEqual([]);

  // A good one: the heading is suggested from the name and previewed.
  await pathInput.fill(path);
  await expect(form.getByTestId('path-error')).toHaveCount(0);
  await expect(form.getByTestId('doc-preview')).toContainText(`Voice and tone ${u}`);
  await form.getByLabel('Markdown').fill(`# Voice and tone\n\nWe are **plain-spoken** and warm.\n\n- short sentences\n- no jargon\n`);
  await expect(form.getByTestId('doc-preview').locator('strong')).toHaveText('plain-spoken');
  // Looking elsewhere keeps what was typed.
  await openPage(app, 'Settings');
  await app.goBack();
  await expect(form.getByLabel('Markdown')).toHaveValue(/plain-spoken/);
  await expect(form.getByLabel('Path')).toHaveValue(path);
  await form.getByRole('button', { name: 'Create' }).click();

  const view = app.getByTestId('doc-view');
  await expect(view.getByRole('heading', { name: path })).toBeVisible();
  await expect(view.getByTestId('doc-body').locator('strong')).toHaveText('plain-spoken');
  expect(decodeURIComponent(new URL(app.url()).hash)).toBe(`#/documents?path=${path}`);
  const brandList = app.getByRole('list', { name: 'Brand documents' });
  await expect(brandList.locator(`[data-path="${path}"]`)).toHaveAttribute('aria-current', 'true');
  expect((await baton.api('docs.get', { path })).content).toContain('We are **plain-spoken** and warm.');

  // Edit: the preview follows, Cancel with changes asks first, Save writes the file.
  await view.getByRole('button', { name: 'Edit' }).click();
  const editor = view.getByLabel('Markdown');
  await expect(editor).toBeFocused();
  await editor.fill('# Voice and tone\n\nWe are **direct**, kind and specific.\n');
  await expect(view.getByTestId('doc-preview').locator('strong')).toHaveText('direct');
  await view.getByRole('button', { name: 'Cancel' }).click();
  await expect(view.getByText(`Discard your changes to ${path}?`)).toBeVisible();
  await view.getByRole('button', { name: 'Keep editing' }).click();
  await expect(editor).toHaveValue(/\*\*direct\*\*/);

  // Leaving the document keeps the draft; it is marked in the list and offered again.
  await openPage(app, 'Settings');
  await app.goBack();
  await expect(app.getByRole('heading', { level: 1, name: 'Documents' })).toBeVisible();
  await expect(brandList.locator(`[data-path="${path}"]`)).toContainText('unsaved changes');
  await expect(app.getByTestId('doc-view').getByLabel('Markdown')).toHaveValue(/\*\*direct\*\*/);
  expect((await baton.api('docs.get', { path })).content).toContain('plain-spoken');
  // Someone else saves meanwhile: the editor says so before Save replaces it.
  await baton.api('docs.put', { path, content: '# Voice and tone\n\nAn edit from elsewhere.\n' });
  await expect(app.getByTestId('doc-view').getByRole('alert')).toContainText(`${path} changed since you started editing`);

  await app.getByTestId('doc-view').getByRole('button', { name: 'Save' }).click();
  await expect(app.getByTestId('doc-view').getByRole('status')).toHaveText(`Saved to workspace/${path}.`);
  await expect(app.getByTestId('doc-body').locator('strong')).toHaveText('direct');
  await expect(brandList.locator(`[data-path="${path}"]`)).not.toContainText('unsaved changes');
  expect((await baton.api('docs.get', { path })).content).toBe('# Voice and tone\n\nWe are **direct**, kind and specific.\n');

  // A change made elsewhere shows up live.
  await baton.api('docs.put', { path, content: '# Voice and tone\n\nChanged in **another window**.\n' });
  await expect(app.getByTestId('doc-body').locator('strong')).toHaveText('another window');

  // Keyboard: Edit, type, Ctrl+S saves.
  await app.getByTestId('doc-view').getByRole('button', { name: 'Edit' }).focus();
  await app.keyboard.press('Enter');
  await expect(app.getByTestId('doc-view').getByLabel('Markdown')).toBeFocused();
  await app.keyboard.press('Control+End');
  await app.keyboard.type('\nSaved from the keyboard.');
  await app.keyboard.press('Control+s');
  await expect(app.getByTestId('doc-view').getByRole('status')).toHaveText(`Saved to workspace/${path}.`);
  await expect(app.getByTestId('doc-view').getByRole('button', { name: 'Edit' })).toBeFocused();
  expect((await baton.api('docs.get', { path })).content).toMatch(/another window\*\*\.\n\nSaved from the keyboard\.$/);
});

test('a failed load shows what failed and a Retry that recovers; an unknown path says so', async ({ app }) => {
  let fail = true;
  await app.route('**/api/v1/docs.list', (route) =>
    fail ? route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { code: 'internal', message: 'Simulated failure for the test.' } }) }) : route.continue(),
  );
  await openPage(app, 'Documents');
  const panel = app.getByRole('alert').filter({ hasText: 'Could not load the documents' });
  await expect(panel).toContainText('Simulated failure for the test.');
  fail = false;
  await panel.getByRole('button', { name: 'Retry' }).click();
  await expect(panel).toHaveCount(0);
  await expect(app.getByRole('heading', { name: /^Brand documents/ })).toBeVisible();
  await app.evaluate(() => (globalThis as unknown as { location: { hash: string } }).location.hash = '#/documents?path=brand/missing-nothing.md');
  await expect(app.getByText('No document brand/missing-nothing.md')).toBeVisible();
  await app.getByRole('button', { name: 'Back to the list' }).click();
  await expect(app.getByText('Select a document')).toBeVisible();
});

test('a deliverable put through the API appears under Deliverables, rendered and read-only', async ({ app, baton }) => {
  const u = unique();
  await openPage(app, 'Documents');
  const path = `deliverables/seo-quick-wins-${u}.v1.md`;
  await baton.api('docs.put', { path, content: `# SEO quick wins ${u}\n\n| keyword | action |\n|---|---|\n| crm for freelancers | add an FAQ |\n\n1. Fix the **title tags**\n` });
  const list = app.getByRole('list', { name: 'Deliverables' });
  const item = list.locator(`[data-path="${path}"]`);
  await expect(item).toBeVisible(); // live, through docs.changed
  await expect(item).toContainText('v1');
  await item.click();
  const view = app.getByTestId('doc-view');
  await expect(view.getByRole('heading', { name: path })).toBeVisible();
  await expect(view.getByTestId('doc-body').getByText(`SEO quick wins ${u}`)).toBeVisible();
  await expect(view.getByTestId('doc-body').locator('table td').first()).toHaveText('crm for freelancers');
  await expect(view.getByTestId('doc-body').locator('strong')).toHaveText('title tags');
  await expect(view.getByText('Read-only: deliverables are versioned')).toBeVisible();
  await expect(view.getByRole('button', { name: 'Edit' })).toHaveCount(0);
  // And the API refuses to overwrite it.
  await expect(baton.api('docs.put', { path, content: 'x' })).rejects.toThrow(/409.*never overwritten/);

  // A deep link opens it after a reload.
  await app.reload();
  await expect(app.getByTestId('doc-view').getByRole('heading', { name: path })).toBeVisible();
});

test('a document with <script> and a remote <img> renders no script and loads nothing, in the view and in the editor preview', async ({ app, baton }) => {
  const u = unique();
  const hostile = `# Hostile ${u}\n\n<script>window.__pwned = 1</script>\n\nText before <img src="http://127.0.0.1:1/x" alt="tracker"> and after.\n\n<img src=x onerror="window.__pwned = 2">\n\n[click](javascript:window.__pwned=3)\n`;
  const seen = watchRequests(app);
  const bad = `deliverables/hostile-${u}.v1.md`;
  await baton.api('docs.put', { path: bad, content: hostile });
  await app.goto(`${baton.url}#/documents?path=${encodeURIComponent(bad)}`);
  const body = app.getByTestId('doc-body');
  await expect(body.getByText(`Hostile ${u}`)).toBeVisible();
  await expect(body).toContainText('[image: tracker]');
  await expect(app.locator('main script')).toHaveCount(0);
  await expect(app.locator('main img')).toHaveCount(0);
  await expect(body.locator('a')).toHaveCount(0);

  // The same Markdown typed into a brand document's editor.
  const brand = `brand/hostile-${u}.md`;
  await baton.api('docs.put', { path: brand, content: '# Safe\n' });
  await app.goto(`${baton.url}#/documents?path=${encodeURIComponent(brand)}`);
  await app.getByTestId('doc-view').getByRole('button', { name: 'Edit' }).click();
  await app.getByTestId('doc-view').getByLabel('Markdown').fill(hostile);
  await expect(app.getByTestId('doc-preview')).toContainText('[image: tracker]');
  await expect(app.locator('main script')).toHaveCount(0);
  await expect(app.locator('main img')).toHaveCount(0);
  await app.getByTestId('doc-view').getByRole('button', { name: 'Save' }).click();
  await expect(app.getByTestId('doc-body')).toContainText('[image: tracker]');
  // A window for a script that should never run (an absence has no state to wait for): a second, not 300 ms.
  await app.waitForTimeout(1_000);
  expect(await app.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(seen.filter((url) => url.includes('127.0.0.1:1/') || url.endsWith('/x'))).toEqual([]);
});

test('screenshots: documents, light and dark', async ({ app, baton }) => {
  const u = unique();
  await baton.api('docs.put', {
    path: 'brand/positioning.md',
    content:
      '# Positioning\n\n**For** solo consultants who sell to small B2B teams, **Baton** is the command center that runs their marketing and sales follow-up, **unlike** a stack of SaaS tools it keeps every file and decision on their own machine.\n\n## Category\n\nLocal-first business automation.\n\n## Proof points\n\n- One person runs campaigns that used to need an agency\n- Every AI draft is reviewed before it leaves\n- Plain files: brand documents and deliverables are Markdown\n\n> Own your pipeline, not a subscription to it.\n',
  });
  await baton.api('docs.put', { path: 'brand/messaging.md', content: '# Messaging\n\n## Headline\n\nYour business, on autopilot — with you at the controls.\n\n## Pillars\n\n1. **Local first**: your data stays yours\n2. **Reviewed AI**: nothing is sent without you\n3. **Calm**: one inbox for what needs you\n' });
  await baton.api('docs.put', { path: `deliverables/linkedin-post-${u}.v1.md`, content: '# LinkedIn post\n\nThree things I learned running a one-person agency…\n' });
  await baton.api('docs.put', { path: `deliverables/linkedin-post-${u}.v2.md`, content: '# LinkedIn post\n\nThree lessons from a year of running a one-person agency…\n' });
  mkdirSync(SHOTS, { recursive: true });
  await openPage(app, 'Documents');
  await app.getByRole('list', { name: 'Brand documents' }).locator('[data-path="brand/positioning.md"]').click();
  await expect(app.getByTestId('doc-body').getByText('Proof points')).toBeVisible();
  for (const scheme of ['light', 'dark'] as const) {
    await app.emulateMedia({ colorScheme: scheme });
    await app.screenshot({ path: join(SHOTS, `documents-view-${scheme}.png`) });
  }
  await app.getByTestId('doc-view').getByRole('button', { name: 'Edit' }).click();
  await app.getByTestId('doc-view').getByLabel('Markdown').press('Control+End');
  await app.keyboard.type('\n## Draft\n\nA sentence being written');
  for (const scheme of ['light', 'dark'] as const) {
    await app.emulateMedia({ colorScheme: scheme });
    await app.screenshot({ path: join(SHOTS, `documents-edit-${scheme}.png`) });
  }
  await app.getByTestId('doc-view').getByRole('button', { name: 'Cancel' }).click();
  await app.getByRole('button', { name: 'Discard changes' }).click();
  await app.getByRole('button', { name: 'New brand document' }).click();
  await app.getByTestId('new-doc').getByLabel('Path').fill('brand/voice and tone.md');
  await expect(app.getByTestId('path-error')).toBeVisible();
  for (const scheme of ['light', 'dark'] as const) {
    await app.emulateMedia({ colorScheme: scheme });
    await app.screenshot({ path: join(SHOTS, `documents-new-${scheme}.png`) });
  }
  await app.emulateMedia({ colorScheme: 'light' });
  await app.setViewportSize({ width: 420, height: 860 });
  await app.getByRole('button', { name: 'Cancel' }).click();
  await app.getByRole('list', { name: 'Deliverables' }).locator(`[data-path="deliverables/linkedin-post-${u}.v2.md"]`).click();
  await expect(app.getByTestId('doc-body').getByText('Three lessons')).toBeVisible();
  await app.screenshot({ path: join(SHOTS, 'documents-narrow-light.png') });
});
