/** The Documents page's rules, in Node: they must agree with the workspace (electron/core/ai/workspace.ts). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BRAND_ORDER as CORE_ORDER, brandDocs, putDoc } from '../electron/core/ai/workspace';
import { BRAND_ORDER, inPrompt, isDirty, newPathProblem, sortBrand, sortDeliverables, starterText, versionOf } from '../renderer/src/pages/documents/model';
import type { DocInfo } from '../shared/api';

const doc = (path: string, updatedAt = '2026-01-01T00:00:00.000Z'): DocInfo => ({ path, kind: path.startsWith('brand/') ? 'brand' : 'deliverable', size: 1, updatedAt });

describe('documents page model', () => {
  let dir: string | null = null;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  it('lists brand documents in the order the AI prompt uses them', () => {
    expect(BRAND_ORDER).toEqual(CORE_ORDER);
    dir = mkdtempSync(join(tmpdir(), 'baton-docs-'));
    const paths = ['brand/zeta.md', 'brand/guidelines.md', 'brand/alpha.md', 'brand/positioning.md', 'brand/voice-and-tone.md', 'brand/notes.txt', 'brand/sub/x.md'];
    for (const p of paths) putDoc(dir, p, `# ${p}`);
    const prompt = brandDocs(dir).map((d) => `brand/${d.name}.md`);
    const sorted = sortBrand(paths.map((p) => doc(p))).map((d) => d.path);
    expect(sorted.filter(inPrompt)).toEqual(prompt);
    expect(sorted.slice(-2).sort()).toEqual(['brand/notes.txt', 'brand/sub/x.md']);
  });

  it('checks a new brand document path with the contract rule, then the brand rule, then existence', () => {
    expect(newPathProblem('brand/voice-and-tone.md', [])).toBeNull();
    expect(newPathProblem('', [])).toMatch(/give a path/);
    expect(newPathProblem('brand/../x.md', [])).toMatch(/use a relative path like brand\/positioning\.md/);
    expect(newPathProblem('/brand/x.md', [])).toMatch(/no leading \//);
    expect(newPathProblem('brand/voice and tone.md', [])).toMatch(/letters, digits/);
    expect(newPathProblem('notes.md', [])).toMatch(/brand\/<name>\.md/);
    expect(newPathProblem('brand/x.txt', [])).toMatch(/brand\/<name>\.md/);
    expect(newPathProblem('brand/a/b.md', [])).toMatch(/directly in brand\//);
    expect(newPathProblem('brand/positioning.md', ['brand/positioning.md'])).toMatch(/already exists/);
  });

  it('reads versions, sorts deliverables newest first, starts a document with a heading, and knows a draft from a change', () => {
    expect(versionOf('deliverables/post.v12.md')).toBe(12);
    expect(versionOf('deliverables/post.md')).toBeNull();
    const list = sortDeliverables([doc('deliverables/a.v1.md', '2026-01-01T00:00:00Z'), doc('deliverables/a.v2.md', '2026-01-02T00:00:00Z')]);
    expect(list.map((d) => d.path)).toEqual(['deliverables/a.v2.md', 'deliverables/a.v1.md']);
    expect(starterText('brand/voice-and-tone.md')).toBe('# Voice and tone\n\n');
    expect(isDirty({ text: 'a', base: 'a' })).toBe(false);
    expect(isDirty({ text: 'b', base: 'a' })).toBe(true);
    expect(isDirty({ text: '', base: null })).toBe(false);
    expect(isDirty(undefined)).toBe(false);
  });
});
