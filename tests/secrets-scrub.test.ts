// The secret scrubber (electron/core/secrets/scrub.ts): every form a remote or a serialiser turns a
// secret into is replaced by [secret NAME]; short values and ordinary data are left alone.
import { describe, expect, it } from 'vitest';
import { MIN_SECRET_LENGTH, SecretScrubber, secretForms } from '../electron/core/secrets/scrub';
import { scrubStepResult } from '../electron/core/engine/scrub';
import type { StepResult } from '../electron/core/engine/store';

/** Built at run time (never a literal secret in the repo); contains characters every encoding treats differently. */
const secret = (): string => ['sk', 'test', Math.random().toString(36).slice(2, 10), 'a/b+c=d?e&f "g" é'].join('-');

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const b64url = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex');

/** Every encoding the scrubber promises to catch, each embedded in surrounding text. */
function encodings(v: string): Record<string, string> {
  return {
    raw: `key=${v};`,
    json: JSON.stringify({ echo: `Bearer ${v}` }),
    jsonSlash: JSON.stringify({ echo: v }).replace(/\//g, '\\/'),
    jsonTwice: JSON.stringify(JSON.stringify({ echo: v })),
    uri: `https://x.example/?k=${encodeURIComponent(v)}&z=1`,
    uriLower: `?k=${encodeURIComponent(v).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())}`,
    form: new URLSearchParams({ k: v, z: '1' }).toString(),
    hex: `0x${hex(v)}!`,
    HEX: hex(v).toUpperCase(),
    b64: b64(v),
    b64Bearer: b64(`Bearer ${v}`), // offset 7 bytes: 1 mod 3
    basic: `Basic ${b64(`user:${v}`)}`, // offset 5 bytes: 2 mod 3
    b64url: b64url(`xy${v}`),
  };
}

/** What must not survive: the value and each full encoding of it (the base64 cores are checked through decoding). */
function leaks(text: string, v: string): string[] {
  const found: string[] = [];
  for (const [name, form] of [
    ['raw', v],
    ['json', JSON.stringify(v).slice(1, -1)],
    ['uri', encodeURIComponent(v)],
    ['hex', hex(v)],
    ['HEX', hex(v).toUpperCase()],
    ['b64', b64(v).replace(/=+$/, '')],
    ['b64url', b64url(v)],
  ] as const) {
    if (text.includes(form)) found.push(name);
  }
  return found;
}

describe('secret scrubber', () => {
  it('replaces the value and each of its encodings by [secret NAME], wherever it is embedded', () => {
    const s = new SecretScrubber();
    const v = secret();
    s.add(v, 'API_TOKEN');
    for (const [kind, text] of Object.entries(encodings(v))) {
      expect(s.found(text), kind).toBe(true);
      const out = s.text(text);
      expect(out, kind).toContain('[secret API_TOKEN]');
      expect(leaks(out, v), kind).toEqual([]);
      // Nothing of the value survives in a decoded base64 text either: at most the bits shared with a neighbour.
      if (kind.startsWith('b64') || kind === 'basic') {
        const encoded = out.replace(/^Basic /, '').replace(/\[secret API_TOKEN\]/, '');
        const decoded = Buffer.from(encoded, kind === 'b64url' ? 'base64url' : 'base64').toString('latin1');
        expect(decoded.includes(v.slice(0, 6)) || decoded.includes(v.slice(-6)), kind).toBe(false);
      }
    }
    expect(s.text('{"echo":"Bearer x"}')).toBe('{"echo":"Bearer x"}');
  });

  it('scrubs data at any depth (keys too), keeping what did not change as the same object', () => {
    const s = new SecretScrubber();
    const v = secret();
    s.add(v, 'MAIL_KEY');
    const clean = { a: [1, { b: 'ok' }], d: new Date(0) };
    expect(s.value(clean)).toBe(clean);
    const dirty = { ok: clean, deep: [{ x: { y: [`Bearer ${v}`] } }], [v]: 1, n: null, t: true };
    const out = s.value(dirty);
    expect(out).not.toBe(dirty);
    expect(out.ok).toBe(clean);
    expect(out.deep[0]!.x.y[0]).toBe('Bearer [secret MAIL_KEY]');
    expect(Object.keys(out)).toContain('[secret MAIL_KEY]');
    expect(JSON.stringify(out)).not.toContain(v);
    // The input is not modified.
    expect(dirty.deep[0]!.x.y[0]).toBe(`Bearer ${v}`);
    // A JSON text stays valid JSON even when the value is made of JSON syntax.
    const tricky = `","x":"${'q'.repeat(8)}`;
    s.add(tricky, 'TRICKY');
    const json = JSON.stringify({ a: `>${tricky}<`, b: [tricky] });
    expect(JSON.parse(s.json(json))).toEqual({ a: '>[secret TRICKY]<', b: ['[secret TRICKY]'] });
  });

  it(`ignores values shorter than ${MIN_SECRET_LENGTH} characters, and every form it builds is at least that long`, () => {
    const s = new SecretScrubber();
    expect(s.add('hunter2', 'SHORT')).toBe(false);
    expect(s.add('', 'EMPTY')).toBe(false);
    expect(s.add(null)).toBe(false);
    expect(s.size).toBe(0);
    expect(s.text('my password is hunter2')).toBe('my password is hunter2');
    for (const v of ['abcdefgh', 'ééééé-ok', secret()]) for (const f of secretForms(v)) expect(f.length).toBeGreaterThanOrEqual(MIN_SECRET_LENGTH);
    expect(secretForms('1234567')).toEqual([]);
  });

  it('names a value registered first without a name once the name is known; tells listeners', () => {
    const s = new SecretScrubber();
    const heard: (string | null)[] = [];
    const off = s.onAdd((n) => heard.push(n));
    const v = secret();
    expect(s.add(v)).toBe(true);
    expect(s.text(v)).toBe('[secret]');
    expect(s.add(v)).toBe(false);
    expect(s.add(v, 'HOOK_X')).toBe(true);
    expect(s.add(v, 'OTHER')).toBe(false);
    expect(s.text(v)).toBe('[secret HOOK_X]');
    off();
    s.add(secret(), 'LATER');
    expect(heard).toEqual([null, 'HOOK_X']);
    expect(s.entries()).toHaveLength(2);
  });

  it('scrubs a step result: output (and the value successors get), error, suspension and effects', () => {
    const s = new SecretScrubber();
    const v = secret();
    s.add(v, 'API_TOKEN');
    const base = { step: {} as StepResult['step'], run: {} as StepResult['run'], finishedAt: 0 };
    const output = { status: 200, headers: { 'x-echo': `Bearer ${v}` }, body: { b64: b64(v) } };
    const done = scrubStepResult({ ...base, outcome: { kind: 'done', output: JSON.stringify(output), outputValue: output, branch: null }, effects: [] }, s);
    expect(done.outcome.kind === 'done' && done.outcome.output).not.toContain(v);
    expect(done.outcome.kind === 'done' && done.outcome.outputValue).toEqual(JSON.parse(done.outcome.kind === 'done' ? done.outcome.output : ''));
    expect(done.outcome.kind === 'done' && JSON.parse(done.outcome.output).headers['x-echo']).toBe('Bearer [secret API_TOKEN]');
    const failed = scrubStepResult(
      {
        ...base,
        outcome: { kind: 'error', error: { message: `POST /x answered 400: {"got":"Bearer ${v}"}`, retryable: false } },
        effects: [{ kind: 'escalation', severity: 'warning', title: v, detail: encodeURIComponent(v) }],
      },
      s,
    );
    expect(JSON.stringify(failed)).not.toContain(v);
    expect(JSON.stringify(failed)).not.toContain(encodeURIComponent(v));
    const waiting = scrubStepResult({ ...base, outcome: { kind: 'suspend', suspend: { suspend: true, waitingFor: `approval of ${v}`, approval: { title: v, payload: { v } } } }, effects: [] }, s);
    expect(JSON.stringify(waiting)).not.toContain(v);
    expect(waiting.outcome.kind === 'suspend' && waiting.outcome.suspend.suspend).toBe(true);
    // State is searched as it will be written: a URL (toJSON) carrying the value in its query is scrubbed too.
    const url = new URL(`https://api.example/cb?key=${encodeURIComponent(v)}`);
    const withState = scrubStepResult({ ...base, outcome: { kind: 'suspend', suspend: { suspend: true, waitingFor: 'callback', state: { url } } }, effects: [] }, s);
    expect(JSON.stringify(withState)).not.toContain(encodeURIComponent(v));
    expect(JSON.stringify(withState)).toContain('[secret API_TOKEN]');
    // Nothing known, or nothing found: the very same result.
    const clean = { ...base, outcome: { kind: 'done' as const, output: '{"a":1}', outputValue: { a: 1 }, branch: null }, effects: [] };
    expect(scrubStepResult(clean, s)).toBe(clean);
    expect(scrubStepResult(clean, new SecretScrubber())).toBe(clean);
  });
});
