import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import Database from 'better-sqlite3';
import { HOOK_SECRET_TTL_MS, signHookBody } from '../../electron/core/engine/triggers';
import { hookAuthorized } from '../../electron/core/engine/triggers/webhook';
import { EnvSecretStore, type SecretStore } from '../../electron/core/secrets';
import { startServer, type BatonServer } from '../../electron/server';
import { openTestCore } from '../helpers';
import { startSink, type Sink } from './crash-sink';

/** A writable secret store for this test (the keychain adapter needs a desktop session; the env one is read-only). */
class MemorySecretStore implements SecretStore {
  values = new Map<string, string>();
  backend() {
    return { kind: 'keychain' as const, writable: true, detail: 'memory (test)' };
  }
  async get(name: string) {
    return this.values.get(name) ?? null;
  }
  async set(name: string, value: string) {
    this.values.set(name, value);
  }
  async delete(name: string) {
    return this.values.delete(name);
  }
  async list() {
    return [...this.values.keys()].sort();
  }
}

/** The webhook-intake workflow of earlier versions, posting leads to a sink: the transport under test, not the shipped template. */
const INTAKE = {
  "id": "webhook-intake",
  "name": "Webhook intake",
  "description": "A fixture for the webhook transport (the shipped template of this name writes to the CRM instead): a lead with an email is posted to a sink, anything else is escalated.",
  "trigger": {
    "type": "webhook",
    "slug": "intake"
  },
  "nodes": [
    {
      "id": "has_email",
      "type": "condition",
      "name": "Has an email?",
      "params": {
        "if": "$exists(input.body.email) and $contains(input.body.email, \"@\")"
      }
    },
    {
      "id": "normalise",
      "type": "set",
      "name": "Normalise",
      "params": {
        "values": {
          "email": "=$lowercase($trim(input.body.email))",
          "name": "=input.body.name",
          "source": "webhook"
        }
      }
    },
    {
      "id": "split",
      "type": "parallel",
      "params": {}
    },
    {
      "id": "record",
      "type": "http.request",
      "name": "Record in the CRM",
      "params": {
        "method": "POST",
        "url": "https://crm.example.com/v1/leads",
        "body": "=prev",
        "timeout": "30s"
      }
    },
    {
      "id": "announce",
      "type": "log",
      "name": "Announce",
      "params": {
        "message": "=\"New lead from webhook: \" & prev.email"
      }
    },
    {
      "id": "both",
      "type": "join",
      "params": {
        "mode": "all"
      }
    },
    {
      "id": "bad_payload",
      "type": "escalate",
      "name": "Bad payload",
      "params": {
        "severity": "warning",
        "title": "Webhook intake without an email",
        "detail": "=$string(input.body)"
      }
    }
  ],
  "edges": [
    {
      "from": "has_email",
      "to": "normalise",
      "branch": "true"
    },
    {
      "from": "has_email",
      "to": "bad_payload",
      "branch": "false"
    },
    {
      "from": "normalise",
      "to": "split"
    },
    {
      "from": "split",
      "to": "record"
    },
    {
      "from": "split",
      "to": "announce"
    },
    {
      "from": "record",
      "to": "both"
    },
    {
      "from": "announce",
      "to": "both"
    }
  ]
};
const template = (sinkUrl: string) => {
  const def = structuredClone(INTAKE) as { nodes: { type: string; params: Record<string, unknown> }[] };
  for (const n of def.nodes) if (n.type === 'http.request') n.params.url = `${sinkUrl}/leads`;
  return def;
};

let core: Core;
let server: BatonServer;
let sink: Sink;
let cleanup: () => Promise<void>;
const secrets = new MemorySecretStore();

