/**
 * The lock of the workspace's main branch (docs/playbooks.md, "The workspace"):
 * merges of phases and the commits of files changed outside playbooks run
 * from several Bree worker threads, the main thread and other processes (the
 * CLI) on the same data folder, so the lock is a file created with O_EXCL
 * (`wx`) in the repository. Its holder (pid, thread, token) refreshes its
 * mtime while it works; a lock whose process is gone, or not refreshed for
 * STALE_MS (a thread or process killed mid-merge), is taken over. Re-entrant
 * within one async call chain (a merge that syncs main first).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';

export const LOCK_FILE = 'baton-main.lock';
/** A lock not refreshed for this long is stale (its holder refreshes it every STALE_MS / 4). */
export const STALE_MS = 20_000;
/** How long a merge waits for the lock before it gives up with a message naming the file. */
export const WAIT_MS = 180_000;

interface Holder {
  pid: number;
  thread: number;
  token: string;
  at: number;
}

const held = new AsyncLocalStorage<Set<string>>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): { h: Holder | null; mtime: number } | null {
  try {
    const mtime = statSync(file).mtimeMs;
    let h: Holder | null = null;
    try {
      h = JSON.parse(readFileSync(file, 'utf8')) as Holder;
    } catch {
      h = null; // being written, or damaged: judged by its age
    }
    return { h, mtime };
  } catch {
    return null; // gone meanwhile
  }
}

/** Take the lock away from a dead or silent holder: renamed aside, then checked to be the one judged stale. */
function takeOver(file: string, seen: Holder | null): void {
  const aside = `${file}.stale-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch {
    return; // someone else took it over (or it was released)
  }
  let now: Holder | null = null;
  try {
    now = JSON.parse(readFileSync(aside, 'utf8')) as Holder;
  } catch {
    now = null;
  }
  if (seen && now && now.token !== seen.token) {
    // A fresh lock was created between our look and the rename: give it back (unless another one is there already).
    try {
      linkSync(aside, file);
    } catch {
      /* a third holder took the place; the file it wrote stands */
    }
  }
  rmSync(aside, { force: true });
}

async function acquire(file: string, what: string): Promise<() => void> {
  const me: Holder = { pid: process.pid, thread: threadId, token: randomBytes(8).toString('hex'), at: Date.now() };
  const t0 = Date.now();
  let wait = 5;
  for (;;) {
    try {
      writeFileSync(file, JSON.stringify(me), { flag: 'wx', mode: 0o600 });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const cur = readHolder(file);
    if (cur) {
      const silent = Date.now() - cur.mtime > STALE_MS;
      const dead = cur.h !== null && cur.h.pid !== process.pid && !alive(cur.h.pid);
      if (silent || dead) {
        takeOver(file, cur.h);
        continue;
      }
      if (Date.now() - t0 > WAIT_MS) {
        throw new Error(
          `The workspace's main branch is locked by ${cur.h ? `process ${cur.h.pid} (thread ${cur.h.thread}) since ${new Date(cur.h.at).toISOString()}` : 'another merge'} and was not released within ${WAIT_MS / 1000} s (${what}). If no Baton is running on this data folder, delete ${file}.`,
        );
      }
    }
    await new Promise((r) => setTimeout(r, wait + Math.random() * wait));
    wait = Math.min(wait * 2, 100);
  }
  const beat = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(file, now, now);
    } catch {
      /* taken over: the release below notices */
    }
  }, STALE_MS / 4);
  beat.unref?.();
  return () => {
    clearInterval(beat);
    try {
      if ((JSON.parse(readFileSync(file, 'utf8')) as Holder).token === me.token) rmSync(file, { force: true });
    } catch {
      /* already gone */
    }
  };
}

/** Run fn holding the lock of the workspace's main branch (gitdir: the repository folder). */
export async function withMainLock<T>(gitdir: string, what: string, fn: () => Promise<T>): Promise<T> {
  const file = join(gitdir, LOCK_FILE);
  const mine = held.getStore();
  if (mine?.has(file)) return fn();
  mkdirSync(gitdir, { recursive: true });
  const release = await acquire(file, what);
  try {
    return await held.run(new Set([...(mine ?? []), file]), fn);
  } finally {
    release();
  }
}
