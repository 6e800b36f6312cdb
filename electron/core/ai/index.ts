/**
 * The AI domain: Claude client, usage ledger, workspace documents and prompt
 * templates. The domain serves ai.status, ai.usage and docs.* (listed in
 * DOMAINS of electron/core/index.ts); the engine's ai.generate / ai.review
 * nodes call into generate.ts.
 */
import { aiEventTypes, aiOps, ApiError } from '../../../shared/api';
import type { HandlerMap } from '../api/types';
import type { Core } from '../core';
import { defineDomain } from '../domain';
import { AI_NODES } from './nodes';
import { aiSettings, AiSettingsError, ANTHROPIC_KEY, localDay, type AiEnv } from './env';
import { spentOn, usageReport } from './ledger';
import { getDoc, listDocs, putDoc } from './workspace';
import { AI_READY_EVENT } from './node-support';
import { publishEvent } from '../engine';

export { AiStepError, callClaude, mapClaudeError } from './claude';
export { aiSettings, ANTHROPIC_KEY, type AiEnv } from './env';

/** The AiEnv of a core in the main thread (events go to the bus). */
export function coreAiEnv(core: Core, extra: Partial<AiEnv> = {}): AiEnv {
  return {
    orm: core.orm,
    setting: (k, f) => core.setting(k, f),
    secrets: core.secrets,
    log: core.log,
    dataDir: core.dataDir,
    emit: (name, payload) => core.bus.emit(name, payload),
    ...extra,
  };
}

export function aiHandlers(core: Core): HandlerMap<keyof typeof aiOps> {
  const settings = () => {
    try {
      return aiSettings(core);
    } catch (e) {
      if (e instanceof AiSettingsError) throw new ApiError('invalid_input', e.message);
      throw e;
    }
  };
  return {
    'ai.status': async () => {
      const s = settings();
      const spentTodayUsd = spentOn(core.orm, localDay(new Date()));
      return {
        keyPresent: (await core.secrets.get(ANTHROPIC_KEY)) !== null,
        model: s.model,
        maxTokens: s.maxTokens,
        baseUrl: s.baseUrl,
        dailyCapUsd: s.dailyCapUsd,
        spentTodayUsd: Math.round(spentTodayUsd * 1e6) / 1e6,
        capReached: s.dailyCapUsd !== null && spentTodayUsd >= s.dailyCapUsd,
        confidenceThreshold: s.confidenceThreshold,
        prices: s.prices,
      };
    },
    'ai.usage': ({ runId, from, to }) => {
      if (from && to && from > to) throw new ApiError('invalid_input', 'from: must be on or before "to"', [{ path: 'from', message: 'after to' }]);
      return usageReport(core.orm, { runId, from, to });
    },
    'docs.list': ({ kind }) => ({ docs: listDocs(core.dataDir, kind) }),
    'docs.get': ({ path }) => getDoc(core.dataDir, path),
    'docs.put': ({ path, content }) => {
      const doc = putDoc(core.dataDir, path, content);
      core.bus.emit('docs.changed', { path: doc.path });
      return doc;
    },
  };
}

/**
 * The AI domain: Claude (ai.generate, ai.review nodes), the usage ledger and
 * daily cap, workspace documents and prompt templates. AI steps waiting for a
 * key or for budget resume when the key is stored or an ai.* setting changes.
 */
export const aiDomain = defineDomain({
  id: 'ai',
  description: 'Claude: ai.generate and ai.review nodes, the usage ledger and daily spend cap, brand documents and deliverables.',
  ops: aiOps,
  events: aiEventTypes,
  nodes: AI_NODES,
  requires: ['engine'],
  settings: ['ai.model', 'ai.maxTokens', 'ai.confidenceThreshold', 'ai.dailyCapUsd', 'ai.prices', 'ai.baseUrl', 'ai.timeoutMs', 'ai.maxRetries', 'ai.maxFieldChars', 'ai.maxDataChars'],
  create(core) {
    // AI steps waiting for a key or for budget resume when the key is stored or an ai.* setting changes.
    const ready = (why: string) => {
      publishEvent(core, { type: AI_READY_EVENT, data: { why } }).catch((e: unknown) => core.log.warn('could not wake waiting AI steps', { error: e as Error }));
    };
    const offSecrets = core.bus.on('secrets.changed', ({ names }) => {
      if (names.includes(ANTHROPIC_KEY)) ready('key');
    });
    const offSettings = core.bus.on('settings.changed', ({ key }) => {
      if (key.startsWith('ai.')) ready(key);
    });
    return {
      handlers: aiHandlers(core),
      onClose: () => {
        offSecrets();
        offSettings();
      },
    };
  },
});
