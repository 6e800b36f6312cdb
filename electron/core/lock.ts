import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LOCK = 'baton.pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of a live Baton host on this data folder, or null. */
export function lockHolder(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dataDir, LOCK), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) ? pid : null;
  } catch {
    return null;
  }
}

/** Mark this process as the host running on the data folder (a stale lock from a killed process is taken over). */
export function acquireLock(dataDir: string): () => void {
  const holder = lockHolder(dataDir);
  if (holder) throw new Error(`Baton is already running on ${dataDir} (pid ${holder}). Stop it first or use another --data folder.`);
  const file = join(dataDir, LOCK);
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // A lock file is there: a live holder (maybe one that won the race just now) wins; a stale one is replaced.
    const again = lockHolder(dataDir);
    if (again) throw new Error(`Baton is already running on ${dataDir} (pid ${again}). Stop it first or use another --data folder.`);
    writeFileSync(file, String(process.pid), { mode: 0o600 });
  }
  return () => {
    try {
      if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file, { force: true });
    } catch {
      /* already gone */
    }
  };
}
