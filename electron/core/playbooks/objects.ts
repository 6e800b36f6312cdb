/**
 * The workspace repository's loose objects and branch refs, read synchronously
 * and written without isomorphic-git (docs/playbooks.md, "The workspace"): the format of git
 * (zlib-deflated "type size\0content" files under objects/xx/, refs as files
 * under refs/heads/), so isomorphic-git and any git read what is written here
 * and this reads what they wrote. A playbook step's commit is a dozen small
 * objects: hashed and deflated at once, their files written side by side (one
 * round of disk latency instead of one per object, and none of the per-call
 * overhead of isomorphic-git's object store), then the ref moves. Objects only in a pack (a repository packed by
 * another git) and refs only in packed-refs return null: the caller falls back
 * to isomorphic-git.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { deflateSync, inflateSync } from 'node:zlib';

export type ObjectType = 'blob' | 'tree' | 'commit';

const objectPath = (gitdir: string, oid: string) => join(gitdir, 'objects', oid.slice(0, 2), oid.slice(2));

let tmpSeq = 0;
/** A temp file beside `path`, unique to this process, thread and write (no random bytes to draw for each of the dozens of files a commit writes). */
export const tmpPath = (path: string) => `${path}.tmp-${process.pid}-${threadId}-${++tmpSeq}`;

export function hashObject(type: ObjectType, content: Buffer): { oid: string; raw: Buffer } {
  const raw = Buffer.concat([Buffer.from(`${type} ${content.length}\0`), content]);
  return { oid: createHash('sha1').update(raw).digest('hex'), raw };
}

/** Known to exist (objects are never deleted): no stat for an object written or read before in this thread. */
const known = new Set<string>();
/** Objects being written, per repository: a commit's ref is written only once they all are (flushObjects). */
const pending = new Map<string, Map<string, Promise<void>>>();

/**
 * Write a file atomically (a temp file renamed over it): readers in other threads never see half of it.
 * Asynchronous: renaming over an existing file (a ref) waits for its data on ext4 (~2 ms), and the
 * steps of a fan-out that share this worker go on meanwhile.
 */
