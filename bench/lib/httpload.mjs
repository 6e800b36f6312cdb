#!/usr/bin/env node
// A small HTTP load generator in its own process (so the server under test does not share its event
// loop with the client): node:http with keep-alive, `concurrency` requests in flight, `total` POSTs.
// Usage: node httpload.mjs '<json: { url, total, concurrency, headers, expect, body: "template with {i}" }>'
// Prints one JSON line: { seconds, requests, statuses, p50, p99, max, firstAt, lastAt } (ms, epoch for *At).
import http from 'node:http';

const o = JSON.parse(process.argv[2]);
const url = new URL(o.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: o.concurrency });
const lat = [];
const statuses = {};
let next = 0;
let failure = null;

function one(i) {
  return new Promise((resolve, reject) => {
    const body = Buffer.from(o.body.replaceAll('{i}', String(i)).replaceAll('{m}', String(i % 10)));
    const t = performance.now();
    const req = http.request(
      { agent, hostname: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', headers: { ...o.headers, 'content-length': body.length } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          lat.push(performance.now() - t);
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
          if (o.expect && res.statusCode !== o.expect && !failure) failure = `${res.statusCode}: ${Buffer.concat(chunks).toString('utf8').slice(0, 200)}`;
          resolve();
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const firstAt = Date.now();
const t0 = performance.now();
await Promise.all(
  Array.from({ length: o.concurrency }, async () => {
    while (next < o.total) await one(next++);
  }),
);
const seconds = (performance.now() - t0) / 1000;
lat.sort((a, b) => a - b);
const pct = (p) => lat[Math.min(lat.length - 1, Math.max(0, Math.ceil((p / 100) * lat.length) - 1))];
agent.destroy();
process.stdout.write(`${JSON.stringify({ seconds, requests: lat.length, statuses, p50: pct(50), p99: pct(99), max: lat[lat.length - 1], firstAt, lastAt: Date.now(), failure })}\n`);
