import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, openPage, test } from './fixtures';
import { SHOTS } from './shots';


test('a lead-capture form made in Settings takes real posts (its curl command, its HTML form, JSON), tags and sources the contact; bad posts and unknown forms get 4xx; edit and delete', async ({ app, baton, context, page }) => {
  test.setTimeout(90_000);
  const slug = `webinar-${Date.now().toString(36)}`;
  const run = Date.now().toString(36);
  try {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(baton.url).origin });
    await openPage(app, 'Settings');
    const card = app.locator('#settings-forms');
    if ((await baton.api('forms.list', {})).forms.length === 0) await expect(card.getByTestId('no-forms')).toBeVisible();

    await card.getByRole('button', { name: 'New form' }).click();
    const editor = card.getByTestId('form-editor');
    await expect(editor.getByLabel('Name', { exact: true })).toBeFocused();
    // Save at once: the missing slug and name are named, nothing stored.
    await editor.getByRole('button', { name: 'Save form' }).click();
    await expect(editor.getByTestId('form-problems')).toHaveText('Nothing saved yet; fix slug, name.');
    await expect(editor.getByLabel('Slug')).toHaveAttribute('aria-invalid', 'true');
    await editor.getByLabel('Name', { exact: true }).fill('Webinar sign-up');
    await editor.getByLabel('Slug').fill('Webinar!');
    await expect(editor.getByText(/^slug: use lower-case letters, digits and -/)).toBeVisible();
    await editor.getByLabel('Slug').fill(slug);
    await editor.getByLabel('Tags').fill(`webinar, e2e-${run}`);
    await editor.getByLabel('Source').fill('webinar-2026');
    await expect(editor.getByTestId('mapping-row')).toHaveCount(2);
    await editor.getByRole('button', { name: 'Add a field' }).click();
    await expect(editor.getByLabel('Form field 3')).toBeFocused();
    await app.keyboard.type('company');
    await editor.getByLabel('Contact field for company').selectOption('companyName');
    await editor.getByRole('button', { name: 'Add a field' }).click();
    await editor.getByLabel('Form field 4').fill('email');
    await expect(editor.getByText('fields.3.field: "email" is mapped twice')).toBeVisible();
    mkdirSync(SHOTS, { recursive: true });
    await editor.screenshot({ path: join(SHOTS, 'forms-editor-errors.png') });
    await editor.getByLabel('Form field 4').fill('size');
    await editor.getByLabel('Contact field for size').selectOption({ label: 'Custom field…' });
    await editor.getByLabel('Custom field name for size').fill('employees');
    await editor.getByRole('button', { name: 'Save form' }).click();
    await expect(card.getByRole('status').filter({ hasText: 'Saved the form Webinar sign-up.' })).toBeVisible();

    const saved = (await baton.api('forms.list', {})).forms.find((f) => f.slug === slug);
    expect(saved).toEqual({ slug, name: 'Webinar sign-up', fields: { email: 'email', name: 'fullName', company: 'companyName', size: 'custom.employees' }, tags: ['webinar', `e2e-${run}`], source: 'webinar-2026' });
    await expect(card.locator(`[data-testid=form-row][data-form="${slug}"]`)).toContainText('company → companyName');

    // How to use: the full address of this server, copyable.
    const usage = card.getByTestId('form-usage');
    const url = new URL(`hooks/forms/${slug}`, baton.url).href;
    await expect(usage.getByTestId('form-url')).toHaveText(url);
    await usage.getByRole('button', { name: 'Copy address' }).click();
    await expect(usage.getByRole('status')).toHaveText('Copied.');
    expect(await app.evaluate('navigator.clipboard.readText()')).toBe(url);

    // 1. The curl command as shown, run in a shell: the contact exists with the form's tags and source.
    const curl = (await usage.getByTestId('form-curl').textContent()) ?? '';
    const { stdout } = await promisify(execFile)('sh', ['-c', `${curl} -s -w ' %{http_code}'`]);
    expect(stdout).toBe('{"ok":true} 200');
    const ada = (await baton.api('contacts.list', { search: 'ada@example.com', limit: 5 })).rows.find((c) => c.email === 'ada@example.com');
    expect(ada).toBeTruthy();
    const adaFull = await baton.api('contacts.get', { id: ada!.id });
    expect(adaFull.contact.tags).toEqual(expect.arrayContaining(['webinar', `e2e-${run}`]));
    expect(adaFull.contact.custom).toMatchObject({ employees: 'value' });

    // 2. The HTML form as shown, in a page of its own, submitted by the browser (urlencoded, another origin).
    const html = (await usage.getByTestId('form-html').textContent()) ?? '';
    const landing = await context.newPage();
    await landing.setContent(`<!doctype html><title>Landing</title>${html}`);
    await landing.getByLabel('Email').fill(`lena-${run}@webinar.test`);
    await landing.getByLabel('Name').fill('Lena Park');
    await landing.getByLabel('Company').fill('Park GmbH');
    await landing.getByLabel('Size').fill('42');
    const [res] = await Promise.all([landing.waitForResponse((r) => r.url() === url), landing.getByRole('button', { name: 'Send' }).click()]);
    expect(res.status()).toBe(200);
    await landing.close();
    const lenaRow = (await baton.api('contacts.list', { search: `lena-${run}@webinar.test`, limit: 5 })).rows[0]!;
    const lena = (await baton.api('contacts.get', { id: lenaRow.id })).contact;
    expect(lena).toMatchObject({ email: `lena-${run}@webinar.test`, firstName: 'Lena', lastName: 'Park', source: 'webinar-2026' });
    expect(lena.tags).toEqual(expect.arrayContaining(['webinar', `e2e-${run}`]));
    expect(lena.custom).toMatchObject({ employees: '42' });

    // 3. Bad posts: no e-mail is a 400 naming the field, nothing stored; an unknown form is a 404.
    const before = (await baton.api('contacts.list', { limit: 1 })).total;
    const bad = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'No Mail' }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/^email: .*Nothing was stored\./);
    expect((await baton.api('contacts.list', { limit: 1 })).total).toBe(before);
    const unknown = await fetch(new URL(`hooks/forms/${slug}-nope`, baton.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'x@y.test' }) });
    expect(unknown.status).toBe(404);

    // Edit: another tag; the next post carries it.
    await card.getByRole('button', { name: 'Edit Webinar sign-up' }).click();
    await expect(editor.getByLabel('Slug')).toHaveAttribute('readonly', '');
    await editor.getByLabel('Tags').fill(`webinar, e2e-${run}, hot`);
    await editor.getByRole('button', { name: 'Save form' }).click();
    await expect(card.getByRole('status').filter({ hasText: 'Saved the form' })).toBeVisible();
    expect((await baton.api('forms.list', {})).forms.find((f) => f.slug === slug)?.tags).toEqual(['webinar', `e2e-${run}`, 'hot']);

    // A thank-you page: the browser that posts the HTML form lands on it (303 from Baton).
    const thanks = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>Thanks</title><h1>Thank you for signing up</h1><p>${req.url}</p>`);
    });
    await new Promise<void>((r) => thanks.listen(0, '127.0.0.1', r));
    try {
      const thanksUrl = `http://127.0.0.1:${(thanks.address() as AddressInfo).port}/thanks`;
      await card.getByRole('button', { name: 'Edit Webinar sign-up' }).click();
      await editor.getByLabel('Thank-you page').fill('javascript:alert(1)');
      await editor.getByRole('button', { name: 'Save form' }).click();
      await expect(editor.getByText(/use an http\(s\) URL/)).toBeVisible();
      await editor.getByLabel('Thank-you page').fill(thanksUrl);
      await editor.getByRole('button', { name: 'Save form' }).click();
      await expect(card.getByRole('status').filter({ hasText: 'Saved the form' })).toBeVisible();
      expect((await baton.api('forms.list', {})).forms.find((f) => f.slug === slug)?.redirect).toBe(thanksUrl);
      const landing2 = await context.newPage();
      await landing2.setContent(`<!doctype html><title>Landing</title>${html}`);
      await landing2.getByLabel('Email').fill(`mo-${run}@webinar.test`);
      await landing2.getByLabel('Name').fill('Mo Chen');
      await Promise.all([landing2.waitForURL(thanksUrl), landing2.getByRole('button', { name: 'Send' }).click()]);
      await expect(landing2.getByRole('heading', { name: 'Thank you for signing up' })).toBeVisible();
      await landing2.close();
      expect((await baton.api('contacts.list', { search: `mo-${run}@webinar.test`, limit: 5 })).rows[0]).toMatchObject({ firstName: 'Mo', lastName: 'Chen' });
    } finally {
      thanks.close();
    }

    mkdirSync(SHOTS, { recursive: true });
    await page.setViewportSize({ width: 1280, height: 1400 });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await card.screenshot({ path: join(SHOTS, `forms-usage-${scheme}.png`) });
    }
    await card.getByRole('button', { name: 'Edit Webinar sign-up' }).click();
    await card.screenshot({ path: join(SHOTS, `forms-editor-dark.png`) });
    await editor.getByRole('button', { name: 'Cancel' }).click();
    await page.emulateMedia({ colorScheme: 'light' });

    // Delete asks first; Cancel keeps it; Delete removes it and its address answers 404.
    const row = card.locator(`[data-testid=form-row][data-form="${slug}"]`);
    await row.getByRole('button', { name: 'Delete Webinar sign-up' }).click();
    await expect(row).toContainText('Delete “Webinar sign-up”? Posts to it will fail.');
    await row.getByRole('button', { name: 'Cancel' }).click();
    expect((await baton.api('forms.list', {})).forms.some((f) => f.slug === slug)).toBe(true);
    await row.getByRole('button', { name: 'Delete Webinar sign-up' }).click();
    await row.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect(row).toHaveCount(0);
    await expect(card.getByRole('status')).toContainText(`Deleted the form ${slug}`);
    expect((await baton.api('forms.list', {})).forms.some((f) => f.slug === slug)).toBe(false);
    const gone = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'late@webinar.test' }) });
    expect(gone.status).toBe(404);
  } finally {
    await baton.api('forms.delete', { slug }).catch(() => {});
  }
});

