import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lockHolder } from '../core/lock';

/** <data>/server.json: where a running `baton serve` listens (no secrets in it). */
export const SERVER_INFO_FILE = 'server.json';

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  pid: number;
  startedAt: string;
}

export function writeServerInfo(dataDir: string, info: RunningServer): () => void {
  const file = join(dataDir, SERVER_INFO_FILE);
  writeFileSync(file, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 });
  return () => {
    try {
      const cur = JSON.parse(readFileSync(file, 'utf8')) as RunningServer;
      if (cur.pid === info.pid) rmSync(file, { force: true });
    } catch {
      /* already gone */
    }
  };
}

/** The server running on this data folder, when its process still holds the lock. */
export function runningServer(dataDir: string): RunningServer | null {
  try {
    const info = JSON.parse(readFileSync(join(dataDir, SERVER_INFO_FILE), 'utf8')) as RunningServer;
    return lockHolder(dataDir) === info.pid ? info : null;
  } catch {
    return null;
  }
}
