// Every number an operation takes has a sane range in the contract (days, limits,
// counts, durations, amounts), so an absurd value is a 400 naming the field, not
// a 500 from date arithmetic deep in the core. Checked over every operation's
// input schema, and end to end over real HTTP for the value that once broke.
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../electron/core/core';
import { startServer, type BatonServer } from '../electron/server';
import { operations } from '../shared/api';
import { openTestCore } from './helpers';

type Schema = Record<string, unknown>;

/** Every numeric input of every operation: its path and bounds (JSON Schema of the input side). */
function numericInputs(): { path: string; min: number | undefined; max: number | undefined }[] {
  const out: { path: string; min: number | undefined; max: number | undefined }[] = [];
  const walk = (s: Schema | undefined, path: string, defs: Schema, depth: number) => {
    if (!s || typeof s !== 'object' || depth > 40) return;
    if (typeof s.$ref === 'string') return walk(defs[s.$ref.split('/').pop()!] as Schema, path, defs, depth + 1);
    if (s.type === 'number' || s.type === 'integer') {
      out.push({ path, min: (s.minimum ?? s.exclusiveMinimum) as number | undefined, max: (s.maximum ?? s.exclusiveMaximum) as number | undefined });
    }
    for (const k of ['anyOf', 'oneOf', 'allOf']) for (const x of (s[k] as Schema[] | undefined) ?? []) walk(x, path, defs, depth + 1);
    for (const [k, v] of Object.entries((s.properties as Schema | undefined) ?? {})) walk(v as Schema, `${path}.${k}`, defs, depth + 1);
    if (s.items && typeof s.items === 'object') walk(s.items as Schema, `${path}[]`, defs, depth + 1);
    if (s.additionalProperties && typeof s.additionalProperties === 'object') walk(s.additionalProperties as Schema, `${path}{}`, defs, depth + 1);
  };
  for (const [name, def] of Object.entries(operations)) {
    const js = z.toJSONSchema(def.input as z.ZodType, { io: 'input', unrepresentable: 'any', cycles: 'ref', reused: 'inline' }) as Schema;
    walk(js, name, (js.$defs ?? {}) as Schema, 0);
  }
  return out;
}

/** Fields that only name a row (or skip rows): any safe integer is harmless, nothing computes with them. */
const IDENTIFIER = /(^|\.)((\w*Id|id|seed|version)|\w*Ids\[\]|ids\[\]|offset)$/;

describe('numeric inputs of the contract', () => {
  const inputs = numericInputs();
  it('finds the numeric inputs', () => {
    expect(inputs.length).toBeGreaterThan(50);
    expect(inputs.map((i) => i.path)).toContain('runs.prune.olderThanDays');
  });

  it('every one has a lower and an upper bound; only identifiers may go up to the largest safe integer', () => {
    const unbounded = inputs.filter((i) => i.min === undefined || i.max === undefined || Math.abs(i.min) > 1e12 || (i.max > 1e12 && !IDENTIFIER.test(i.path)));
    expect(unbounded.map((i) => `${i.path} [${i.min}, ${i.max}]`)).toEqual([]);
  });
});

describe('an absurd number over HTTP', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  let server: BatonServer;
  beforeAll(async () => {
    ({ core, cleanup } = await openTestCore({ host: 'server' }));
    server = await startServer(core, { port: 0, closeCore: false });
  });
  afterAll(async () => {
    await server?.close();
    await cleanup?.();
  });
  const call = async (op: string, body: unknown) => {
    const r = await fetch(`http://127.0.0.1:${server.port}/api/v1/${op}`, { method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, json: (await r.json()) as { error?: { code: string; message: string; issues?: { path: string; message: string }[] }; result?: unknown } };
  };

  it('runs.prune with olderThanDays 1e308: 400 naming the field (was a 500 "Invalid time value")', async () => {
    const r = await call('runs.prune', { olderThanDays: 1e308 });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'invalid_input', issues: [{ path: 'olderThanDays', message: 'at most 3650 days' }] });
    expect(await call('runs.prune', { olderThanDays: 3650 })).toEqual({ status: 200, json: { result: { deleted: 0 } } });
  });

  it('a wait of 10,000 years in a sequence: 400 naming the step', async () => {
    const r = await call('sequences.save', { id: 'too-long', name: 'x', steps: [{ type: 'wait', duration: '3650000d' }] });
    expect(r.status).toBe(400);
    expect(r.json.error!.issues).toContainEqual({ path: 'steps.0.duration', message: 'at most 3650 days (3650d)' });
  });

  it('a deal worth 1e300: 400 naming value', async () => {
    const r = await call('deals.create', { stage: 'qualified', value: 1e300, currency: 'USD' });
    expect(r.status).toBe(400);
    expect(r.json.error!.issues).toContainEqual({ path: 'value', message: 'at most 1000000000000' });
  });
});
