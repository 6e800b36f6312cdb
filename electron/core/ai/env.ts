/**
 * What the AI code needs from its host: the store, settings, the secret store,
 * the log and the data folder. `Core` satisfies it as is; the engine's node
 * context (in the main thread or in a Bree worker) builds one from its own
 * connection, so the AI code never depends on where it runs.
 */
import { z } from 'zod';
import { PriceTable, type ModelPrice } from '../../../shared/contract/ai';
import type { Orm } from '../db/open';

export interface AiEnv {
  orm: Orm;
  setting<T>(key: string, fallback: T): T;
  secrets: { get(name: string): Promise<string | null> };
  log: {
    info(msg: string, fields?: Record<string, unknown>): void;
    warn(msg: string, fields?: Record<string, unknown>): void;
    redactValue?(value: string): void;
  };
  dataDir: string;
  /** Injectable clock (tests); defaults to the wall clock. */
  now?: () => Date;
  /** Raise an escalation (the engine's; tray notification on the desktop). */
  escalate?: (e: { severity: 'info' | 'warning' | 'critical'; title: string; detail: string; key?: string; pinned?: boolean }) => void | Promise<void>;
  /** Push an event to the hosts (core.bus.emit). */
  emit?: (name: 'ai.capReached', payload: { day: string; spentUsd: number; capUsd: number }) => void;
}

export const ANTHROPIC_KEY = 'ANTHROPIC_API_KEY';

/**
 * Default prices in USD per million tokens (Anthropic's list prices when this
 * was written). Edit them with the `ai.prices` setting; a model missing from
 * the table is charged at the most expensive known price and flagged
 * "estimated", so the daily cap errs on the safe side.
 */
export const DEFAULT_PRICES: Record<string, ModelPrice> = {
  'claude-opus-4-6': { inputPerMTok: 5, outputPerMTok: 25 },
  'claude-sonnet-4-6': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-opus-4-5': { inputPerMTok: 5, outputPerMTok: 25 },
  'claude-sonnet-4-5': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-haiku-4-5': { inputPerMTok: 1, outputPerMTok: 5 },
  'claude-opus-4-1': { inputPerMTok: 15, outputPerMTok: 75 },
};

export interface AiSettings {
  baseUrl: string | null;
  model: string;
  maxTokens: number;
  timeoutMs: number;
  maxRetries: number;
  prices: Record<string, ModelPrice>;
  dailyCapUsd: number | null;
  confidenceThreshold: number;
  /** Untrusted text: each field keeps its first N characters. */
  maxFieldChars: number;
  /** Untrusted text: the whole data block keeps at most N characters. */
  maxDataChars: number;
}

const AiSettingsSchema = z.object({
  baseUrl: z.url({ protocol: /^https?$/, error: 'use an http(s) URL such as https://api.anthropic.com' }).nullable(),
  model: z.string().min(1, 'name a Claude model such as claude-sonnet-4-5'),
  maxTokens: z.number().int().min(1).max(128_000),
  timeoutMs: z.number().int().min(1_000, 'at least 1000 ms').max(3_600_000),
  maxRetries: z.number().int().min(0).max(10),
  prices: PriceTable,
  dailyCapUsd: z.number().positive('use a positive amount, or null for no cap').nullable(),
  confidenceThreshold: z.number().min(0).max(1),
  maxFieldChars: z.number().int().min(50).max(200_000),
  maxDataChars: z.number().int().min(500).max(1_000_000),
});

const KEYS: Record<keyof AiSettings, string> = {
  baseUrl: 'ai.baseUrl',
  model: 'ai.model',
  maxTokens: 'ai.maxTokens',
  timeoutMs: 'ai.timeoutMs',
  maxRetries: 'ai.maxRetries',
  prices: 'ai.prices',
  dailyCapUsd: 'ai.dailyCapUsd',
  confidenceThreshold: 'ai.confidenceThreshold',
  maxFieldChars: 'ai.maxFieldChars',
  maxDataChars: 'ai.maxDataChars',
};

export const AI_DEFAULTS: AiSettings = {
  baseUrl: null,
  model: 'claude-sonnet-4-6',
  maxTokens: 1024,
  timeoutMs: 120_000,
  maxRetries: 2,
  prices: DEFAULT_PRICES,
  dailyCapUsd: 10,
  confidenceThreshold: 0.7,
  maxFieldChars: 4_000,
  maxDataChars: 40_000,
};

export class AiSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AiSettingsError';
  }
}

/** Read the ai.* settings with defaults; a bad value is an error naming the setting and the fix. */
export function aiSettings(env: Pick<AiEnv, 'setting'>): AiSettings {
  const raw = Object.fromEntries(
    (Object.keys(KEYS) as (keyof AiSettings)[]).map((k) => {
      const v = env.setting<unknown>(KEYS[k], AI_DEFAULTS[k]);
      // The price table setting adds to (and overrides) the defaults.
      if (k === 'prices' && v && typeof v === 'object' && !Array.isArray(v)) return [k, { ...DEFAULT_PRICES, ...(v as object) }];
      return [k, v === '' ? AI_DEFAULTS[k] : v];
    }),
  );
  const r = AiSettingsSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    const key = KEYS[i.path[0] as keyof AiSettings] ?? String(i.path[0]);
    const sub = i.path.slice(1).map(String).join('.');
    throw new AiSettingsError(`Setting ${key}${sub ? ` (${sub})` : ''} is invalid: ${i.message}. Fix it in Settings.`);
  }
  return r.data;
}

/** Local calendar day YYYY-MM-DD of a date (the day the daily cap counts against). */
export function localDay(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** Next local midnight after d. */
export function nextLocalMidnight(d: Date): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1, 0, 0, 0, 0);
}
