/** The Finance page's pure helpers (the month range, the column-mapping step) and the inbox's PDF detection. */
import { describe, expect, it } from 'vitest';
import { FinanceMapping } from '../shared/api';
import { csvPreview, defaultRange, EMPTY_FORM, formOf, mappingOf, rangeFrom } from '../renderer/src/pages/finance/model';
import { pdfOf } from '../renderer/src/pages/approvals/pdf/model';

describe('the Finance page range', () => {
  it('defaults to the last 12 months and takes a valid range from the address only', () => {
    const now = new Date('2026-03-15T12:00:00Z');
    expect(defaultRange(now)).toEqual({ from: '2025-04', to: '2026-03' });
    expect(rangeFrom({ from: '2024-01', to: '2024-12' }, now)).toEqual({ from: '2024-01', to: '2024-12' });
    expect(rangeFrom({ from: '2024-13', to: 'x' }, now)).toEqual({ from: '2025-04', to: '2026-03' });
    // from after to: the default, not an empty P&L.
    expect(rangeFrom({ from: '2026-05', to: '2026-01' }, now)).toEqual({ from: '2025-04', to: '2026-03' });
  });
});

describe('the column mapping step', () => {
  it('reads the header and first rows as the import does (BOM, quotes, semicolons, blank lines)', () => {
    const csv = '\uFEFFBuchungstag;Empfänger;"Betrag"\n\n03.03.2026;"Müller; GmbH";-1,50\n04.03.2026;Acme;2,00\n05.03.2026;X;1\n06.03.2026;Y;1\n';
    expect(csvPreview(csv)).toEqual({
      header: ['Buchungstag', 'Empfänger', 'Betrag'],
      rows: [
        ['03.03.2026', 'Müller; GmbH', '-1,50'],
        ['04.03.2026', 'Acme', '2,00'],
        ['05.03.2026', 'X', '1'],
      ],
    });
  });

  it('names each missing column, and builds a mapping the contract accepts', () => {
    const missing = mappingOf(EMPTY_FORM);
    expect('missing' in missing && missing.missing.map((m) => m.field)).toEqual(['date', 'description', 'amount']);
    expect('missing' in mappingOf({ ...EMPTY_FORM, date: 'D', description: 'T', amountMode: 'split' }) ? 'missing' : 'ok').toBe('missing');

    const signed = mappingOf({ ...EMPTY_FORM, date: 'When', amount: 'Sum', description: 'Who', description2: 'Ref', debit: 'ignored' });
    expect(signed).toEqual({ mapping: { date: 'When', amount: 'Sum', description: ['Who', 'Ref'], dateFormat: 'auto', decimal: 'auto', negate: false } });
    expect(FinanceMapping.safeParse('mapping' in signed ? signed.mapping : null).success).toBe(true);

    const split = mappingOf({ ...EMPTY_FORM, amountMode: 'split', date: 'Datum', debit: 'Soll', credit: 'Haben', description: 'Text', decimal: ',', dateFormat: 'DD.MM.YYYY', account: 'Konto' });
    expect(split).toEqual({ mapping: { date: 'Datum', debit: 'Soll', credit: 'Haben', description: 'Text', account: 'Konto', dateFormat: 'DD.MM.YYYY', decimal: ',', negate: false } });
    expect(FinanceMapping.safeParse('mapping' in split ? split.mapping : null).success).toBe(true);
  });

  it('shows a remembered mapping in the form, dropping columns this file does not have', () => {
    const remembered = FinanceMapping.parse({ date: 'Datum', debit: 'Soll', credit: 'Haben', description: ['Empfänger', 'Zweck'], currency: 'Währung', decimal: ',' });
    const form = formOf(remembered, ['Datum', 'Soll', 'Haben', 'Empfänger', 'Zweck']);
    expect(form).toMatchObject({ date: 'Datum', amountMode: 'split', debit: 'Soll', credit: 'Haben', description: 'Empfänger', description2: 'Zweck', currency: '', decimal: ',' });
    // Round trip: the form gives the mapping back (without the column the file lacks).
    expect(mappingOf(form)).toEqual({ mapping: { ...remembered, currency: undefined } });
    expect(formOf(null, ['a'])).toEqual(EMPTY_FORM);
  });
});

describe('pdfOf (the PDF an approval is about)', () => {
  it('finds the client report of the template, and refuses paths that leave the workspace', () => {
    const report = { filename: 'acme.pdf', path: 'workspace/deliverables/reports/2026-03/acme.pdf', renderId: 'rr_abcdef12', pages: 6, bytes: 51234, missing: [] };
    expect(pdfOf({ to: 'ada@acme.test', subject: 'Report', client: 'Acme', report })).toEqual({ path: report.path, filename: 'acme.pdf', renderId: 'rr_abcdef12', pages: 6, bytes: 51234 });
    expect(pdfOf({ draft: { pdf: { path: 'workspace/x.pdf' } }, reviewNotes: [] })).toMatchObject({ path: 'workspace/x.pdf', filename: 'x.pdf', renderId: null, pages: null });
    for (const path of ['workspace/../baton.db.pdf', '/etc/x.pdf', 'baton.pdf', 'workspace/./a.pdf', 'workspace/a.txt', 'workspace\\a.pdf']) expect(pdfOf({ report: { path } }), path).toBeNull();
    expect(pdfOf('text')).toBeNull();
    expect(pdfOf({ subject: 'Hi', text: 'no file' })).toBeNull();
  });
});
