import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export type Level = 'debug' | 'info' | 'warn' | 'error';
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** Every later line has this value replaced by [redacted]. */
  redactValue(value: string): void;
  readonly file: string | null;
}

const SECRET_KEY = /(secret|password|passwd|token|api[_-]?key|authorization|cookie)/i;
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
 * (baton.log.1 … .N). Fields whose key looks secret, and every value the
 * secret store handed out, are replaced by [redacted] before writing.
 */
export function createLogger(opts: LoggerOptions): Logger {
  const maxBytes = opts.maxBytes ?? 5 * 1024 * 1024;
  const keep = opts.keep ?? 5;
  const min = order[opts.level ?? 'info'];
  const values = new Set<string>();
  const file = opts.dir ? join(opts.dir, 'baton.log') : null;
  if (opts.dir) mkdirSync(opts.dir, { recursive: true });

  const scrub = (s: string): string => {
    let out = s;
    for (const v of values) if (v.length >= 4 && out.includes(v)) out = out.split(v).join('[redacted]');
    return out;
  };
  const clean = (v: unknown, depth = 0): unknown => {
    if (typeof v === 'string') return scrub(v);
    if (v instanceof Error) return { name: v.name, message: scrub(v.message) };
    if (!v || typeof v !== 'object' || depth > 5) return v;
    if (Array.isArray(v)) return v.map((x) => clean(x, depth + 1));
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = SECRET_KEY.test(k) ? '[redacted]' : clean(x, depth + 1);
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
    const line = JSON.stringify({ t: new Date().toISOString(), level, msg: scrub(msg), ...(fields ? (clean(fields) as object) : {}) });
    if (opts.echo) process.stderr.write(line + '\n');
    if (!file) return;
    try {
      rotate();
      appendFileSync(file, line + '\n');
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
    redactValue: (v) => {
      if (v) values.add(v);
    },
  };
}
