/**
 * The workspace's objects written synchronously are git's objects: the same
 * ids isomorphic-git computes for the same blob, tree and commit, readable by
 * it; and objects and refs isomorphic-git wrote are read back. The "already
 * merged" check of a step branch reads only the commits since the phase's base.
 */
import * as fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCommit, parseTree, readBranchRef, readObject, serializeCommit, serializeTree, writeBranchRef, writeObject } from '../../electron/core/playbooks/objects';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('workspace objects', () => {
  it('writes what isomorphic-git writes, and reads what it wrote', async () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-objects-'));
    const gitdir = join(dir, 'repo.git');
    await git.init({ fs, gitdir, bare: true, defaultBranch: 'main' });
    const text = Buffer.from('# Strategy\n\nÉté: fit first.\n', 'utf8');
    const blob = writeObject(gitdir, 'blob', text);
    expect(blob).toBe(await git.hashBlob({ object: text }).then((h) => h.oid));
    const entries = [
      { mode: '100644', path: 'b.md', oid: blob, type: 'blob' as const },
      { mode: '100644', path: 'a-b.md', oid: blob, type: 'blob' as const },
    ];
    const sub = writeObject(gitdir, 'tree', serializeTree(entries));
    // A directory "a" sorts as "a/", after "a-b.md" ('-' < '/').
    const rootEntries = [
      { mode: '040000', path: 'a', oid: sub, type: 'tree' as const },
      { mode: '100644', path: 'a-b.md', oid: blob, type: 'blob' as const },
    ];
    const root = writeObject(gitdir, 'tree', serializeTree(rootEntries));
    expect(root).toBe(await git.writeTree({ fs, gitdir, tree: rootEntries }));
    const who = { name: 'Baton', email: 'playbooks@baton.local', timestamp: 1_800_000_000, timezoneOffset: 0 };
    const commit = writeObject(gitdir, 'commit', serializeCommit({ tree: root, parent: [], author: who, committer: who, message: '[demand-gen] campaign: design\n' }));
    expect(commit).toBe(await git.writeCommit({ fs, gitdir, commit: { tree: root, parent: [], author: who, committer: who, message: '[demand-gen] campaign: design\n' } }));
    await writeBranchRef(gitdir, 'playbooks/run/phase', commit);
    expect(await git.resolveRef({ fs, gitdir, ref: 'playbooks/run/phase' })).toBe(commit);
    const read = await git.readCommit({ fs, gitdir, oid: commit });
    expect(read.commit.message).toBe('[demand-gen] campaign: design\n');
    expect((await git.readTree({ fs, gitdir, oid: root })).tree.map((e) => e.path).sort()).toEqual(['a', 'a-b.md']);
    expect(parseTree(readObject(gitdir, root)!.content).map((e) => e.path)).toEqual(['a-b.md', 'a']);
    expect(Buffer.from((await git.readBlob({ fs, gitdir, oid: blob })).blob).toString('utf8')).toBe(text.toString('utf8'));

    // Objects and refs isomorphic-git wrote, read here.
    const theirBlob = await git.writeBlob({ fs, gitdir, blob: Buffer.from('theirs\n') });
    const theirTree = await git.writeTree({ fs, gitdir, tree: [{ mode: '100644', path: 'x.md', oid: theirBlob, type: 'blob' }] });
    const theirCommit = await git.writeCommit({ fs, gitdir, commit: { tree: theirTree, parent: [commit], author: who, committer: { ...who, timezoneOffset: -120 }, message: 'theirs\n' } });
    await git.writeRef({ fs, gitdir, ref: 'refs/heads/main', value: theirCommit, force: true });
    expect(readBranchRef(gitdir, 'main')).toBe(theirCommit);
    expect(readBranchRef(gitdir, 'nope')).toBeNull();
    const c = parseCommit(readObject(gitdir, theirCommit)!.content);
    expect(c).toMatchObject({ tree: theirTree, parent: [commit], message: 'theirs\n', committer: { timezoneOffset: -120, timestamp: 1_800_000_000 } });
    expect(parseTree(readObject(gitdir, theirTree)!.content)).toEqual([{ mode: '100644', path: 'x.md', oid: theirBlob, type: 'blob' }]);
    expect(readObject(gitdir, '0'.repeat(40))).toBeNull();
  });

  it("checks whether a step branch is merged from the commits since the phase's base, not the workspace's whole history", async () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-objects-'));
    const d = dir;
    const g1 = await import('../../electron/core/playbooks/git');
    const root = await g1.syncMain(d, 1_800_000_000_000);
    const base = await g1.commitFiles(d, g1.MAIN, { 'strategy/a.md': '# a\n' }, '[coordinator] write: a', 1_800_000_001_000);
    await g1.branchAt(d, 'phase', base);
    const s1 = await g1.commitFiles(d, 'step-1', { 'x/1.md': '1\n' }, '[demand-gen] write: 1', 1_800_000_002_000, base);
    const s2 = await g1.commitFiles(d, 'step-2', { 'x/2.md': '2\n' }, '[demand-gen] write: 2', 1_800_000_003_000, base);
    const m = await g1.mergeBranch(d, { target: 'phase', source: 'step-1', base, message: '[baton] merge: 1', at: 1_800_000_004_000 });
    // The history before the base is out of reach (here: its first commit is gone): only a walk past the base would read it.
    const r = g1.repoOf(d);
    fs.rmSync(join(r.gitdir, 'objects', root.slice(0, 2), root.slice(2)));
    // A fresh thread: nothing read before is kept.
    vi.resetModules();
    const g2 = await import('../../electron/core/playbooks/git');
    expect(await g2.isAncestor(r, s1, m.oid!, base)).toBe(true);
    expect(await g2.isAncestor(r, s2, m.oid!, base)).toBe(false);
    expect(await g2.isAncestor(r, base, m.oid!, base)).toBe(true);
    await expect(g2.isAncestor(r, s2, m.oid!)).rejects.toThrow();
  });
});
