/**
 * The Documents page's rules: which documents go into the AI prompt and in what
 * order (mirrors electron/core/ai/workspace.ts), the path rule for a new brand
 * document, and unsaved drafts kept while the person moves around the app.
 */
import { create } from 'zustand';
import { DocPath, type DocInfo } from '../../../../shared/api';

/** The order brand documents appear in the system prompt; other brand/*.md follow alphabetically. */
export const BRAND_ORDER = ['positioning', 'messaging', 'voice-and-tone', 'personas', 'guidelines'];
export const USUAL_BRAND_DOCS = BRAND_ORDER.map((n) => `brand/${n}.md`);
/** Each brand document is cut to this many characters in the prompt. */
export const PROMPT_CHARS = 8_000;

/** brand/<name>.md directly in brand/: the files the AI reads. */
export function inPrompt(path: string): boolean {
  return /^brand\/[^/]+\.md$/.test(path);
}

function brandRank(path: string): number {
  const name = path.replace(/^brand\//, '').replace(/\.md$/, '');
  const i = inPrompt(path) ? BRAND_ORDER.indexOf(name) : -1;
  return i === -1 ? (inPrompt(path) ? BRAND_ORDER.length : BRAND_ORDER.length + 1) : i;
}

/** Brand documents in prompt order (those the prompt skips last). */
export function sortBrand(docs: DocInfo[]): DocInfo[] {
  return [...docs].sort((a, b) => brandRank(a.path) - brandRank(b.path) || a.path.localeCompare(b.path));
}

/** Deliverables newest first. */
export function sortDeliverables(docs: DocInfo[]): DocInfo[] {
  return [...docs].sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : a.path.localeCompare(b.path)));
}

/** `deliverables/post.v2.md` -> 2. */
export function versionOf(path: string): number | null {
  const m = /\.v(\d+)\.[a-z]+$/.exec(path);
  return m ? Number(m[1]) : null;
}

export type Format = 'markdown' | 'html' | 'text';
export function formatOf(path: string): Format {
  if (path.endsWith('.md')) return 'markdown';
  if (path.endsWith('.html')) return 'html';
  return 'text';
}

/** What is wrong with a new brand document's path, or null. */
export function newPathProblem(path: string, existing: string[]): string | null {
  const parsed = DocPath.safeParse(path);
  if (!parsed.success) return parsed.error.issues[0]?.message ?? 'not a valid document path';
  if (path.split('/').some((s) => s === '..' || s === '.')) return '".." and "." segments are not allowed';
  if (!inPrompt(path)) return 'a brand document is brand/<name>.md (directly in brand/, ending in .md), so the AI reads it';
  if (existing.includes(path)) return `${path} already exists: open it from the list to edit it`;
  return null;
}

/** A heading to start a new document with: brand/voice-and-tone.md -> "# Voice and tone". */
export function starterText(path: string): string {
  const name = path.replace(/^.*\//, '').replace(/\.[a-z]+$/, '').replace(/[-_]+/g, ' ').trim();
  return name ? `# ${name.charAt(0).toUpperCase()}${name.slice(1)}\n\n` : '';
}

export interface Draft {
  /** The text being edited. */
  text: string;
  /** The document's content when editing started (null: a new document). */
  base: string | null;
}

interface Drafts {
  drafts: Record<string, Draft>;
  set(path: string, draft: Draft): void;
  drop(path: string): void;
}

/** Unsaved edits, kept while the person visits other documents or pages (lost on reload: the page warns). */
export const useDrafts = create<Drafts>((set) => ({
  drafts: {},
  set: (path, draft) => set((s) => ({ drafts: { ...s.drafts, [path]: draft } })),
  drop: (path) =>
    set((s) => {
      const next = { ...s.drafts };
      delete next[path];
      return { drafts: next };
    }),
}));

export function isDirty(d: Draft | undefined): boolean {
  return !!d && d.text !== (d.base ?? '');
}

export interface NewDraft {
  path: string;
  /** null: not typed yet (the heading follows the path). */
  text: string | null;
}
export const NEW_DRAFT: NewDraft = { path: 'brand/', text: null };

/** The "New brand document" form, kept like a draft while the person looks at other documents. */
export const useNewDraft = create<{ draft: NewDraft; set(d: Partial<NewDraft>): void; reset(): void }>((set) => ({
  draft: NEW_DRAFT,
  set: (d) => set((s) => ({ draft: { ...s.draft, ...d } })),
  reset: () => set({ draft: NEW_DRAFT }),
}));

export function newDraftDirty(d: NewDraft): boolean {
  return d.text !== null && d.text.trim() !== '' && d.text !== starterText(d.path);
}
