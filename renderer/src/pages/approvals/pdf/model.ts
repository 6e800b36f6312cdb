/**
 * The PDF an approval is about (the client-report template's `report`: filename, path,
 * renderId, pages, bytes), found in its payload; pure, no DOM.
 */
export interface PdfRef {
  /** Relative to the data folder, inside the workspace (workspace/deliverables/…pdf). */
  path: string;
  filename: string;
  renderId: string | null;
  pages: number | null;
  bytes: number | null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const PDF_PATH = /^workspace\/(?:[^/\\\0]+\/)*[^/\\\0]+\.pdf$/i;

function refOf(v: unknown): PdfRef | null {
  if (!isObj(v) || typeof v.path !== 'string') return null;
  const path = v.path.trim();
  if (!PDF_PATH.test(path) || path.split('/').some((s) => s === '..' || s === '.')) return null;
  return {
    path,
    filename: typeof v.filename === 'string' && v.filename ? v.filename : (path.split('/').pop() ?? path),
    renderId: typeof v.renderId === 'string' ? v.renderId : null,
    pages: typeof v.pages === 'number' && Number.isFinite(v.pages) ? v.pages : null,
    bytes: typeof v.bytes === 'number' && Number.isFinite(v.bytes) ? v.bytes : null,
  };
}

/** The PDF of a payload: `report`, `pdf`, `file` or `attachment` holding a workspace .pdf path, or the payload itself; else null. */
export function pdfOf(payload: unknown): PdfRef | null {
  if (!isObj(payload)) return null;
  for (const k of ['report', 'pdf', 'file', 'attachment']) {
    const r = refOf(payload[k]);
    if (r) return r;
  }
  const draft = isObj(payload.draft) ? payload.draft : null;
  return refOf(payload) ?? (draft ? pdfOf(draft) : null);
}
