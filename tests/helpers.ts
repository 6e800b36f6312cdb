import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Core, CoreOptions } from '../electron/core/core';
import { openBaton } from '../electron/core';
import type { AnyDomain } from '../electron/core/domain';
import { EnvSecretStore } from '../electron/core/secrets';

/** A fresh data folder under the OS temp dir; removed by the returned cleanup. */
export function tempDir(prefix = 'baton-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A real Core on a real SQLite file in a temp folder, secrets from a private env. */
export async function openTestCore(opts: Partial<CoreOptions> & { env?: NodeJS.ProcessEnv; domains?: readonly AnyDomain[] } = {}): Promise<{ core: Core; dir: string; cleanup: () => Promise<void> }> {
  const { dir, cleanup } = tempDir();
  const core = await openBaton(
    {
    dataDir: opts.dataDir ?? dir,
    host: opts.host ?? 'cli',
    secrets: opts.secrets ?? new EnvSecretStore(opts.env ?? {}, 'tests'),
    ...(opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}),
    },
    ...(opts.domains ? [opts.domains] : []),
  );
  return {
    core,
    dir: opts.dataDir ?? dir,
    cleanup: async () => {
      await core.close();
      cleanup();
    },
  };
}
