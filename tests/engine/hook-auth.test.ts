/**
 * Per-hook webhook authentication (electron/core/engine/triggers/hook-auth.ts)
 * over real HTTP on the headless server, with each provider's real signing:
 * Stripe through the official package's test-header helper, Meta, GitHub,
 * Shopify, Calendly and Slack with their documented algorithms. A bad
 * signature, an old timestamp or a replayed event gets 401 and starts nothing,
 * and the log names the reason, never the secret.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { EncryptedFileSecretStore } from '../../electron/core/secrets';
import { startServer, type BatonServer } from '../../electron/server';
import { openTestCore, tempDir } from '../helpers';

const STRIPE_SECRET = ['whsec', 'test', randomUUID().replace(/-/g, '')].join('_');
const META_SECRET = `meta-app-secret-${randomUUID()}`;
const META_VERIFY = `verify-${randomUUID()}`;
const GITHUB_SECRET = `github-secret-${randomUUID()}`;
const SHOPIFY_SECRET = `shopify-secret-${randomUUID()}`;
const CALENDLY_SECRET = `calendly-secret-${randomUUID()}`;
const SLACK_SECRET = `slack-secret-${randomUUID()}`;
const ALL_SECRETS = [STRIPE_SECRET, META_SECRET, META_VERIFY, GITHUB_SECRET, SHOPIFY_SECRET, CALENDLY_SECRET, SLACK_SECRET];

let core: Core;
let server: BatonServer;
let cleanup: () => Promise<void>;

const wf = (id: string, slug: string, auth?: unknown) => ({
  id,
  name: id,
  trigger: { type: 'webhook', slug, ...(auth ? { auth } : {}) },
  nodes: [{ id: 'note', type: 'log', params: { message: 'delivery received' } }],
  edges: [],
});

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(new URL(path, server.url), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  return { status: res.status, text, json: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null, headers: res.headers };
}

async function runs(workflow: string): Promise<number> {
  return (await core.call('runs.list', { workflow, limit: 1000 })).runs.length;
}

const hex = (alg: string, secret: string, text: string) => createHmac(alg, secret).update(text).digest('hex');
const b64 = (alg: string, secret: string, text: string) => createHmac(alg, secret).update(text).digest('base64');
const nowSec = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  // The real encrypted file store: secrets set through hooks.setSecret land on disk, encrypted.
  const dir = tempDir('baton-hooks-');
  const secrets = EncryptedFileSecretStore.open({ dataDir: dir.dir, source: { kind: 'passphrase', passphrase: 'hook tests passphrase' }, env: {} });
  const t = await openTestCore({ dataDir: dir.dir, secrets });
  core = t.core;
  cleanup = async () => {
    await t.cleanup();
    dir.cleanup();
  };
  for (const d of [
    wf('stripe-in', 'payments', { type: 'stripe' }),
    wf('meta-in', 'meta', { type: 'meta' }),
    wf('github-in', 'github', { type: 'hmac', header: 'X-Hub-Signature-256', prefix: 'sha256=', eventIdHeader: 'X-GitHub-Delivery' }),
    wf('shopify-in', 'shopify', { type: 'hmac', header: 'X-Shopify-Hmac-Sha256', encoding: 'base64', eventIdHeader: 'X-Shopify-Webhook-Id' }),
    wf('calendly-in', 'calendly'),
    wf('slack-in', 'slack', { type: 'hmac', header: 'X-Slack-Signature', prefix: 'v0=', timestampHeader: 'X-Slack-Request-Timestamp', signedPayload: 'v0:{timestamp}:{body}' }),
  ]) {
    await core.call('workflows.import', { definition: d });
  }
  await core.start();
  server = await startServer(core, { port: 0, closeCore: false });
});

afterAll(async () => {
  await server?.close();
  await cleanup?.();
});

describe('choosing and configuring a hook', () => {
  it('hooks.configure saves a new version with the auth; bad configurations name the field and change nothing', async () => {
    const before = (await core.call('workflows.get', { id: 'calendly-in' })).workflow.version;
    const bad = await core.call('hooks.configure', { slug: 'calendly', auth: { type: 'hmac' } as never }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'invalid_input' });
    expect(JSON.stringify((bad as { issues: unknown }).issues)).toContain('auth.header');
    const noTs = await core.call('hooks.configure', { slug: 'calendly', auth: { type: 'hmac', header: 'Calendly-Webhook-Signature', signedPayload: '{timestamp}.{body}' } }).catch((e: unknown) => e);
    expect(JSON.stringify((noTs as { issues: unknown }).issues)).toMatch(/auth\.signedPayload.*uses \{timestamp\}/);
    expect((await core.call('workflows.get', { id: 'calendly-in' })).workflow.version).toBe(before);
    const r = await core.call('hooks.configure', {
      slug: 'calendly',
      auth: { type: 'hmac', header: 'Calendly-Webhook-Signature', signatureKey: 'v1', timestampKey: 't', signedPayload: '{timestamp}.{body}', tolerance: 180 },
    });
    expect(r).toMatchObject({ slug: 'calendly', workflowId: 'calendly-in', version: before + 1, auth: { type: 'hmac', algorithm: 'sha256', encoding: 'hex', tolerance: 180 } });
    expect(((await core.call('workflows.export', { id: 'calendly-in' })).definition as { trigger: unknown }).trigger).toMatchObject({ type: 'webhook', slug: 'calendly', auth: { type: 'hmac', signatureKey: 'v1' } });
    await expect(core.call('hooks.configure', { slug: 'nope', auth: { type: 'stripe' } })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('secrets are set write-only, per role; hooks.list shows which are set, never a value', async () => {
    await expect(core.call('hooks.setSecret', { slug: 'payments', role: 'verify', value: 'x' })).rejects.toMatchObject({ code: 'invalid_input', issues: [{ path: 'role' }] });
    await expect(core.call('hooks.setSecret', { slug: 'payments', value: '   ' })).rejects.toMatchObject({ code: 'invalid_input', issues: [{ path: 'value' }] });
    const set = await core.call('hooks.setSecret', { slug: 'payments', value: `${STRIPE_SECRET}\n` });
    expect(set).toEqual({ slug: 'payments', role: 'signing', secretName: 'HOOK_PAYMENTS' });
    expect(await core.secrets.get('HOOK_PAYMENTS')).toBe(STRIPE_SECRET);
    await core.call('hooks.setSecret', { slug: 'meta', value: META_SECRET });
    await core.call('hooks.setSecret', { slug: 'github', value: GITHUB_SECRET });
    await core.call('hooks.setSecret', { slug: 'shopify', value: SHOPIFY_SECRET });
    await core.call('hooks.setSecret', { slug: 'calendly', value: CALENDLY_SECRET });
    await core.call('hooks.setSecret', { slug: 'slack', value: SLACK_SECRET });
    const list = await core.call('hooks.list', {});
    const meta = list.hooks.find((h) => h.slug === 'meta');
    expect(meta).toMatchObject({ auth: { type: 'meta' }, secrets: [{ role: 'signing', name: 'HOOK_META', set: true }, { role: 'verify', name: 'HOOK_META_VERIFY', set: false }] });
    const text = JSON.stringify(list);
    for (const s of ALL_SECRETS) expect(text).not.toContain(s);
  });
});

describe('Stripe (the official package signs and verifies)', () => {
  const event = (id: string) => JSON.stringify({ id, object: 'event', type: 'checkout.session.completed', data: { object: { id: 'cs_1', amount_total: 4900 } } });

  it('a signed event starts a run; a bad signature, a changed body, an old timestamp and no header start none', async () => {
    const body = event('evt_ok_1');
    const ok = await post('/hooks/payments', body, { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: body, secret: STRIPE_SECRET }) });
    expect(ok.status).toBe(202);
    const run = await core.call('runs.get', { id: ok.json.runId });
    expect(run.input).toMatchObject({ body: { id: 'evt_ok_1', type: 'checkout.session.completed' } });
    expect(await runs('stripe-in')).toBe(1);

    const other = event('evt_bad');
    for (const headers of <Record<string, string>[]>[
      { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: other, secret: 'whsec_not_the_secret' }) },
      { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: event('evt_other'), secret: STRIPE_SECRET }) },
      { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: other, secret: STRIPE_SECRET, timestamp: nowSec() - 301 }) },
      { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: other, secret: STRIPE_SECRET, timestamp: nowSec() + 3600 }) },
      { 'stripe-signature': 't=abc,v1=def' },
      {},
    ]) {
      const r = await post('/hooks/payments', other, headers);
      expect(r.status, JSON.stringify(headers).slice(0, 60)).toBe(401);
      expect(r.json.error.code).toBe('unauthorized');
    }
    expect(await runs('stripe-in')).toBe(1);
  });

  it('the same event delivered again (a new signature, the same event id) is a replay: 401, no second run', async () => {
    const body = event('evt_replay');
    const first = await post('/hooks/payments', body, { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: body, secret: STRIPE_SECRET }) });
    expect(first.status).toBe(202);
    const n = await runs('stripe-in');
    const again = await post('/hooks/payments', body, { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: body, secret: STRIPE_SECRET, timestamp: nowSec() + 1 }) });
    expect(again.status).toBe(401);
    expect(again.json.error.message).toMatch(/delivered before/);
    expect(await runs('stripe-in')).toBe(n);
  });
});

describe('Meta (Facebook, Instagram, WhatsApp)', () => {
  const verify = (q: Record<string, string>) => fetch(new URL(`/hooks/meta?${new URLSearchParams(q)}`, server.url));

  it('answers the GET hub.challenge only with the right verify token, as plain text', async () => {
    const q = { 'hub.mode': 'subscribe', 'hub.verify_token': META_VERIFY, 'hub.challenge': '1158201444' };
    expect((await verify(q)).status).toBe(403); // no verify token stored yet
    await core.call('hooks.setSecret', { slug: 'meta', role: 'verify', value: META_VERIFY });
    const ok = await verify(q);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await verify({ ...q, 'hub.verify_token': 'wrong' })).status).toBe(403);
    expect((await verify({ ...q, 'hub.challenge': '<script>alert(1)</script>' })).status).toBe(400);
    expect((await verify({ ...q, 'hub.mode': 'unsubscribe' })).status).toBe(400);
    // Other hooks still never answer a GET.
    expect((await fetch(new URL('/hooks/stripe?hub.mode=subscribe', server.url))).status).toBe(405);
    expect(await runs('meta-in')).toBe(0);
  });

  it('X-Hub-Signature-256 on POST: signed starts a run, a bad one or a replay starts none', async () => {
    const body = JSON.stringify({ object: 'page', entry: [{ id: '1', time: Date.now(), changes: [{ field: 'leadgen', value: { leadgen_id: '44' } }] }] });
    const ok = await post('/hooks/meta', body, { 'x-hub-signature-256': `sha256=${hex('sha256', META_SECRET, body)}` });
    expect(ok.status).toBe(202);
    expect(await runs('meta-in')).toBe(1);
    for (const sig of [`sha256=${hex('sha256', 'wrong', body)}`, `sha1=${hex('sha1', META_SECRET, body)}`, 'sha256=zz', '']) {
      expect((await post('/hooks/meta', body, sig ? { 'x-hub-signature-256': sig } : {})).status).toBe(401);
    }
    expect((await post('/hooks/meta', body, { 'x-hub-signature-256': `sha256=${hex('sha256', META_SECRET, body)}` })).status).toBe(401);
    expect(await runs('meta-in')).toBe(1);
  });
});

describe('generic HMAC providers (their documented signing)', () => {
  it('GitHub: X-Hub-Signature-256 = sha256=hex; X-GitHub-Delivery seen before is a replay', async () => {
    const body = JSON.stringify({ action: 'opened', issue: { number: 7 } });
    const sig = `sha256=${hex('sha256', GITHUB_SECRET, body)}`;
    const delivery = randomUUID();
    expect((await post('/hooks/github', body, { 'x-hub-signature-256': sig, 'x-github-delivery': delivery, 'x-github-event': 'issues' })).status).toBe(202);
    expect((await post('/hooks/github', body, { 'x-hub-signature-256': sig, 'x-github-delivery': delivery })).status).toBe(401);
    expect((await post('/hooks/github', body, { 'x-hub-signature-256': `sha256=${hex('sha256', 'nope', body)}`, 'x-github-delivery': randomUUID() })).status).toBe(401);
    expect((await post('/hooks/github', body, { 'x-hub-signature-256': sig })).status).toBe(401); // no delivery id
    expect(await runs('github-in')).toBe(1);
  });

  it('Shopify: X-Shopify-Hmac-Sha256 = base64; X-Shopify-Webhook-Id seen before is a replay', async () => {
    const body = JSON.stringify({ id: 820982911946154500, email: 'jon@example.com' });
    const id = randomUUID();
    expect((await post('/hooks/shopify', body, { 'x-shopify-hmac-sha256': b64('sha256', SHOPIFY_SECRET, body), 'x-shopify-webhook-id': id })).status).toBe(202);
    expect((await post('/hooks/shopify', body, { 'x-shopify-hmac-sha256': b64('sha256', SHOPIFY_SECRET, body), 'x-shopify-webhook-id': id })).status).toBe(401);
    expect((await post('/hooks/shopify', body, { 'x-shopify-hmac-sha256': hex('sha256', SHOPIFY_SECRET, body), 'x-shopify-webhook-id': randomUUID() })).status).toBe(401);
    expect(await runs('shopify-in')).toBe(1);
  });

  it('Calendly: Calendly-Webhook-Signature t=…,v1=hex of "t.body"; an old t is refused', async () => {
    const body = JSON.stringify({ event: 'invitee.created', payload: { email: 'guest@example.com' } });
    const t = nowSec();
    const header = (ts: number, secret = CALENDLY_SECRET, b = body) => `t=${ts},v1=${hex('sha256', secret, `${ts}.${b}`)}`;
    expect((await post('/hooks/calendly', body, { 'calendly-webhook-signature': header(t) })).status).toBe(202);
    expect((await post('/hooks/calendly', body, { 'calendly-webhook-signature': header(t) })).status).toBe(401); // the same signed message again
    expect((await post('/hooks/calendly', body, { 'calendly-webhook-signature': header(t - 181) })).status).toBe(401); // tolerance 180 s
    expect((await post('/hooks/calendly', body, { 'calendly-webhook-signature': header(t + 2, 'wrong') })).status).toBe(401);
    expect((await post('/hooks/calendly', `${body} `, { 'calendly-webhook-signature': header(t + 3) })).status).toBe(401);
    expect(await runs('calendly-in')).toBe(1);
  });

  it('Slack: X-Slack-Signature v0=hex of "v0:ts:body" with X-Slack-Request-Timestamp', async () => {
    const body = 'token=x&team_id=T1&text=hello';
    const ts = String(nowSec());
    const h = { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': `v0=${hex('sha256', SLACK_SECRET, `v0:${ts}:${body}`)}` };
    const ok = await post('/hooks/slack', body, h);
    expect(ok.status).toBe(202);
    expect((await core.call('runs.get', { id: ok.json.runId })).input).toMatchObject({ body: { text: 'hello' } });
    const old = String(nowSec() - 600);
    expect((await post('/hooks/slack', body, { ...h, 'x-slack-request-timestamp': old, 'x-slack-signature': `v0=${hex('sha256', SLACK_SECRET, `v0:${old}:${body}`)}` })).status).toBe(401);
    expect((await post('/hooks/slack', body, { ...h, 'x-slack-request-timestamp': String(nowSec() + 1) })).status).toBe(401); // signature of another timestamp
    expect(await runs('slack-in')).toBe(1);
  });
});

describe('what is logged', () => {
  it('every refusal is logged with its reason; no secret value appears in the log', async () => {
    const log = readFileSync(join(core.dataDir, 'logs', 'baton.log'), 'utf8');
    for (const reason of ['bad signature', 'timestamp outside the window', 'replayed event', 'missing signature', 'missing event id', 'wrong verify token']) expect(log).toContain(reason);
    for (const s of ALL_SECRETS) expect(log).not.toContain(s);
  });
});
