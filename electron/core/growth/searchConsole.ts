/**
 * The Search Console client (docs/growth.md): searchanalytics.query of the Search Console API
 * through Google's official client (@googleapis/searchconsole, the per-API package of
 * googleapis), with an OAuth2 client holding the access token (or refreshing it), or a JWT client
 * signing with a service account's key (google-auth-library), dimensions query and page,
 * 25,000 rows a page, paged by startRow. The token is the secret SEARCH_CONSOLE_TOKEN
 * (keychain), never a setting; the API's root address is the setting growth.seo
 * searchConsoleUrl (tests point it at a local server). Its rows feed the rank snapshots
 * exactly as a Search Console CSV export does (importRanks): per query the best position
 * among its pages, with that page, the clicks and the impressions.
 */
import { createPrivateKey } from 'node:crypto';
import { SEARCH_CONSOLE_TOKEN_SECRET } from '../../../shared/contract/growth';
import type { Sqlite } from '../db/open';
import { importRanks, type ImportCounts } from './seo';

export { SEARCH_CONSOLE_TOKEN_SECRET };

/** A failure of the Search Console API, its message naming the fix. */
export class SearchConsoleError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = 'SearchConsoleError';
  }
}

export interface SearchConsoleRow {
  query: string;
  page: string | null;
  clicks: number;
  impressions: number;
  ctr: number;
  position: number;
}

const PAGE = 25_000;

function fixOf(status: number, site: string, detail: string, serviceAccount: string | null = null): string {
  if (status === 403 && serviceAccount) return `Search Console refused access to the site ${site} for the service account ${serviceAccount} (403${detail ? `: ${detail}` : ''}). In Search Console → Settings → Users and permissions, add ${serviceAccount} as a user of the property (Restricted is enough), or set growth.seo searchConsoleSite to a property it was added to.`;
  if (status === 401) return `Search Console refused the access token (401${detail ? `: ${detail}` : ''}). Re-authorize: get a new OAuth access token with the scope https://www.googleapis.com/auth/webmasters.readonly and store it with printf %s "$TOKEN" | npx baton secrets set ${SEARCH_CONSOLE_TOKEN_SECRET}.`;
  if (status === 403) return `Search Console refused access to the site ${site} (403${detail ? `: ${detail}` : ''}). The site is not verified for the Google account of the token: verify it in Search Console, or set growth.seo searchConsoleSite to a property you own (https://example.com/ or sc-domain:example.com).`;
  if (status === 404) return `Search Console has no site ${site} (404${detail ? `: ${detail}` : ''}): set growth.seo searchConsoleSite to the property exactly as Search Console lists it (https://example.com/ or sc-domain:example.com).`;
  if (status === 429) return `Search Console's quota is used up for now (429${detail ? `: ${detail}` : ''}): the next cycle tries again.`;
  return `Search Console answered ${status}${detail ? `: ${detail}` : ''}.`;
}

/**
 * The client's root address from the setting: the API's root (https://searchconsole.googleapis.com/,
 * the client's default); an address ending in the older /webmasters/v3 base is accepted too (the
 * client adds that path itself).
 */
export function searchConsoleRoot(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/webmasters\/v3$/, '') + '/';
}

/** The scope Baton asks for: Search Console, read only. */
export const SEARCH_CONSOLE_SCOPE = 'https://www.googleapis.com/auth/webmasters.readonly';
/** Where Google's service account keys send their token requests (their token_uri). */
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/**
 * The secret's credential: a bare OAuth access token; an `authorized_user` JSON (the file
 * `gcloud auth application-default login` writes) whose refresh token keeps the sync working
 * after the access token expires; or a `service_account` key JSON (Google Cloud console → IAM →
 * Service accounts → Keys → Add key → JSON) whose private key signs a JWT that Google's token
 * endpoint trades for an access token, with the scope webmasters.readonly.
 */
export type SearchConsoleCredential =
  | { kind: 'access'; token: string }
  | { kind: 'refresh'; clientId: string; clientSecret: string; refreshToken: string; tokenUri: string | null }
  | { kind: 'service'; email: string; key: string; keyId: string | null; tokenUri: string | null };

