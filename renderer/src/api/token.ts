/** The access token of the headless server: from `#token=…` once, then from storage. */

export const TOKEN_KEY = 'baton.token';

/** Read `token` from a location hash such as `#token=abc&x=1` and return the hash without it. */
export function takeHashToken(hash: string): { token: string | null; hash: string } {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!/(^|&)token=/.test(raw)) return { token: null, hash };
  const params = new URLSearchParams(raw);
  const token = params.get('token')?.trim() || null;
  params.delete('token');
  const rest = params.toString();
  return { token, hash: rest ? `#${rest}` : '' };
}

/** A pasted token: trim whitespace and quotes, and accept a whole `…#token=…` URL too. */
export function normalizeToken(input: string): string {
  let t = input.trim().replace(/^["']|["']$/g, '');
  const i = t.indexOf('#token=');
  if (i >= 0) t = takeHashToken(t.slice(i)).token ?? '';
  return t.trim();
}

/** The WebSocket subprotocol carries the token, so it must be an HTTP token (RFC 7230 tchar). */
export function tokenProblem(token: string): string | null {
  if (!token) return 'Paste the token first.';
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(token)) return 'That does not look like a Baton token: it should be one word of letters and digits, without spaces.';
  return null;
}
