/**
 * Contacts › Segments › Enroll in a sequence… (a server of its own, the real `baton serve`): pick a
 * sequence, the preview says how many will be enrolled and how many are skipped and why
 * (unsubscribed, already enrolled) — the server's own dry run, nothing stored — then confirm: the
 * enrollments read through the API are the segment's contacts minus the skipped ones, and no
 * e-mail was recorded by enrolling.
 */
import { axe } from './axe';
import { expect, openPage, test } from './fixtures';
import { freshServer } from './fresh';

test('a segment is enrolled in a sequence from the window: preview with skip reasons, confirm, nothing sent at once', async ({ page }) => {
  test.setTimeout(120_000);
  const f = await freshServer('segment-enroll');
  try {
    const ids: number[] = [];
    for (const n of ['ann', 'ben', 'cat', 'dan']) ids.push((await f.api('contacts.create', { email: `${n}@enroll.test`, firstName: n, tags: ['beta'] })).id);
    await f.api('contacts.create', { email: 'out@enroll.test', firstName: 'Out' });
    const seg = await f.api('segments.save', { name: 'Beta testers', filter: { conditions: [{ kind: 'tag', op: 'has', tag: 'beta' }] } });
    await f.api('sequences.save', { id: 'welcome', name: 'Welcome', steps: [{ type: 'email', subject: 'Welcome', text: 'Hi {{ contact.first_name }}' }], dailyCap: 40 });
    await f.api('email.suppressions.add', { email: 'ann@enroll.test', reason: 'unsubscribed' });
    await f.api('sequences.enroll', { sequenceId: 'welcome', contactIds: [ids[1]!] });
    const enrolled = async () => (await f.api('sequences.enrollments', { sequenceId: 'welcome' })).enrollments.map((e) => e.contactId).sort((a, b) => a - b);

    await f.open(page);
    await openPage(page, 'Contacts');
    await page.getByRole('tab', { name: 'Segments' }).click();
    const row = page.getByTestId('segment-row').filter({ hasText: 'Beta testers' });
    await row.getByRole('button', { name: /^Enroll in a sequence…/ }).click();
    const panel = page.getByTestId('segment-enroll');
    await expect(panel.getByLabel('Sequence')).toBeFocused();
    await expect(panel.getByRole('button', { name: 'Enroll', exact: true })).toBeDisabled();
    await panel.getByLabel('Sequence').selectOption({ label: 'Welcome' });

    // The preview: 2 of 4 enrolled, 1 unsubscribed, 1 already enrolled; the schedule in words.
    await expect(panel.getByTestId('segment-enroll-summary')).toHaveText('2 contacts of the 4 in the segment will be enrolled in “Welcome”; 2 skipped:');
    const skipped = panel.getByTestId('segment-enroll-skipped');
    await expect(skipped.getByRole('listitem')).toHaveText(['1 already enrolled (active in this sequence)', '1 unsubscribed']);
    await expect(panel).toContainText('Nothing is sent now. The sequence takes them on its schedule: the first e-mail inside its send window, at most 40 e-mails a day.');
    // The preview stored nothing.
    expect(await axe(page, '[data-testid=segment-enroll]')).toEqual([]);
    expect(await enrolled()).toEqual([ids[1]]);

    await panel.getByRole('button', { name: 'Enroll 2 contacts' }).click();
    await expect(page.getByTestId('segment-notice')).toHaveText(
      'Enrolled 2 contacts of “Beta testers” in “Welcome”; 2 skipped. Nothing was sent yet: the sequence takes them on its schedule.',
    );
    await expect(panel).toHaveCount(0);
    expect(await enrolled()).toEqual([ids[1], ids[2], ids[3]]);
    expect((await f.api('email.messages', { limit: 50 })).messages).toEqual([]);

    // Again: nobody left to enroll, the button says so by staying off.
    await row.getByRole('button', { name: /^Enroll in a sequence…/ }).click();
    await panel.getByLabel('Sequence').selectOption({ label: 'Welcome' });
    await expect(panel.getByTestId('segment-enroll-summary')).toHaveText('0 contacts of the 4 in the segment will be enrolled in “Welcome”; 4 skipped:');
    await expect(panel.getByRole('button', { name: 'Enroll 0 contacts' })).toBeDisabled();
    await panel.getByRole('button', { name: 'Cancel' }).click();
    await expect(panel).toHaveCount(0);
    expect(seg.count).toBe(4);
  } finally {
    await f.stop();
  }
});