test('the configuration editors say what failed to load, with a Retry that recovers', async ({ app, baton }) => {
  const fail = (route: import('@playwright/test').Route) =>
    route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'unavailable', message: 'Simulated outage.' } }) });
  await app.route('**/api/v1/forms.list', fail);
  await app.route('**/api/v1/escalationRules.get', fail);
  await openPage(app, 'Settings');
  const forms = app.locator('#settings-forms');
  const rules = app.locator('#settings-escalations');
  await expect(forms.getByRole('alert')).toContainText('Could not load the formsSimulated outage.');
  await expect(rules.getByRole('alert')).toContainText('Could not load the escalation rulesSimulated outage.');
  await app.unroute('**/api/v1/forms.list', fail);
  await app.unroute('**/api/v1/escalationRules.get', fail);
  await forms.getByRole('button', { name: 'Retry' }).click();
  await rules.getByRole('button', { name: 'Retry' }).click();
  const n = (await baton.api('escalationRules.get', {})).rules.length;
  await expect(rules.getByTestId('rule-row')).toHaveCount(n);
  const f = (await baton.api('forms.list', {})).forms.length;
  if (f === 0) await expect(forms.getByTestId('no-forms')).toBeVisible();
  else await expect(forms.getByTestId('form-row')).toHaveCount(f);

  await openPage(app, 'Pipeline');
  await app.route('**/api/v1/pipeline.get', fail);
  await app.getByRole('button', { name: 'Configure stages' }).click();
  const cfg = app.locator('#pipeline-config');
  await expect(cfg.getByRole('alert')).toContainText('Could not load the pipeline configuration');
  await app.unroute('**/api/v1/pipeline.get', fail);
  await cfg.getByRole('button', { name: 'Retry' }).click();
  await expect(cfg.getByTestId('stage-row')).toHaveCount((await baton.api('pipeline.get', {})).stages.length);
  await expect(app.getByRole('button', { name: 'Hide stage settings' })).toHaveAttribute('aria-expanded', 'true');
});
