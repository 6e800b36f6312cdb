/**
 * The one host bootstrap, used by `baton serve` and by the desktop app's main
 * process alike (docs/architecture.md, "Hosts"):
 *
 *   data folder (the one default per OS, an earlier folder moved in once)
 *   -> lock -> scheduled restore -> open the core -> start its services
 *   -> serve the HTTP surface (API, WebSocket events, web UI, public routes)
 *   -> write server.json;  close() undoes it all in reverse.
 *
 * Both hosts serve the same surface with the same defences (token, Host and
 * Origin checks, loopback bind); the desktop app binds 127.0.0.1 on the port of
 * the `server.port` setting (4717), so a browser tab, the CLI and webhooks
 * reach the engine while the window is the host. When its port is taken, the
 * desktop app keeps running without it and says why (`httpError`).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SystemInfo } from '../../shared/api';
import { openBaton, type Core } from '../core';
import { applyPendingRestore } from '../core/backup';
import { resolveHostDataDir, type DataDirResult, type MoveResult } from '../core/data-move';
import { acquireLock } from '../core/lock';
import { hereContext, type PathContext } from '../core/paths';
import { resourcesDir } from '../core/resources';
import type { SecretStore, SecretStoreOptions } from '../core/secrets';
import { DEFAULT_PORT, startServer, type BatonServer } from './index';
import { writeServerInfo } from './runtime';

/** Where the one-time data move is shown until the person dismisses it (dashboard). */
export const DATA_MOVED_SETTING = 'host.dataMoved';

export interface HostHttpOptions {
  /** Interface to bind (127.0.0.1; the desktop app never binds anything else). */
  host?: string;
  /** 0 picks a free port; unset: the `server.port` setting, else 4717. */
  port?: number;
  allowHosts?: string[];
  rendererDir?: string;
  trustProxy?: boolean;
}

export interface HostOptions {
  host: Exclude<SystemInfo['host'], 'cli'>;
  /** --data DIR; unset: BATON_DATA_DIR, else the OS default (with the one-time move). */
  dataDir?: string;
  paths?: PathContext;
  nativeBinding?: string;
  secrets?: SecretStore;
  secretOptions?: SecretStoreOptions;
  /** The HTTP surface, or false for none. */
  http: HostHttpOptions | false;
  /** Keep running without the HTTP surface when it cannot listen (the desktop app). */
  httpOptional?: boolean;
  /** Told what a person should know: the data move, a scheduled restore, a port in use. */
  notice?(message: string, level: 'info' | 'warn'): void;
}

export interface RunningHost {
  core: Core;
  dataDir: string;
  server: BatonServer | null;
  /** Why the HTTP surface is not up (the desktop app with its port taken), else null. */
  httpError: string | null;
  moved: MoveResult | null;
  /** Stop serving, stop the services, close the core, release the lock (once). */
  close(): Promise<void>;
}

/** A start error a person can act on (port in use, address not of this machine). */
export class HostStartError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

function listenError(e: unknown, host: string, port: number, flags: boolean): HostStartError | null {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new HostStartError(
      flags
        ? `Port ${port} on ${host} is already in use. Pick another with --port N (0 picks a free one).`
        : `Port ${port} on ${host} is already in use, so the browser UI, the CLI's link and webhooks cannot reach this app. Set another port in Settings (server.port) and restart Baton.`,
      code,
    );
  }
  if (code === 'EADDRNOTAVAIL') return new HostStartError(`--host ${host} is not an address of this machine. Use 127.0.0.1 (the default) or one of this machine's addresses.`, code);
  return null;
}

export async function startHost(opts: HostOptions): Promise<RunningHost> {
  const notice = opts.notice ?? (() => {});
  const where: DataDirResult = resolveHostDataDir(opts.dataDir, opts.paths ?? hereContext());
  const dataDir = where.dataDir;
  if (where.moved) notice(where.moved.message, 'info');
  if (where.notice) notice(where.notice, 'info');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // One host runs the engine on a data folder: the second one is refused here.
  const release = acquireLock(dataDir);
  let core: Core;
  try {
    const restored = await applyPendingRestore(dataDir, join(resourcesDir(), 'migrations'));
    if (restored) {
      notice(
        restored.restored
          ? `Restored the scheduled backup ${restored.file}${restored.safetyBackup ? ` (the data it replaced: ${restored.safetyBackup})` : ''}.`
          : `The scheduled restore of ${restored.file} was not applied: ${restored.error}`,
        restored.restored ? 'info' : 'warn',
      );
    }
    core = await openBaton({
      dataDir,
      host: opts.host,
      ...(opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}),
      ...(opts.secrets ? { secrets: opts.secrets } : {}),
      ...(opts.secretOptions ? { secretOptions: opts.secretOptions } : {}),
    });
    if (restored) core.log[restored.restored ? 'info' : 'warn']('scheduled restore', restored);
    if (where.moved) {
      core.log.info('data folder moved', { from: where.moved.from, to: where.moved.to });
      core.setSetting(DATA_MOVED_SETTING, { from: where.moved.from, to: where.moved.to, at: where.moved.movedAt });
    }
    if (where.notice) core.log.info('earlier data folder left alone', { notice: where.notice });
  } catch (e) {
    release();
    throw e;
  }

  let server: BatonServer | null = null;
  let httpError: string | null = null;
  let forget: () => void = () => {};
  try {
    await core.start();
    if (opts.http) {
      const bind = opts.http.host ?? '127.0.0.1';
      const port = opts.http.port ?? portSetting(core);
      try {
        server = await startServer(core, {
          host: bind,
          port,
          closeCore: false,
          ...(opts.http.allowHosts ? { allowHosts: opts.http.allowHosts } : {}),
          ...(opts.http.rendererDir ? { rendererDir: opts.http.rendererDir } : {}),
          ...((opts.http.trustProxy ?? core.setting<unknown>('server.trustProxy', false) === true) ? { trustProxy: true } : {}),
        });
      } catch (e) {
        const known = listenError(e, bind, port, opts.host === 'server');
        if (!opts.httpOptional) throw known ?? e;
        httpError = known?.message ?? `The HTTP surface could not start: ${(e as Error).message}`;
        core.log.warn('HTTP surface not started', { host: bind, port, error: e as Error });
        notice(httpError, 'warn');
      }
      if (server) forget = writeServerInfo(dataDir, { url: server.url, host: server.host, port: server.port, pid: process.pid, startedAt: new Date().toISOString() });
    }
  } catch (e) {
    // Damage met while starting (a stored workflow that no longer parses) names the backup too.
    const damage = core.damage(e);
    await core.close();
    release();
    throw damage ?? e;
  }

  let closing: Promise<void> | null = null;
  return {
    core,
    dataDir,
    server,
    httpError,
    moved: where.moved,
    close: () =>
      (closing ??= (async () => {
        try {
          if (server) await server.close();
        } finally {
          try {
            await core.close();
          } finally {
            forget();
            release();
          }
        }
      })()),
  };
}

/** The port of the `server.port` setting (a whole number 0-65535), else 4717. */
function portSetting(core: Core): number {
  const v = core.setting<unknown>('server.port', null);
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535 ? v : DEFAULT_PORT;
}

