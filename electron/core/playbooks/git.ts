/**
 * The workspace as a git repository (docs/playbooks.md, "The workspace"):
 * <data>/workspace is the work tree, <data>/workspace.git the repository,
 * written with isomorphic-git (no system git). Playbook steps commit on
 * branches without touching the work tree; a phase branch merged into main
 * writes its files into the work tree. Merges are three-way per file: a file
 * changed on both sides differently is a conflict, never an overwrite.
 */
import * as fs from 'node:fs';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { listDocs, workspaceDir } from '../ai/workspace';
import { lazyRequire } from '../lazy';
import { withMainLock } from './lock';
import { flushObjects, hashObject, tmpPath, parseCommit, parseTree, readBranchRef, readObject, serializeCommit, serializeTree, writeBranchRef, writeObject, type CommitObject } from './objects';

// Loaded with the first workspace operation, not at start (a host that runs no playbook never needs them).
const gitLib = lazyRequire<typeof import('isomorphic-git')>('isomorphic-git');
const diffLib = lazyRequire<typeof import('diff')>('diff');

export const MAIN = 'main';
const AUTHOR = { name: 'Baton', email: 'playbooks@baton.local' };

export interface Repo {
  dir: string;
  gitdir: string;
  cache: object;
}

const caches = new Map<string, object>();
export function repoOf(dataDir: string): Repo {
  const gitdir = join(dataDir, 'workspace.git');
  let cache = caches.get(gitdir);
  if (!cache) caches.set(gitdir, (cache = {}));
  return { dir: workspaceDir(dataDir), gitdir, cache };
}

/** Trees never change: each one's flattened files (path -> blob oid) are kept (bounded) per thread, so a new commit reads only the folders it changed. */
const trees = new Map<string, Map<string, string>>();

const g = (r: Repo) => ({ fs, dir: r.dir, gitdir: r.gitdir, cache: r.cache });

export async function resolve(r: Repo, ref: string): Promise<string | null> {
  const loose = readBranchRef(r.gitdir, ref);
  if (loose || !existsSync(join(r.gitdir, 'packed-refs'))) return loose;
  try {
    return await gitLib().resolveRef({ ...g(r), ref });
  } catch {
    return null;
  }
}

/** path -> blob oid of a commit's tree. */
export async function flatTree(r: Repo, commit: string | null): Promise<Map<string, string>> {
  if (!commit) return new Map();
  return new Map(await flatSubtree(r, (await readCommit(r, commit)).commit.tree));
}

async function flatSubtree(r: Repo, oid: string): Promise<Map<string, string>> {
  const key = `${r.gitdir}:${oid}`;
  const hit = trees.get(key);
  if (hit) return hit;
  const loose = readObject(r.gitdir, oid);
  const out = new Map<string, string>();
  for (const e of loose ? parseTree(loose.content) : (await gitLib().readTree({ ...g(r), oid })).tree) {
    if (e.type === 'blob') out.set(e.path, e.oid);
    else if (e.type === 'tree') for (const [p, b] of await flatSubtree(r, e.oid)) out.set(`${e.path}/${p}`, b);
  }
  if (trees.size > 5000) trees.clear();
  trees.set(key, out);
  return out;
}

const written = new Map<string, string>();

async function writeFlatTree(r: Repo, files: Map<string, string>): Promise<string> {
  interface Dir {
    blobs: Map<string, string>;
    dirs: Map<string, Dir>;
  }
  const root: Dir = { blobs: new Map(), dirs: new Map() };
  for (const [path, oid] of files) {
    const parts = path.split('/');
    let d = root;
    for (const p of parts.slice(0, -1)) {
      let next = d.dirs.get(p);
      if (!next) d.dirs.set(p, (next = { blobs: new Map(), dirs: new Map() }));
      d = next;
    }
    d.blobs.set(parts[parts.length - 1]!, oid);
  }
  const write = async (d: Dir): Promise<string> => {
    const tree: { mode: string; path: string; oid: string; type: 'blob' | 'tree' }[] = [];
    for (const [name, sub] of d.dirs) tree.push({ mode: '040000', path: name, oid: await write(sub), type: 'tree' });
    for (const [name, oid] of d.blobs) tree.push({ mode: '100644', path: name, oid, type: 'blob' });
    // A directory whose entries did not change is the same tree object: written once per thread.
    const sig = `${r.gitdir}:${tree.map((e) => `${e.mode} ${e.path} ${e.oid}`).sort().join('|')}`;
    const known = written.get(sig);
    if (known) return known;
    const oid = writeObject(r.gitdir, 'tree', serializeTree(tree));
    if (written.size > 5000) written.clear();
    written.set(sig, oid);
    return oid;
  };
  const oid = await write(root);
  // The next step reads this commit's files: they are these.
  trees.set(`${r.gitdir}:${oid}`, new Map(files));
  return oid;
}

