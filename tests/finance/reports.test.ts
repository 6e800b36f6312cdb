/**
 * Client reports through the real core: a definition per client, metrics
 * imported from CSV (bad rows by line, a value imported again replaces the
 * old one), and the PDF rendered by pdfkit into the data folder, read back
 * with poppler's pdftotext for the text it must carry (brand, client, period,
 * figures from the CRM and billing, "No data for this period" for a section
 * without data).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { billingRig, type BillingRig } from '../billing/rig';
import { tempDir } from '../helpers';

let rig: BillingRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

function pdfText(pdf: Buffer): string {
  const t = tempDir('baton-pdf-');
  try {
    const f = join(t.dir, 'r.pdf');
    writeFileSync(f, pdf);
    return execFileSync('pdftotext', ['-layout', f, '-'], { encoding: 'utf8' });
  } finally {
    t.cleanup();
  }
}

/** Page 1 as pixels (pdftoppm, PPM at 40 dpi): how many pixels have exactly this colour. */
function pixelsOf(pdf: Buffer, hex: string): number {
  const t = tempDir('baton-ppm-');
  try {
    const f = join(t.dir, 'r.pdf');
    writeFileSync(f, pdf);
    const ppm = execFileSync('pdftoppm', ['-r', '40', '-f', '1', '-l', '1', f]);
    // P6 <w> <h> <max> then RGB bytes.
    const m = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(ppm.subarray(0, 50).toString('latin1'))!;
    const data = ppm.subarray(m[0].length);
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    let n = 0;
    for (let i = 0; i + 2 < data.length; i += 3) if (Math.abs(data[i]! - r!) < 3 && Math.abs(data[i + 1]! - g!) < 3 && Math.abs(data[i + 2]! - b!) < 3) n++;
    return n;
  } finally {
    t.cleanup();
  }
}