async function writeAtomic(path: string, data: Buffer | string): Promise<void> {
  const tmp = tmpPath(path);
  try {
    try {
      await writeFile(tmp, data);
    } catch (e) {
      // Its folder is made only when missing (nearly never: objects/xx and refs/heads/… stay), not before every write.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      await mkdir(dirname(path), { recursive: true });
      await writeFile(tmp, data);
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * An object's id, its file written in the background: the objects of a
 * commit (its blobs, trees and the commit) are hashed at once and their files
 * written side by side, then flushObjects waits for them before the ref moves.
 */
export function writeObject(gitdir: string, type: ObjectType, content: Buffer): string {
  const { oid, raw } = hashObject(type, content);
  const key = `${gitdir}:${oid}`;
  if (known.has(key)) return oid;
  let mine = pending.get(gitdir);
  if (mine?.has(oid)) return oid;
  const path = objectPath(gitdir, oid);
  if (existsSync(path)) {
    known.add(key);
    return oid;
  }
  if (!mine) pending.set(gitdir, (mine = new Map()));
  const p = writeAtomic(path, deflateSync(raw, { level: 1 })).then(() => {
    if (known.size > 50_000) known.clear();
    known.add(key);
    mine.delete(oid);
  });
  // A failure is reported by flushObjects (the commit that needs the object fails), never unhandled.
  p.catch(() => undefined);
  mine.set(oid, p);
  return oid;
}

/** Wait until every object this thread started writing to the repository is on disk. */
export async function flushObjects(gitdir: string): Promise<void> {
  const mine = pending.get(gitdir);
  if (mine?.size) await Promise.all([...mine.values()]);
}

/** A loose object's type and content, or null when it is not a loose object (packed, or absent). */
export function readObject(gitdir: string, oid: string): { type: string; content: Buffer } | null {
  let raw: Buffer;
  try {
    raw = inflateSync(readFileSync(objectPath(gitdir, oid)));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const nul = raw.indexOf(0);
  const [type] = raw.subarray(0, nul).toString('latin1').split(' ');
  known.add(`${gitdir}:${oid}`);
  return { type: type!, content: raw.subarray(nul + 1) };
}

export interface TreeEntry {
  mode: string;
  path: string;
  oid: string;
  type: 'blob' | 'tree' | 'commit';
}

export function parseTree(content: Buffer): TreeEntry[] {
  const out: TreeEntry[] = [];
  let i = 0;
  while (i < content.length) {
    const sp = content.indexOf(0x20, i);
    const nul = content.indexOf(0, sp);
    const mode = content.subarray(i, sp).toString('latin1');
    const path = content.subarray(sp + 1, nul).toString('utf8');
    const oid = content.subarray(nul + 1, nul + 21).toString('hex');
    out.push({ mode, path, oid, type: mode === '40000' || mode === '040000' ? 'tree' : mode === '160000' ? 'commit' : 'blob' });
    i = nul + 21;
  }
  return out;
}

/** Git's tree order: by name, a directory compared as "name/". */
export function serializeTree(entries: readonly { mode: string; path: string; oid: string; type: string }[]): Buffer {
  const key = (e: { path: string; type: string }) => Buffer.from(e.type === 'tree' ? `${e.path}/` : e.path, 'utf8');
  const sorted = [...entries].sort((a, b) => Buffer.compare(key(a), key(b)));
  return Buffer.concat(sorted.flatMap((e) => [Buffer.from(`${e.type === 'tree' ? '40000' : e.mode} ${e.path}\0`, 'utf8'), Buffer.from(e.oid, 'hex')]));
}

export interface Person {
  name: string;
  email: string;
  timestamp: number;
  timezoneOffset: number;
}
export interface CommitObject {
  tree: string;
  parent: string[];
  author: Person;
  committer: Person;
  message: string;
}

const fmtPerson = (p: Person) => {
  const off = -p.timezoneOffset;
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${p.name} <${p.email}> ${p.timestamp} ${sign}${String(Math.floor(a / 60)).padStart(2, '0')}${String(a % 60).padStart(2, '0')}`;
};
function parsePerson(s: string): Person {
  const m = /^(.*) <(.*)> (\d+) ([+-])(\d{2})(\d{2})$/.exec(s);
  if (!m) return { name: s, email: '', timestamp: 0, timezoneOffset: 0 };
  const off = Number(m[5]) * 60 + Number(m[6]);
  return { name: m[1]!, email: m[2]!, timestamp: Number(m[3]), timezoneOffset: m[4] === '-' ? off : -off };
}

export function serializeCommit(c: CommitObject): Buffer {
  const lines = [`tree ${c.tree}`, ...c.parent.map((p) => `parent ${p}`), `author ${fmtPerson(c.author)}`, `committer ${fmtPerson(c.committer)}`];
  return Buffer.from(`${lines.join('\n')}\n\n${c.message}`, 'utf8');
}

export function parseCommit(content: Buffer): CommitObject {
  const text = content.toString('utf8');
  const split = text.indexOf('\n\n');
  const head = split < 0 ? text : text.slice(0, split);
  const c: CommitObject = { tree: '', parent: [], author: parsePerson(''), committer: parsePerson(''), message: split < 0 ? '' : text.slice(split + 2) };
  for (const line of head.split('\n')) {
    if (line.startsWith(' ')) continue; // continuation of a multi-line header (gpgsig)
    const sp = line.indexOf(' ');
    const [k, v] = [line.slice(0, sp), line.slice(sp + 1)];
    if (k === 'tree') c.tree = v;
    else if (k === 'parent') c.parent.push(v);
    else if (k === 'author') c.author = parsePerson(v);
    else if (k === 'committer') c.committer = parsePerson(v);
  }
  return c;
}

/** A branch's commit from its ref file (null: no such loose ref; the caller asks isomorphic-git, which knows packed-refs). */
export function readBranchRef(gitdir: string, ref: string): string | null {
  if (/^[0-9a-f]{40}$/.test(ref)) return ref;
  for (const name of ref.startsWith('refs/') ? [ref] : [`refs/heads/${ref}`, `refs/${ref}`]) {
    try {
      const v = readFileSync(join(gitdir, ...name.split('/')), 'utf8').trim();
      if (/^[0-9a-f]{40}$/.test(v)) return v;
      if (v.startsWith('ref: ')) return readBranchRef(gitdir, v.slice(5));
    } catch {
      /* next candidate */
    }
  }
  return null;
}

export function writeBranchRef(gitdir: string, branch: string, oid: string): Promise<void> {
  return writeAtomic(join(gitdir, 'refs', 'heads', ...branch.split('/')), `${oid}\n`);
}
