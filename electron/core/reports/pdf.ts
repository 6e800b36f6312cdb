/**
 * A client report as PDF with pdfkit (docs/reports.md says why pdfkit): the
 * brand's name and colours, one heading per section, its figures, its charts
 * drawn as vectors, and "No data for this period" where a section has none.
 */
import type { Chart, SectionData } from './data';

export interface PdfInput {
  brand: string;
  color: string;
  accent: string;
  title: string;
  clientName: string;
  period: { from: string; to: string };
  sections: SectionData[];
  /** The PDF's creation date (the engine clock), so a render is reproducible. */
  at: Date;
}

const MARGIN = 50;
const PAGE_W = 595.28; // A4
const CONTENT_W = PAGE_W - 2 * MARGIN;
const CHART_H = 150;

function drawChart(doc: PDFKit.PDFDocument, title: string, c: Chart, colors: string[]): void {
  if (doc.y + CHART_H + 40 > doc.page.height - MARGIN) doc.addPage();
  doc.moveDown(0.3).font('Helvetica-Bold').fontSize(10).fillColor('#333333').text(title, MARGIN, doc.y);
  const top = doc.y + 6;
  const left = MARGIN + 30;
  const w = CONTENT_W - 30;
  const h = CHART_H - 30;
  const max = Math.max(1, ...c.series.flatMap((s) => s.values));
  // Axes and the top value.
  doc.lineWidth(0.5).strokeColor('#999999').moveTo(left, top).lineTo(left, top + h).lineTo(left + w, top + h).stroke();
  doc.font('Helvetica').fontSize(7).fillColor('#666666').text(String(Math.round(max * 100) / 100), MARGIN, top - 3, { width: 26, align: 'right' });
  doc.text('0', MARGIN, top + h - 4, { width: 26, align: 'right' });
  const n = Math.max(1, c.labels.length);
  const slot = w / n;
  if (c.kind === 'bar') {
    const bw = Math.max(1, (slot * 0.7) / c.series.length);
    c.series.forEach((s, si) => {
      s.values.forEach((v, i) => {
        const bh = (v / max) * h;
        doc.rect(left + i * slot + slot * 0.15 + si * bw, top + h - bh, bw, bh).fill(colors[si % colors.length]!);
      });
    });
  } else {
    c.series.forEach((s, si) => {
      doc.lineWidth(1.5).strokeColor(colors[si % colors.length]!);
      s.values.forEach((v, i) => {
        const x = left + i * slot + slot / 2;
        const y = top + h - (v / max) * h;
        if (i === 0) doc.moveTo(x, y);
        else doc.lineTo(x, y);
      });
      doc.stroke();
    });
  }
  // Labels: at most 12 shown.
  const every = Math.ceil(n / 12);
  doc.font('Helvetica').fontSize(7).fillColor('#666666');
  c.labels.forEach((l, i) => {
    if (i % every === 0) doc.text(l.slice(0, 14), left + i * slot, top + h + 3, { width: slot * every, align: 'center', lineBreak: false });
  });
  // Legend.
  let lx = left;
  c.series.forEach((s, si) => {
    doc.rect(lx, top + h + 15, 8, 8).fill(colors[si % colors.length]!);
    doc.fillColor('#333333').text(s.name, lx + 11, top + h + 16, { lineBreak: false });
    lx += 20 + doc.widthOfString(s.name);
  });
  doc.x = MARGIN;
  doc.y = top + CHART_H;
}

/** The PDF's bytes and its page count. */
export async function renderPdf(r: PdfInput): Promise<{ pdf: Buffer; pages: number }> {
  // pdfkit (and its fonts) loads on the first report, not when the app starts.
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, bufferPages: true, info: { Title: r.title, Author: r.brand, Subject: r.clientName, CreationDate: r.at, ModDate: r.at } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const colors = [r.color, r.accent];

  doc.rect(0, 0, PAGE_W, 8).fill(r.color);
  doc.font('Helvetica-Bold').fontSize(11).fillColor(r.color).text(r.brand, MARGIN, MARGIN);
  doc.moveDown(0.5).fontSize(22).fillColor('#111111').text(r.title);
  doc.moveDown(0.2).font('Helvetica').fontSize(12).fillColor('#444444').text(`${r.clientName} · ${r.period.from} to ${r.period.to}`);
  doc.moveDown(1);

  for (const s of r.sections) {
    if (doc.y > doc.page.height - MARGIN - 80) doc.addPage();
    doc.moveDown(0.6).font('Helvetica-Bold').fontSize(15).fillColor(r.color).text(s.title, MARGIN, doc.y);
    doc.moveTo(MARGIN, doc.y + 2).lineTo(MARGIN + CONTENT_W, doc.y + 2).lineWidth(0.5).strokeColor(r.color).stroke();
    doc.moveDown(0.4);
    if (s.text) doc.font('Helvetica').fontSize(10).fillColor('#222222').text(s.text, MARGIN, doc.y, { width: CONTENT_W });
    if (s.missing) {
      doc.font('Helvetica-Oblique').fontSize(10).fillColor('#666666').text('No data for this period.', MARGIN, doc.y);
      continue;
    }
    for (const [label, value] of s.lines) {
      const y = doc.y;
      doc.font('Helvetica').fontSize(10).fillColor('#333333').text(label, MARGIN, y, { width: CONTENT_W * 0.6 });
      const after = doc.y;
      doc.font('Helvetica-Bold').text(value, MARGIN + CONTENT_W * 0.6, y, { width: CONTENT_W * 0.4, align: 'right' });
      doc.y = Math.max(after, doc.y);
    }
    for (const c of s.charts) drawChart(doc, c.title, c.chart, colors);
  }

  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // The footer sits in the bottom margin: without this pdfkit would start a new (blank) page for it.
    doc.page.margins.bottom = 0;
    doc.font('Helvetica').fontSize(8).fillColor('#888888').text(`${r.brand} · ${r.title} · page ${i + 1} of ${range.count}`, MARGIN, doc.page.height - MARGIN + 15, { width: CONTENT_W, align: 'center', lineBreak: false });
  }
  doc.end();
  return { pdf: await done, pages: range.count };
}
