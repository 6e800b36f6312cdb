import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { registerSecretValue, scrubText } from './secrets/scrub';

export type Level = 'debug' | 'info' | 'warn' | 'error';
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** Every later line (and everything the scrubber cleans: stored run data, push events) has this value replaced by [secret]. */
  redactValue(value: string, name?: string): void;
  readonly file: string | null;
}

/**
 * Field names whose values are never written, whatever they hold. "token" counts
 * (inputTokens, max_tokens, tokenCount) are usage numbers, not secrets.
 */
export const SECRET_KEY = /(secret|password|passwd|passphrase|token(?!s|_?count|_?usage|_?limit)|api[_-]?key|access[_-]?key|private[_-]?key|credential|authorization|cookie|bearer)/i;

/**
 * Secret values are replaced by the one scrubber of the process (secrets/scrub.ts): every value the
 * secret store handled, or a logger was told of, in every logger, so a new Core or a module without a
 * reference to the logger still cannot leak one. Re-exported here for the modules that register values.
 */
export { registerSecretValue };

const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  dir: string | null;
  level?: Level;
  maxBytes?: number;
  keep?: number;
  /** Also write lines to stderr (the CLI's --verbose). */
  echo?: boolean;
}

/**
 * Structured JSON-lines log in <data>/logs/baton.log, rotated by size
 * (baton.log.1 … .N). Fields whose key looks secret are replaced by [redacted],
 * and every secret value the process knows (in any of its encoded forms) by
 * [secret NAME], before writing.
 */
export function createLogger(opts: LoggerOptions): Logger {
  const maxBytes = Math.max(1024, opts.maxBytes ?? 5 * 1024 * 1024);
  const keep = Math.max(1, Math.floor(opts.keep ?? 5));
  const min = order[opts.level ?? 'info'];
  const file = opts.dir ? join(opts.dir, 'baton.log') : null;
  if (opts.dir) mkdirSync(opts.dir, { recursive: true, mode: 0o700 });

  const scrub = scrubText;
  const clean = (v: unknown, depth = 0): unknown => {
    if (typeof v === 'string') return scrub(v);
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'function' || typeof v === 'symbol') return `[${typeof v}]`;
    if (v instanceof Error) {
      const code = (v as NodeJS.ErrnoException).code;
      return { name: v.name, message: scrub(v.message), ...(code ? { code: scrub(String(code)) } : {}) };
    }
    if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return `[${v.byteLength} bytes]`;
    if (!v || typeof v !== 'object') return v;
    if (depth >= 6) return '[too deep]';
    if (Array.isArray(v)) return v.map((x) => clean(x, depth + 1));
    const entries = v instanceof Map ? [...v.entries()].map(([k, x]) => [String(k), x] as const) : Object.entries(v);
    const o: Record<string, unknown> = {};
    for (const [k, x] of entries) o[scrub(k)] = SECRET_KEY.test(k) ? '[redacted]' : clean(x, depth + 1);
    return o;
  };
  const rotate = () => {
    if (!file || !existsSync(file) || statSync(file).size < maxBytes) return;
    rmSync(`${file}.${keep}`, { force: true });
    for (let i = keep - 1; i >= 1; i--) if (existsSync(`${file}.${i}`)) renameSync(`${file}.${i}`, `${file}.${i + 1}`);
    renameSync(file, `${file}.1`);
  };
  const write = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (order[level] < min) return;
    try {
      const line = JSON.stringify({ t: new Date().toISOString(), level, msg: scrub(String(msg)), ...(fields ? (clean(fields) as object) : {}) });
      if (opts.echo) process.stderr.write(line + '\n');
      if (!file) return;
      rotate();
      appendFileSync(file, line + '\n', { mode: 0o600 });
    } catch {
      /* logging must never take the app down */
    }
  };
  return {
    file,
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    redactValue: (v, name) => registerSecretValue(v, name),
  };
}
