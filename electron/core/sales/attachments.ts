/**
 * E-mail attachments (email.send's `attachments`): files of the data folder's
 * workspace only (a rendered report, a deliverable). A path is relative to the
 * data folder and starts with "workspace/"; absolute paths, ".." segments, a
 * symbolic link leading out of the workspace, a missing file or one too big
 * are refused, each naming the field (attachments[i].path) and the fix.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, resolve, sep } from 'node:path';

export const ATTACHMENT_ROOT = 'workspace';
/** Per message, all attachments together (most mail servers refuse more than 25 MB encoded). */
export const MAX_ATTACHMENT_BYTES = 15 * 1024 * 1024;
export const MAX_ATTACHMENTS = 10;

export interface AttachmentSpec {
  path: unknown;
  filename?: unknown;
}

export interface ResolvedAttachment {
  /** As given (relative to the data folder). */
  path: string;
  filename: string;
  content: Buffer;
}

export class AttachmentError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'AttachmentError';
  }
}

const FILENAME = /^[^/\\\0\r\n]{1,120}$/;

/** Read each attachment from the workspace, or throw naming the field. */
export function resolveAttachments(dataDir: string, list: unknown): ResolvedAttachment[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new AttachmentError('attachments', 'give a list of { path, filename }, such as [{ "path": "=steps.render.path" }]');
  if (list.length > MAX_ATTACHMENTS) throw new AttachmentError('attachments', `at most ${MAX_ATTACHMENTS} files per e-mail (got ${list.length})`);
  const root = resolve(dataDir, ATTACHMENT_ROOT);
  const out: ResolvedAttachment[] = [];
  let total = 0;
  list.forEach((a: unknown, i) => {
    const field = `attachments[${i}].path`;
    const spec = (a ?? {}) as AttachmentSpec;
    if (typeof spec.path !== 'string' || spec.path.trim() === '') throw new AttachmentError(field, 'give the path of a file in the workspace, such as workspace/deliverables/reports/2026-11/acme.pdf');
    const rel = spec.path.trim().replace(/\\/g, '/');
    const outside = `"${rel}" is outside the workspace: attach only files of the data folder's workspace (a path such as workspace/deliverables/…, e.g. "=steps.render.path")`;
    if (isAbsolute(rel) || /^[A-Za-z]:/.test(rel) || rel.split('/').some((s) => s === '..' || s === '.')) throw new AttachmentError(field, outside);
    const abs = resolve(dataDir, ...rel.split('/'));
    if (!abs.startsWith(root + sep)) throw new AttachmentError(field, outside);
    if (!existsSync(abs)) throw new AttachmentError(field, `there is no file ${rel} in the data folder; render or save it first`);
    // A symbolic link on the way must not lead out of the workspace.
    const real = realpathSync(abs);
    const realRoot = realpathSync(root);
    if (!real.startsWith(realRoot + sep)) throw new AttachmentError(field, `${outside} (it is a symbolic link)`);
    const st = statSync(real);
    if (!st.isFile()) throw new AttachmentError(field, `${rel} is not a file`);
    total += st.size;
    if (total > MAX_ATTACHMENT_BYTES) throw new AttachmentError(field, `the attachments come to more than ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB; send a link instead`);
    let filename = basename(abs);
    if (spec.filename !== undefined && spec.filename !== null && spec.filename !== '') {
      if (typeof spec.filename !== 'string' || !FILENAME.test(spec.filename)) throw new AttachmentError(`attachments[${i}].filename`, 'give a file name without slashes or line breaks, at most 120 characters');
      filename = spec.filename;
    }
    out.push({ path: rel, filename, content: readFileSync(join(real)) });
  });
  return out;
}