async function writeCommit(r: Repo, tree: string, parents: string[], message: string, at: number): Promise<string> {
  const who = { ...AUTHOR, timestamp: Math.floor(at / 1000), timezoneOffset: 0 };
  const oid = writeObject(r.gitdir, 'commit', serializeCommit({ message: message.endsWith('\n') ? message : `${message}\n`, tree, parent: parents, author: who, committer: who }));
  // Every object of the commit is on disk before anyone can reach it through a ref.
  await flushObjects(r.gitdir);
  return oid;
}

/** Commits never change: parsed ones are kept (bounded) per thread. */
const commits = new Map<string, CommitObject>();

/** A commit, from its loose object (else through isomorphic-git: a packed one). */
export async function readCommit(r: Repo, oid: string): Promise<{ oid: string; commit: CommitObject }> {
  const key = `${r.gitdir}:${oid}`;
  const hit = commits.get(key);
  if (hit) return { oid, commit: hit };
  const loose = readObject(r.gitdir, oid);
  const c = loose ? { oid, commit: parseCommit(loose.content) } : await gitLib().readCommit({ ...g(r), oid });
  if (commits.size > 5000) commits.clear();
  commits.set(key, c.commit);
  return { oid: c.oid, commit: c.commit };
}

async function readBlobBytes(r: Repo, oid: string): Promise<Buffer> {
  const loose = readObject(r.gitdir, oid);
  if (loose) return loose.content;
  return Buffer.from((await gitLib().readBlob({ ...g(r), oid })).blob);
}

const writeBlob = (r: Repo, content: Buffer) => writeObject(r.gitdir, 'blob', content);

async function setRef(r: Repo, branch: string, oid: string): Promise<void> {
  await writeBranchRef(r.gitdir, branch, oid);
}

export async function readBlobText(r: Repo, oid: string): Promise<string> {
  return (await readBlobBytes(r, oid)).toString('utf8');
}

/** The text of a file on a ref (null when absent). */
export async function readFileAt(r: Repo, ref: string, path: string): Promise<string | null> {
  const oid = await resolve(r, ref);
  if (!oid) return null;
  const files = await flatTree(r, oid);
  const b = files.get(path);
  return b ? readBlobText(r, b) : null;
}

/**
 * Make sure the repository exists and main holds the work tree: files changed
 * outside playbooks (docs.put, an editor) are committed to main first, so a
 * merge never overwrites them.
 */
export async function syncMain(dataDir: string, at: number): Promise<string> {
  const r = repoOf(dataDir);
  mkdirSync(r.dir, { recursive: true });
  return withMainLock(r.gitdir, 'commit the files changed outside playbooks', async () => {
    if (!existsSync(join(r.gitdir, 'HEAD'))) await gitLib().init({ ...g(r), defaultBranch: MAIN });
    const head = await resolve(r, MAIN);
    const files = await flatTree(r, head);
    const next = new Map(files);
    let changed = false;
    for (const d of listDocs(dataDir)) {
      const content = readFileSync(join(r.dir, ...d.path.split('/')));
      const { oid } = hashObject('blob', content);
      if (files.get(d.path) !== oid) {
        next.set(d.path, writeBlob(r, content));
        changed = true;
      }
    }
    // A file of main missing from the work tree is not recorded as deleted: a file deleted by hand stays in main
    // rather than risking the loss of one a merge wrote.
    if (head && !changed) return head;
    const tree = await writeFlatTree(r, next);
    const oid = await writeCommit(r, tree, head ? [head] : [], head ? '[baton] docs: changes made outside playbooks' : '[baton] workspace: first snapshot', at);
    await setRef(r, MAIN, oid);
    return oid;
  });
}

