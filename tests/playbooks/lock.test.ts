/**
 * The lock of the workspace's main branch: critical sections never overlap
 * (within a thread, and against another process holding the lock file), a
 * lock left by a dead process is taken over, and two phases merging into main
 * at once both land, one merge on top of the other, with the work tree
 * holding both.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git from 'isomorphic-git';
import * as fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { branchAt, commitFiles, isAncestor, MAIN, mergeIntoMain, repoOf, syncMain } from '../../electron/core/playbooks/git';
import { LOCK_FILE, withMainLock } from '../../electron/core/playbooks/lock';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('the main branch lock', () => {
  it('never lets two critical sections overlap', async () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-lock-'));
    const log: string[] = [];
    const section = (name: string) =>
      withMainLock(dir!, name, async () => {
        log.push(`${name}+`);
        for (let i = 0; i < 5; i++) await tick();
        log.push(`${name}-`);
      });
    await Promise.all([section('a'), section('b'), section('c')]);
    for (let i = 0; i < log.length; i += 2) expect(log[i + 1]).toBe(log[i]!.replace('+', '-'));
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('waits for another process that holds the lock, and takes over the lock of a dead one', async () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-lock-'));
    const file = join(dir, LOCK_FILE);
    const marker = join(dir, 'released');
    const script = `
      const fs = require('node:fs');
      fs.writeFileSync(${JSON.stringify(file)}, JSON.stringify({ pid: process.pid, thread: 0, token: 'child', at: Date.now() }), { flag: 'wx' });
      process.stdout.write('held\\n');
      setTimeout(() => { fs.writeFileSync(${JSON.stringify(marker)}, 'x'); fs.rmSync(${JSON.stringify(file)}); }, 400);`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((r) => child.on('exit', r));
    await new Promise<void>((res) => child.stdout.on('data', (d: Buffer) => d.toString().includes('held') && res()));
    let sawRelease = false;
    await withMainLock(dir, 'test', async () => {
      sawRelease = existsSync(marker);
    });
    expect(sawRelease).toBe(true);
    await exited;
    // A lock left by a process that is gone (the child's pid, now exited) is taken over at once.
    writeFileSync(file, JSON.stringify({ pid: child.pid, thread: 0, token: 'dead', at: Date.now() }));
    const t0 = Date.now();
    await withMainLock(dir, 'test', async () => {
      expect(JSON.parse(readFileSync(file, 'utf8')).token).not.toBe('dead');
    });
    expect(Date.now() - t0).toBeLessThan(5000);
  }, 60_000);

  it('two phases merging into main at once both land, one on top of the other', async () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-lock-'));
    const base = await syncMain(dir, Date.now());
    for (const b of ['a', 'b']) {
      await branchAt(dir, `phase-${b}`, base);
      await commitFiles(dir, `phase-${b}`, { [`${b}/out.md`]: `# ${b}\n` }, `[${b}] write: ${b}`, Date.now());
    }
    const [ra, rb] = await Promise.all(['a', 'b'].map((b) => mergeIntoMain(dir!, { source: `phase-${b}`, base, message: `[baton] merge: ${b}`, at: Date.now() })));
    expect(ra!.m.oid && rb!.m.oid).toBeTruthy();
    expect(ra!.changed).toEqual(['a/out.md']);
    expect(rb!.changed).toEqual(['b/out.md']);
    const r = repoOf(dir);
    const head = await git.resolveRef({ fs, gitdir: r.gitdir, ref: MAIN });
    const top = await git.readCommit({ fs, gitdir: r.gitdir, oid: head });
    const under = await git.readCommit({ fs, gitdir: r.gitdir, oid: top.commit.parent[0]! });
    // The later merge's first parent is the earlier merge: neither overwrote the other.
    expect([top.commit.message, under.commit.message].sort()).toEqual(['[baton] merge: a\n', '[baton] merge: b\n']);
    expect(under.commit.parent[0]).toBe(base);
    // Each phase's commit is now an ancestor of main (what resolve checks before merging a step branch again).
    const phaseA = (await git.resolveRef({ fs, gitdir: r.gitdir, ref: 'phase-a' }))!;
    expect(await isAncestor(r, phaseA, head)).toBe(true);
    expect(await isAncestor(r, head, phaseA)).toBe(false);
    for (const b of ['a', 'b']) expect(readFileSync(join(dir, 'workspace', b, 'out.md'), 'utf8')).toBe(`# ${b}\n`);
    expect(existsSync(join(r.gitdir, LOCK_FILE))).toBe(false);
  });
});
