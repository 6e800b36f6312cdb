/**
 * The PDF an approval is about (a client report), rendered page by page with pdf.js in the
 * approval's detail. pdf.js and its worker are loaded on first use (./pdfjs.ts, a chunk of its
 * own). The bytes come from the server's authenticated file route (workspace files only) or,
 * over the desktop IPC, from reports.file.
 */
import { useEffect, useRef, useState } from 'react';
import { call, fetchWorkspaceFile } from '../../../api/client';
import { formatBytes } from '../../../components/ui';
import type { PdfRef } from './model';
import './pdf.css';

/** Pages drawn at most (a longer file says how many more there are). */
const MAX_PAGES = 30;

type State = { status: 'loading' } | { status: 'error'; message: string } | { status: 'ready'; pages: number; drawn: number };

async function bytesOf(pdf: PdfRef): Promise<Uint8Array> {
  const viaHttp = fetchWorkspaceFile(pdf.path);
  if (viaHttp) return viaHttp;
  if (!pdf.renderId) throw new Error(`${pdf.path} can be previewed only through the Baton server`);
  const { base64 } = await call('reports.file', { renderId: pdf.renderId });
  const bin = atob(base64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function PdfPreview({ pdf }: { pdf: PdfRef }) {
  const box = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<State>({ status: 'loading' });
  // A refetch of the inbox gives a new payload object for the same file: draw again only when the file changes.
  const latest = useRef(pdf);
  latest.current = pdf;
  const { path, renderId } = pdf;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    let cancelled = false;
    let destroy: (() => void) | null = null;
    setState({ status: 'loading' });
    el.replaceChildren();
    const ref = latest.current;
    (async () => {
      const data = await bytesOf(ref);
      const { getDocument } = await import('./pdfjs');
      if (cancelled) return;
      const task = getDocument({ data, isEvalSupported: false });
      destroy = () => void task.destroy();
      const doc = await task.promise;
      const drawn = Math.min(doc.numPages, MAX_PAGES);
      for (let n = 1; n <= drawn; n++) {
        if (cancelled) return;
        const page = await doc.getPage(n);
        const base = page.getViewport({ scale: 1 });
        const cssWidth = Math.max(200, Math.min(el.clientWidth || 640, 900));
        const dpr = Math.min(2, window.devicePixelRatio || 1);
        const viewport = page.getViewport({ scale: (cssWidth / base.width) * dpr });
        const canvas = document.createElement('canvas');
        canvas.width = Math.floor(viewport.width);
        canvas.height = Math.floor(viewport.height);
        canvas.className = 'pdf-page';
        canvas.setAttribute('role', 'img');
        canvas.setAttribute('aria-label', `Page ${n} of ${doc.numPages} of ${ref.filename}`);
        canvas.dataset.page = String(n);
        el.append(canvas);
        await page.render({ canvas, viewport }).promise;
        page.cleanup();
      }
      if (!cancelled) setState({ status: 'ready', pages: doc.numPages, drawn });
    })().catch((e: unknown) => {
      if (!cancelled) setState({ status: 'error', message: e instanceof Error ? e.message : String(e) });
    });
    return () => {
      cancelled = true;
      destroy?.();
    };
  }, [path, renderId]);

  return (
    <section className="ap-section pdf-preview" aria-labelledby="ap-pdf-title" data-testid="pdf-preview" data-status={state.status} data-pages={state.status === 'ready' ? state.pages : undefined}>
      <h3 id="ap-pdf-title">{pdf.filename}</h3>
      <p className="muted" data-testid="pdf-preview-info">
        {state.status === 'ready' ? `${state.pages} page${state.pages === 1 ? '' : 's'}` : pdf.pages !== null ? `${pdf.pages} page${pdf.pages === 1 ? '' : 's'}` : 'PDF'}
        {pdf.bytes !== null ? ` · ${formatBytes(pdf.bytes)}` : ''}
      </p>
      {state.status === 'loading' ? (
        <p className="loading" aria-busy="true">
          Rendering the PDF…
        </p>
      ) : null}
      {state.status === 'error' ? (
        <p className="field-error" role="alert">
          The PDF cannot be shown: {state.message}
        </p>
      ) : null}
      <div className="pdf-pages" ref={box} />
      {state.status === 'ready' && state.pages > state.drawn ? <p className="hint">The first {state.drawn} pages of {state.pages}.</p> : null}
    </section>
  );
}
