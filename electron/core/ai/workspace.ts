/**
 * Workspace documents in <data>/workspace: brand documents (brand/*.md:
 * positioning, messaging, voice-and-tone, personas, guidelines …) that make up
 * the AI system prompt, and generated deliverables (deliverables/), saved with a
 * version number in the file name and never overwritten.
 */
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ApiError, DocPath, type DocInfo } from '../../../shared/api';
import { processSecrets, scrubText } from '../secrets/scrub';

export const WORKSPACE = 'workspace';
export const BRAND_DIR = 'brand';
export const DELIVERABLES_DIR = 'deliverables';
/** The order brand documents appear in the system prompt; other brand/*.md follow alphabetically. */
export const BRAND_ORDER = ['positioning', 'messaging', 'voice-and-tone', 'personas', 'guidelines'];

export function workspaceDir(dataDir: string): string {
  return join(dataDir, WORKSPACE);
}

function kindOf(rel: string): DocInfo['kind'] {
  if (rel.startsWith(`${BRAND_DIR}/`)) return 'brand';
  if (rel.startsWith(`${DELIVERABLES_DIR}/`)) return 'deliverable';
  return 'other';
}

/**
 * Resolve a document path inside the workspace, refusing anything that could
 * leave it: absolute paths, "..", and symbolic links pointing outside.
 */
export function resolveDocPath(dataDir: string, rel: string): string {
  const parsed = DocPath.safeParse(rel);
  if (!parsed.success) throw new ApiError('invalid_input', `path: ${parsed.error.issues[0]?.message}`, [{ path: 'path', message: parsed.error.issues[0]?.message ?? 'invalid' }]);
  if (rel.split('/').some((seg) => seg === '..' || seg === '.')) {
    throw new ApiError('invalid_input', 'path: ".." and "." segments are not allowed; give a path inside the workspace such as brand/positioning.md', [{ path: 'path', message: 'no .. segments' }]);
  }
  const root = resolve(workspaceDir(dataDir));
  const abs = resolve(root, rel);
  if (!abs.startsWith(root + sep)) throw new ApiError('invalid_input', 'path: the document must be inside the workspace folder', [{ path: 'path', message: 'outside the workspace' }]);
  // A symbolic link anywhere on the way must not lead out of the workspace.
  if (existsSync(root)) {
    const realRoot = realpathSync(root);
    let probe = abs;
    while (probe.startsWith(root + sep) && !existsSync(probe)) probe = dirname(probe);
    if (probe.startsWith(root + sep) || probe === root) {
      const real = realpathSync(probe);
      if (real !== realRoot && !real.startsWith(realRoot + sep)) {
        throw new ApiError('invalid_input', 'path: the document leads outside the workspace through a symbolic link', [{ path: 'path', message: 'outside the workspace' }]);
      }
    }
  }
  return abs;
}

function info(dataDir: string, abs: string): DocInfo {
  const st = statSync(abs);
  const rel = relative(workspaceDir(dataDir), abs).split(sep).join('/');
  return { path: rel, kind: kindOf(rel), size: st.size, updatedAt: st.mtime.toISOString() };
}

export function listDocs(dataDir: string, kind?: DocInfo['kind']): DocInfo[] {
  const root = workspaceDir(dataDir);
  if (!existsSync(root)) return [];
  const out: DocInfo[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 6) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const abs = join(dir, e.name);
      if (e.isDirectory()) walk(abs, depth + 1);
      else if (e.isFile() && DocPath.safeParse(relative(root, abs).split(sep).join('/')).success) out.push(info(dataDir, abs));
    }
  };
  walk(root, 0);
  return out.filter((d) => !kind || d.kind === kind).sort((a, b) => a.path.localeCompare(b.path));
}

export function getDoc(dataDir: string, rel: string): DocInfo & { content: string } {
  const abs = resolveDocPath(dataDir, rel);
  if (!existsSync(abs) || !lstatSync(abs).isFile()) throw new ApiError('not_found', `No document ${rel} in the workspace (see docs.list).`);
  return { ...info(dataDir, abs), content: readFileSync(abs, 'utf8') };
}

/** Write through a temp file and rename, so a crash never leaves half a document. */
function atomicWrite(abs: string, content: string): void {
  mkdirSync(dirname(abs), { recursive: true });
  const tmp = `${abs}.tmp-${process.pid}-${Date.now()}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, abs);
}

export function putDoc(dataDir: string, rel: string, content: string): DocInfo {
  const abs = resolveDocPath(dataDir, rel);
  if (kindOf(rel) === 'deliverable' && existsSync(abs)) {
    throw new ApiError('conflict', `${rel} already exists: deliverables are versioned and never overwritten. Save it under a new name (e.g. the next .vN number).`);
  }
  atomicWrite(abs, content);
  return info(dataDir, abs);
}

function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^\w\s-]/g, '')
      .trim()
      .replace(/[\s_]+/g, '-')
      .replace(/-+/g, '-')
      .slice(0, 80) || 'deliverable'
  );
}

/**
 * Save a generated deliverable as deliverables/<name>.v<N>.<ext>, N one more
 * than the highest existing version. The file is created exclusively ("wx"),
 * so two writers never overwrite each other: the loser takes the next number.
 * Secret values in the content (an answer that echoes a key) are replaced by
 * `[secret NAME]` (a JSON deliverable is parsed and written again, so it stays JSON).
 */
export function saveDeliverable(dataDir: string, name: string, content: string, ext: 'md' | 'txt' | 'json' | 'html' = 'md'): DocInfo & { version: number } {
  content = scrubDeliverable(content, ext);
  const base = slug(name);
  const dir = join(workspaceDir(dataDir), DELIVERABLES_DIR);
  mkdirSync(dir, { recursive: true });
  const re = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.v(\\d+)\\.${ext}$`);
  let version = Math.max(0, ...readdirSync(dir).map((f) => Number(re.exec(f)?.[1] ?? 0))) + 1;
  for (;;) {
    const abs = join(dir, `${base}.v${version}.${ext}`);
    try {
      const fd = openSync(abs, 'wx', 0o600);
      try {
        writeSync(fd, content);
      } finally {
        closeSync(fd);
      }
      return { ...info(dataDir, abs), version };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      version++;
    }
  }
}

function scrubDeliverable(content: string, ext: string): string {
  if (!processSecrets.found(content)) return content;
  if (ext === 'json') {
    try {
      return JSON.stringify(processSecrets.value(JSON.parse(content) as unknown), null, 2);
    } catch {
      /* not JSON after all: scrubbed as text */
    }
  }
  return scrubText(content);
}

export interface BrandDoc {
  name: string;
  content: string;
  trimmed: boolean;
}

/** The brand documents in prompt order, each cut to maxChars (the rule is stated in the prompt). */
export function brandDocs(dataDir: string, maxChars = 8_000): BrandDoc[] {
  const dir = join(workspaceDir(dataDir), BRAND_DIR);
  if (!existsSync(dir)) return [];
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.md'))
    .map((e) => e.name.slice(0, -3));
  const rank = (n: string) => {
    const i = BRAND_ORDER.indexOf(n);
    return i === -1 ? BRAND_ORDER.length : i;
  };
  names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return names.map((name) => {
    const content = readFileSync(join(dir, `${name}.md`), 'utf8').trim();
    return content.length > maxChars ? { name, content: content.slice(0, maxChars), trimmed: true } : { name, content, trimmed: false };
  });
}