const KINDS = 'an OAuth access token, an authorized_user credentials file (client_id, client_secret, refresh_token) or a service account key file (type service_account, client_email, private_key)';

export function searchConsoleCredential(secret: string): SearchConsoleCredential {
  const t = secret.trim();
  if (!t.startsWith('{')) return { kind: 'access', token: t };
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(t) as Record<string, unknown>;
  } catch {
    throw new SearchConsoleError(`${SEARCH_CONSOLE_TOKEN_SECRET} starts with { but is not valid JSON: store ${KINDS}.`, null);
  }
  const str = (k: string) => (typeof j[k] === 'string' && j[k] ? (j[k] as string) : null);
  if (j.type === 'service_account') {
    const lacking = ['client_email', 'private_key'].filter((k) => !str(k));
    if (lacking.length) throw new SearchConsoleError(`${SEARCH_CONSOLE_TOKEN_SECRET}: the service account key file has no ${lacking.join(', ')}. Store the whole JSON key Google Cloud gives (IAM → Service accounts → Keys → Add key → JSON) with npx baton secrets set ${SEARCH_CONSOLE_TOKEN_SECRET} < key.json.`, null);
    const key = str('private_key')!;
    if (!isPemPrivateKey(key)) throw new SearchConsoleError(`${SEARCH_CONSOLE_TOKEN_SECRET}: the service account key file's private_key is not a PEM private key. Store the JSON key file exactly as Google Cloud gave it.`, null);
    return { kind: 'service', email: str('client_email')!, key, keyId: str('private_key_id'), tokenUri: str('token_uri') };
  }
  const missing = ['client_id', 'client_secret', 'refresh_token'].filter((k) => !str(k));
  if (j.type !== undefined && j.type !== 'authorized_user') throw new SearchConsoleError(`${SEARCH_CONSOLE_TOKEN_SECRET} holds credentials of type ${String(j.type)}; Baton reads ${KINDS}.`, null);
  if (missing.length) throw new SearchConsoleError(`${SEARCH_CONSOLE_TOKEN_SECRET}: the credentials file has no ${missing.join(', ')}. Store an authorized_user file with client_id, client_secret and refresh_token, a service account key file, or a bare OAuth access token.`, null);
  return { kind: 'refresh', clientId: j.client_id as string, clientSecret: j.client_secret as string, refreshToken: j.refresh_token as string, tokenUri: typeof j.token_uri === 'string' && j.token_uri ? j.token_uri : null };
}

/** What a failed call of the client (a GaxiosError) carries, whatever its shape. */
interface ClientFailure {
  message?: string;
  code?: string | number;
  status?: number;
  response?: { status?: number; data?: unknown };
}

