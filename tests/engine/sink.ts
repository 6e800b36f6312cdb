import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  url: string;
  key: string | undefined;
  body: string;
  headers: IncomingMessage['headers'];
}

/** A real HTTP server on 127.0.0.1 that records requests; `reply` decides each answer. */
export async function startSink(reply?: (r: Received, n: number) => { status: number; headers?: Record<string, string>; body?: unknown } | 'hang' | 'destroy'): Promise<{
  url: string;
  received: Received[];
  /** Distinct Idempotency-Keys applied (a real API dedupes on them). */
  applied: Set<string>;
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  const applied = new Set<string>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { method: req.method ?? '', url: req.url ?? '', key: req.headers['idempotency-key'] as string | undefined, body: Buffer.concat(chunks).toString(), headers: req.headers };
      received.push(r);
      const out = reply ? reply(r, received.length) : { status: 200, body: { ok: true } };
      if (out === 'hang') return;
      if (out === 'destroy') {
        req.socket.destroy();
        return;
      }
      if (out.status < 300 && r.key) applied.add(r.key);
      res.writeHead(out.status, { 'content-type': 'application/json', ...out.headers });
      res.end(JSON.stringify(out.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    applied,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