/** Create (or reset) a branch at a commit. */
export async function branchAt(dataDir: string, branch: string, oid: string): Promise<void> {
  await setRef(repoOf(dataDir), branch, oid);
}

/** One commit of files (path -> text) on a branch (a missing branch starts at `start`); returns the commit id. */
export async function commitFiles(dataDir: string, branch: string, files: Record<string, string>, message: string, at: number, start?: string): Promise<string> {
  const r = repoOf(dataDir);
  const head = (await resolve(r, branch)) ?? start;
  if (!head) throw new Error(`the workspace branch ${branch} does not exist`);
  const tree = await flatTree(r, head);
  for (const [path, text] of Object.entries(files)) tree.set(path, writeBlob(r, Buffer.from(text, 'utf8')));
  const oid = await writeCommit(r, await writeFlatTree(r, tree), [head], message, at);
  await setRef(r, branch, oid);
  return oid;
}

/**
 * commitFiles, once: when the branch's head already is this commit (the same
 * files, message and time on top of its parent: an earlier attempt moved the
 * ref, then crashed before recording it), the head is returned and nothing is
 * written. A commit is a pure function of its parent, tree, message and time.
 */
export async function commitFilesOnce(dataDir: string, branch: string, files: Record<string, string>, message: string, at: number, start?: string): Promise<string> {
  const r = repoOf(dataDir);
  const head = await resolve(r, branch);
  if (head) {
    const c = (await readCommit(r, head)).commit;
    const msg = message.endsWith('\n') ? message : `${message}\n`;
    if (c.parent.length === 1 && c.message === msg && c.author.timestamp === Math.floor(at / 1000)) {
      const tree = await flatTree(r, c.parent[0]!);
      for (const [path, text] of Object.entries(files)) tree.set(path, writeBlob(r, Buffer.from(text, 'utf8')));
      if ((await writeFlatTree(r, tree)) === c.tree) return head;
    }
  }
  return commitFiles(dataDir, branch, files, message, at, start);
}

export interface MergeConflict {
  path: string;
  ours: string;
  theirs: string;
}

/**
 * Merge `source` into `target` (three-way per file against `base`) as a merge
 * commit. Files changed on both sides differently are conflicts: with
 * `resolved` (path -> text chosen by the Coordinator) they are written as
 * given; without, nothing is written and the conflicts are returned.
 */
export async function mergeBranch(
  dataDir: string,
  opts: { target: string; source: string; base: string; message: string; at: number; resolved?: Record<string, string>; theirsWins?: (path: string) => boolean },
): Promise<MergeResult> {
  const r = repoOf(dataDir);
  // Main is written by several threads and processes: under its lock. A phase branch has one writer at a time.
  if (opts.target === MAIN) return withMainLock(r.gitdir, `merge ${opts.source}`, () => mergeLocked(r, opts));
  return mergeLocked(r, opts);
}

type MergeResult = { oid: string; conflicts: [] } | { oid: null; conflicts: MergeConflict[] };

