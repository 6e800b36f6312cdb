/**
 * The Search Console client against a local HTTP server speaking the Search Console API's
 * searchanalytics.query (POST /webmasters/v3/sites/{site}/searchAnalytics/query, OAuth bearer
 * token, rows of keys [query, page] with clicks, impressions, ctr, position, 25,000 a page):
 * - the request comes from Google's official client (@googleapis/searchconsole): its
 *   x-goog-api-client and user-agent headers are checked;
 * - the rows become rank snapshots as a Search Console export's import does, and the SEO
 *   engine's analysis (seo.analyze, run as a workflow step) reads them before finding quick wins;
 * - paging past 25,000 rows by startRow;
 * - the token stays in the secret store (never in the database file);
 * - 401 says re-authorize, 403 says the site is not verified; nothing is written then.
 */
import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { engineOf } from '../../electron/core/engine';
import { openTestCore } from '../helpers';

const TOKEN = ['ya29', 'test', String(process.pid)].join('.');
const SITE = 'sc-domain:shop.example';

interface Seen {
  path: string;
  auth: string | undefined;
  apiClient: string | undefined;
  userAgent: string | undefined;
  body: { startDate: string; endDate: string; dimensions: string[]; rowLimit: number; startRow: number };
}

/** A Search Console stand-in: `rows(site)` gives every row; it pages them by startRow/rowLimit. */
async function fakeSearchConsole(rows: (site: string) => { keys: string[]; clicks: number; impressions: number; ctr: number; position: number }[], verified = SITE) {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      const m = /^\/webmasters\/v3\/sites\/([^/]+)\/searchAnalytics\/query$/.exec(req.url ?? '');
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || !m) return json(404, { error: { code: 404, message: 'Not Found', status: 'NOT_FOUND' } });
      const body = JSON.parse(data) as Seen['body'];
      seen.push({ path: req.url!, auth: req.headers.authorization, apiClient: req.headers['x-goog-api-client'] as string | undefined, userAgent: req.headers['user-agent'], body });
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(401, { error: { code: 401, message: 'Request had invalid authentication credentials. Expected OAuth 2 access token.', status: 'UNAUTHENTICATED' } });
      const site = decodeURIComponent(m[1]!);
      if (site.includes('missing')) return json(404, { error: { code: 404, message: `Requested entity was not found.`, status: 'NOT_FOUND' } });
      if (site !== verified) return json(403, { error: { code: 403, message: `User does not have sufficient permission for site '${site}'.`, status: 'PERMISSION_DENIED' } });
      const all = rows(site);
      json(200, { rows: all.slice(body.startRow, body.startRow + body.rowLimit), responseAggregationType: 'byPage' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const root = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  // `url`: the client's root address (the setting's form); `legacyUrl`: the older base form.
  return { url: root, legacyUrl: `${root}webmasters/v3`, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

let t: { core: Core; dir: string; cleanup: () => Promise<void> } | null = null;
let sc: Awaited<ReturnType<typeof fakeSearchConsole>> | null = null;
afterEach(async () => {
  await t?.cleanup();
  await sc?.close();
  t = null;
  sc = null;
});

const ROWS = [
  // one query on two pages: the best position (6.4 on /crm-for-plumbers) counts, clicks add up
  { keys: ['crm for plumbers', 'https://shop.example/crm-for-plumbers'], clicks: 40, impressions: 2400, ctr: 0.017, position: 6.4 },
  { keys: ['crm for plumbers', 'https://shop.example/blog/plumbing'], clicks: 2, impressions: 300, ctr: 0.007, position: 18.2 },
  { keys: ['plumber invoice app', 'https://shop.example/invoices'], clicks: 11, impressions: 900, ctr: 0.012, position: 12.7 },
];

async function rig(token: string | null, site = SITE, url = sc!.url) {
  t = await openTestCore({ env: token ? { BATON_SECRET_SEARCH_CONSOLE_TOKEN: token } : {} });
  await t.core.call('settings.set', { key: 'growth.seo', value: { searchConsoleSite: site, searchConsoleUrl: url, searchConsoleDays: 28, minVolume: 0 } });
  return t.core;
}

describe('Search Console client', () => {
  it('reads searchanalytics.query into the rank snapshots; the SEO analysis reads them; the token never reaches the database', async () => {
    sc = await fakeSearchConsole(() => ROWS);
    const core = await rig(TOKEN);
    // Volumes and difficulty from a keyword export: Search Console gives positions.
    await core.call('growth.import', { kind: 'seo.keywords', csv: 'Keyword,Search Volume,Keyword Difficulty\ncrm for plumbers,2400,22\nplumber invoice app,900,18' });

    await core.call('workflows.import', { definition: { id: 'analyze-only', name: 'Analyze', trigger: { type: 'manual' }, nodes: [{ id: 'analyze', type: 'seo.analyze', params: {} }], edges: [] } });
    const { runId } = await core.call('runs.start', { workflow: 'analyze-only', input: {} });
    await engineOf(core).drain();
    const run = await core.call('runs.get', { id: runId });
    expect(run.status).toBe('succeeded');
    const analyze = run.steps.find((s) => s.nodeId === 'analyze')!.output as { figures: Record<string, unknown> };
    expect(analyze.figures).toMatchObject({ searchConsoleQueries: 2, searchConsoleError: null, quickWins: 2 });

    // The request: the documented shape, the site path-encoded, the bearer token.
    expect(sc.seen).toHaveLength(1);
    expect(sc.seen[0]!.path).toBe(`/webmasters/v3/sites/${encodeURIComponent(SITE)}/searchAnalytics/query`);
    expect(sc.seen[0]!.auth).toBe(`Bearer ${TOKEN}`);
    // Sent by the official client (googleapis-common's headers), not a hand-written request.
    expect(sc.seen[0]!.apiClient).toMatch(/^gdcl\/\d+\.\d+\.\d+ gl-node\//);
    expect(sc.seen[0]!.userAgent).toMatch(/google-api-nodejs-client\/\d+\.\d+\.\d+/);
    const yesterday = new Date(core.now() - 86_400_000).toISOString().slice(0, 10);
    expect(sc.seen[0]!.body).toMatchObject({ dimensions: ['query', 'page'], startRow: 0, rowLimit: 25_000, endDate: yesterday });
    expect(sc.seen[0]!.body.startDate < yesterday).toBe(true);

    const qw = await core.call('seo.quickWins', { limit: 10, offset: 0 });
    expect(qw.rows.map((r) => [r.keyword, r.position, r.url])).toEqual([
      ['crm for plumbers', 6.4, 'https://shop.example/crm-for-plumbers'],
      ['plumber invoice app', 12.7, 'https://shop.example/invoices'],
    ]);

    // The token is in the secret store only: not in the settings, not in the database file.
    const settings = JSON.stringify(await core.call('growth.settings', {}));
    expect(settings).not.toContain(TOKEN);
    core.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(readFileSync(join(t!.dir, 'baton.db')).includes(Buffer.from(TOKEN))).toBe(false);
  });

  it('pages past 25,000 rows by startRow (seo.searchConsole.sync)', async () => {
    const many = Array.from({ length: 25_010 }, (_, i) => ({ keys: [`query ${i}`, `https://shop.example/p/${i}`], clicks: 1, impressions: 10, ctr: 0.1, position: 5 + (i % 20) }));
    sc = await fakeSearchConsole(() => many);
    const core = await rig(TOKEN);
    const r = await core.call('seo.searchConsole.sync', {});
    expect(r).toMatchObject({ site: SITE, rows: 25_010, queries: 25_010, imported: 25_010 });
    expect(sc.seen.map((s) => [s.body.startRow, s.body.rowLimit])).toEqual([
      [0, 25_000],
      [25_000, 25_000],
    ]);
    expect((core.db.prepare('SELECT COUNT(*) AS n FROM growth_ranks').get() as { n: number }).n).toBe(25_010);
  });

  it('401 names re-authorizing, 403 an unverified site, 404 a property not found, an unreachable address the setting, no token the secret; nothing is written', async () => {
    sc = await fakeSearchConsole(() => ROWS);
    // The older base form of the address (…/webmasters/v3) reaches the same endpoint.
    let core = await rig('an-expired-token', SITE, sc.legacyUrl);
    const e401 = await core.call('seo.searchConsole.sync', {}).then(
      () => null,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(e401?.code).toBe('unavailable');
    expect(e401?.message).toMatch(/refused the access token \(401.*Re-authorize.*SEARCH_CONSOLE_TOKEN/);
    expect(e401?.message).not.toContain('an-expired-token');
    expect((core.db.prepare('SELECT COUNT(*) AS n FROM growth_ranks').get() as { n: number }).n).toBe(0);
    await t!.cleanup();

    core = await rig(TOKEN, 'https://not-mine.example/');
    const e403 = await core.call('seo.searchConsole.sync', {}).then(
      () => null,
      (e: unknown) => e as { message: string },
    );
    expect(e403?.message).toMatch(/access to the site https:\/\/not-mine\.example\/ \(403.*not verified/);
    expect(sc.seen.at(-1)!.path).toBe(`/webmasters/v3/sites/${encodeURIComponent('https://not-mine.example/')}/searchAnalytics/query`);
    await t!.cleanup();

    core = await rig(TOKEN, 'sc-domain:missing.example');
    const e404 = await core.call('seo.searchConsole.sync', {}).then(
      () => null,
      (e: unknown) => e as { message: string },
    );
    expect(e404?.message).toMatch(/has no site sc-domain:missing\.example \(404: Requested entity was not found\.\): set growth\.seo searchConsoleSite/);
    expect((core.db.prepare('SELECT COUNT(*) AS n FROM growth_ranks').get() as { n: number }).n).toBe(0);
    await t!.cleanup();

    // Nothing listening at the address: the connection is named, with the setting to check.
    const gone = createServer();
    await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
    const goneUrl = `http://127.0.0.1:${(gone.address() as AddressInfo).port}/`;
    await new Promise<void>((r) => gone.close(() => r()));
    core = await rig(TOKEN, SITE, goneUrl);
    const down = await core.call('seo.searchConsole.sync', {}).then(
      () => null,
      (e: unknown) => e as { message: string },
    );
    expect(down?.message).toMatch(new RegExp(`^Could not reach Search Console at ${goneUrl.replace(/\/$/, '').replace(/[.:/]/g, '\\$&')}: .*Check the connection \\(or the setting growth\\.seo searchConsoleUrl\\)\\.`));
    await t!.cleanup();

    core = await rig(null);
    const none = await core.call('seo.searchConsole.sync', {}).then(
      () => null,
      (e: unknown) => e as { message: string },
    );
    expect(none?.message).toContain('npx baton secrets set SEARCH_CONSOLE_TOKEN');
    const seenBefore = sc.seen.length;
    // The analysis goes on without it and says why.
    await core.call('workflows.import', { definition: { id: 'analyze-only', name: 'Analyze', trigger: { type: 'manual' }, nodes: [{ id: 'analyze', type: 'seo.analyze', params: {} }], edges: [] } });
    const { runId } = await core.call('runs.start', { workflow: 'analyze-only', input: {} });
    await engineOf(core).drain();
    const run = await core.call('runs.get', { id: runId });
    expect(run.status).toBe('succeeded');
    expect((run.steps.find((s) => s.nodeId === 'analyze')!.output as { figures: { searchConsoleError: string } }).figures.searchConsoleError).toContain('No Search Console token');
    expect(sc.seen.length).toBe(seenBefore);
  });
});

/** Google's OAuth token endpoint stand-in: a refresh_token grant for the known client gives TOKEN; anything else is invalid_grant. */
async function fakeTokenEndpoint(refreshToken: string) {
  const grants: URLSearchParams[] = [];
  const server: Server = createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(data);
      grants.push(form);
      const ok = req.method === 'POST' && form.get('grant_type') === 'refresh_token' && form.get('refresh_token') === refreshToken && form.get('client_id') === 'baton-test.apps.googleusercontent.com' && form.get('client_secret') === 'client-secret';
      res.writeHead(ok ? 200 : 400, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { access_token: TOKEN, expires_in: 3599, token_type: 'Bearer', scope: 'https://www.googleapis.com/auth/webmasters.readonly' } : { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`, grants, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('Search Console credentials with a refresh token', () => {
  it('an authorized_user file: the client trades its refresh token for an access token, so the sync keeps working after an hour; a revoked one is named, a bad file names its missing fields', async () => {
    sc = await fakeSearchConsole(() => ROWS);
    const REFRESH = ['1', '//refresh', String(process.pid)].join('');
    const oauth = await fakeTokenEndpoint(REFRESH);
    try {
      const file = (refresh: string) => JSON.stringify({ type: 'authorized_user', client_id: 'baton-test.apps.googleusercontent.com', client_secret: 'client-secret', refresh_token: refresh, token_uri: oauth.url });
      let core = await rig(file(REFRESH));
      const r = await core.call('seo.searchConsole.sync', {});
      expect(r).toMatchObject({ site: SITE, rows: 3, queries: 2 });
      // The refresh grant went to the token endpoint, and Search Console saw the access token it gave.
      expect(oauth.grants.map((g) => g.get('grant_type'))).toEqual(['refresh_token']);
      expect(sc.seen.at(-1)!.auth).toBe(`Bearer ${TOKEN}`);
      await t!.cleanup();

      core = await rig(file('revoked'));
      const revoked = await core.call('seo.searchConsole.sync', {}).then(
        () => null,
        (e: unknown) => e as { message: string },
      );
      expect(revoked?.message).toMatch(/^Google refused the refresh token in SEARCH_CONSOLE_TOKEN \(400: invalid_grant\)\. Re-authorize/);
      expect(revoked?.message).not.toContain('revoked"');
      expect((core.db.prepare('SELECT COUNT(*) AS n FROM growth_ranks').get() as { n: number }).n).toBe(0);
      await t!.cleanup();

      core = await rig(JSON.stringify({ type: 'authorized_user', client_id: 'x' }));
      const bad = await core.call('seo.searchConsole.sync', {}).then(
        () => null,
        (e: unknown) => e as { message: string },
      );
      expect(bad?.message).toMatch(/^SEARCH_CONSOLE_TOKEN: the credentials file has no client_secret, refresh_token\. Store an authorized_user file/);
      await t!.cleanup();

      core = await rig('{not json');
      const notJson = await core.call('seo.searchConsole.sync', {}).then(
        () => null,
        (e: unknown) => e as { message: string },
      );
      expect(notJson?.message).toMatch(/starts with \{ but is not valid JSON/);
    } finally {
      await oauth.close();
    }
  });
});

/**
 * Google's token endpoint stand-in for a service account: a jwt-bearer grant whose assertion is
 * signed (RS256) by the service account's private key, issued by its e-mail for the Search
 * Console scope, gives TOKEN; anything else is invalid_grant (as Google answers a deleted key).
 */
async function fakeJwtTokenEndpoint(publicKey: KeyObject, email: string) {
  const grants: { grantType: string | null; claims: Record<string, unknown> | null; kid: string | null }[] = [];
  const server: Server = createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(data);
      const [h, p, sig] = (form.get('assertion') ?? '').split('.');
      const signed = !!(h && p && sig) && verify('RSA-SHA256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(sig!, 'base64url'));
      const claims = p ? (JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>) : null;
      const header = h ? (JSON.parse(Buffer.from(h, 'base64url').toString()) as { kid?: string }) : null;
      grants.push({ grantType: form.get('grant_type'), claims, kid: header?.kid ?? null });
      const ok = req.method === 'POST' && form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer' && signed && claims?.iss === email && claims?.scope === 'https://www.googleapis.com/auth/webmasters.readonly';
      res.writeHead(ok ? 200 : 400, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { access_token: TOKEN, expires_in: 3599, token_type: 'Bearer' } : { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`, grants, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('Search Console credentials with a service account key', () => {
  it('a service_account key file: google-auth-library signs a JWT with its key, the token endpoint trades it for an access token of the read-only scope, and the sync reads through the official client; a key Google refuses, a property the account was not added to and a bad file are named', async () => {
    sc = await fakeSearchConsole(() => ROWS);
    const EMAIL = 'baton-seo@baton-test.iam.gserviceaccount.com';
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const oauth = await fakeJwtTokenEndpoint(publicKey, EMAIL);
    try {
      const keyFile = (over: Record<string, unknown> = {}) =>
        JSON.stringify({ type: 'service_account', project_id: 'baton-test', private_key_id: 'kid-1', private_key: pem, client_email: EMAIL, client_id: '1234567890', token_uri: oauth.url, ...over }, null, 2);
      let core = await rig(keyFile());
      const r = await core.call('seo.searchConsole.sync', {});
      expect(r).toMatchObject({ site: SITE, rows: 3, queries: 2 });
      // One jwt-bearer grant, signed by the key (checked with its public key), for the read-only scope.
      expect(oauth.grants).toHaveLength(1);
      expect(oauth.grants[0]).toMatchObject({ grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer', claims: { iss: EMAIL, scope: 'https://www.googleapis.com/auth/webmasters.readonly' } });
      // Search Console saw the access token the endpoint gave, from the official client.
      expect(sc.seen.at(-1)!.auth).toBe(`Bearer ${TOKEN}`);
      expect(sc.seen.at(-1)!.userAgent).toMatch(/google-api-nodejs-client\/\d+\.\d+\.\d+/);
      expect((core.db.prepare('SELECT COUNT(*) AS n FROM growth_ranks').get() as { n: number }).n).toBe(2);
      // The key stays in the secret store: not in the database file.
      core.db.pragma('wal_checkpoint(TRUNCATE)');
      expect(readFileSync(join(t!.dir, 'baton.db')).includes(Buffer.from('PRIVATE KEY'))).toBe(false);
      await t!.cleanup();

      // A key the token endpoint refuses (another key pair: the signature does not verify): named, nothing written.
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      core = await rig(keyFile({ private_key: other }));
      const refused = await core.call('seo.searchConsole.sync', {}).then(
        () => null,
        (e: unknown) => e as { message: string },
      );
      expect(refused?.message).toMatch(/^Google refused the service account key in SEARCH_CONSOLE_TOKEN \(400: invalid_grant: Invalid JWT Signature\.\)\. The key may be deleted or disabled: make a new JSON key for baton-seo@/);
      expect(refused?.message).not.toContain('PRIVATE KEY');
      expect((core.db.prepare('SELECT COUNT(*) AS n FROM growth_ranks').get() as { n: number }).n).toBe(0);
      await t!.cleanup();

      // A property the service account was not added to: 403 says to add its e-mail as a user.
      core = await rig(keyFile(), 'https://not-mine.example/');
      const e403 = await core.call('seo.searchConsole.sync', {}).then(
        () => null,
        (e: unknown) => e as { message: string },
      );
      expect(e403?.message).toContain(`for the service account ${EMAIL} (403`);
      expect(e403?.message).toContain(`add ${EMAIL} as a user of the property`);
      await t!.cleanup();

      // A key file missing its key, or with something else in it: the fields are named.
      core = await rig(JSON.stringify({ type: 'service_account', client_email: EMAIL }));
      const missing = await core.call('seo.searchConsole.sync', {}).then(
        () => null,
        (e: unknown) => e as { message: string },
      );
      expect(missing?.message).toMatch(/^SEARCH_CONSOLE_TOKEN: the service account key file has no private_key\./);
      await t!.cleanup();
      core = await rig(keyFile({ private_key: 'not a key' }));
      const notPem = await core.call('seo.searchConsole.sync', {}).then(
        () => null,
        (e: unknown) => e as { message: string },
      );
      expect(notPem?.message).toMatch(/private_key is not a PEM private key/);
      expect(oauth.grants).toHaveLength(3);
    } finally {
      await oauth.close();
    }
  });
});
