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
import { AI_BUDGET_EVENT, AI_KEY_EVENT } from './node-support';
import { engineOf, publishEvent } from '../engine';
import { waitingAiSteps, waitingForKeyRuns } from './waiting';

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
    'ai.waiting': async () => waitingAiSteps(core.db, (await core.secrets.get(ANTHROPIC_KEY)) !== null),
    'ai.release': async ({ action }) => {
      const keyPresent = (await core.secrets.get(ANTHROPIC_KEY)) !== null;
      const before = waitingAiSteps(core.db, keyPresent);
      if (action === 'run') {
        if (!keyPresent) {
          throw new ApiError('conflict', `No Anthropic key is stored: save it first (Settings > AI, or baton secrets set ${ANTHROPIC_KEY}). The ${before.key} AI step(s) keep waiting.`, [
            { path: 'action', message: 'no key stored' },
          ]);
        }
        if (before.key) await publishEvent(core, { type: AI_KEY_EVENT, data: { action } });
        core.log.info('AI steps released', { steps: before.key });
        return { action, steps: before.key, runsCancelled: 0, message: before.key ? `${before.key} AI step(s) run now, under the daily cap.` : 'No AI step was waiting for the key.' };
      }
      const engine = engineOf(core);
      const { steps, roots } = waitingForKeyRuns(core.db);
      let cancelled = 0;
      engine.store.tx(() => {
        for (const id of roots) {
          if (engine.store.finishRun(id, 'cancelled', { message: 'Discarded: an AI step of this run waited for the Anthropic key and was discarded when the key was saved (ai.release discard).', code: 'ai_discarded' })) cancelled++;
        }
      });
      engine.wake();
      core.log.info('AI steps discarded', { steps, runs: cancelled });
      return { action, steps, runsCancelled: cancelled, message: steps ? `Discarded ${steps} waiting AI step(s): ${cancelled} run(s) cancelled.` : 'No AI step was waiting for the key.' };
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
 * daily cap, workspace documents and prompt templates. AI steps waiting for
 * budget resume when an ai.* setting changes; those waiting for the key run
 * when the person says so (ai.release).
 */
export const aiDomain = defineDomain({
  id: 'ai',
  description: 'Claude: ai.generate and ai.review nodes, the usage ledger and daily spend cap, brand documents and deliverables.',
  ops: aiOps,
  events: aiEventTypes,
  nodes: AI_NODES,
  requires: ['engine'],
  settings: ['ai.model', 'ai.maxTokens', 'ai.confidenceThreshold', 'ai.dailyCapUsd', 'ai.prices', 'ai.baseUrl', 'ai.timeoutMs', 'ai.keyWaitHours', 'ai.maxRetries', 'ai.maxFieldChars', 'ai.maxDataChars'],
  create(core) {
    // Saving the key releases nothing by itself: steps waiting for it wait for the person's choice
    // (ai.release run | discard; the Settings page asks right after the key is saved).
    // Steps waiting for budget try again when an ai.* setting changes (a higher cap, other prices).
    const offSettings = core.bus.on('settings.changed', ({ key }) => {
      if (!key.startsWith('ai.')) return;
      publishEvent(core, { type: AI_BUDGET_EVENT, data: { why: key } }).catch((e: unknown) => core.log.warn('could not wake AI steps waiting for budget', { error: e as Error }));
    });
    return { handlers: aiHandlers(core), onClose: () => offSettings() };
  },
});