function detailOf(data: unknown): string {
  if (data && typeof data === 'object' && 'error' in data) {
    const err = (data as { error?: unknown }).error;
    if (err && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string') return (err as { message: string }).message;
    if (typeof err === 'string') return err;
  }
  return '';
}

/** Every row of searchanalytics.query for the days, paged (at most `maxRows`), through the official client. */
export async function querySearchAnalytics(o: { baseUrl: string; site: string; token: string; startDate: string; endDate: string; maxRows?: number; signal?: AbortSignal }): Promise<SearchConsoleRow[]> {
  // Loaded on first use: the client and its auth library are large and most runs never sync.
  const { searchconsole, auth } = await import('@googleapis/searchconsole');
  const cred = searchConsoleCredential(o.token);
  let oauth: InstanceType<typeof auth.OAuth2> | InstanceType<typeof auth.JWT>;
  if (cred.kind === 'service') {
    // google-auth-library's JWT: the key signs an assertion (RS256) that the token endpoint trades for an access token of this scope.
    const jwt = new auth.JWT({ email: cred.email, key: cred.key, ...(cred.keyId ? { keyId: cred.keyId } : {}), scopes: [SEARCH_CONSOLE_SCOPE] });
    // The key file names its token endpoint (token_uri, Google's in every key Google issues); the client's token library always posts to Google's, so a key naming another one (a proxy, a test) is sent there.
    if (cred.tokenUri && cred.tokenUri !== GOOGLE_TOKEN_URL) {
      const to = cred.tokenUri;
      jwt.transporter.interceptors.request.add({ resolved: (c) => Promise.resolve(String(c.url) === GOOGLE_TOKEN_URL ? Object.assign(c, { url: new URL(to) }) : c) });
    }
    try {
      await jwt.authorize();
    } catch (e) {
      const f = e as ClientFailure;
      const status = f.response?.status;
      const data = f.response?.data && typeof f.response.data === 'object' ? (f.response.data as { error?: unknown; error_description?: unknown }) : null;
      const detail = data ? [data.error, data.error_description].filter((x) => typeof x === 'string' && x).join(': ') : '';
      throw new SearchConsoleError(
        status
          ? `Google refused the service account key in ${SEARCH_CONSOLE_TOKEN_SECRET} (${status}${detail ? `: ${detail}` : ''}). The key may be deleted or disabled: make a new JSON key for ${cred.email} (Google Cloud console → IAM → Service accounts → Keys) and store it with npx baton secrets set ${SEARCH_CONSOLE_TOKEN_SECRET} < key.json.`
          : `Could not get an access token for the service account ${cred.email} in ${SEARCH_CONSOLE_TOKEN_SECRET}: ${f.message ?? String(e)}. Check the connection to ${cred.tokenUri ?? GOOGLE_TOKEN_URL} and that private_key is the key file's own.`,
        status ?? null,
      );
    }
    oauth = jwt;
  } else {
    const o2 = cred.kind === 'access' ? new auth.OAuth2() : new auth.OAuth2({ clientId: cred.clientId, clientSecret: cred.clientSecret, ...(cred.tokenUri ? { endpoints: { oauth2TokenUrl: cred.tokenUri } } : {}) });
    o2.setCredentials(cred.kind === 'access' ? { access_token: cred.token } : { refresh_token: cred.refreshToken });
    oauth = o2;
  }
  if (cred.kind === 'refresh') {
    // A fresh access token now, so that a refused refresh token is named as such (not as Search Console's answer).
    try {
      await oauth.getAccessToken();
    } catch (e) {
      const f = e as ClientFailure;
      const status = f.response?.status;
      const detail = f.response?.data && typeof f.response.data === 'object' ? String((f.response.data as { error?: unknown }).error ?? '') : '';
      throw new SearchConsoleError(
        `Google refused the refresh token in ${SEARCH_CONSOLE_TOKEN_SECRET} (${status ?? f.message ?? 'no answer'}${detail ? `: ${detail}` : ''}). Re-authorize (for example gcloud auth application-default login --scopes=https://www.googleapis.com/auth/webmasters.readonly) and store the new credentials file with npx baton secrets set ${SEARCH_CONSOLE_TOKEN_SECRET} < the-file.json.`,
        status ?? null,
      );
    }
  }
  const rootUrl = searchConsoleRoot(o.baseUrl);
  const client = searchconsole({ version: 'v1', auth: oauth, rootUrl });
  const max = o.maxRows ?? 200_000;
  const out: SearchConsoleRow[] = [];
  for (let startRow = 0; startRow < max; startRow += PAGE) {
    let rows: { keys?: string[] | null; clicks?: number | null; impressions?: number | null; ctr?: number | null; position?: number | null }[];
    try {
      const res = await client.searchanalytics.query(
        { siteUrl: o.site, requestBody: { startDate: o.startDate, endDate: o.endDate, dimensions: ['query', 'page'], type: 'web', rowLimit: Math.min(PAGE, max - startRow), startRow } },
        { signal: o.signal ?? AbortSignal.timeout(60_000), retry: false },
      );
      rows = res.data.rows ?? [];
    } catch (e) {
      const f = e as ClientFailure;
      const status = f.response?.status ?? (typeof f.status === 'number' ? f.status : undefined);
      if (status) throw new SearchConsoleError(fixOf(status, o.site, detailOf(f.response?.data), cred.kind === 'service' ? cred.email : null), status);
      throw new SearchConsoleError(`Could not reach Search Console at ${new URL(rootUrl).origin}: ${f.message ?? String(e)}. Check the connection (or the setting growth.seo searchConsoleUrl).`, null);
    }
    for (const r of rows) {
      const [query, page] = r.keys ?? [];
      if (!query || typeof r.position !== 'number') continue;
      out.push({ query, page: page ?? null, clicks: r.clicks ?? 0, impressions: r.impressions ?? 0, ctr: r.ctr ?? 0, position: r.position });
    }
    if (rows.length < PAGE) break;
  }
  return out;
}

/** The rows as rank snapshots of `day` (per query: its best page), through the import's own path. */
export function storeSearchConsoleRows(db: Sqlite, rows: SearchConsoleRow[], day: string, iso: string): ImportCounts & { queries: number } {
  const best = new Map<string, SearchConsoleRow & { clicksAll: number; impressionsAll: number }>();
  for (const r of rows) {
    const key = r.query.trim().toLowerCase();
    const b = best.get(key);
    if (!b) best.set(key, { ...r, clicksAll: r.clicks, impressionsAll: r.impressions });
    else {
      b.clicksAll += r.clicks;
      b.impressionsAll += r.impressions;
      if (r.position < b.position) Object.assign(b, { page: r.page, position: r.position });
    }
  }
  const headers = ['keyword', 'position', 'url', 'clicks', 'impressions'];
  const csvRows = [...best.values()].map((r) => [r.query, String(Math.round(r.position * 10) / 10), r.page ?? '', String(r.clicksAll), String(r.impressionsAll)]);
  const mapping = Object.fromEntries(headers.map((h) => [h, h]));
  return { ...importRanks(db, headers, csvRows, mapping, 'search console', day, iso), queries: best.size };
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * One sync: the property's last `searchConsoleDays` days (ending yesterday) into the rank
 * snapshots of yesterday. Null when no property is set; a SearchConsoleError naming the fix
 * when the token is missing or the API refuses.
 */
export async function syncSearchConsole(
  env: { db: Sqlite; secrets: { get(name: string): Promise<string | null> } },
  s: { searchConsoleSite: string | null; searchConsoleUrl: string; searchConsoleDays: number },
  now: number,
  signal?: AbortSignal,
): Promise<{ site: string; startDate: string; endDate: string; rows: number; queries: number; imported: number; ms: number } | null> {
  if (!s.searchConsoleSite) return null;
  const token = await env.secrets.get(SEARCH_CONSOLE_TOKEN_SECRET);
  if (!token) throw new SearchConsoleError(`No Search Console token: store an OAuth access token (scope https://www.googleapis.com/auth/webmasters.readonly) with printf %s "$TOKEN" | npx baton secrets set ${SEARCH_CONSOLE_TOKEN_SECRET}, or a service account key file with npx baton secrets set ${SEARCH_CONSOLE_TOKEN_SECRET} < key.json (or clear growth.seo searchConsoleSite).`, null);
  const t0 = performance.now();
  const endDate = dayOf(now - 86_400_000);
  const startDate = dayOf(now - s.searchConsoleDays * 86_400_000);
  const rows = await querySearchAnalytics({ baseUrl: s.searchConsoleUrl, site: s.searchConsoleSite, token, startDate, endDate, ...(signal ? { signal } : {}) });
  const iso = new Date(now).toISOString();
  const c = env.db.transaction(() => storeSearchConsoleRows(env.db, rows, endDate, iso))();
  return { site: s.searchConsoleSite, startDate, endDate, rows: rows.length, queries: c.queries, imported: c.imported, ms: Math.round(performance.now() - t0) };
}

/** Whether Node's crypto reads `pem` as a PEM private key (what a Google service account key file holds). */
function isPemPrivateKey(pem: string): boolean {
  try {
    createPrivateKey({ key: pem, format: 'pem' });
    return true;
  } catch {
    return false;
  }
}
