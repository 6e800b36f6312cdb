// A small closed-loop HTTP load generator (plain node:http, keep-alive):
// `concurrency` callers each send one request, wait for the whole answer, and
// send the next, until `seconds` have passed (requests in flight then finish).
// Used by bench/peer.mjs to drive Baton and n8n the same way.
import http from 'node:http';
import { percentile } from './util.mjs';

/**
 * @param {object} o
 * @param {string} o.url            the address to POST to
 * @param {number} o.concurrency    requests in flight
 * @param {number} o.seconds        how long new requests are started
 * @param {(i: number) => string} o.body   the JSON body of request i
 * @param {Record<string,string>} [o.headers]
 * @param {(status: number, body: string, i: number) => boolean} o.ok   whether the answer to request i counts as done
 * @param {number} [o.timeoutMs]    one request's limit (default 120 s): past it the request counts as an error
 * @returns {Promise<{requests:number, ok:number, failed:number, errors:number, statuses:Record<string,number>,
 *   firstFailure:string|null, seconds:number, okPerSec:number, p50:number, p99:number, mean:number, startedAt:number, endedAt:number}>}
 */
export async function drive(o) {
  const target = new URL(o.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.concurrency, maxFreeSockets: o.concurrency });
  const timeoutMs = o.timeoutMs ?? 120_000;
  const latencies = [];
  const statuses = {};
  let requests = 0;
  let ok = 0;
  let errors = 0;
  let firstFailure = null;
  let i = 0;

  const once = (body) =>
    new Promise((resolve) => {
      const req = http.request(
        {
          agent,
          method: 'POST',
          hostname: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...o.headers },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (e) => resolve({ status: 0, body: String(e?.message ?? e) }));
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (e) => resolve({ status: 0, body: String(e?.message ?? e) }));
      req.end(body);
    });

  const startedAt = Date.now();
  const t0 = performance.now();
  const until = t0 + o.seconds * 1000;
  const caller = async () => {
    while (performance.now() < until) {
      const n = i++;
      const body = o.body(n);
      const t = performance.now();
      const r = await once(body);
      const ms = performance.now() - t;
      requests++;
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      if (r.status === 0) errors++;
      if (r.status !== 0 && o.ok(r.status, r.body, n)) {
        ok++;
        latencies.push(ms);
      } else if (!firstFailure) {
        firstFailure = `${r.status || 'no answer'}: ${r.body.slice(0, 200)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, caller));
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  const mean = latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : NaN;
  return {
    requests,
    ok,
    failed: requests - ok,
    errors,
    statuses,
    firstFailure,
    seconds,
    okPerSec: ok / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    mean,
    startedAt,
    endedAt: Date.now(),
  };
}
