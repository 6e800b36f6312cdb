// The log: size rotation and redaction, on real files in a temp folder.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, registerSecretValue } from '../electron/core/log';
import { EnvSecretStore } from '../electron/core/secrets';
import { tempDir } from './helpers';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});
function dir(): string {
  const t = tempDir('baton-log-');
  cleanups.push(t.cleanup);
  return t.dir;
}
const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
/** A value built at run time (never a literal secret in the repo). */
const fakeSecret = (tag: string) => ['test', tag, Math.random().toString(36).slice(2), 'value'].join('-');

describe('log rotation', () => {
  it('rotates by size and keeps the newest N files', () => {
    const d = dir();
    const log = createLogger({ dir: d, maxBytes: 2048, keep: 3 });
    for (let i = 0; i < 200; i++) log.info('line', { i, pad: 'p'.repeat(80) });
    expect(readdirSync(d).sort()).toEqual(['baton.log', 'baton.log.1', 'baton.log.2', 'baton.log.3']);
    for (const f of readdirSync(d)) expect(statSync(join(d, f)).size).toBeLessThan(2048 + 200);
    // The newest line is in baton.log, older ones moved down in order, the oldest dropped.
    const current = lines(join(d, 'baton.log'));
    expect(current.at(-1)!.i).toBe(199);
    const first = (f: string) => lines(join(d, f))[0]!.i as number;
    expect(first('baton.log.1')).toBeLessThan(first('baton.log'));
    expect(first('baton.log.2')).toBeLessThan(first('baton.log.1'));
    expect(first('baton.log.3')).toBeLessThan(first('baton.log.2'));
    expect(first('baton.log.3')).toBeGreaterThan(0);
    expect(existsSync(join(d, 'baton.log.4'))).toBe(false);
  });

  it('a log without a folder, or a field it cannot serialise, never throws', () => {
    const log = createLogger({ dir: null });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => log.error('boom', { circular, big: 10n, fn: () => 1 })).not.toThrow();
    const d = dir();
    const file = createLogger({ dir: d });
    file.info('deep', { circular });
    expect(lines(join(d, 'baton.log'))[0]!.msg).toBe('deep');
  });
});

describe('log redaction', () => {
  it('redacts fields whose key looks secret, at any depth, but keeps token counts', () => {
    const d = dir();
    const log = createLogger({ dir: d });
    const v = fakeSecret('keys');
    log.info('request', {
      apiKey: v,
      headers: { Authorization: `Bearer ${v}`, cookie: v, accept: 'json' },
      smtp: [{ password: v, host: 'mail.example' }],
      refresh_token: v,
      private_key: v,
      usage: { inputTokens: 12, max_tokens: 100 },
    });
    const text = readFileSync(join(d, 'baton.log'), 'utf8');
    expect(text).not.toContain(v);
    const [line] = lines(join(d, 'baton.log'));
    expect(line).toMatchObject({
      apiKey: '[redacted]',
      headers: { Authorization: '[redacted]', cookie: '[redacted]', accept: 'json' },
      smtp: [{ password: '[redacted]', host: 'mail.example' }],
      refresh_token: '[redacted]',
      private_key: '[redacted]',
      usage: { inputTokens: 12, max_tokens: 100 },
    });
  });

  it('replaces values registered with redactValue anywhere in a line, also JSON- or URL-encoded', () => {
    const d = dir();
    const log = createLogger({ dir: d });
    const v = `${fakeSecret('val')}/"quote"&x=1`;
    log.redactValue(v);
    log.info(`calling with ${v}`, {
      note: `prefix ${v} suffix`,
      url: `https://api.example/x?key=${encodeURIComponent(v)}`,
      body: JSON.stringify({ k: v }),
      error: new Error(`bad key ${v}`),
      list: [v, 'ok'],
      nested: { a: { b: { c: { d: { e: { f: v } } } } } },
    });
    const text = readFileSync(join(d, 'baton.log'), 'utf8');
    expect(text).not.toContain(v);
    expect(text).not.toContain(encodeURIComponent(v));
    expect(text).not.toContain(JSON.stringify(v).slice(1, -1));
    const [line] = lines(join(d, 'baton.log'));
    expect(line!.msg).toBe('calling with [secret]');
    expect(line!.note).toBe('prefix [secret] suffix');
    expect(line!.list).toEqual(['[secret]', 'ok']);
    expect(line!.error).toEqual({ name: 'Error', message: 'bad key [secret]' });
  });

  it('every logger replaces values the secret store handed out by [secret NAME], even one created later', async () => {
    const d = dir();
    const v = fakeSecret('store');
    const store = new EnvSecretStore({ BATON_SECRET_SMTP_PASSWORD: v }, 'tests');
    expect(await store.get('SMTP_PASSWORD')).toBe(v);
    const later = createLogger({ dir: d });
    later.warn(`smtp login failed for ${v}`);
    registerSecretValue(null); // ignored
    expect(readFileSync(join(d, 'baton.log'), 'utf8')).not.toContain(v);
    expect(lines(join(d, 'baton.log'))[0]!.msg).toBe('smtp login failed for [secret SMTP_PASSWORD]');
  });
});