async function mergeLocked(r: Repo, opts: { target: string; source: string; base: string; message: string; at: number; resolved?: Record<string, string>; theirsWins?: (path: string) => boolean }): Promise<MergeResult> {
  const [t, s] = [await resolve(r, opts.target), await resolve(r, opts.source)];
  if (!t || !s) throw new Error(`cannot merge ${opts.source} into ${opts.target}: a branch is missing`);
  if (t === s) return { oid: t, conflicts: [] };
  const [baseTree, ours, theirs] = [await flatTree(r, opts.base), await flatTree(r, t), await flatTree(r, s)];
  const out = new Map(ours);
  const conflicts: MergeConflict[] = [];
  const paths = new Set([...ours.keys(), ...theirs.keys()]);
  for (const p of paths) {
    const [b, o, th] = [baseTree.get(p), ours.get(p), theirs.get(p)];
    if (o === th || th === b) continue;
    if (o === b) {
      if (th === undefined) out.delete(p);
      else out.set(p, th);
      continue;
    }
    if (opts.theirsWins?.(p)) {
      if (th === undefined) out.delete(p);
      else out.set(p, th);
      continue;
    }
    const fix = opts.resolved?.[p];
    if (fix !== undefined) {
      out.set(p, writeBlob(r, Buffer.from(fix, 'utf8')));
      continue;
    }
    conflicts.push({ path: p, ours: o ? await readBlobText(r, o) : '', theirs: th ? await readBlobText(r, th) : '' });
  }
  if (conflicts.length) return { oid: null, conflicts };
  const oid = await writeCommit(r, await writeFlatTree(r, out), [t, s], opts.message, opts.at);
  await setRef(r, opts.target, oid);
  return { oid, conflicts: [] };
}

/**
 * Merge a branch into main under the main lock, with the work tree first
 * committed (syncMain) and the merged files written into it before the lock
 * is released: no other thread or process sees main ahead of the work tree.
 */
export async function mergeIntoMain(
  dataDir: string,
  opts: { source: string; base: string; message: string; at: number; resolved?: Record<string, string> },
): Promise<{ m: MergeResult; changed: string[] }> {
  const r = repoOf(dataDir);
  return withMainLock(r.gitdir, `merge ${opts.source}`, async () => {
    const before = await syncMain(dataDir, opts.at);
    const m = await mergeBranch(dataDir, { ...opts, target: MAIN });
    return { m, changed: m.oid ? await checkout(dataDir, before, m.oid) : [] };
  });
}

/** Write the files that differ between two commits of main into the work tree (atomically per file, side by side). */
export async function checkout(dataDir: string, from: string | null, to: string): Promise<string[]> {
  const r = repoOf(dataDir);
  const [a, b] = [await flatTree(r, from), await flatTree(r, to)];
  const changed = [...b].filter(([p, oid]) => a.get(p) !== oid);
  const write = async ([p, oid]: [string, string]) => {
    const abs = join(r.dir, ...p.split('/'));
    await mkdir(dirname(abs), { recursive: true });
    const tmp = tmpPath(abs);
    await writeFile(tmp, await readBlobBytes(r, oid));
    await rename(tmp, abs);
  };
  // At most 16 files at once (libuv's threads are shared with the rest of the process).
  for (let i = 0; i < changed.length; i += 16) await Promise.all(changed.slice(i, i + 16).map(write));
  return changed.map(([p]) => p);
}

/**
 * Whether `ancestor` is reachable from `oid` (following every parent). With
 * `since` (a commit `ancestor` descends from), the walk does not go past it:
 * nothing older can lead back to `ancestor`, and the search costs the commits
 * made since, not the whole history of the workspace.
 */
export async function isAncestor(r: Repo, ancestor: string, oid: string, since?: string): Promise<boolean> {
  const seen = new Set<string>();
  const queue = [oid];
  while (queue.length) {
    const x = queue.pop()!;
    if (x === ancestor) return true;
    if (seen.has(x) || x === since) continue;
    seen.add(x);
    queue.push(...(await readCommit(r, x)).commit.parent);
  }
  return false;
}

export interface CommitInfo {
  oid: string;
  message: string;
  author: string;
  at: string;
  role: string | null;
  action: string | null;
  parents: string[];
}

function info(c: { oid: string; commit: CommitObject }): CommitInfo {
  const m = /^\[([a-z0-9-]+)\] ([a-z0-9-]+):/.exec(c.commit.message);
  return {
    oid: c.oid,
    message: c.commit.message.trim(),
    author: c.commit.author.name,
    at: new Date(c.commit.author.timestamp * 1000).toISOString(),
    role: m?.[1] ?? null,
    action: m?.[2] ?? null,
    parents: c.commit.parent,
  };
}

