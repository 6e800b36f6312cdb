/**
 * One uptime check (docs/monitoring.md): a GET of the URL with a time limit,
 * the status and (optionally) a text the page must contain, and for https the
 * certificate the server really presented on that connection, with the days
 * left before it expires.
 */
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';

export interface CheckInput {
  url: string;
  /** Expected status; default: any 2xx or 3xx. */
  expectStatus?: number;
  /** Text the body must contain. */
  expectText?: string;
  timeoutMs: number;
  /** Down when the certificate expires in fewer days than this. */
  certMinDays: number;
  /** Check the certificate chain and host name (default true). */
  verifyTls: boolean;
  now: number;
  signal?: AbortSignal;
}

export interface CertInfo {
  subject: string;
  issuer: string;
  validTo: string;
  daysLeft: number;
}

export interface CheckResult {
  url: string;
  up: boolean;
  status: number | null;
  ms: number;
  /** Why it is down (null when up). */
  reason: string | null;
  cert: CertInfo | null;
}

const MAX_BODY = 2 * 1024 * 1024;
const DAY = 86_400_000;

function certOf(sock: TLSSocket, now: number): CertInfo | null {
  const c = sock.getPeerCertificate();
  if (!c || !c.valid_to) return null;
  const validTo = new Date(c.valid_to).getTime();
  const name = (x: unknown) => {
    const o = x as Record<string, string | string[]> | undefined;
    const v = o?.CN ?? o?.O;
    return Array.isArray(v) ? v.join(', ') : (v ?? '');
  };
  return { subject: name(c.subject), issuer: name(c.issuer), validTo: new Date(validTo).toISOString(), daysLeft: Math.floor((validTo - now) / DAY) };
}

export function runCheck(i: CheckInput): Promise<CheckResult> {
  const started = performance.now();
  const u = new URL(i.url);
  const isHttps = u.protocol === 'https:';
  const done = (r: Omit<CheckResult, 'url' | 'ms'>): CheckResult => ({ url: i.url, ms: Math.round(performance.now() - started), ...r });
  return new Promise((resolve) => {
    let cert: CertInfo | null = null;
    let settled = false;
    const finish = (r: Omit<CheckResult, 'url' | 'ms'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(done(r));
    };
    const opts = { method: 'GET', headers: { 'user-agent': 'Baton-Monitor/1', accept: '*/*' }, agent: false as const, ...(isHttps ? { rejectUnauthorized: i.verifyTls } : {}) };
    const req = (isHttps ? https : http).request(u, opts, (res) => {
      if (isHttps) cert = certOf(res.socket as TLSSocket, i.now);
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (b: Buffer) => {
        if (size < MAX_BODY) chunks.push(b);
        size += b.length;
      });
      res.on('error', (e) => finish({ up: false, status, reason: `the response broke off: ${e.message}`, cert }));
      res.on('end', () => {
        const statusOk = i.expectStatus !== undefined ? status === i.expectStatus : status >= 200 && status < 400;
        let reason: string | null = null;
        if (!statusOk) reason = i.expectStatus !== undefined ? `HTTP ${status}, expected ${i.expectStatus}` : `HTTP ${status}`;
        else if (i.expectText !== undefined && !Buffer.concat(chunks).toString('utf8').includes(i.expectText)) reason = `the page does not contain "${i.expectText.slice(0, 100)}"`;
        else if (cert && cert.daysLeft < i.certMinDays) reason = `the TLS certificate expires in ${cert.daysLeft} day(s) (${cert.validTo.slice(0, 10)}), fewer than ${i.certMinDays}`;
        finish({ up: reason === null, status, reason, cert });
      });
    });
    req.on('socket', (s) => {
      if (isHttps) s.once('secureConnect', () => (cert = certOf(s as TLSSocket, i.now)));
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      const what = e.code === 'ECONNREFUSED' ? 'the connection was refused' : e.code === 'ENOTFOUND' ? `the host ${u.hostname} is not found` : /certificate|self.signed|CERT_|UNABLE_TO/i.test(`${e.code} ${e.message}`) ? `the TLS certificate is not trusted (${e.message})` : e.message;
      finish({ up: false, status: null, reason: what, cert });
    });
    const timer = setTimeout(() => finish({ up: false, status: null, reason: `no answer within ${i.timeoutMs} ms`, cert }), i.timeoutMs);
    i.signal?.addEventListener('abort', () => finish({ up: false, status: null, reason: 'the check was stopped', cert }), { once: true });
    req.end();
  });
}
