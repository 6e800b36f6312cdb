/**
 * A local HTTP side-effect receiver that behaves like a real API with
 * idempotency keys (Stripe-style): the first request with a key is applied and
 * its response remembered; a later request with the same key is not applied
 * again and gets the remembered response. It counts raw deliveries so a test
 * can report how many re-deliveries the sender made (only a crash between
 * "sent" and "recorded" should cause one).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SinkStats {
  /** Every POST received, including re-deliveries. */
  raw: number;
  /** Distinct idempotency keys applied. */
  applied: number;
  /** Requests whose key had been applied already (answered from memory, not applied). */
  redelivered: number;
  /** Requests without an Idempotency-Key (refused with 400). */
  missingKey: number;
}

export interface Sink {
  url: string;
  stats(): SinkStats;
  /** Applied effects by idempotency key -> the parsed body. */
  applied: Map<string, unknown>;
  /** Keys delivered more than once -> delivery count. */
  redeliveries(): Map<string, number>;
  close(): Promise<void>;
}

export async function startSink(opts: { delayMs?: number } = {}): Promise<Sink> {
  const applied = new Map<string, unknown>();
  const deliveries = new Map<string, number>();
  const stats: SinkStats = { raw: 0, applied: 0, redelivered: 0, missingKey: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        const text = JSON.stringify(body);
        res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
      };
      if (req.method !== 'POST') return reply(405, { error: 'POST only' });
      stats.raw++;
      const key = req.headers['idempotency-key'];
      if (typeof key !== 'string' || key.length === 0) {
        stats.missingKey++;
        return reply(400, { error: 'Idempotency-Key required' });
      }
      deliveries.set(key, (deliveries.get(key) ?? 0) + 1);
      const respond = () => {
        if (applied.has(key)) {
          stats.redelivered++;
          return reply(200, { ok: true, key, replayed: true });
        }
        let body: unknown = null;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
        } catch {
          body = Buffer.concat(chunks).toString('utf8');
        }
        applied.set(key, body);
        stats.applied++;
        reply(200, { ok: true, key });
      };
      if (opts.delayMs) setTimeout(respond, opts.delayMs);
      else respond();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => ({ ...stats }),
    applied,
    redeliveries: () => new Map([...deliveries].filter(([, n]) => n > 1)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