describe('client reports', () => {
  it('renders a client report to PDF with figures from Baton and imported metrics, and says which sections had no data', async () => {
    rig = await billingRig({ start: Date.parse('2026-04-06T10:00:00Z'), settings: { 'brand.name': 'Solo Studio', 'brand.color': '#0f766e' } });
    const { core, stripe: s } = rig;
    // The client: a company with two contacts created in March, one paying through Stripe.
    s.clock.now = Math.floor(Date.parse('2026-03-12T12:00:00Z') / 1000);
    const cu = s.customer({ email: 'ada@acme.test', name: 'Ada Lovelace' });
    s.charge({ customer: cu.id, amount: 125000, currency: 'usd' });
    await core.call('billing.reconcile', {});
    const ada = (await core.call('contacts.list', { search: 'ada@acme.test' })).rows[0]!;
    const client = `company:${ada.companyId}`;
    const bob = await core.call('contacts.create', { email: 'bob@acme.test', firstName: 'Bob', companyDomain: 'acme.test' });
    expect(bob.companyId).toBe(ada.companyId);
    // The CRM stamps contacts with the wall clock: date them in March as an import of old contacts would.
    core.db.prepare(`UPDATE contacts SET created_at = ? WHERE id = ?`).run('2026-03-03T09:00:00.000Z', ada.id);
    core.db.prepare(`UPDATE contacts SET created_at = ? WHERE id = ?`).run('2026-03-20T09:00:00.000Z', bob.id);

    // Unknown client, no definition: clear errors.
    await expect(core.call('reports.definitions.set', { client: 'company:999' })).rejects.toThrow(/there is no company 999/);
    await expect(core.call('reports.render', { client })).rejects.toThrow(/has no report definition/);

    const def = await core.call('reports.definitions.set', {
      client,
      title: 'Acme: March report',
      sections: [
        { kind: 'summary' },
        { kind: 'leads' },
        { kind: 'billing' },
        { kind: 'metrics', title: 'Website', metrics: ['Sessions', 'Signups'], source: 'Analytics', chart: 'line' },
        { kind: 'email' },
        { kind: 'text', title: 'Next steps', text: 'We launch the spring campaign on April 14.' },
      ],
    });
    expect(def).toMatchObject({ client, sendsTo: 'ada@acme.test', enabled: true, lastRender: null });

    const imp = await core.call('reports.metrics.import', {
      client,
      source: 'Analytics',
      csv: 'Date,Sessions,Signups\n2026-03-01,120,4\n2026-03-08,150,6\nbad,1,1\n2026-03-15,abc,2\n2026-03-22,180,9\n',
    });
    expect(imp).toMatchObject({ rows: 5, values: 6, metrics: ['Sessions', 'Signups'], invalidCount: 2 });
    expect(imp.invalid.map((e) => e.line)).toEqual([4, 5]);
    // The same day again replaces the value.
    await core.call('reports.metrics.import', { client, source: 'Analytics', csv: 'Date,Sessions\n2026-03-22,200\n' });
    expect((await core.call('reports.metrics.list', { client })).metrics).toEqual([
      { metric: 'Sessions', source: 'Analytics', first: '2026-03-01', last: '2026-03-22', values: 3 },
      { metric: 'Signups', source: 'Analytics', first: '2026-03-01', last: '2026-03-22', values: 3 },
    ]);

    // Default period: last month (the engine clock is in April).
    const r = await core.call('reports.render', { client });
    expect(r).toMatchObject({ client, title: 'Acme: March report', period: { from: '2026-03-01', to: '2026-03-31' }, recipient: 'ada@acme.test', missing: ['E-mail'] });
    expect(r.path).toMatch(/^reports\/2026-03\/.+\.pdf$/);
    const onDisk = readFileSync(join(core.dataDir, ...r.path.split('/')));
    expect(onDisk.subarray(0, 5).toString()).toBe('%PDF-');
    expect(onDisk.length).toBe(r.bytes);

    const file = await core.call('reports.file', { renderId: r.renderId });
    expect(Buffer.from(file.base64, 'base64').equals(onDisk)).toBe(true);
    const text = pdfText(onDisk).replace(/[ \t]+/g, ' ');
    expect(text).toContain('Solo Studio');
    expect(text).toContain('Acme: March report');
    expect(text).toContain('2026-03-01 to 2026-03-31');
    // Leads: both contacts came in March; the payment of 1,250 USD; the metrics' totals; the summary's headlines.
    expect(text).toMatch(/New contacts 2/);
    expect(text).toMatch(/New contacts 2 \(previous 0\)/);
    expect(text).toMatch(/Paid \(USD\) 1,250/);
    expect(text).toMatch(/Sessions 470 \(previous period 0\)/); // 120 + 150 + 200 (the 22nd imported again; the bad row of the 15th left out)
    expect(text).toMatch(/Signups 19/);
    expect(text).toContain('We launch the spring campaign on April 14.');
    // The e-mail section had no data: it says so, and the PDF is whole.
    expect(text).toMatch(/E-mail\s+No data for this period\./);
    expect(text).toMatch(/page 1 of \d/);
    // The page count recorded is the file's (pdfinfo), and every page carries its own footer: no blank page added for a footer.
    const info = tempDir('baton-pdfinfo-');
    try {
      writeFileSync(join(info.dir, 'r.pdf'), onDisk);
      expect(Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [join(info.dir, 'r.pdf')], { encoding: 'utf8' }))![1])).toBe(r.pages);
    } finally {
      info.cleanup();
    }
    expect(text.match(/page \d+ of (\d+)/g)).toHaveLength(r.pages);
    expect(text).toContain(`page ${r.pages} of ${r.pages}`);
    // Looked at as an image: the brand colour's band and bars are on page 1 (and no default blue).
    expect(pixelsOf(onDisk, '#0f766e')).toBeGreaterThan(200);
    expect(pixelsOf(onDisk, '#1d4ed8')).toBe(0);

    const listed = await core.call('reports.renders.list', { client });
    expect(listed.renders.map((x) => x.renderId)).toEqual([r.renderId]);
    expect((await core.call('reports.definitions.list', {})).definitions[0]!.lastRender).toMatchObject({ id: r.renderId, periodFrom: '2026-03-01' });
  });
});