async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}, method = 'POST') {
  const res = await fetch(`${server.url.replace(/\/$/, '')}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, ...(method === 'GET' ? {} : { body }) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
}

async function runCount(): Promise<number> {
  return (await core.call('runs.list', { workflow: 'webhook-intake', limit: 1000 })).runs.length;
}

async function waitRun(id: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const r = await core.call('runs.get', { id });
    if (['succeeded', 'failed', 'cancelled'].includes(r.status)) return r.status;
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error(`run ${id} did not finish`);
}

beforeAll(async () => {
  sink = await startSink();
  const t = await openTestCore({ secrets });
  core = t.core;
  cleanup = t.cleanup;
  await core.call('workflows.import', { definition: template(sink.url) });
  await core.start();
  server = await startServer(core, { port: 0, closeCore: false });
});

afterAll(async () => {
  await server?.close();
  await cleanup?.();
  await sink?.close();
});

describe('webhook trigger POST /hooks/<slug> on the headless server', () => {
  it('refuses everything until a secret exists, and says how to create one', async () => {
    expect((await core.call('hooks.list', {})).hooks).toEqual([
      {
        slug: 'intake',
        workflowId: 'webhook-intake',
        enabled: true,
        path: '/hooks/intake',
        secretName: 'HOOK_INTAKE',
        hasSecret: false,
        auth: { type: 'baton' },
        secrets: [{ role: 'signing', name: 'HOOK_INTAKE', set: false }],
      },
    ]);
    const r = await post('/hooks/intake', '{"email":"a@b.co"}', { authorization: 'Bearer anything' });
    expect(r.status).toBe(401);
    expect(r.json.error.message).toMatch(/no secret yet.*hooks\.rotateSecret/);
    expect(await runCount()).toBe(0);
  });

  it('rotateSecret shows a new secret once; a wrong secret gets 401 and starts nothing', async () => {
    const { secret, secretName, path } = await core.call('hooks.rotateSecret', { slug: 'intake' });
    expect(secretName).toBe('HOOK_INTAKE');
    expect(path).toBe('/hooks/intake');
    expect(secret.length).toBeGreaterThanOrEqual(40);
    expect(JSON.stringify(await core.call('hooks.list', {}))).not.toContain(secret);
    expect((await core.call('hooks.list', {})).hooks[0]?.hasSecret).toBe(true);
    const body = '{"email":"a@b.co"}';
    for (const headers of <Record<string, string>[]>[
      { authorization: 'Bearer wrong' },
      { authorization: `Bearer ${secret}x` },
      { 'x-baton-signature': signHookBody('wrong', body) },
      { 'x-baton-signature': signHookBody(secret, `${body} `) }, // signature of another body
      {},
    ]) {
      const r = await post('/hooks/intake', body, headers);
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/Bearer/);
    }
    expect(await runCount()).toBe(0);
    expect(sink.stats().raw).toBe(0);
  });

  it('a signed POST starts a run and returns its id; the run reaches the sink', async () => {
    const secret = (await secrets.get('HOOK_INTAKE')) as string;
    const body = JSON.stringify({ email: ' Lead@Example.COM ', name: 'Lead' });
    const r = await post('/hooks/intake', body, { 'x-baton-signature': signHookBody(secret, body) });
    expect(r.status).toBe(202);
    expect(typeof r.json.runId).toBe('string');
    expect(await waitRun(r.json.runId)).toBe('succeeded');
    const run = await core.call('runs.get', { id: r.json.runId });
    expect(run.trigger).toMatchObject({ type: 'webhook', detail: { slug: 'intake' } });
    expect([...sink.applied.values()]).toContainEqual({ email: 'lead@example.com', name: 'Lead', source: 'webhook' });
    // The bearer form works too.
    const b = await post('/hooks/intake', '{"email":"x@y.z"}', { authorization: `Bearer ${secret}` });
    expect(b.status).toBe(202);
    expect(await waitRun(b.json.runId)).toBe('succeeded');
  });

  it('a GET (or any non-POST) never does anything', async () => {
    const before = await runCount();
    const secret = (await secrets.get('HOOK_INTAKE')) as string;
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const r = await post('/hooks/intake', '{}', { authorization: `Bearer ${secret}` }, method);
      expect(r.status).toBe(405);
      expect(r.headers.get('allow')).toBe('POST');
    }
    expect(await runCount()).toBe(before);
  });

  it('limits the body, refuses bad JSON and unknown hooks, and dedupes on Idempotency-Key', async () => {
    const secret = (await secrets.get('HOOK_INTAKE')) as string;
    const auth = { authorization: `Bearer ${secret}` };
    const before = await runCount();
    const big = JSON.stringify({ email: 'a@b.co', blob: 'x'.repeat(300 * 1024) });
    const tooBig = await post('/hooks/intake', big, auth);
    expect(tooBig.status).toBe(413);
    // The route declares 256 KiB: the server refuses before the handler runs.
    expect(tooBig.json.error.message).toMatch(/larger than 256 KiB/);
    const bad = await post('/hooks/intake', '{"email":', auth);
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/not valid JSON/);
    expect((await post('/hooks/nope', '{}', auth)).status).toBe(404);
    expect(await runCount()).toBe(before);
    const one = await post('/hooks/intake', '{"email":"same@x.io"}', { ...auth, 'idempotency-key': 'evt-42' });
    const two = await post('/hooks/intake', '{"email":"same@x.io"}', { ...auth, 'idempotency-key': 'evt-42' });
    expect(one.status).toBe(202);
    expect(two.json.runId).toBe(one.json.runId);
    expect(two.json.deduplicated).toBe(true);
    expect(await runCount()).toBe(before + 1);
  });

  it('a disabled workflow answers 409 and starts nothing', async () => {
    const secret = (await secrets.get('HOOK_INTAKE')) as string;
    await core.call('workflows.disable', { id: 'webhook-intake' });
    const before = await runCount();
    const r = await post('/hooks/intake', '{"email":"a@b.co"}', { authorization: `Bearer ${secret}` });
    expect(r.status).toBe(409);
    expect(r.json.error.message).toMatch(/disabled.*baton workflow enable webhook-intake/);
    expect(await runCount()).toBe(before);
    await core.call('workflows.enable', { id: 'webhook-intake' });
  });

  it('a burst is committed together: every 202 is answered with its run stored, one Idempotency-Key starts one run', async () => {
    const secret = (await secrets.get('HOOK_INTAKE')) as string;
    const auth = { authorization: `Bearer ${secret}` };
    const before = await runCount();
    const stored = (id: string) => core.db.prepare('SELECT COUNT(*) AS n FROM runs WHERE id = ?').get(id) as { n: number };
    // 40 requests in flight at once: each run must be in the store when its 202 arrives.
    const seen = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const r = await post('/hooks/intake', JSON.stringify({ email: `burst${i}@x.io` }), auth);
        return { status: r.status, runId: r.json.runId as string, stored: stored(r.json.runId).n };
      }),
    );
    expect(seen.every((s) => s.status === 202 && s.stored === 1)).toBe(true);
    expect(new Set(seen.map((s) => s.runId)).size).toBe(40);
    // The same key 10 times at once (in one group commit): one run, the same id for all.
    const same = await Promise.all(Array.from({ length: 10 }, () => post('/hooks/intake', '{"email":"dup@x.io"}', { ...auth, 'idempotency-key': 'burst-key' })));
    expect(same.every((r) => r.status === 202)).toBe(true);
    expect(new Set(same.map((r) => r.json.runId)).size).toBe(1);
    expect(same.filter((r) => !r.json.deduplicated)).toHaveLength(1);
    expect(await runCount()).toBe(before + 41);
    for (const s of seen) await waitRun(s.runId);
  });

  it('cached routes and secrets: a rotated secret, a disabled, moved or re-enabled hook apply to the next request', async () => {
    const old = (await secrets.get('HOOK_INTAKE')) as string;
    const body = '{"email":"c@x.io"}';
    expect((await post('/hooks/intake', body, { authorization: `Bearer ${old}` })).status).toBe(202); // route and secret cached
    // Rotated here: the old secret is refused at once, the new one accepted.
    const { secret } = await core.call('hooks.rotateSecret', { slug: 'intake' });
    expect((await post('/hooks/intake', body, { authorization: `Bearer ${old}` })).status).toBe(401);
    expect((await post('/hooks/intake', body, { authorization: `Bearer ${secret}` })).status).toBe(202);
    // Changed by another process (its own connection to the same file, as the CLI writes): disabled -> 409 at once.
    const other = new Database(core.dbFile);
    other.pragma('busy_timeout = 5000');
    try {
      other.prepare("UPDATE workflows SET enabled = 0 WHERE id = 'webhook-intake'").run();
      const before = await runCount();
      expect((await post('/hooks/intake', body, { authorization: `Bearer ${secret}` })).status).toBe(409);
      other.prepare("UPDATE workflows SET enabled = 1 WHERE id = 'webhook-intake'").run();
      expect((await post('/hooks/intake', body, { authorization: `Bearer ${secret}` })).status).toBe(202);
      // The hook moved to another slug elsewhere: the old path is gone at once, the new one answers.
      other.prepare("UPDATE workflows SET trigger_key = 'intake2' WHERE id = 'webhook-intake'").run();
      expect((await post('/hooks/intake', body, { authorization: `Bearer ${secret}` })).status).toBe(404);
      other.prepare("UPDATE workflows SET trigger_key = 'intake' WHERE id = 'webhook-intake'").run();
      expect((await post('/hooks/intake', body, { authorization: `Bearer ${secret}` })).status).toBe(202);
      expect(await runCount()).toBe(before + 2);
    } finally {
      other.close();
    }
    // A secret changed in the secret store by another process (no event here): the new one is accepted at
    // once (a refusal is decided on the stored secret), the old one is refused once the cached value expires.
    const next = `${secret}-next-value`;
    secrets.values.set('HOOK_INTAKE', next);
    expect((await post('/hooks/intake', body, { authorization: `Bearer ${next}` })).status).toBe(202);
    const t0 = Date.now();
    let status = 0;
    while (Date.now() - t0 < 10 * HOOK_SECRET_TTL_MS) {
      status = (await post('/hooks/intake', body, { authorization: `Bearer ${secret}` })).status;
      if (status === 401) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(401);
  });

  it('rotateSecret on a read-only secret backend explains where to put the secret', async () => {
    const t = await openTestCore({ secrets: new EnvSecretStore({}, 'tests') });
    try {
      await t.core.call('workflows.import', { definition: template(sink.url) });
      const err = (await t.core.call('hooks.rotateSecret', { slug: 'intake' }).catch((e: unknown) => e)) as Error;
      expect(err.message).toMatch(/BATON_SECRET_HOOK_INTAKE/);
      await expect(t.core.call('hooks.rotateSecret', { slug: 'ghost' })).rejects.toMatchObject({ code: 'not_found' });
    } finally {
      await t.cleanup();
    }
  });

  it('signature check is exact and constant-length safe', () => {
    const body = Buffer.from('{"a":1}');
    const key = ['s', 'e', 'c'].join('') + 'ret-value';
    expect(hookAuthorized(key, { headers: { 'x-baton-signature': signHookBody(key, body) }, body })).toBe(true);
    expect(hookAuthorized(key, { headers: { 'x-baton-signature': signHookBody(key, body).toUpperCase().replace('SHA256', 'sha256') }, body })).toBe(true);
    expect(hookAuthorized(key, { headers: { 'x-baton-signature': 'sha256=00' }, body })).toBe(false);
    expect(hookAuthorized(key, { headers: { authorization: `Bearer ${key}` }, body })).toBe(true);
    expect(hookAuthorized(key, { headers: { authorization: `Basic ${key}` }, body })).toBe(false);
  });
});

describe('schedule service under a started host', () => {
  it('fires a per-second schedule from the real timer and the runs finish', async () => {
    const t = await openTestCore();
    try {
      await t.core.call('workflows.import', {
        definition: { id: 'tick', name: 'tick', trigger: { type: 'schedule', cron: '* * * * * *', timezone: 'UTC' }, nodes: [{ id: 'a', type: 'log', params: { message: 'tick' } }] },
      });
      await t.core.start();
      let ok = 0;
      for (let i = 0; i < 100 && ok < 2; i++) {
        await new Promise((r) => setTimeout(r, 50));
        ok = (await t.core.call('runs.list', { workflow: 'tick', status: 'succeeded', limit: 100 })).runs.length;
      }
      expect(ok).toBeGreaterThanOrEqual(2);
      const fires = (await t.core.call('schedules.fires', { workflow: 'tick' })).fires;
      expect(new Set(fires.map((f) => f.fireAt)).size).toBe(fires.length);
    } finally {
      await t.cleanup();
    }
  });
});
