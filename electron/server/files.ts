/**
 * Files of the data folder's workspace over HTTP, for the window (the approvals inbox's PDF
 * preview of a client report): `GET /api/files/workspace/<path>` with the bearer token. Only
 * files inside `<data>/workspace` are served: an absolute path, a "." or ".." segment, a
 * backslash or NUL, or a symbolic link that leads out of the workspace is refused (400/403), a
 * missing file is a 404. The path is the one workflows give (report.render's `path`,
 * email.send's attachments), relative to the data folder. While the window is attached to a
 * remote server (electron/core/remote), the file is the remote's: fetched from its same route
 * with its token (the path checked here first).
 */
import { realpathSync, statSync } from 'node:fs';
import { extname, resolve, sep } from 'node:path';

export const FILES_PREFIX = '/api/files/';
export const FILES_ROOT = 'workspace';
/** Larger files are not previewed in the window. */
export const MAX_FILE_BYTES = 50 * 1024 * 1024;

const TYPES: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
};

const outside = `Only files inside the workspace are served: give a path such as ${FILES_ROOT}/deliverables/reports/2026-03/acme.pdf (relative, no ".." or "." segments).`;

export type FileAnswer = { ok: true; abs: string; size: number; type: string } | { ok: false; status: 400 | 403 | 404; message: string };

/** Why `raw` (the URL path after /api/files/, still percent-encoded) is refused before any file is looked at, or null (checked here before a remote is asked too). */
export function workspacePathProblem(raw: string): { status: 400 | 403; message: string } | null {
  const r = checkPath(raw);
  return 'rel' in r ? null : r;
}

function checkPath(raw: string): { rel: string; segs: string[] } | { status: 400 | 403; message: string } {
  let rel: string;
  try {
    rel = decodeURIComponent(raw);
  } catch {
    return { status: 400, message: 'The file path is not valid percent-encoding.' };
  }
  if (rel === '' || rel.startsWith('/') || /^[A-Za-z]:/.test(rel) || rel.includes('\\') || rel.includes('\0')) return { status: 400, message: outside };
  const segs = rel.split('/');
  if (segs.some((s) => s === '' || s === '.' || s === '..')) return { status: 400, message: outside };
  if (segs[0] !== FILES_ROOT || segs.length < 2) return { status: 403, message: outside };
  return { rel, segs };
}

/** Where `raw` (the URL path after /api/files/, still percent-encoded) leads, or why it is refused. */
export function resolveWorkspaceFile(dataDir: string, raw: string): FileAnswer {
  const checked = checkPath(raw);
  if (!('rel' in checked)) return { ok: false, ...checked };
  const { rel, segs } = checked;
  const root = resolve(dataDir, FILES_ROOT);
  const abs = resolve(dataDir, ...segs);
  if (!abs.startsWith(root + sep)) return { ok: false, status: 403, message: outside };
  let real: string;
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
    real = realpathSync(abs);
  } catch {
    return { ok: false, status: 404, message: `There is no file ${rel} in the data folder.` };
  }
  // A symbolic link on the way must not lead out of the workspace.
  if (!real.startsWith(realRoot + sep)) return { ok: false, status: 403, message: `${outside} (${rel} is a symbolic link that leads out of it)` };
  const st = statSync(real);
  if (!st.isFile()) return { ok: false, status: 404, message: `${rel} is not a file.` };
  if (st.size > MAX_FILE_BYTES) return { ok: false, status: 403, message: `${rel} is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB.` };
  return { ok: true, abs: real, size: st.size, type: TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream' };
}
