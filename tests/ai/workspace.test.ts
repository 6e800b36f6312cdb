import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { brandDocs, saveDeliverable } from '../../electron/core/ai/workspace';
import { ApiError } from '../../shared/api';
import { openTestCore, tempDir } from '../helpers';

describe('workspace documents (docs.list / docs.get / docs.put)', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  it('puts, gets and lists brand documents and deliverables; emits docs.changed', async () => {
    const t = await openTestCore();
    close = t.cleanup;
    const changed: string[] = [];
    t.core.bus.on('docs.changed', (p) => changed.push(p.path));
    const put = await t.core.call('docs.put', { path: 'brand/voice-and-tone.md', content: '# Voice\nPlain and warm.' });
    expect(put).toMatchObject({ path: 'brand/voice-and-tone.md', kind: 'brand', size: 23 });
    await t.core.call('docs.put', { path: 'brand/positioning.md', content: 'We help designers.' });
    await t.core.call('docs.put', { path: 'notes/ideas.txt', content: 'x' });
    saveDeliverable(t.dir, 'Launch email', 'v1 text');
    expect((await t.core.call('docs.get', { path: 'brand/voice-and-tone.md' })).content).toBe('# Voice\nPlain and warm.');
    const all = (await t.core.call('docs.list', {})).docs.map((d) => `${d.kind}:${d.path}`);
    expect(all).toEqual(['brand:brand/positioning.md', 'brand:brand/voice-and-tone.md', 'deliverable:deliverables/launch-email.v1.md', 'other:notes/ideas.txt']);
    expect((await t.core.call('docs.list', { kind: 'brand' })).docs).toHaveLength(2);
    expect(changed).toEqual(['brand/voice-and-tone.md', 'brand/positioning.md', 'notes/ideas.txt']);
    // Replacing a brand document is allowed (atomic write, no temp file left behind).
    await t.core.call('docs.put', { path: 'brand/positioning.md', content: 'We help freelance designers.' });
    expect(readFileSync(join(t.dir, 'workspace/brand/positioning.md'), 'utf8')).toBe('We help freelance designers.');
    expect((await t.core.call('docs.list', {})).docs).toHaveLength(4);
    // Brand documents go to the prompt in the declared order.
    expect(brandDocs(t.dir).map((d) => d.name)).toEqual(['positioning', 'voice-and-tone']);
  });

  it('refuses paths that leave the workspace (.., absolute, symbolic links) and names the field; nothing is written', async () => {
    const t = await openTestCore();
    close = t.cleanup;
    for (const path of ['../baton.db.md', 'brand/../../x.md', '/etc/passwd.md', 'brand/./x.md', 'brand\\x.md', 'x.exe', '']) {
      const e = await t.core.call('docs.put', { path, content: 'x' }).catch((x: unknown) => x);
      expect(e, path).toBeInstanceOf(ApiError);
      expect((e as ApiError).code).toBe('invalid_input');
      expect((e as ApiError).message).toMatch(/path/);
    }
    await expect(t.core.call('docs.get', { path: '../baton.md' })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(t.core.call('docs.get', { path: 'brand/missing.md' })).rejects.toMatchObject({ code: 'not_found' });
    // A symbolic link inside the workspace that points outside is refused too.
    const outside = tempDir();
    try {
      mkdirSync(join(t.dir, 'workspace'), { recursive: true });
      symlinkSync(outside.dir, join(t.dir, 'workspace', 'escape'));
      writeFileSync(join(outside.dir, 'secret.md'), 'outside');
      await expect(t.core.call('docs.get', { path: 'escape/secret.md' })).rejects.toThrow(/symbolic link/);
      await expect(t.core.call('docs.put', { path: 'escape/new.md', content: 'x' })).rejects.toThrow(/symbolic link/);
      expect(existsSync(join(outside.dir, 'new.md'))).toBe(false);
    } finally {
      outside.cleanup();
    }
  });

  it('deliverables are versioned: a new version never overwrites, and docs.put cannot replace one', async () => {
    const t = await openTestCore();
    close = t.cleanup;
    const a = saveDeliverable(t.dir, 'Spring post', 'first');
    const b = saveDeliverable(t.dir, 'Spring post', 'second');
    expect([a.path, a.version, b.path, b.version]).toEqual(['deliverables/spring-post.v1.md', 1, 'deliverables/spring-post.v2.md', 2]);
    expect(readFileSync(join(t.dir, 'workspace', a.path), 'utf8')).toBe('first');
    await expect(t.core.call('docs.put', { path: a.path, content: 'changed' })).rejects.toMatchObject({ code: 'conflict' });
    expect(readFileSync(join(t.dir, 'workspace', a.path), 'utf8')).toBe('first');
    // A new deliverable file name is fine.
    await t.core.call('docs.put', { path: 'deliverables/spring-post.v3.md', content: 'third' });
    expect(saveDeliverable(t.dir, 'Spring post', 'fourth').version).toBe(4);
  });
});
