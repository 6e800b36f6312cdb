/** Shared setup for the AI tests: a real core on a temp SQLite file, the fake Claude, a runtime-built fake key. */
import type { Core } from '../../electron/core/core';
import { coreAiEnv, type AiEnv } from '../../electron/core/ai';
import { EnvSecretStore } from '../../electron/core/secrets';
import { openTestCore } from '../helpers';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic';

/** A fake Anthropic key, built at runtime (never a literal key in the sources). */
export const fakeKey = (): string => ['test', 'anthropic', 'key', String(process.pid)].join('-');

export interface AiTestRig {
  core: Core;
  env: AiEnv;
  claude: FakeAnthropic;
  key: string;
  dir: string;
  escalations: { severity: string; title: string; detail: string; key?: string; pinned?: boolean }[];
  close(): Promise<void>;
}

export async function aiRig(opts: { withKey?: boolean; settings?: Record<string, unknown> } = {}): Promise<AiTestRig> {
  const key = fakeKey();
  const claude = await startFakeAnthropic({ apiKey: key });
  const secretEnv: NodeJS.ProcessEnv = opts.withKey === false ? {} : { BATON_SECRET_ANTHROPIC_API_KEY: key };
  const { core, dir, cleanup } = await openTestCore({ secrets: new EnvSecretStore(secretEnv, 'tests') });
  core.setSetting('ai.baseUrl', claude.url);
  core.setSetting('ai.maxRetries', 0);
  for (const [k, v] of Object.entries(opts.settings ?? {})) core.setSetting(k, v);
  const escalations: AiTestRig['escalations'] = [];
  const env = coreAiEnv(core, { escalate: (e) => void escalations.push(e) });
  return {
    core,
    env,
    claude,
    key,
    dir,
    escalations,
    close: async () => {
      await claude.close();
      await cleanup();
    },
  };
}
