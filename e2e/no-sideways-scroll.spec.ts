/**
 * Small screens: at 390 px no page scrolls sideways. One walk through the navigation a phone
 * has (the bottom tab bar and its More menu, so every page in the navigation is reached, new
 * ones included), then the pages and views reached by address only (Setup, Escalations, the
 * template gallery, the Contacts views, a contact, a workflow and its editor, a run, a
 * sequence, a deal, a document, each Settings section), with demo data so lists are full.
 * On each: the page is no wider than the window; a failure names the widest elements that
 * stick out (wide content must wrap, stack, or scroll inside its own box).
 */
import type { Page } from '@playwright/test';
import { PAGES } from '../renderer/src/api/nav';
import { ensureDemo } from './demo';
import { expect, test } from './fixtures';

test.beforeAll(async () => {
  await ensureDemo(500);
});

const WIDTH = 390;

/** The browser globals read here (the e2e code is typed without the DOM library). */
interface El {
  tagName: string;
  id: string;
  className: unknown;
  parentElement: El | null;
  getBoundingClientRect(): { right: number; width: number };
}
type Win = {
  innerWidth: number;
  document: { scrollingElement: { scrollWidth: number }; querySelectorAll(s: string): Iterable<El> };
  getComputedStyle(e: El): { overflowX: string; position: string };
};

/**
 * The page's width against the window's, and the elements that make it wider: of those reaching past
 * the window (outside any box that scrolls sideways), the ones whose removal makes the page narrower.
 */
async function sideways(page: Page): Promise<{ scrollWidth: number; innerWidth: number; offenders: string[] }> {
  return page.evaluate(() => {
    const w = globalThis as unknown as Win;
    const doc = w.document.scrollingElement;
    const name = (e: El) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${typeof e.className === 'string' && e.className ? `.${e.className.trim().split(/\s+/).slice(0, 2).join('.')}` : ''}`;
    const inScroller = (e: El) => {
      for (let p = e.parentElement; p; p = p.parentElement) if (['auto', 'scroll'].includes(w.getComputedStyle(p).overflowX)) return true;
      return false;
    };
    const scrollWidth = doc.scrollWidth;
    if (scrollWidth <= w.innerWidth) return { scrollWidth, innerWidth: w.innerWidth, offenders: [] };
    const wide: { e: El; right: number }[] = [];
    for (const e of w.document.querySelectorAll('body *')) {
      const r = e.getBoundingClientRect();
      if (r.right > w.innerWidth + 1) wide.push({ e, right: Math.round(r.right) });
    }
    wide.sort((a, b) => b.right - a.right);
    const offenders: string[] = [];
    // Outside the boxes that scroll sideways first; then any (an absolutely placed element escapes its scroller).
    wide.sort((a, b) => Number(inScroller(a.e)) - Number(inScroller(b.e)));
    for (const { e, right } of wide.slice(0, 120)) {
      const el = e as unknown as { style: { display: string } };
      const was = el.style.display;
      el.style.display = 'none';
      const narrower = doc.scrollWidth < scrollWidth;
      el.style.display = was;
      if (narrower) offenders.push(`${name(e)} to ${right} px`);
      if (offenders.length === 4) break;
    }
    return { scrollWidth, innerWidth: w.innerWidth, offenders };
  });
}

async function settle(page: Page, heading: string | RegExp): Promise<void> {
  await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
  await expect(page.locator('[aria-busy="true"], .loading')).toHaveCount(0);
}

test('at 390 px no page scrolls sideways: every page of the navigation and the views reached by address', async ({ app, baton }) => {
  test.setTimeout(300_000);
  await app.setViewportSize({ width: WIDTH, height: 844 });
  const found: string[] = [];
  const check = async (what: string) => {
    const s = await sideways(app);
    if (s.scrollWidth > s.innerWidth) found.push(`${what}: ${s.scrollWidth} px wide in a ${s.innerWidth} px window (${s.offenders.join(', ') || 'no single element'})`);
  };

  // The walk: the tab bar's pages, then each page of its More menu.
  const tabs = app.getByRole('navigation', { name: 'Tabs' });
  await expect(tabs).toBeVisible();
  const shown = PAGES.filter((p) => !('hidden' in p));
  for (const p of shown) {
    const direct = tabs.getByRole('link', { name: new RegExp(`^${p.label}\\b`) });
    if (!(await direct.count())) {
      await tabs.getByRole('button', { name: 'More' }).click();
      await tabs.getByRole('list', { name: 'More pages' }).getByRole('link', { name: p.label, exact: true }).click();
    } else await direct.first().click();
    await expect(app).toHaveURL(new RegExp(`#/${p.id}`));
    await settle(app, p.label);
    await check(`${p.label} (#/${p.id})`);
  }

  // Views with an address of their own.
  const contact = (await baton.api('contacts.list', { limit: 1 })).rows[0] as { id: number } | undefined;
  const wf = (await baton.api('workflows.list', {})).workflows[0];
  const run = (await baton.api('runs.list', { limit: 1 })).runs[0];
  const seq = (await baton.api('sequences.list', {})).sequences[0];
  const deal = (await baton.api('deals.list', { limit: 1 })).rows[0];
  const views: string[] = [
    'setup',
    'escalations',
    'workflows/templates',
    'contacts?view=companies',
    'contacts?view=segments',
    'contacts?view=scoring',
    'documents?path=brand/positioning.md',
    ...(contact ? [`contacts?id=${contact.id}`] : []),
    ...(wf ? [`workflows?wf=${encodeURIComponent(wf.id)}`, `workflows?wf=${encodeURIComponent(wf.id)}&edit=1`] : []),
    ...(run ? [`runs?run=${run.id}`] : []),
    ...(seq ? [`sequences?id=${encodeURIComponent(seq.id)}`] : []),
    ...(deal ? [`pipeline?deal=${deal.id}`] : []),
  ];
  for (const hash of views) {
    await app.goto(`${app.url().split('#')[0]}#/${hash}`);
    // Whatever the view's title (a workflow's name, "Workflow templates" …): its heading, then its data.
    await settle(app, /\S/);
    await check(`#/${hash}`);
  }
  // Each Settings section, scrolled to.
  for (const section of ['system', 'connections', 'general', 'email', 'ai', 'wordpress', 'notifications', 'escalations', 'server', 'engine', 'tracking', 'forms', 'webhooks', 'secrets', 'backups']) {
    await app.goto(`${app.url().split('#')[0]}#/settings/${section}`);
    await settle(app, 'Settings');
    await check(`#/settings/${section}`);
  }
  expect(found).toEqual([]);
});