/** Commits reachable from ref, newest first (every parent followed). */
export async function walkLog(r: Repo, ref: string, limit: number): Promise<{ oid: string; commit: CommitObject }[]> {
  const head = await resolve(r, ref);
  if (!head) return [];
  const seen = new Set<string>();
  const queue = [head];
  const out: { oid: string; commit: CommitObject }[] = [];
  while (queue.length && out.length < 10_000) {
    const oid = queue.shift()!;
    if (seen.has(oid)) continue;
    seen.add(oid);
    const c = await readCommit(r, oid);
    out.push(c);
    queue.push(...c.commit.parent);
  }
  out.sort((x, y) => y.commit.committer.timestamp - x.commit.committer.timestamp);
  return out.slice(0, Math.max(limit, 0) || out.length);
}

/** Commits of ref that changed path (against their first parent), newest first. */
export async function fileHistory(dataDir: string, path: string, ref: string, limit: number): Promise<CommitInfo[]> {
  const r = repoOf(dataDir);
  const out: CommitInfo[] = [];
  for (const c of await walkLog(r, ref, 0)) {
    const mine = (await flatTree(r, c.oid)).get(path);
    const parent = c.commit.parent[0] ? (await flatTree(r, c.commit.parent[0])).get(path) : undefined;
    if (mine !== parent) out.push(info(c));
    if (out.length >= limit) break;
  }
  return out;
}

export async function log(dataDir: string, ref: string, limit: number): Promise<(CommitInfo & { files: string[] })[]> {
  const r = repoOf(dataDir);
  const out: (CommitInfo & { files: string[] })[] = [];
  for (const c of await walkLog(r, ref, limit)) {
    const [mine, parent] = [await flatTree(r, c.oid), await flatTree(r, c.commit.parent[0] ?? null)];
    const files = [...new Set([...mine.keys(), ...parent.keys()])].filter((p) => mine.get(p) !== parent.get(p)).sort();
    out.push({ ...info(c), files });
  }
  return out;
}

export function unifiedDiff(path: string, before: string, after: string): { diff: string; added: number; removed: number } {
  if (before === after) return { diff: '', added: 0, removed: 0 };
  const p = diffLib().structuredPatch(`a/${path}`, `b/${path}`, before, after, '', '', { context: 3 });
  let added = 0;
  let removed = 0;
  const lines = [`--- a/${path}`, `+++ b/${path}`];
  for (const h of p.hunks) {
    lines.push(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`);
    for (const l of h.lines) {
      if (l.startsWith('+')) added++;
      else if (l.startsWith('-')) removed++;
      lines.push(l);
    }
  }
  return { diff: `${lines.join('\n')}\n`, added, removed };
}

/** The diff of a file at commit against its first parent (or `against`). */
export async function fileDiff(dataDir: string, path: string, commit: string, against?: string): Promise<{ base: string | null; diff: string; added: number; removed: number; commit: string }> {
  const r = repoOf(dataDir);
  const full = await gitLib().expandOid({ ...g(r), oid: commit });
  const c = await readCommit(r, full);
  const base = against ? await gitLib().expandOid({ ...g(r), oid: against }) : (c.commit.parent[0] ?? null);
  const text = async (oid: string | null) => {
    const b = oid ? (await flatTree(r, oid)).get(path) : undefined;
    return b ? readBlobText(r, b) : '';
  };
  return { base, commit: full, ...unifiedDiff(path, await text(base), await text(full)) };
}

/** Every file that differs between two commits, with its diff. */
export async function treeDiff(dataDir: string, from: string | null, to: string): Promise<{ path: string; status: 'added' | 'modified' | 'deleted'; diff: string }[]> {
  const r = repoOf(dataDir);
  const [a, b] = [await flatTree(r, from), await flatTree(r, to)];
  const out: { path: string; status: 'added' | 'modified' | 'deleted'; diff: string }[] = [];
  for (const p of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const [x, y] = [a.get(p), b.get(p)];
    if (x === y) continue;
    const before = x ? await readBlobText(r, x) : '';
    const after = y ? await readBlobText(r, y) : '';
    out.push({ path: p, status: !x ? 'added' : !y ? 'deleted' : 'modified', diff: unifiedDiff(p, before, after).diff });
  }
  return out;
}
