/**
 * Real local servers for the monitoring tests: an HTTP site whose answer the
 * test switches, an HTTPS site with an openssl-made certificate that expires
 * in a few days, and a webhook receiver that records each request as it came.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Site {
  url: string;
  /** What the next requests get. */
  answer: { status: number; body: string };
  hits: number;
  close(): Promise<void>;
}

function listen(server: http.Server | https.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function closer(server: http.Server | https.Server): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

export async function startSite(scheme: 'http' | 'https' = 'http', certDays = 3): Promise<Site & { certValidTo?: Date }> {
  const site = { answer: { status: 200, body: '<h1>Welcome to Solo Studio</h1>' }, hits: 0 } as Site & { certValidTo?: Date };
  const handler: http.RequestListener = (_req, res) => {
    site.hits++;
    res.writeHead(site.answer.status, { 'content-type': 'text/html' });
    res.end(site.answer.body);
  };
  let server: http.Server | https.Server;
  if (scheme === 'https') {
    const dir = mkdtempSync(join(tmpdir(), 'baton-cert-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', String(certDays), '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
    const cert = readFileSync(join(dir, 'cert.pem'));
    const end = execFileSync('openssl', ['x509', '-enddate', '-noout', '-in', join(dir, 'cert.pem')], { encoding: 'utf8' }).trim().replace('notAfter=', '');
    site.certValidTo = new Date(end);
    server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, handler);
    rmSync(dir, { recursive: true, force: true });
  } else server = http.createServer(handler);
  const port = await listen(server);
  site.url = `${scheme}://127.0.0.1:${port}/`;
  site.close = closer(server);
  return site;
}

export interface Hook {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  received: Hook[];
  /** Status the receiver answers with (default 200). */
  status: number;
  waitFor(n: number, ms?: number): Promise<Hook[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const r = { received: [] as Hook[], status: 200 } as Receiver;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (b: Buffer) => chunks.push(b));
    req.on('end', () => {
      if (r.status < 400) r.received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(r.status, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  const port = await listen(server);
  r.url = `http://127.0.0.1:${port}`;
  r.waitFor = async (n, ms = 60_000) => {
    const end = Date.now() + ms;
    while (r.received.length < n) {
      if (Date.now() > end) throw new Error(`the webhook receiver got ${r.received.length} request(s), expected ${n}`);
      await new Promise((res) => setTimeout(res, 20));
    }
    return r.received;
  };
  r.close = closer(server);
  return r;
}
